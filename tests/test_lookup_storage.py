"""The repository's lookup side, on SQLite and PostgreSQL alike (``repo`` in conftest).

Analyses are built by hand (no Kiwi): each test says which terms a post holds in which field,
so that ranking, rarity and the AND/OR rules can be pinned exactly.
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.domain import THEME_WEIGHTS as REAL
from bot.domain import (
    CategoryCount,
    IndexTerm,
    IngestStatus,
    LetterboxdInfo,
    ParsedPost,
    PostAnalysis,
    RelatedRef,
    Section,
    Sentence,
    SourceKind,
    TermField,
)
from bot.ports import StorageError
from storage import analysis_store, migrate, search
from storage.engine import create_engine, parse_url
from storage.repository import SqlRepository, _ensure_schema, open_repository

ADDED, UPDATED, UNCHANGED = IngestStatus.ADDED, IngestStatus.UPDATED, IngestStatus.UNCHANGED
THEME_WEIGHTS = {"theme": 3.0, "title": 2.5, "heading": 1.5, "keyword": 1.2, "body": 0.5}


def analysis(
    version: int = 1,
    *,
    title: Sequence[str] = (),
    theme: Sequence[str] = (),
    heading: Sequence[str] = (),
    keyword: Sequence[str] = (),
    body: Sequence[str] = (),
    summary: str = "",
    excerpts: Sequence[str] = (),
) -> PostAnalysis:
    """An analysis whose term stream is title, themes, headings, then body, in that order."""
    index = [IndexTerm(t, TermField.TITLE, 1.0) for t in title]
    index += [IndexTerm(t, TermField.THEME, 1.0) for t in theme]
    index += [IndexTerm(t, TermField.HEADING, 1.0) for t in heading]
    index += [IndexTerm(t, TermField.KEYWORD, 0.8) for t in keyword]
    index += [IndexTerm(t, TermField.BODY, float(n)) for t, n in Counter(body).items()]
    return PostAnalysis(
        version=version,
        sentences=(Sentence(" ".join(body) or "-", 0, tuple(body)),),
        terms=(*title, *theme, *heading, *body),
        index_terms=tuple(index),
        mined_themes=tuple((k, 1.0 - n / 10) for n, k in enumerate(keyword)),
        summary=summary,
        excerpts=tuple(excerpts),
    )


def post(
    n: int, *, day: int | None = None, result: PostAnalysis | None = None, **changes: object
) -> ParsedPost:
    """Post ``n`` of a blog, published on day ``day`` (default ``n``) of January 2024."""
    base = ParsedPost(
        title=f"<영화{n}> 리뷰",
        kind=SourceKind.TISTORY_PAGE,
        url=f"https://films.tistory.com/{n}",
        published=datetime(2024, 1, day or n, 12, 0, tzinfo=UTC),
        category=("리뷰",),
        sections=(Section(None, f"본문 {n}"), Section("결말", f"결말 {n}", 2)),
        analysis=result,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def save(repo: SqlRepository, *posts: ParsedPost) -> list[int]:
    return [r.post_id for r in await repo.save_posts(posts, source="test")]


async def ids_of(results: tuple[list[object], int]) -> tuple[list[int], int]:
    found, total = results
    return [r.post_id for r in found], total  # type: ignore[attr-defined]


# --- storing an analysis ----------------------------------------------------------------------


async def test_analysis_is_stored_with_the_post(repo: SqlRepository) -> None:
    result = analysis(
        2,
        theme=("가족",),
        keyword=("계단", "냄새"),
        body=("가족", "계단", "계단"),
        summary="가족과 계단의 영화.",
        excerpts=("도입 발췌", "결말 발췌"),
    )
    [pid] = await save(repo, post(1, result=result, film="기생충", film_year=2019))
    stored = await repo.get_post(pid)
    assert stored is not None
    assert stored.summary == "가족과 계단의 영화."
    assert stored.excerpts == ("도입 발췌", "결말 발췌")
    assert stored.mined_themes == ("계단", "냄새")
    assert stored.analysed_version == 2
    assert stored.film_id is not None and stored.film == "기생충"

    # Cards: post fields, film and summary, but no sections, excerpts or related entries.
    [card] = await repo.list_posts()
    assert (card.id, card.summary, card.film, card.film_year) == (
        pid,
        stored.summary,
        "기생충",
        2019,
    )
    assert (card.sections, card.excerpts, card.related) == ((), (), ())
    [card] = await repo.get_posts([pid])
    assert card.sections == () and card.summary == stored.summary
    [full] = await repo.get_posts([pid], full=True)
    assert full.sections == stored.sections and full.excerpts == stored.excerpts

    # A post without analysis: an empty summary, one empty excerpt per section.
    [other] = await save(repo, post(2))
    plain = await repo.get_post(other)
    assert plain is not None
    assert (plain.summary, plain.excerpts, plain.analysed_version) == ("", ("", ""), None)


async def test_fewer_excerpts_than_sections(repo: SqlRepository) -> None:
    [pid] = await save(repo, post(1, result=analysis(excerpts=("도입만",))))
    stored = await repo.get_post(pid)
    assert stored is not None and stored.excerpts == ("도입만", "")


async def test_get_posts_keeps_the_given_order(repo: SqlRepository) -> None:
    a, b, c = await save(repo, post(1), post(2), post(3))
    got = await repo.get_posts([c, 999_999, a, c, b])
    assert [p.id for p in got] == [c, a, b]
    assert await repo.get_posts([]) == []


async def test_unchanged_post_gets_a_newer_analysis(repo: SqlRepository) -> None:
    plain = post(1)
    [pid] = await save(repo, plain)
    assert await repo.search_text(["가족"], require_all=True, limit=10) == ([], 0)

    # Unchanged, but never analysed: the analysis is stored and the post is still UNCHANGED.
    v1 = replace(plain, analysis=analysis(1, theme=("가족",), summary="하나"))
    [r] = await repo.save_posts([v1], source="again")
    assert (r.status, r.post_id) == (UNCHANGED, pid)
    assert await ids_of(await repo.search_text(["가족"], require_all=True, limit=10)) == ([pid], 1)
    stored = await repo.get_post(pid)
    assert stored is not None and (stored.summary, stored.analysed_version) == ("하나", 1)
    assert stored.source == "test"  # the post itself was not rewritten

    # The same version again, or an older one: nothing is replaced.
    same = replace(plain, analysis=analysis(1, theme=("재난",), summary="둘"))
    older = replace(plain, analysis=analysis(0, theme=("재난",), summary="셋"))
    for again in (same, older):
        [r] = await repo.save_posts([again], source="again")
        assert r.status is UNCHANGED
    stored = await repo.get_post(pid)
    assert stored is not None and stored.summary == "하나"

    # A newer version replaces the old analysis: terms, full text and summary alike.
    v2 = replace(plain, analysis=analysis(2, theme=("재난",), summary="넷"))
    [r] = await repo.save_posts([v2], source="again")
    assert r.status is UNCHANGED
    assert await repo.search_text(["가족"], require_all=True, limit=10) == ([], 0)
    assert await ids_of(await repo.search_text(["재난"], require_all=True, limit=10)) == ([pid], 1)
    assert await repo.document_frequencies(["가족", "재난"]) == ({"가족": 0, "재난": 1}, 1)
    stored = await repo.get_post(pid)
    assert stored is not None and (stored.summary, stored.analysed_version) == ("넷", 2)


async def test_changed_post_replaces_its_analysis(repo: SqlRepository) -> None:
    [pid] = await save(repo, post(1, result=analysis(theme=("가족",))))
    edited = post(1, sections=(Section(None, "고친 본문"),), result=analysis(theme=("재난",)))
    [r] = await repo.save_posts([edited], source="edit")
    assert r.status is UPDATED
    assert await repo.search_text(["가족"], require_all=True, limit=5) == ([], 0)
    assert await ids_of(await repo.search_text(["재난"], require_all=True, limit=5)) == ([pid], 1)


async def test_text_change_without_analysis_drops_the_old_one(repo: SqlRepository) -> None:
    [pid] = await save(
        repo, post(1, result=analysis(theme=("가족",), summary="요약", excerpts=("a", "b")))
    )
    [r] = await repo.save_posts([post(1, sections=(Section(None, "새 글"),))], source="x")
    assert r.status is UPDATED
    stored = await repo.get_post(pid)
    assert stored is not None
    assert (stored.summary, stored.excerpts, stored.analysed_version) == ("", ("",), None)
    assert await repo.search_text(["가족"], require_all=False, limit=5) == ([], 0)
    assert await repo.search_terms(["가족"], weights=THEME_WEIGHTS, limit=5) == ([], 0)
    assert await repo.document_frequencies(["가족"]) == ({"가족": 0}, 0)
    assert [p.id for p in await repo.posts_to_analyse(1, limit=10)] == [pid]


async def test_metadata_change_without_analysis_asks_for_a_new_one(repo: SqlRepository) -> None:
    [pid] = await save(repo, post(1, result=analysis(theme=("가족",), summary="요약")))
    assert await repo.posts_to_analyse(1, limit=10) == []
    [r] = await repo.save_posts([post(1, themes=("재난",))], source="x")
    assert r.status is UPDATED
    stored = await repo.get_post(pid)
    # Still findable and summarised until re-analysed, but queued for it.
    assert stored is not None and (stored.summary, stored.analysed_version) == ("요약", None)
    assert await ids_of(await repo.search_text(["가족"], require_all=True, limit=5)) == ([pid], 1)
    assert [p.id for p in await repo.posts_to_analyse(1, limit=10)] == [pid]


async def test_teaser_analysis_never_replaces_the_full_texts(repo: SqlRepository) -> None:
    [pid] = await save(repo, post(1, result=analysis(theme=("가족",), summary="전문 요약")))
    teaser = post(
        1, teaser=True, sections=(Section(None, "앞부분…"),), result=analysis(5, summary="앞")
    )
    assert [r.status for r in await repo.save_posts([teaser], source="feed")] == [UNCHANGED]
    stored = await repo.get_post(pid)
    assert stored is not None and (stored.summary, stored.analysed_version) == ("전문 요약", 1)


async def test_stub_becomes_a_full_indexed_post(repo: SqlRepository) -> None:
    ref = RelatedRef("<영화2> 리뷰", "https://films.tistory.com/2")
    [a] = await save(repo, post(1, related=(ref,), result=analysis(theme=("가족",))))
    [rel] = (await repo.get_post(a)).related  # type: ignore[union-attr]
    assert rel.stub and rel.post_id is not None
    # the stub waits for its title's analysis, which makes it findable before its post comes
    todo = await repo.posts_to_analyse(1, limit=10, new_stubs_only=True)
    assert [p.id for p in todo] == [rel.post_id] and todo[0].stub
    await repo.save_analysis(rel.post_id, analysis(theme=("영화",)))
    assert await repo.posts_to_analyse(1, limit=10, new_stubs_only=True) == []
    assert await ids_of(await repo.search_text(["영화"], require_all=True, limit=5)) == (
        [rel.post_id],
        1,
    )

    [r] = await repo.save_posts([post(2, result=analysis(theme=("가족", "복수")))], source="2")
    assert (r.status, r.post_id) == (ADDED, rel.post_id)
    # the post's analysis replaced the stub's, counters included
    assert await repo.search_text(["영화"], require_all=True, limit=5) == ([], 0)
    assert await ids_of(await repo.search_text(["복수"], require_all=True, limit=5)) == (
        [rel.post_id],
        1,
    )
    assert await repo.document_frequencies(["가족"]) == ({"가족": 2}, 2)
    stored = await repo.get_post(rel.post_id)
    assert stored is not None and stored.analysed_version == 1


async def test_a_failing_save_stores_no_analysis(repo: SqlRepository) -> None:
    version = await repo.library_version()
    batch = [
        post(1, result=analysis(theme=("가족",), summary="요약")),
        post(2, letterboxd=LetterboxdInfo(rating=9.5), result=analysis(theme=("가족",))),
    ]
    with pytest.raises(StorageError):
        await repo.save_posts(batch, source="bad")
    assert await repo.count_posts(include_stubs=True) == 0
    assert await repo.search_text(["가족"], require_all=False, limit=5) == ([], 0)
    assert await repo.search_terms(["가족"], weights=THEME_WEIGHTS, limit=5) == ([], 0)
    assert await repo.document_frequencies(["가족"]) == ({"가족": 0}, 0)
    assert await repo.library_version() == version
    # And a good save afterwards indexes normally.
    [pid] = await save(repo, batch[0])
    assert await ids_of(await repo.search_text(["가족"], require_all=False, limit=5)) == ([pid], 1)


async def test_posts_to_analyse_and_save_analysis(repo: SqlRepository) -> None:
    a, b = await save(repo, post(1), post(2, result=analysis(1, theme=("가족",))))
    await save(
        repo, post(3, related=(RelatedRef("<스텁> 리뷰", "https://x/stub"),), result=analysis(2))
    )
    todo = await repo.posts_to_analyse(2, limit=10)
    assert [p.id for p in todo][:2] == [a, b] and len(todo) == 3
    assert todo[2].stub  # stubs too: their titles are searchable
    assert todo[0].sections == post(1).sections  # full posts, ready to analyse
    [stub] = await repo.posts_to_analyse(2, limit=10, new_stubs_only=True)
    assert stub.id == todo[2].id
    await repo.save_analysis(stub.id, analysis(2))
    assert [p.id for p in await repo.posts_to_analyse(2, limit=1)] == [a]
    assert [p.id for p in await repo.posts_to_analyse(1, limit=10)] == [a]

    version = await repo.library_version()
    await repo.save_analysis(a, analysis(2, theme=("우정",), summary="새 요약", excerpts=("x",)))
    assert await repo.library_version() != version
    assert [p.id for p in await repo.posts_to_analyse(2, limit=10)] == [b]
    stored = await repo.get_post(a)
    assert stored is not None
    assert (stored.summary, stored.excerpts, stored.analysed_version) == ("새 요약", ("x", ""), 2)
    assert stored.source == "test" and stored.sections == post(1).sections
    assert await ids_of(await repo.search_text(["우정"], require_all=True, limit=5)) == ([a], 1)

    # Replacing keeps the counters right: 가족 moves from b to a.
    await repo.save_analysis(b, analysis(2, theme=("우정",)))
    await repo.save_analysis(a, analysis(3, theme=("가족",)))
    assert await repo.document_frequencies(["가족", "우정"]) == ({"가족": 1, "우정": 1}, 2)
    await repo.save_analysis(999_999, analysis(3))  # unknown: nothing to do


# --- full-text search -------------------------------------------------------------------------


async def _library(repo: SqlRepository) -> list[int]:
    """Four posts; 가족 is common, 계단 and 냄새 are rarer, 홍수 is in one post only."""
    return await save(
        repo,
        post(1, result=analysis(body=("가족", "가족", "계단", "냄새"))),
        post(2, result=analysis(body=("가족", "계단"))),
        post(3, result=analysis(body=("가족", "홍수", "홍수"))),
        post(4, result=analysis(body=("가족", "여름"))),
        post(5),  # not analysed: never found
    )


async def test_search_text_and_versus_or(repo: SqlRepository) -> None:
    p1, p2, p3, p4, _p5 = await _library(repo)
    found, total = await ids_of(
        await repo.search_text(["가족", "계단"], require_all=True, limit=10)
    )
    assert (sorted(found), total) == ([p1, p2], 2)
    found, total = await ids_of(
        await repo.search_text(["계단", "홍수"], require_all=False, limit=10)
    )
    assert (sorted(found), total) == ([p1, p2, p3], 3)
    assert await repo.search_text(["계단", "홍수"], require_all=True, limit=10) == ([], 0)
    # OR: the rare term counts for more than the common one.
    results, total = await repo.search_text(["가족", "홍수"], require_all=False, limit=10)
    assert total == 4 and results[0].post_id == p3
    assert all(a.score >= b.score for a, b in itertools.pairwise(results))
    assert all(r.score > 0 for r in results)
    # More occurrences of a term rank higher.
    results, _ = await repo.search_text(["계단"], require_all=True, limit=10)
    assert {r.post_id for r in results} == {p1, p2}
    assert p4 not in {r.post_id for r in results}


async def test_search_text_ranks_many_matches_alike(
    repo: SqlRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL ranks many matches from post_terms rather than ts_rank: same rules.
    monkeypatch.setattr(search, "PG_TS_RANK_MATCHES", 0)
    p1, p2, p3, _p4, _p5 = await _library(repo)
    results, total = await repo.search_text(["가족", "홍수"], require_all=False, limit=10)
    assert total == 4 and results[0].post_id == p3
    found, total = await ids_of(await repo.search_text(["계단", "가족"], require_all=True, limit=9))
    assert (sorted(found), total) == ([p1, p2], 2)
    pages = [await repo.search_text(["가족"], require_all=True, limit=2, offset=o) for o in (0, 2)]
    assert [total for _, total in pages] == [4, 4]
    assert len({r.post_id for found, _ in pages for r in found}) == 4


async def test_search_text_shortlists_very_many_matches(
    repo: SqlRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first pages of a huge match set are ranked among the posts that weigh the rarest
    word most; on this small library every match is on the shortlist, so the page is complete
    and holds the same posts, best first."""
    monkeypatch.setattr(search, "RANK_ALL_MATCHES", 0)
    monkeypatch.setattr(search, "PG_TS_RANK_MATCHES", 0)
    used: list[bool] = []
    shortlisted = search._shortlisted

    async def spy(*args: Any, **kwargs: Any) -> Any:
        found = await shortlisted(*args, **kwargs)
        used.append(found is not None)
        return found

    monkeypatch.setattr(search, "_shortlisted", spy)
    p1, p2, p3, _p4, _p5 = await _library(repo)
    results, total = await repo.search_text(["가족", "홍수"], require_all=False, limit=10)
    assert total == 4 and results[0].post_id == p3 and len(results) == 4
    assert all(a.score >= b.score for a, b in itertools.pairwise(results))
    found, total = await ids_of(await repo.search_text(["계단", "가족"], require_all=True, limit=9))
    assert (sorted(found), total) == ([p1, p2], 2)
    assert used == [True, True]  # both databases shortlisted both pages


async def test_a_shortlist_without_a_whole_page_ranks_every_match(
    repo: SqlRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "RANK_ALL_MATCHES", 0)
    monkeypatch.setattr(search, "SHORTLIST", 1)
    # 바다 is the rarer word (ties go by the word); its best post lacks 산
    a, b, _c = await save(
        repo,
        post(1, result=analysis(theme=("바다",), body=["바다"] * 3)),
        post(2, result=analysis(body=["바다", "산"])),
        post(3, result=analysis(body=["산"])),
    )
    assert await ids_of(await repo.search_text(["바다", "산"], require_all=True, limit=1)) == (
        [b],
        1,
    )
    found, total = await ids_of(await repo.search_text(["바다", "산"], require_all=False, limit=5))
    assert total == 3 and set(found) == {a, b, _c}


async def test_search_text_pages(repo: SqlRepository) -> None:
    await _library(repo)
    everything, total = await repo.search_text(["가족"], require_all=True, limit=10)
    assert total == 4 and len(everything) == 4
    pages = [await repo.search_text(["가족"], require_all=True, limit=3, offset=o) for o in (0, 3)]
    assert [len(found) for found, _ in pages] == [3, 1]
    assert [total for _, total in pages] == [4, 4]
    assert [r.post_id for found, _ in pages for r in found] == [r.post_id for r in everything]
    assert await repo.search_text(["가족"], require_all=True, limit=3, offset=10) == ([], 4)
    assert await repo.search_text(["가족"], require_all=True, limit=0) == ([], 4)


HOSTILE = [
    '"',
    '""',
    "*",
    "NEAR",
    "NEAR(가족 계단)",
    "OR",
    "AND",
    "NOT",
    ":",
    "'",
    "\\",
    "-",
    "+",
    "^가족",
    "가족*",
    "terms:가족",
    "{terms}: 가족",
    'a"b',
    '"가족" OR "*"',
    "'; DROP TABLE posts; --",
    "가족\x00",
    "\ud800",
    "🙂",
    "   ",
    "",
]


async def test_search_text_with_hostile_terms(repo: SqlRepository) -> None:
    p1, p2, p3, p4, _ = await _library(repo)
    for term in HOSTILE:
        for require_all in (True, False):
            found, total = await repo.search_text([term], require_all=require_all, limit=10)
            assert total == len(found), term
            # Never more than the posts holding 가족, and nothing syntax could have added.
            assert {r.post_id for r in found} <= {p1, p2, p3, p4}, term
        # Mixed with a real term: syntax-only terms drop out, words must still match.
        found, _ = await repo.search_text(["홍수", term], require_all=False, limit=10)
        assert p3 in {r.post_id for r in found}, term
    # What the hostile terms do mean: their words, quoted.
    assert (await repo.search_text(["가족*"], require_all=True, limit=10))[1] == 4
    assert (await repo.search_text(["^가족"], require_all=True, limit=10))[1] == 4
    assert (await repo.search_text(["가족\x00"], require_all=True, limit=10))[1] == 4
    assert await repo.search_text(["NEAR"], require_all=True, limit=10) == ([], 0)
    assert await repo.search_text(["*"], require_all=False, limit=10) == ([], 0)
    assert await repo.search_text(['"가족" OR "*"'], require_all=True, limit=10) == ([], 0)
    assert await repo.search_text(["홍수", "NEAR"], require_all=True, limit=10) == ([], 0)
    assert await ids_of(await repo.search_text(["홍수", "*"], require_all=True, limit=10)) == (
        [p3],
        1,
    )
    assert await repo.search_terms(HOSTILE, weights=THEME_WEIGHTS, limit=5) == ([], 0)
    assert await repo.document_frequencies(["'", '"', "\x00"]) == ({"'": 0, '"': 0, "\x00": 0}, 4)
    assert await repo.count_posts() == 5


async def test_huge_queries(repo: SqlRepository) -> None:
    p1, _p2, p3, _p4, _p5 = await _library(repo)
    noise = [f"잡음{n}" for n in range(5000)]
    assert await repo.search_text(noise, require_all=False, limit=5) == ([], 0)
    flood = await repo.search_text(["홍수", *noise], require_all=False, limit=5)
    assert await ids_of(flood) == ([p3], 1)
    assert await repo.search_terms(["홍수", *noise], weights=THEME_WEIGHTS, limit=5) == ([], 0)
    dfs, n = await repo.document_frequencies(["냄새", *noise])
    assert (dfs["냄새"], len(dfs), n) == (1, 5001, 4)
    assert len(await repo.get_posts([p1] * 3 + list(range(10_000, 12_000)))) == 1


async def test_ids_out_of_range_are_no_posts(repo: SqlRepository) -> None:
    [pid] = await save(repo, post(1, film="괴물", result=analysis(theme=("가족",))))
    for bad in (0, -1, 2**31, 10**20):
        assert await repo.get_post(bad) is None
        assert await repo.similar_posts(bad, limit=5) == []
        await repo.save_analysis(bad, analysis())
    assert [p.id for p in await repo.get_posts([10**20, pid, -5])] == [pid]
    assert await repo.random_post_id([10**20, 2**31]) is None
    assert await repo.list_posts(film_ids=[10**20]) == []
    assert await repo.count_posts(film_ids=[10**20]) == 0
    assert await repo.get_post_by_url("https://films.tistory.com/1\x00") is None
    assert await repo.get_post_by_url("  ") is None


async def test_search_text_finds_no_stubs(repo: SqlRepository) -> None:
    await save(repo, post(1, related=(RelatedRef("가족 리뷰", "https://x/1"),)))
    assert await repo.search_text(["가족", "리뷰"], require_all=False, limit=5) == ([], 0)


# --- weighted terms ---------------------------------------------------------------------------


async def test_search_terms_weighs_fields_and_rarity(repo: SqlRepository) -> None:
    theme, heading, body, two = await save(
        repo,
        post(1, result=analysis(theme=("외로움",), body=("도시",))),
        post(2, result=analysis(heading=("외로움",), body=("도시",))),
        post(3, result=analysis(body=("외로움", "외로움", "도시"))),
        post(4, result=analysis(theme=("외로움", "도시"), body=("바다",))),
    )
    found, total = await ids_of(
        await repo.search_terms(["외로움"], weights=THEME_WEIGHTS, limit=10)
    )
    assert total == 4
    assert found[0] in {theme, two} and found[-2:] == [heading, body]

    # A multi-word theme needs every word somewhere.
    found, total = await ids_of(
        await repo.search_terms(["외로움", "바다"], weights=THEME_WEIGHTS, limit=10)
    )
    assert (found, total) == ([two], 1)
    assert await repo.search_terms(["외로움", "없는말"], weights=THEME_WEIGHTS, limit=10) == ([], 0)

    # Fields without a weight do not count, not even as "somewhere".
    only_theme = {"theme": 1.0}
    found, total = await ids_of(await repo.search_terms(["외로움"], weights=only_theme, limit=10))
    assert (sorted(found), total) == (sorted([theme, two]), 2)
    assert await repo.search_terms(["외로움"], weights={}, limit=10) == ([], 0)
    assert await repo.search_terms([], weights=THEME_WEIGHTS, limit=10) == ([], 0)

    # Rarity: 바다 (one post) outweighs 도시 (four posts) in the same field.
    scores = dict(
        (r.post_id, r.score)
        for r in (await repo.search_terms(["도시"], weights=THEME_WEIGHTS, limit=10))[0]
    )
    [rare] = (await repo.search_terms(["바다"], weights={"body": 0.5}, limit=10))[0]
    assert rare.score > scores[theme]


async def test_search_terms_ties_newest_first_and_pages(repo: SqlRepository) -> None:
    same = analysis(theme=("우정",))
    ids = await save(
        repo,
        post(1, day=5, result=same),
        post(2, day=9, result=same),
        post(3, day=5, result=same),
        post(4, published=None, result=same),
        post(5, result=analysis(theme=("다른",))),
    )
    by_date = [ids[1], ids[2], ids[0], ids[3]]  # 9th, 5th (higher id first), 5th, undated
    found, total = await ids_of(await repo.search_terms(["우정"], weights=THEME_WEIGHTS, limit=10))
    assert (found, total) == (by_date, 4)
    pages = [
        await ids_of(await repo.search_terms(["우정"], weights=THEME_WEIGHTS, limit=3, offset=o))
        for o in (0, 3, 6)
    ]
    assert pages == [(by_date[:3], 4), (by_date[3:], 4), ([], 4)]


async def test_document_frequencies(repo: SqlRepository) -> None:
    assert await repo.document_frequencies(["가족"]) == ({"가족": 0}, 0)
    await _library(repo)
    dfs, n = await repo.document_frequencies(["가족", "계단", "홍수", "없음", "가족"])
    assert (dfs, n) == ({"가족": 4, "계단": 2, "홍수": 1, "없음": 0}, 4)


# --- more like this ---------------------------------------------------------------------------


async def test_similar_posts(repo: SqlRepository) -> None:
    common = ("영화",)  # in every post: says nothing
    ids = await save(
        repo,
        post(1, film="기생충", result=analysis(theme=("계급", "가족", *common), keyword=("계단",))),
        post(2, result=analysis(theme=("계급", *common), keyword=("계단",))),
        post(3, result=analysis(theme=("가족", *common))),
        post(4, result=analysis(body=("계급", "가족", "계단"), theme=common)),  # body only
        post(5, film="기생충", result=analysis(theme=common)),
        post(6, film="기생충", related=(RelatedRef("<기생충> 다른 리뷰", "https://x/s"),)),
        *(post(n, result=analysis(theme=(*common, f"기타{n}"))) for n in range(7, 12)),
    )
    p1, p2, p3, p4, p5, p6 = ids[:6]
    similar = await repo.similar_posts(p1, limit=10)
    found = [r.post_id for r in similar]
    assert p1 not in found and p4 not in found
    assert found[:2] == [p6, p5] or found[:2] == [p5, p6]  # the same film first
    assert found[2:] == [p2, p3]  # two shared explicit terms, then one
    assert all(a.score >= b.score for a, b in itertools.pairwise(similar))
    stub_ids = {r.post_id for r in (await repo.get_post(p6)).related}  # type: ignore[union-attr]
    assert not stub_ids & set(found)
    assert [r.post_id for r in await repo.similar_posts(p1, limit=2)] == found[:2]
    # A post without analysis still finds the others about its film.
    assert {r.post_id for r in await repo.similar_posts(p6, limit=10)} == {p1, p5}
    assert await repo.similar_posts(p4, limit=0) == []
    assert await repo.similar_posts(999_999, limit=5) == []


# --- listing, counting, categories ------------------------------------------------------------


async def test_list_and_count_posts_filters(repo: SqlRepository) -> None:
    ids = await save(
        repo,
        post(1, film="괴물", related=(RelatedRef("<괴물> 두번째", "https://x/2", None),)),
        post(2, film="괴물", category=("리뷰", "한국영화")),
        post(3, film="마더", category=("리뷰", "한국영화", "봉준호")),
        post(4, film="듄", category=("일상",)),
    )
    films = {f.title: f.id for f in await repo.films()}
    gwoemul = films["괴물"]
    listed = await repo.list_posts(film_ids=[gwoemul])
    assert [p.id for p in listed if not p.stub] == [ids[1], ids[0]]
    assert len(listed) == 3  # the stub "<괴물> 두번째" is about 괴물 too
    assert [p.id for p in await repo.list_posts(film_ids=[gwoemul], include_stubs=False)] == [
        ids[1],
        ids[0],
    ]
    assert await repo.list_posts(film_ids=[]) == []
    assert await repo.count_posts(film_ids=[gwoemul]) == 2
    assert await repo.count_posts(film_ids=[gwoemul], include_stubs=True) == 3
    assert await repo.count_posts(film_ids=[]) == 0

    newest = [p.id for p in await repo.list_posts(include_stubs=False)]
    assert newest == ids[::-1]
    assert [p.id for p in await repo.list_posts(include_stubs=False, limit=2, offset=1)] == [
        ids[2],
        ids[1],
    ]
    assert await repo.list_posts(include_stubs=False, limit=2, offset=4) == []
    assert len(await repo.list_posts()) == 5

    assert [p.id for p in await repo.list_posts(category="리뷰")] == [ids[2], ids[1], ids[0]]
    assert await repo.count_posts(category="리뷰") == 3
    assert await repo.count_posts(category="리뷰", film_ids=[gwoemul]) == 2
    # By the last part of a path, children included; the whole path first.
    assert [p.id for p in await repo.list_posts(category="한국 영화")] == [ids[2], ids[1]]
    assert await repo.count_posts(category="한국영화") == 2
    assert [p.id for p in await repo.list_posts(category="봉준호")] == [ids[2]]
    assert [p.id for p in await repo.list_posts(category="한국영화 > 봉준호")] == [ids[2]]
    assert [p.id for p in await repo.list_posts(category="리뷰/한국 영화")] == [ids[2], ids[1]]
    assert await repo.count_posts(category="리뷰/한국영화/봉준호") == 1
    assert await repo.list_posts(category="없는 분류") == []
    assert await repo.count_posts(category="없는 분류") == 0
    assert await repo.count_posts(category=" > ") == 0
    assert [p.id for p in await repo.list_posts(category="리뷰", limit=1, offset=1)] == [ids[1]]


async def test_category_names_with_a_slash(repo: SqlRepository) -> None:
    a, b = await save(
        repo, post(1, category=("리뷰", "SF/판타지")), post(2, category=("리뷰", "SF", "판타지"))
    )
    # With ">", "/" is part of a name; without, both readings count.
    assert [p.id for p in await repo.list_posts(category="리뷰 > SF/판타지")] == [a]
    assert [p.id for p in await repo.list_posts(category="리뷰 > SF > 판타지")] == [b]
    assert [p.id for p in await repo.list_posts(category="리뷰/SF/판타지")] == [b, a]
    assert [p.id for p in await repo.list_posts(category="SF/판타지")] == [b, a]
    assert [p.id for p in await repo.list_posts(category="SF")] == [b]
    assert await repo.count_posts(category="판타지") == 1


async def test_categories_count_their_children(repo: SqlRepository) -> None:
    assert await repo.categories() == []
    await save(
        repo,
        post(1, category=("리뷰",)),
        post(2, category=("리뷰", "한국영화")),
        post(3, category=("리뷰", "한국 영화")),  # the same key, shown another way
        post(4, category=("리뷰", "한국영화", "봉준호")),
        post(5, category=("일상", "리뷰")),
        post(6, category=()),
        post(7, category=("리뷰", "외국영화"), related=(RelatedRef("스텁", "https://x/s"),)),
    )
    # A category is shown as its newest post shows it, in its children's paths too.
    assert await repo.categories() == [
        CategoryCount(("리뷰",), 5),
        CategoryCount(("리뷰", "외국영화"), 1),
        CategoryCount(("리뷰", "한국 영화"), 3),
        CategoryCount(("리뷰", "한국 영화", "봉준호"), 1),
        CategoryCount(("일상",), 1),
        CategoryCount(("일상", "리뷰"), 1),
    ]
    # The cache follows the library: a new post shows at once.
    await save(repo, post(8, category=("일상",)))
    assert CategoryCount(("일상",), 2) in await repo.categories()
    assert await repo.count_posts(category="일상") == 2
    # Counts follow a post that moves, and a category left empty goes away.
    await save(repo, post(7, category=("일상", "외국영화")))
    listing = await repo.categories()
    assert CategoryCount(("리뷰",), 4) in listing and CategoryCount(("일상",), 3) in listing
    assert ("리뷰", "외국영화") not in [c.path for c in listing]
    for c in listing:
        assert await repo.count_posts(category=" > ".join(c.path)) == c.count
        assert len(await repo.list_posts(category=" > ".join(c.path))) == c.count


# --- films, themes, version, random -----------------------------------------------------------


async def test_films_with_aliases_and_counts(repo: SqlRepository) -> None:
    await save(
        repo,
        post(1, film="괴물", film_year=2006, film_aliases=("The Host",)),
        post(2, film="괴물", related=(RelatedRef("<괴물> 다시 보기", "https://x/9"),)),
        post(3, film="듄"),
    )
    assert await repo.add_film_alias("괴물", "怪物")
    films = {f.title: f for f in await repo.films()}
    assert set(films) == {"괴물", "듄"}
    assert (films["괴물"].year, films["괴물"].aliases, films["괴물"].posts) == (
        2006,
        ("The Host", "怪物"),
        3,
    )
    assert (films["듄"].aliases, films["듄"].posts) == ((), 1)


async def test_themes_and_tags_with_counts(repo: SqlRepository) -> None:
    assert await repo.themes() == []
    await save(
        repo,
        post(1, themes=("가족", "계급"), tags=("봉준호", "가족")),
        post(2, themes=("가족",), tags=("Bong Joon-ho",)),
        post(3, related=(RelatedRef("<마더> 리뷰 (모성)", "https://x/3"),)),  # a stub's theme
    )
    assert await repo.themes() == [("가족", 2), ("Bong Joon-ho", 1), ("계급", 1), ("봉준호", 1)]
    # Counts follow edits, and a stub counts once it is a full post.
    await save(repo, post(1, themes=("계급",), tags=("봉준호", "빈부")))
    await save(repo, post(3, title="<마더> 리뷰 (모성)", themes=("모성",), tags=("가족",)))
    assert await repo.themes() == [
        ("가족", 2),
        ("Bong Joon-ho", 1),
        ("계급", 1),
        ("모성", 1),
        ("봉준호", 1),
        ("빈부", 1),
    ]
    await save(repo, post(2, themes=("모성",), tags=("x" * 300,)))
    assert ("가족", 1) in await repo.themes() and ("모성", 2) in await repo.themes()
    assert all(len(theme) < 300 for theme, _ in await repo.themes())


async def test_library_version_changes_with_every_change(repo: SqlRepository) -> None:
    seen = [await repo.library_version()]

    async def changed() -> None:
        seen.append(await repo.library_version())
        assert seen[-1] != seen[-2]

    await save(repo, post(1, film="괴물"))
    await changed()
    await save(repo, post(1, film="괴물", sections=(Section(None, "고침"),)))
    await changed()
    await save(repo, post(1, film="괴물", sections=(Section(None, "고침"),), result=analysis()))
    await changed()  # unchanged post, but its analysis was stored
    assert await repo.add_film_alias("괴물", "The Host")
    await changed()
    await repo.save_analysis((await repo.list_posts())[0].id, analysis(2))
    await changed()
    # Reads and no-op writes leave it alone.
    await save(repo, post(1, film="괴물", sections=(Section(None, "고침"),)))
    assert await repo.add_film_alias("괴물", "The Host")
    await repo.categories()
    assert await repo.library_version() == seen[-1]


async def test_random_post_id(repo: SqlRepository) -> None:
    assert await repo.random_post_id() is None
    a, b = await save(
        repo,
        post(1, related=tuple(RelatedRef(f"스텁 {n}", f"https://x/{n}") for n in range(8))),
        post(2),
    )
    stubs = [r.post_id for r in (await repo.get_post(a)).related]  # type: ignore[union-attr]
    # a is picked only when the random point lands on it (1 in 10): 200 tries miss it ~1e-9
    picks = {await repo.random_post_id() for _ in range(200)}
    assert picks == {a, b}
    assert {await repo.random_post_id([b, *stubs]) for _ in range(5)} == {b}
    assert await repo.random_post_id(stubs) is None
    assert await repo.random_post_id([]) is None
    assert await repo.random_post_id([999_999]) is None


# --- chat state -------------------------------------------------------------------------------


async def test_saved_queries(repo: SqlRepository) -> None:
    key = await repo.remember_query("theme", "외로움")
    assert len(key) <= 12 and key.isascii() and key.isalnum()
    assert await repo.remember_query("theme", "외로움") == key  # idempotent
    other = await repo.remember_query("text", "외로움")
    assert other != key
    assert await repo.recall_query(key) == ("theme", "외로움")
    assert await repo.recall_query(other) == ("text", "외로움")
    assert await repo.recall_query("nosuchkey") is None
    assert await repo.recall_query("") is None
    assert await repo.recall_query("x" * 100) is None
    long = "가" * 10_000 + "\x00'\"; --"
    key = await repo.remember_query("text", long)
    assert await repo.recall_query(key) == ("text", long.replace("\x00", ""))


async def test_user_language(repo: SqlRepository) -> None:
    assert await repo.get_user_lang("telegram:1") is None
    await repo.set_user_lang("telegram:1", "en")
    await repo.set_user_lang("discord:1", "ko")
    await repo.set_user_lang("telegram:1", "ko")
    assert await repo.get_user_lang("telegram:1") == "ko"
    assert await repo.get_user_lang("discord:1") == "ko"
    assert await repo.get_user_lang("telegram:2") is None
    await repo.set_user_lang("odd:\x00\ud800", "en")
    assert await repo.get_user_lang("odd:\x00\ud800") == "en"
    assert await repo.recall_query("\x00") is None


# --- schema -----------------------------------------------------------------------------------


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = migrate.alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_upgrade_from_the_first_schema(db_url: str) -> None:
    target = parse_url(db_url)
    engine = create_engine(target)
    try:
        if target.schema:
            await _ensure_schema(engine, target.schema)
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "0001")
            await conn.execute(
                text(
                    "INSERT INTO posts (id, url, content_hash, title, title_key, kind, tags,"
                    " themes, stub, teaser, category, category_key, created_at, updated_at)"
                    " VALUES (7, 'https://old/7', 'h', '옛 글', '옛글', 'tistory-page', '[]',"
                    " '[\"가족\"]', false, false, '리뷰', '리뷰', :now, :now)"
                ),
                {"now": datetime(2024, 1, 1, tzinfo=UTC)},
            )
            await conn.execute(
                text(
                    "INSERT INTO sections (post_id, position, heading, level, text)"
                    " VALUES (7, 0, NULL, 0, '옛 본문')"
                )
            )
    finally:
        await engine.dispose()

    repo = await open_repository(db_url)
    try:
        old = await repo.get_post(7)
        assert old is not None and old.sections == (Section(None, "옛 본문"),)
        assert (old.summary, old.excerpts, old.analysed_version) == ("", ("",), None)
        assert [p.id for p in await repo.posts_to_analyse(1, limit=5)] == [7]
        assert await repo.categories() == [CategoryCount(("리뷰",), 1)]
        assert await repo.themes() == [("가족", 1)]
        version = await repo.library_version()
        await repo.save_analysis(7, analysis(theme=("가족",), excerpts=("발췌",)))
        assert await ids_of(await repo.search_text(["가족"], require_all=True, limit=5)) == ([7], 1)
        assert await repo.library_version() > version
        [new] = await save(repo, post(1, result=analysis(theme=("가족",))))
        assert new != 7  # ids go on after the old rows
    finally:
        await repo.close()


async def test_term_lookups_use_indexes(sqlite_url: str) -> None:
    repo = await open_repository(sqlite_url)
    await repo.close()
    path = parse_url(sqlite_url).sqlite_path
    import sqlite3

    conn = sqlite3.connect(path)
    try:

        def plan(sql: str) -> str:
            return " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))

        by_term = plan(
            "SELECT post_id, weight FROM post_terms WHERE term IN ('a', 'b') AND field IN"
            " ('theme', 'title')"
        )
        assert "USING COVERING INDEX ix_post_terms_term" in by_term
        by_post = plan("SELECT term FROM post_terms WHERE post_id = 1")
        assert "USING PRIMARY KEY (post_id=?)" in by_post
        newest = plan("SELECT id FROM posts ORDER BY published DESC NULLS LAST, id DESC LIMIT 5")
        assert "ix_posts_newest" in newest and "TEMP B-TREE" not in newest
        random_pick = plan("SELECT id FROM posts WHERE stub = 0 AND id >= 5 ORDER BY id LIMIT 1")
        assert "TEMP B-TREE" not in random_pick
    finally:
        conn.close()


async def test_document_frequencies_stay_exact(repo: SqlRepository) -> None:
    """Counters kept on write agree with a recount after any mix of saves and re-analyses,
    including concurrent writers (PostgreSQL) sharing terms."""
    rnd = random.Random(3)
    vocab = [f"낱말{n}" for n in range(12)]
    held: dict[int, set[str]] = {}

    def pick() -> tuple[str, ...]:
        return tuple(rnd.sample(vocab, rnd.randint(0, 5)))

    async def save_one(n: int, version: int) -> None:
        theme, body = pick(), pick()
        [r] = await repo.save_posts(
            [post(n, result=analysis(version, theme=theme, body=body))], source="s"
        )
        held[r.post_id] = set(theme) | set(body)

    await asyncio.gather(*(save_one(n, 1) for n in range(1, 7)))
    for round_ in range(2, 5):
        await asyncio.gather(*(save_one(n, round_) for n in rnd.sample(range(1, 9), 4)))
        pid = rnd.choice(sorted(held))
        theme = pick()
        await repo.save_analysis(pid, analysis(round_, theme=theme))
        held[pid] = set(theme)
        expected = {t: sum(t in terms for terms in held.values()) for t in vocab}
        n_posts = sum(bool(terms) for terms in held.values())
        assert await repo.document_frequencies(vocab) == (expected, n_posts)


async def test_parent_category_pages_merge_children_in_date_order(repo: SqlRepository) -> None:
    """A parent's pages come from each child's newest posts, merged: the same order and pages
    as one sorted list of every post under the parent, undated posts last."""
    paths = [("리뷰",), ("리뷰", "한국영화"), ("리뷰", "외국영화"), ("에세이",)]
    posts = [
        post(n, day=(n * 7) % 28 + 1, category=paths[n % 4])
        if n % 5
        else post(n, category=paths[n % 4], published=None)
        for n in range(1, 25)
    ]
    await save(repo, *posts)
    every = await repo.list_posts(category="리뷰")  # no limit: one sorted query
    assert len(every) == sum(1 for p in posts if p.category[0] == "리뷰")
    dated = [p.published for p in every if p.published]
    assert dated == sorted(dated, reverse=True)
    assert all(p.published is None for p in every[len(dated) :])
    pages = [await repo.list_posts(category="리뷰", limit=4, offset=o) for o in range(0, 24, 4)]
    assert [p.id for page in pages for p in page] == [p.id for p in every]
    assert await repo.list_posts(category="리뷰", limit=0) == []


async def test_the_library_version_is_remembered_briefly_and_forgotten_on_own_writes(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lookups ask for the version on every call; the repository answers from memory for
    ``version_ttl`` seconds, except right after its own commits."""
    import storage.repository as repository

    now = [1000.0]
    monkeypatch.setattr(repository, "monotonic", lambda: now[0])
    serving = await open_repository(db_url, version_ttl=60)
    other = await open_repository(db_url, version_ttl=0)  # another process
    try:
        first = await serving.library_version()
        assert await serving.count_posts() == 0
        await save(other, post(1))
        assert await other.library_version() != first  # ttl 0: always asks
        assert await serving.library_version() == first  # remembered
        assert await serving.count_posts() == 0  # summaries cached for that version
        now[0] += 61
        seen = await serving.library_version()
        assert seen == await other.library_version()
        assert await serving.count_posts() == 1
        await save(serving, post(2))  # its own write: seen at once, no waiting
        assert await serving.library_version() != seen
        assert await serving.count_posts() == 2
    finally:
        await serving.close()
        await other.close()


async def test_related_entries_load_without_the_text(repo: SqlRepository) -> None:
    [a] = await save(repo, post(1, related=(RelatedRef("<영화9> 리뷰", "https://x/9"),)))
    [light] = await repo.get_posts([a], full=True, sections=False)
    [whole] = await repo.get_posts([a], full=True)
    assert light.related == whole.related and light.related[0].stub
    assert light.sections == () and whole.sections == post(1).sections
    assert light.film == whole.film and light.title == whole.title


# --- theme ranking from stored scores ---------------------------------------------------------

_VOCABULARY = ("가족", "바다", "외로움", "복수", "우정", "계단")


async def _random_library(repo: SqlRepository, seed: int = 7) -> None:
    rng = random.Random(seed)
    for n in range(1, 29):
        fields: dict[str, list[str]] = {"title": [], "theme": [], "heading": [], "keyword": []}
        body: list[str] = []
        for term in _VOCABULARY:
            for name in fields:
                if rng.random() < 0.2:
                    fields[name].append(term)
            body += [term] * rng.choice((0, 0, 1, 2, 3, 5))
        await save(repo, post(n, result=analysis(body=body, **fields)))  # type: ignore[arg-type]


def _scaled(weights: dict[str, float]) -> dict[str, float]:
    """The same ranking computed at query time (other weights are never precomputed)."""
    return {field: value * (1 + 1e-9) for field, value in weights.items()}


@pytest.mark.parametrize(
    "terms", [["가족"], ["외로움"], ["가족", "바다"], ["복수", "우정", "계단"]]
)
async def test_stored_theme_scores_rank_as_scoring_at_query_time_does(
    repo: SqlRepository, terms: list[str]
) -> None:
    await _random_library(repo)
    fast, fast_total = await repo.search_terms(terms, weights=REAL, limit=50)
    slow, slow_total = await repo.search_terms(terms, weights=_scaled(REAL), limit=50)
    assert fast_total == slow_total > 0
    assert {(s.post_id, round(s.score, 6)) for s in fast} == {
        (s.post_id, round(s.score, 6)) for s in slow
    }
    scores = [s.score for s in fast]
    assert scores == sorted(scores, reverse=True)
    # pages are slices of the whole ranking
    pages = []
    for offset in range(0, fast_total, 4):
        page, total = await repo.search_terms(terms, weights=REAL, limit=4, offset=offset)
        assert total == fast_total
        pages += page
    assert [s.post_id for s in pages] == [s.post_id for s in fast]


async def test_stored_theme_scores_follow_reanalysis_and_deletion(repo: SqlRepository) -> None:
    a, b = await save(
        repo, post(1, result=analysis(theme=("가족",))), post(2, result=analysis(body=["가족"]))
    )
    ranked, _ = await ids_of(await repo.search_terms(["가족"], weights=REAL, limit=5))
    assert ranked == [a, b]
    await repo.save_analysis(b, analysis(2, theme=("가족",), title=("가족",)))
    await repo.save_analysis(a, analysis(2, body=["바다"]))
    assert await ids_of(await repo.search_terms(["가족"], weights=REAL, limit=5)) == ([b], 1)


async def test_upgrading_fills_theme_scores_for_posts_analysed_before(db_url: str) -> None:
    repo = await open_repository(db_url)
    try:
        await _random_library(repo, seed=3)
        before = await repo.search_terms(["바다"], weights=REAL, limit=50)
    finally:
        await repo.close()
    target = parse_url(db_url)
    engine = create_engine(target)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to, "0003")
    finally:
        await engine.dispose()
    repo = await open_repository(db_url)  # upgrades to the newest schema, 0004 filling the table
    try:
        after = await repo.search_terms(["바다"], weights=REAL, limit=50)
        assert after[1] == before[1] > 0
        assert [(s.post_id, round(s.score, 6)) for s in after[0]] == [
            (s.post_id, round(s.score, 6)) for s in before[0]
        ]
    finally:
        await repo.close()


def _downgrade_to(connection: Connection, revision: str) -> None:
    config = migrate.alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def test_the_migrations_theme_weights_are_the_cores() -> None:
    """0004 fills theme_scores with a copy of the weights; a change to them must come with a
    new analyser version (re-analysis rewrites the scores), and this test says so."""
    path = migrate.MIGRATIONS_DIR / "versions" / "0004_theme_scores.py"
    spec = importlib.util.spec_from_file_location("migration_0004", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module._THEME_WEIGHTS == REAL
    assert module._K1 == analysis_store.K1
