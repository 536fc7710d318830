"""The core's lookups on the built-in sample library, on SQLite and on PostgreSQL.

The sample library is ingested once per backend for the whole session (analysis makes that the
slow part) and every test opens its own repository on it; tests that write only touch
per-user or per-query rows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.lookups import Lookups
from bot.results import LookupKind, RelatedOrigin
from storage.repository import open_repository


@pytest.fixture(params=["sqlite", "postgresql"])
async def lookups(
    request: pytest.FixtureRequest, sample_sqlite: str, sample_pg: str
) -> AsyncIterator[Lookups]:
    if request.param == "sqlite":
        url = sample_sqlite
    else:
        if not sample_pg:
            pytest.skip("PostgreSQL not reachable")
        url = sample_pg
    repo = await open_repository(url)
    try:
        yield Lookups(repo)
    finally:
        await repo.close()


def titles(result: object) -> list[str]:
    return [h.post.title for h in getattr(result, "hits", ())]


def films(result: object) -> list[str | None]:
    return [h.post.film for h in getattr(result, "hits", ())]


# --- by film --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "film"),
    [
        ("헤어질결심", "헤어질 결심"),
        ("<헤어질 결심>", "헤어질 결심"),
        ("헤어질 결심 리뷰", "헤어질 결심"),
        ("기생층", "기생충"),  # one jamo off
        ("ㅎㅇㅈ ㄱㅅ", "헤어질 결심"),  # initial consonants
        ("ㄱㅅㅊ", "기생충"),
        ("죽은 시인", "죽은 시인의 사회"),  # a prefix
        ("The Host", "괴물"),  # an alias in another language
        ("parasite", "기생충"),
        ("듄 2", "듄: 파트 2"),  # sequels are told apart
        ("듄", "듄"),
        ("Dune: Part Two", "듄: 파트 2"),
        ("past lives", "Past Lives"),
    ],
)
async def test_film_queries_find_the_film(lookups: Lookups, query: str, film: str) -> None:
    result = await lookups.by_film(query)
    assert result.kind is LookupKind.FILM
    assert result.hits, (query, result.message, result.suggestions)
    assert set(films(result)) == {film}
    assert result.total == len(result.hits)


async def test_unknown_film_says_so_without_junk(lookups: Lookups) -> None:
    result = await lookups.by_film("아이언맨")
    assert not result.hits and result.message == "film.not_found"
    assert result.suggestions == ()
    assert result.message_args == {"query": "아이언맨"}


async def test_stubs_appear_marked_with_their_link(lookups: Lookups) -> None:
    result = await lookups.by_film("라라랜드")
    assert [h.post.stub for h in result.hits] == [True]
    assert result.hits[0].post.url


async def test_stubs_are_found_by_theme_and_text_from_their_titles(lookups: Lookups) -> None:
    # 곡성 and 김씨 표류기 are only known from other posts' related boxes
    by_theme = await lookups.by_theme("미끼")
    assert [(h.post.stub, h.post.title) for h in by_theme.hits] == [
        (True, "영화 <곡성> 리뷰 (의심, 미끼)")
    ]
    assert by_theme.hits[0].post.url
    by_text = await lookups.search("짜장면")
    assert by_text.hits and all(h.post.stub for h in by_text.hits)
    assert "김씨 표류기" in by_text.hits[0].post.title
    # ranked below full reviews that are about the theme, not left out
    lonely = await lookups.by_theme("외로움")
    assert not lonely.hits[0].post.stub
    assert any(h.post.stub for h in lonely.hits)


async def test_more_like_this_lists_only_readable_reviews(lookups: Lookups) -> None:
    posts = await lookups.repo.list_posts(include_stubs=False, limit=100)
    for post in posts:
        items = await lookups.related(post.id, limit=12)
        similar = [i for i in items if i.origin is RelatedOrigin.SIMILAR]
        assert not any(i.stub for i in similar), (post.title, similar)


@pytest.mark.parametrize("query", ["", "   ", "!!!", "\x00\x01", '" * NEAR OR'])
async def test_empty_or_punctuation_film_queries(lookups: Lookups, query: str) -> None:
    result = await lookups.by_film(query)
    assert not result.hits
    assert result.message in {"query.empty", "film.not_found"}


async def test_overlong_queries_are_cut_not_fatal(lookups: Lookups) -> None:
    for lookup in (lookups.by_film, lookups.by_theme, lookups.search, lookups.by_category):
        result = await lookup("기생충 " * 2000)
        assert len(result.query) <= 300


# --- by theme -------------------------------------------------------------------------------


async def test_theme_ranks_explicit_themes_first(lookups: Lookups) -> None:
    result = await lookups.by_theme("외로움")
    assert result.hits
    assert "외로움" in result.hits[0].post.themes


async def test_theme_matches_inflected_forms(lookups: Lookups) -> None:
    inflected = await lookups.by_theme("외로운")
    noun = await lookups.by_theme("외로움")
    assert titles(inflected)[:1] == titles(noun)[:1]
    assert inflected.total == noun.total


async def test_theme_spacing_does_not_matter(lookups: Lookups) -> None:
    spaced = await lookups.by_theme("재난 영화")
    glued = await lookups.by_theme("재난영화")
    assert titles(spaced) == titles(glued)


async def test_theme_pages_do_not_overlap(lookups: Lookups) -> None:
    first = await lookups.by_theme("가족", limit=2)
    second = await lookups.by_theme("가족", limit=2, offset=2)
    assert first.total == second.total > 2
    assert first.has_next and second.has_previous
    assert not set(titles(first)) & set(titles(second))


async def test_unknown_theme(lookups: Lookups) -> None:
    result = await lookups.by_theme("양자역학")
    assert not result.hits and result.message == "theme.not_found"


# --- by category ----------------------------------------------------------------------------


async def test_categories_count_their_children(lookups: Lookups) -> None:
    counts = {c.path: c.count for c in await lookups.categories()}
    assert counts[("리뷰",)] == counts[("리뷰", "한국영화")] + counts[("리뷰", "외국영화")]


async def test_category_lists_newest_first_with_children(lookups: Lookups) -> None:
    parent = await lookups.by_category("리뷰", limit=50)
    child = await lookups.by_category("리뷰 > 한국영화", limit=50)
    assert set(titles(child)) < set(titles(parent))
    dates = [h.post.published for h in parent.hits if h.post.published]
    assert dates == sorted(dates, reverse=True)


async def test_category_pagination(lookups: Lookups) -> None:
    pages = [await lookups.by_category("리뷰", limit=4, offset=o) for o in (0, 4, 8, 12)]
    seen = [t for page in pages for t in titles(page)]
    assert len(seen) == len(set(seen)) == min(16, pages[0].total)


async def test_unknown_category(lookups: Lookups) -> None:
    result = await lookups.by_category("다큐멘터리")
    assert result.message == "category.not_found"


# --- free text ------------------------------------------------------------------------------


async def test_search_all_words_first(lookups: Lookups) -> None:
    result = await lookups.search("반지하 계단")
    assert films(result)[:1] == ["기생충"]
    assert result.message is None


async def test_search_falls_back_to_any_word(lookups: Lookups) -> None:
    result = await lookups.search("사막 예언 양자역학")
    assert result.message == "search.relaxed"
    assert {"듄", "듄: 파트 2"} & set(films(result))


@pytest.mark.parametrize("query", ['"', "*", "NEAR(a b)", "a OR b", "기생충 AND", "'; DROP"])
async def test_search_syntax_is_just_text(lookups: Lookups, query: str) -> None:
    result = await lookups.search(query)
    assert result.kind is LookupKind.TEXT  # no exception, a plain answer


# --- random, review, related ---------------------------------------------------------------


async def test_random_within_a_theme(lookups: Lookups) -> None:
    for _ in range(5):
        result = await lookups.random(theme="재난")
        assert len(result.hits) == 1
        post = result.hits[0].post
        assert not post.stub
        assert "재난" in (*post.themes, *post.mined_themes, *post.tags) or "재난" in post.summary


async def test_random_review_is_a_full_post(lookups: Lookups) -> None:
    result = await lookups.random()
    assert len(result.hits) == 1 and not result.hits[0].post.stub


async def test_review_has_summary_and_excerpts(lookups: Lookups) -> None:
    post_id = (await lookups.by_film("기생충")).hits[0].post.id
    post = await lookups.review(post_id)
    assert post is not None
    assert 0 < len(post.summary) <= 350
    assert len(post.excerpts) == len(post.sections)
    headings = {s.heading for s in post.sections if s.heading}
    assert all(len(e) <= 400 for e in post.excerpts)
    assert not any(h in post.summary for h in headings if len(h) > 12)
    assert "카테고리의 다른 글" not in post.summary


async def test_unknown_review(lookups: Lookups) -> None:
    assert await lookups.review(999_999) is None
    assert await lookups.related(999_999) == []


async def test_related_blog_list_first_then_similar(lookups: Lookups) -> None:
    post = (await lookups.by_film("기생충")).hits[0].post
    full = await lookups.review(post.id)
    assert full is not None
    items = await lookups.related(post.id, limit=10)
    blog = [i for i in items if i.origin is RelatedOrigin.BLOG]
    assert [i.title for i in blog] == [r.title for r in full.related][: len(blog)]
    assert items[: len(blog)] == blog
    assert any(i.origin is RelatedOrigin.SIMILAR for i in items)
    ids = [i.post_id for i in items if i.post_id is not None]
    assert post.id not in ids and len(ids) == len(set(ids))


# --- autocomplete and state -------------------------------------------------------------------


async def test_autocomplete(lookups: Lookups) -> None:
    assert "기생충" in [c.title for c in await lookups.film_choices("ㄱㅅ")]
    assert "죽은 시인의 사회" in [c.title for c in await lookups.film_choices("죽은")]
    assert len(await lookups.film_choices("")) <= 25
    assert "가족" in await lookups.theme_choices("가")
    assert "리뷰 > 한국영화" in await lookups.category_choices("한국")


async def test_remembered_queries_and_languages(lookups: Lookups) -> None:
    key = await lookups.remember_query("theme", "가족")
    assert len(key) <= 12 and key.isascii()
    assert await lookups.recall_query(key) == ("theme", "가족")
    assert await lookups.recall_query("nonsense") is None
    user = f"test:{uuid.uuid4().hex}"
    assert await lookups.user_lang(user) is None
    await lookups.set_user_lang(user, "en")
    assert await lookups.user_lang(user) == "en"


def test_sample_library_is_analysed(sample_sqlite: str) -> None:
    async def check() -> None:
        repo = await open_repository(sample_sqlite)
        try:
            posts = await repo.list_posts(include_stubs=False)
            assert posts and all(p.summary for p in posts)
            assert all(p.mined_themes for p in posts)
        finally:
            await repo.close()

    asyncio.run(check())
    assert Path(sample_sqlite.split("///", 1)[1]).exists()


async def test_a_word_most_reviews_hold_does_not_narrow_a_theme(lookups: Lookups) -> None:
    alone = await lookups.by_theme("가족", limit=20)
    with_filler = await lookups.by_theme("가족 영화", limit=20)
    assert alone.total > 0
    assert [h.post.id for h in with_filler.hits] == [h.post.id for h in alone.hits]
    assert with_filler.query == "가족 영화"
