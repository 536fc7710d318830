"""The benchmark library generator: deterministic, the right size, and shaped like real posts."""

from __future__ import annotations

import random
import re
import statistics
from itertools import islice

import pytest

from benchmarks.synth import (
    BLOG_URL,
    CATEGORIES,
    FILMS,
    QUERY_KINDS,
    THEMES_EN,
    THEMES_KO,
    chosung,
    generate_posts,
    generate_queries,
    josa,
    one_jamo_typo,
)
from bot.domain import ParsedPost, SourceKind

N = 300
HANGUL = re.compile(r"[가-힣]")
TITLE_SHAPES = re.compile(
    r"^(?:영화 <.+> 리뷰 \(.+\)"
    r"|.+ \(\d{4}\) 후기 - .+"
    r"|<영화리뷰> .+: .+ \(.+\)"
    r"|\[영화\] .+ 결말 해석 \(.+\)"
    r"|'.+' 감상평 - .+"
    r"|《.+》\(\d{4}\) 노스포 리뷰"
    r"|넷플릭스 영화 .+ 솔직 후기 \(.+\)"
    r"|.+ 리뷰 \| .+에 대하여"
    r"|영화 .+ \(\d{4}\) 리뷰 - .+"
    r"|.+ \(\d{4}\) [Rr]eview(?: \(.+\))?"
    r"|Review: .+ \(\d{4}\) — .+ and .+)$"
)


@pytest.fixture(scope="module")
def posts() -> list[ParsedPost]:
    return list(generate_posts(N, seed=7))


def _english(post: ParsedPost) -> bool:
    return post.category[0] == "English Reviews"


def test_deterministic(posts: list[ParsedPost]) -> None:
    assert list(generate_posts(N, seed=7)) == posts
    other = list(generate_posts(N, seed=8))
    assert [p.title for p in other] != [p.title for p in posts]


def test_a_smaller_library_is_a_prefix_up_to_dates(posts: list[ParsedPost]) -> None:
    small = list(generate_posts(50, seed=7))
    for a, b in zip(small, posts, strict=False):
        assert (a.title, a.url, a.sections, a.themes) == (b.title, b.url, b.sections, b.themes)


def test_count_and_numbering(posts: list[ParsedPost]) -> None:
    assert len(posts) == N
    assert [p.url for p in posts] == [f"{BLOG_URL}/{i}" for i in range(1, N + 1)]
    assert list(generate_posts(0)) == []


def test_dates_span_years_in_order(posts: list[ParsedPost]) -> None:
    dates = [p.published for p in posts]
    assert all(d is not None and d.tzinfo is not None for d in dates)
    stamps = [d for d in dates if d is not None]
    assert stamps == sorted(stamps)
    assert (stamps[-1] - stamps[0]).days > 365 * 10
    few = [p.published for p in generate_posts(10)]
    assert few[-1] is not None and few[0] is not None
    assert (few[-1] - few[0]).days > 365 * 8  # even a tiny library spans years


def test_size_about_two_thousand_korean_characters(posts: list[ParsedPost]) -> None:
    korean = [p for p in posts if not _english(p)]
    lengths = [len(p.text) for p in korean]
    assert 1_900 <= statistics.mean(lengths) <= 2_500
    assert min(lengths) >= 1_500
    assert max(lengths) <= 3_200
    hangul = statistics.mean(len(HANGUL.findall(p.text)) for p in korean)
    assert hangul >= 1_300


def test_mostly_korean_some_english(posts: list[ParsedPost]) -> None:
    share = sum(_english(p) for p in posts) / len(posts)
    assert 0.08 <= share <= 0.25
    for post in posts:
        if _english(post):
            assert not HANGUL.search(post.text)


def test_sections(posts: list[ParsedPost]) -> None:
    for post in posts:
        intro, *headed = post.sections
        assert intro.heading is None and intro.level == 0 and intro.text
        assert 3 <= len(headed) <= 6
        assert all(s.heading and s.text and s.level in (2, 3) for s in headed)
        assert len({s.heading for s in headed}) == len(headed)
        assert all("  " not in s.text and not s.text.endswith(" ") for s in post.sections)


def test_no_sentence_repeats_a_character_against_itself(posts: list[ParsedPost]) -> None:
    for post in posts[:100]:
        for name in post.tags:
            assert f"{josa(name, '과')} {josa(name, '은')}" not in post.text


def test_titles_films_and_themes(posts: list[ParsedPost]) -> None:
    pool = {f.title for f in FILMS} | {f.english for f in FILMS if f.english}
    for post in posts:
        assert TITLE_SHAPES.match(post.title), post.title
        assert post.kind is SourceKind.TISTORY_PAGE
        assert post.film in pool
        assert post.film is not None and post.film in post.title
        assert post.film_year is not None and 1980 <= post.film_year <= 2030
        vocabulary = THEMES_EN if _english(post) else THEMES_KO
        assert 2 <= len(post.themes) <= 4
        assert all(t in vocabulary for t in post.themes)
        assert set(post.themes) <= set(post.tags)
        assert post.category in CATEGORIES
    assert len({p.film for p in posts}) > 100  # drawn from a pool of a few hundred


def test_film_pool() -> None:
    assert 300 <= len(FILMS) <= 500
    assert len({(f.title, f.year) for f in FILMS}) == len(FILMS)
    titles = {f.title for f in FILMS}
    sequels = [f.title for f in FILMS if re.search(r" [2-9]$", f.title)]
    assert len(sequels) >= 10
    # every sequel's first film is in the pool too ("듄: 파트 2" follows "듄")
    assert all(s.rsplit(" ", 1)[0].split(":")[0] in titles for s in sequels)
    assert 140 <= len(THEMES_KO) <= 170


def test_category_box_points_at_earlier_posts(posts: list[ParsedPost]) -> None:
    by_url = {p.url: p for p in posts}
    stubs = resolved = 0
    for post in posts:
        assert len(post.related) <= 5
        assert all(r.url != post.url for r in post.related)
        for ref in post.related:
            target = by_url.get(ref.url)
            if target is None:
                stubs += 1
                assert ref.url is not None and ref.url.startswith(f"{BLOG_URL}/")
                continue
            resolved += 1
            assert target.title == ref.title
            assert target.category == post.category
            assert target.published is not None and ref.published == target.published.date()
    assert resolved > 5 * stubs > 0


def test_nested_categories(posts: list[ParsedPost]) -> None:
    paths = {p.category for p in posts}
    assert ("리뷰", "한국영화") in paths
    assert any(len(path) == 3 for path in paths)


def test_queries_deterministic_and_per_kind() -> None:
    queries = generate_queries(50, seed=3)
    assert queries == generate_queries(50, seed=3)
    assert len(queries) == 50 * len(QUERY_KINDS)
    for kind in QUERY_KINDS:
        of_kind = [q for q in queries if q.kind == kind]
        assert len(of_kind) == 50
        assert all(q.text.strip() for q in of_kind)
    assert generate_queries(5, seed=1, kinds=("film",)) == generate_queries(5, seed=1)[:5]


def test_film_queries_cover_the_lookup_cases() -> None:
    queries = [q for q in generate_queries(400, seed=0) if q.kind == "film"]
    variants = {q.variant for q in queries}
    assert {"exact", "typo", "chosung", "prefix", "alias", "unknown", "no-spaces"} <= variants
    titles = {f.title for f in FILMS}
    for query in queries:
        assert query.expected is None or query.expected in titles
        if query.variant == "chosung":
            assert re.fullmatch(r"[ㄱ-ㅎ\W\d]+", query.text), query.text
        if query.variant == "prefix":
            assert query.expected is not None and query.expected.startswith(query.text)
            assert query.text != query.expected


def test_theme_and_category_queries() -> None:
    queries = generate_queries(200, seed=0)
    themes = [q for q in queries if q.kind == "theme"]
    assert {"exact", "inflected"} <= {q.variant for q in themes}
    assert all(q.expected in THEMES_KO or q.expected in THEMES_EN for q in themes)
    paths = {" > ".join(c) for c in CATEGORIES} | {c[0] for c in CATEGORIES}
    assert all(q.expected in paths for q in queries if q.kind == "category")


def test_helpers() -> None:
    assert chosung("헤어질 결심") == "ㅎㅇㅈ ㄱㅅ"
    assert josa("기생충", "은") == "기생충은"
    assert josa("시", "은") == "시는"
    assert josa("서울", "으로") == "서울로"
    assert josa("바다", "과") == "바다와"
    rng = random.Random(1)
    for title in ("기생충", "헤어질 결심", "Past Lives"):
        typo = one_jamo_typo(title, rng)
        assert typo != title and len(typo) == len(title)


def test_generator_is_lazy() -> None:
    # a generator: asking for a few posts of a huge library costs only those few
    first = list(islice(generate_posts(10_000_000, seed=7), 3))
    assert len(first) == 3
