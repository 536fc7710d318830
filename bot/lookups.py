"""The core's lookups: one async method per way of finding reviews, shared by every adapter.

Lookups return data (:mod:`bot.results`), never text, and never raise on user input: an empty,
huge or hostile query comes back as an empty result with a message key. The film matcher and
the theme/category lists live in memory and are rebuilt only when the library changes (the
repository's ``library_version``), so a lookup costs one or two indexed queries.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.analysis.kiwi import add_film_titles, warm_up
from bot.analysis.terms import query_terms
from bot.domain import THEME_WEIGHTS, CategoryCount, FilmEntry, ScoredId, StoredPost
from bot.matching.film_index import FilmIndex
from bot.matching.hangul import decompose, initials, is_initials_query
from bot.ports import Repository
from bot.results import (
    FilmChoice,
    Hit,
    LookupKind,
    LookupResult,
    RelatedItem,
    RelatedOrigin,
)
from bot.textnorm import clean_line, normalize_key

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 300
MAX_LIMIT = 50
# A term held by more than this share of the library says little about any one review; the
# OR fallback of free-text search leaves such terms out.
COMMON_TERM_SHARE = 0.3
# Within a ranked scope (a theme), a random pick comes from hits scoring at least this share
# of the best one.
RANDOM_SCORE_SHARE = 0.5
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_query(query: str) -> str:
    """A query as the lookups see it: one line, no control characters, bounded length."""
    return clean_line(_CONTROL.sub(" ", query[: MAX_QUERY_CHARS * 4]))[:MAX_QUERY_CHARS]


def _page(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, MAX_LIMIT)), max(0, offset)


def _choice(film: FilmEntry) -> FilmChoice:
    return FilmChoice(film_id=film.id, title=film.title, year=film.year, posts=film.posts)


@dataclass(slots=True)
class _Catalogue:
    """Everything kept in memory for one library version."""

    version: int
    films: FilmIndex
    categories: list[CategoryCount]
    themes: list[tuple[str, int]]


class Lookups:
    """The lookups over one repository (see :class:`bot.results.LookupService`)."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self._catalogue: _Catalogue | None = None
        self._lock = asyncio.Lock()
        self._learning: asyncio.Future[None] | None = None

    # --- the in-memory catalogue --------------------------------------------------------------

    async def _current(self) -> _Catalogue:
        version = await self.repo.library_version()
        catalogue = self._catalogue
        if catalogue is not None and catalogue.version == version:
            return catalogue
        async with self._lock:
            if self._catalogue is not None and self._catalogue.version == version:
                return self._catalogue
            films = await self.repo.films()
            categories = await self.repo.categories()
            themes = await self.repo.themes()
            index = await asyncio.to_thread(FilmIndex, films)
            self._catalogue = _Catalogue(version, index, categories, themes)
            names = [name for f in films for name in (f.title, *f.aliases)]
            # Kiwi loads and learns the titles in the background: film lookups do not need it,
            # so the first answer does not wait for it; query analysis waits on Kiwi's lock.
            self._learning = asyncio.ensure_future(asyncio.to_thread(_prepare_kiwi, names))
            self._learning.add_done_callback(_report_kiwi_failure)
            return self._catalogue

    async def warm_up(self) -> None:
        """Build the catalogue now, so the first user does not wait for it."""
        await self._current()

    # --- results ------------------------------------------------------------------------------

    async def _hits(self, scored: Sequence[ScoredId]) -> tuple[Hit, ...]:
        posts = await self.repo.get_posts([s.post_id for s in scored])
        by_id = {p.id: p for p in posts}
        return tuple(Hit(by_id[s.post_id], s.score) for s in scored if s.post_id in by_id)

    @staticmethod
    def _listed(posts: Sequence[StoredPost]) -> tuple[Hit, ...]:
        return tuple(Hit(p, 0.0) for p in posts)

    # --- by film ------------------------------------------------------------------------------

    async def by_film(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult:
        q = clean_query(query)
        limit, offset = _page(limit, offset)
        if not normalize_key(q) and not is_initials_query(q):
            return LookupResult(LookupKind.FILM, q, limit=limit, message="query.empty")
        catalogue = await self._current()
        match = catalogue.films.match(q)
        if len(match.films) == 1:
            return await self._film_posts(match.films[0], q, limit, offset)
        if match.films:
            return LookupResult(
                LookupKind.FILM,
                q,
                limit=limit,
                choices=tuple(_choice(f) for f in match.films),
                message="film.choose",
            )
        return LookupResult(
            LookupKind.FILM,
            q,
            limit=limit,
            suggestions=tuple(_choice(f).label for f in match.suggestions),
            message="film.not_found",
            message_args={"query": q},
        )

    async def by_film_id(self, film_id: int, *, limit: int = 5, offset: int = 0) -> LookupResult:
        limit, offset = _page(limit, offset)
        catalogue = await self._current()
        film = catalogue.films.get(film_id)
        if film is None:
            return LookupResult(
                LookupKind.FILM,
                str(film_id),
                limit=limit,
                message="film.not_found",
                message_args={"query": str(film_id)},
            )
        return await self._film_posts(film, film.title, limit, offset)

    async def _film_posts(
        self, film: FilmEntry, query: str, limit: int, offset: int
    ) -> LookupResult:
        posts = await self.repo.list_posts(film_ids=[film.id], limit=limit, offset=offset)
        total = await self.repo.count_posts(film_ids=[film.id], include_stubs=True)
        return LookupResult(
            LookupKind.FILM,
            query,
            hits=self._listed(posts),
            total=total,
            offset=offset,
            limit=limit,
            choices=(_choice(film),),
        )

    # --- by theme -----------------------------------------------------------------------------

    async def by_theme(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult:
        q = clean_query(query)
        limit, offset = _page(limit, offset)
        terms = await asyncio.to_thread(query_terms, q)
        if not terms:
            return LookupResult(LookupKind.THEME, q, limit=limit, message="query.empty")
        if len(terms) > 1:
            # "소외 영화" is about 소외: a word most reviews hold names no theme, and requiring
            # it as well only costs time (every review holding it is scored).
            df, n_docs = await self.repo.document_frequencies(terms)
            telling = [t for t in terms if df.get(t, 0) <= max(1, COMMON_TERM_SHARE * n_docs)]
            terms = telling or terms
        scored, total = await self.repo.search_terms(
            terms, weights=THEME_WEIGHTS, limit=limit, offset=offset
        )
        if total:
            hits = await self._hits(scored)
            return LookupResult(LookupKind.THEME, q, hits, total, offset, limit)
        catalogue = await self._current()
        return LookupResult(
            LookupKind.THEME,
            q,
            limit=limit,
            suggestions=tuple(_close_names(q, [name for name, _ in catalogue.themes])),
            message="theme.not_found",
            message_args={"query": q},
        )

    # --- by category --------------------------------------------------------------------------

    async def categories(self) -> list[CategoryCount]:
        return list((await self._current()).categories)

    async def by_category(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult:
        q = clean_query(query)
        limit, offset = _page(limit, offset)
        if not normalize_key(q):
            return LookupResult(LookupKind.CATEGORY, q, limit=limit, message="query.empty")
        catalogue = await self._current()
        found = _find_category(q, catalogue.categories)
        if found is None:
            labels = [" > ".join(c.path) for c in catalogue.categories]
            return LookupResult(
                LookupKind.CATEGORY,
                q,
                limit=limit,
                suggestions=tuple(_close_names(q, labels)),
                message="category.not_found",
                message_args={"query": q},
            )
        key = " > ".join(found.path)
        posts = await self.repo.list_posts(category=key, limit=limit, offset=offset)
        total = await self.repo.count_posts(category=key, include_stubs=True)
        return LookupResult(
            LookupKind.CATEGORY, " > ".join(found.path), self._listed(posts), total, offset, limit
        )

    # --- free text ----------------------------------------------------------------------------

    async def search(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult:
        q = clean_query(query)
        limit, offset = _page(limit, offset)
        terms = await asyncio.to_thread(query_terms, q)
        if not terms:
            return LookupResult(LookupKind.TEXT, q, limit=limit, message="query.empty")
        scored, total = await self.repo.search_text(
            terms, require_all=True, limit=limit, offset=offset
        )
        message = None
        if not total and len(terms) > 1:
            df, n_docs = await self.repo.document_frequencies(terms)
            rare = [t for t in terms if df.get(t, 0) <= max(1, COMMON_TERM_SHARE * n_docs)]
            if rare:
                scored, total = await self.repo.search_text(
                    rare, require_all=False, limit=limit, offset=offset
                )
                message = "search.relaxed" if total else None
        if not total:
            return LookupResult(
                LookupKind.TEXT,
                q,
                limit=limit,
                message="search.no_results",
                message_args={"query": q},
            )
        hits = await self._hits(scored)
        return LookupResult(LookupKind.TEXT, q, hits, total, offset, limit, message=message)

    # --- random -------------------------------------------------------------------------------

    async def random(
        self, *, film: str | None = None, theme: str | None = None, category: str | None = None
    ) -> LookupResult:
        """A good review at random: full posts only, from within the scope when one is given."""
        scope: LookupResult | None = None
        if film:
            scope = await self.by_film(film, limit=MAX_LIMIT)
        elif theme:
            scope = await self.by_theme(theme, limit=MAX_LIMIT)
        elif category:
            scope = await self.by_category(category, limit=MAX_LIMIT)
        candidates: list[int] | None = None
        if scope is not None:
            if not scope.hits:
                return scope
            # Ranked scopes keep only the strong matches: a review that mentions a theme once
            # in passing is a poor pick for "a good review about it".
            best = max(h.score for h in scope.hits)
            candidates = [
                h.post.id
                for h in scope.hits
                if not h.post.stub and (best <= 0 or h.score >= RANDOM_SCORE_SHARE * best)
            ]
            if not candidates:
                return LookupResult(LookupKind.RANDOM, scope.query, message="search.no_results")
        post_id = await self.repo.random_post_id(candidates)
        if post_id is None:
            return LookupResult(LookupKind.RANDOM, "", message="library.empty")
        posts = await self.repo.get_posts([post_id])
        return LookupResult(
            LookupKind.RANDOM,
            scope.query if scope else "",
            hits=self._listed(posts),
            total=len(posts),
            limit=1,
        )

    # --- one review ---------------------------------------------------------------------------

    async def review(self, post_id: int) -> StoredPost | None:
        posts = await self.repo.get_posts([post_id], full=True)
        return posts[0] if posts else None

    async def related(self, post_id: int, *, limit: int = 8) -> list[RelatedItem]:
        """The blog's own list first, in its order, then "more like this" to fill up."""
        found = await self.repo.get_posts([post_id], full=True, sections=False)
        post = found[0] if found else None
        if post is None:
            return []
        items: list[RelatedItem] = []
        seen_ids: set[int] = {post.id}
        seen_urls: set[str] = {post.url} if post.url else set()
        for ref in post.related:
            if (ref.post_id is not None and ref.post_id in seen_ids) or (
                ref.url is not None and ref.url in seen_urls
            ):
                continue
            items.append(
                RelatedItem(
                    post_id=ref.post_id,
                    title=ref.title,
                    url=ref.url,
                    published=ref.published,
                    film=ref.film,
                    stub=ref.stub,
                    origin=RelatedOrigin.BLOG,
                )
            )
            if ref.post_id is not None:
                seen_ids.add(ref.post_id)
            if ref.url:
                seen_urls.add(ref.url)
        room = limit - len(items)
        if room > 0:
            similar = await self.repo.similar_posts(post.id, limit=room + len(seen_ids))
            fresh = [s for s in similar if s.post_id not in seen_ids][:room]
            for other in await self.repo.get_posts([s.post_id for s in fresh]):
                if other.url and other.url in seen_urls:
                    continue
                items.append(
                    RelatedItem(
                        post_id=other.id,
                        title=other.title,
                        url=other.url,
                        published=other.published.date() if other.published else None,
                        film=other.film,
                        stub=other.stub,
                        origin=RelatedOrigin.SIMILAR,
                    )
                )
        return items[:limit]

    # --- autocomplete -------------------------------------------------------------------------

    async def film_choices(self, prefix: str, *, limit: int = 25) -> list[FilmChoice]:
        catalogue = await self._current()
        q = clean_query(prefix)
        if not q:
            ranked = sorted(catalogue.films.films, key=lambda f: (-f.posts, f.title))
            return [_choice(f) for f in ranked[:limit]]
        return [_choice(f) for f in catalogue.films.complete(q, limit=limit)]

    async def theme_choices(self, prefix: str, *, limit: int = 25) -> list[str]:
        catalogue = await self._current()
        return _complete_names(clean_query(prefix), catalogue.themes, limit)

    async def category_choices(self, prefix: str, *, limit: int = 25) -> list[str]:
        catalogue = await self._current()
        named = [(" > ".join(c.path), c.count) for c in catalogue.categories]
        return _complete_names(clean_query(prefix), named, limit)

    # --- state the router keeps -----------------------------------------------------------------

    async def remember_query(self, kind: str, query: str) -> str:
        return await self.repo.remember_query(kind, clean_query(query))

    async def recall_query(self, key: str) -> tuple[str, str] | None:
        return await self.repo.recall_query(key)

    async def user_lang(self, user: str) -> str | None:
        return await self.repo.get_user_lang(user)

    async def set_user_lang(self, user: str, lang: str) -> None:
        await self.repo.set_user_lang(user, lang)


def _report_kiwi_failure(future: asyncio.Future[None]) -> None:
    """A failed background warm-up is logged once; the query that needs Kiwi reports it too."""
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.warning("the Korean analyser could not be prepared: %s", exc)


def _prepare_kiwi(names: Sequence[str]) -> None:
    warm_up()
    add_film_titles(names)


def _find_category(query: str, categories: Sequence[CategoryCount]) -> CategoryCount | None:
    """The category a query names: the whole path, else its last part; the fullest count wins.

    ``리뷰 > 한국영화``, ``리뷰/한국영화`` and ``한국영화`` all name the same category; when a last
    part is shared (``리뷰 > 기타`` and ``에세이 > 기타``) the bigger one is taken.
    """
    key = normalize_key(query)
    whole = [c for c in categories if normalize_key("".join(c.path)) == key]
    if whole:
        return whole[0]
    last = [c for c in categories if c.path and normalize_key(c.path[-1]) == key]
    if last:
        return max(last, key=lambda c: (c.count, -len(c.path)))
    prefixed = [c for c in categories if c.path and normalize_key(c.path[-1]).startswith(key)]
    if len(key) >= 2 and len(prefixed) == 1:
        return prefixed[0]
    return None


def _close_names(query: str, names: Sequence[str], *, limit: int = 3) -> list[str]:
    """ "Did you mean" candidates: only names within a small jamo edit distance of the query."""
    key = decompose(normalize_key(query))
    if not key or not names:
        return []
    keyed = {decompose(normalize_key(n)): n for n in names}
    cutoff = 80 if len(key) >= 6 else 88
    found = process.extract(key, list(keyed), scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)
    return [keyed[k] for k, _, _ in found]


def _complete_names(prefix: str, named: Sequence[tuple[str, int]], limit: int) -> list[str]:
    """Autocomplete for short lists: prefix, then 초성, then substring; most used first."""
    ordered = sorted(named, key=lambda item: (-item[1], item[0]))
    if not prefix:
        return [name for name, _ in ordered[:limit]]
    key = normalize_key(prefix)
    chosung = initials(prefix).replace(" ", "") if is_initials_query(prefix) else ""
    first: list[str] = []
    second: list[str] = []
    for name, _ in ordered:
        name_key = normalize_key(name)
        if (key and name_key.startswith(key)) or (
            chosung and initials(name).replace(" ", "").startswith(chosung)
        ):
            first.append(name)
        elif key and key in name_key:
            second.append(name)
    return (first + second)[:limit]
