"""Text analysis at ingest: sentences, terms, themes, summary and excerpts, stored with the post.

Analysis is CPU work (Kiwi), so it runs in a worker thread and the event loop stays free for
chat traffic. Mined themes need the library's document frequencies, which only the repository
knows, so they are added after the thread's work and before the post is saved — all of it in the
post's own transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.analysis.kiwi import add_film_titles, clear_prefetched, prefetch_sentences
from bot.analysis.post import (
    ANALYSER_VERSION,
    analyse_post,
    keyword_candidates,
    kiwi_inputs,
    with_mined_themes,
)
from bot.domain import ParsedPost, PostAnalysis, StoredPost
from bot.ports import Repository
from bot.textnorm import normalize_key

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
REANALYSE_BATCH = 200


def _exclusions(post: ParsedPost) -> list[str]:
    """Words a mined theme must not repeat: the film's name and the explicit themes."""
    return [w for w in (post.film, *post.themes, *post.tags) if w]


async def learn_films(repo: Repository) -> None:
    """Teach Kiwi the library's film titles so that they are kept whole as proper nouns."""
    films = await repo.films()
    names = [name for f in films for name in (f.title, *f.aliases)]
    if names:
        await asyncio.to_thread(add_film_titles, names)


def _analyse_all(posts: Sequence[ParsedPost]) -> list[PostAnalysis]:
    # The batch's paragraphs (a single page has dozens) go through Kiwi together first, on
    # its threads (both cores); analyse_post then finds them done.
    try:
        try:
            prefetch_sentences([text for post in posts for text in kiwi_inputs(post)])
        except Exception:  # only a speed-up: each paragraph is then analysed on its own
            log.debug("batch analysis failed; analysing paragraph by paragraph", exc_info=True)
            clear_prefetched()
        return [analyse_post(p) for p in posts]
    finally:
        clear_prefetched()


async def analyse(repo: Repository, posts: Sequence[ParsedPost]) -> list[ParsedPost]:
    """The posts with their analysis attached (stubs-to-be and empty posts included)."""
    if not posts:
        return []
    films = sorted({p.film for p in posts if p.film}, key=normalize_key)
    if films:
        await asyncio.to_thread(add_film_titles, films)
    analyses = await asyncio.to_thread(_analyse_all, posts)
    candidates = sorted({t for a in analyses for t in keyword_candidates(a)})
    df, n_docs = await repo.document_frequencies(candidates) if candidates else ({}, 0)
    return [
        replace(post, analysis=with_mined_themes(a, df, n_docs, exclude=_exclusions(post)))
        for post, a in zip(posts, analyses, strict=True)
    ]


def as_parsed(post: StoredPost) -> ParsedPost:
    """A stored post in the shape the analyser reads (for re-analysis after an upgrade)."""
    return ParsedPost(
        title=post.title,
        kind=post.kind,
        url=post.url,
        guid=post.guid,
        film=post.film,
        film_year=post.film_year,
        published=post.published,
        category=post.category,
        tags=post.tags,
        themes=post.themes,
        sections=post.sections,
        teaser=post.teaser,
    )


async def analyse_new_stubs(repo: Repository) -> int:
    """Analyse the stubs the last save made (their title and themes), so theme and text
    lookups list them, marked as stubs, before their posts are ingested. Returns how many."""
    return await _analyse_stored(repo, new_stubs_only=True)


async def reanalyse(repo: Repository, *, progress: Progress | None = None) -> int:
    """Analyse every post stored before this analyser version existed; returns how many.

    Runs on start after a migration or an analyser upgrade, in batches so that memory stays
    flat however large the library is.
    """
    return await _analyse_stored(repo, new_stubs_only=False, progress=progress)


async def _analyse_stored(
    repo: Repository, *, new_stubs_only: bool, progress: Progress | None = None
) -> int:
    done = 0
    total: int | None = None
    seen: set[int] = set()
    while True:
        batch = await repo.posts_to_analyse(
            ANALYSER_VERSION, limit=REANALYSE_BATCH, new_stubs_only=new_stubs_only
        )
        if not batch or all(p.id in seen for p in batch):
            break  # the second condition guards against a backend that cannot store analyses
        seen.update(p.id for p in batch)
        enriched = await analyse(repo, [as_parsed(p) for p in batch])
        for stored, parsed in zip(batch, enriched, strict=True):
            assert parsed.analysis is not None
            await repo.save_analysis(stored.id, parsed.analysis)
        done += len(batch)
        if progress is not None:
            if total is None:
                total = await repo.count_posts()
            progress("", done, max(done, total))
    return done
