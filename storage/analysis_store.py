"""Writing a post's analysis, and the library-wide counters, inside a save transaction.

A post's analysis lives in several places, all written here in the caller's transaction:

* ``posts.summary``, ``posts.mined_themes``, ``posts.analysed_version``;
* ``sections.excerpt`` (one per section, by position);
* ``post_sentences`` (the sentences with their terms, as one JSON value);
* ``post_terms`` (the weighted index terms) and ``term_stats`` (document frequencies);
* ``post_fts``, the full-text index over the term stream: an FTS5 table on SQLite (rowid = post
  id), a ``tsvector`` on PostgreSQL (``to_tsvector('simple', …)``).

Document frequencies, the number of posts with terms, and how many full posts carry each
explicit theme or tag or are filed under each category are kept as counters rather than counted
per query (a common term is held by most of the library; counting themes means reading every
post). Their changes are collected
for the whole transaction and written at its end in term order, so that two PostgreSQL writers
always lock ``term_stats`` rows in the same order and cannot deadlock; the ``library_state``
row is updated last of all.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import THEME_WEIGHTS, IndexTerm, PostAnalysis, Sentence, TermField
from storage.models import (
    CategoryCountRow,
    LibraryState,
    Post,
    PostSentences,
    PostTerm,
    SectionRow,
    TermStat,
    ThemeCount,
    ThemeScore,
)

MAX_TERM_LENGTH = 200
"""Longer "terms" are junk (a URL, a run of letters) and would bloat the term index."""

MAX_THEME_LENGTH = 200
"""Longer themes or tags are not counted for ``themes()`` (nobody types them)."""

_SECTIONS = cast(Table, SectionRow.__table__)
_TERMS = cast(Table, PostTerm.__table__)
_THEME_SCORES = cast(Table, ThemeScore.__table__)

K1 = 1.2
"""Saturation of a stored weight w: w·(K1+1)/(w+K1) is 1 at w=1 and never above K1+1."""


def saturate(weight: float) -> float:
    return weight * (K1 + 1.0) / (weight + K1)


def theme_scores(weights: dict[tuple[str, str], float]) -> dict[str, float]:
    """Each term's theme score from its (term, field) weights (see ``ThemeScore``)."""
    scores: dict[str, float] = {}
    for (term, field), weight in weights.items():
        factor = THEME_WEIGHTS.get(field, 0.0)
        if factor > 0:
            scores[term] = scores.get(term, 0.0) + factor * saturate(weight)
    return scores


_STATS = cast(Table, TermStat.__table__)
_SENTENCES = cast(Table, PostSentences.__table__)
_THEMES = cast(Table, ThemeCount.__table__)
_CATEGORIES = cast(Table, CategoryCountRow.__table__)


def clean_term(term: str) -> str | None:
    """The term as stored and searched: no control characters (PostgreSQL refuses NUL)."""
    if not isinstance(term, str):
        return None
    if not term.isprintable():  # rare: control characters or lone surrogates
        term = "".join(ch for ch in term if unicodedata.category(ch) not in {"Cc", "Cs"})
    term = term.strip()
    if not term or len(term) > MAX_TERM_LENGTH:
        return None
    return term


def aggregate_terms(terms: Iterable[IndexTerm]) -> dict[tuple[str, str], float]:
    """One weight per (term, field): body counts add up, other fields keep their best weight."""
    weights: dict[tuple[str, str], float] = {}
    for item in terms:
        term = clean_term(item.term)
        weight = float(item.weight)
        if term is None or not math.isfinite(weight) or weight <= 0:
            continue
        field = TermField(item.field).value
        key = (term, field)
        if key in weights:
            old = weights[key]
            weights[key] = old + weight if field == TermField.BODY.value else max(old, weight)
        else:
            weights[key] = weight
    return weights


def theme_set(values: Iterable[object]) -> set[str]:
    """A post's explicit themes and tags as ``themes()`` counts them: each once, as shown."""
    return {
        value
        for value in values
        if isinstance(value, str) and value and len(value) <= MAX_THEME_LENGTH
    }


def term_stream(terms: Sequence[str]) -> str:
    """The text the full-text index reads: the terms, space-separated, in text order."""
    return " ".join(t for t in (clean_term(term) for term in terms) if t)


def _sentences_json(sentences: Sequence[Sentence]) -> list[list[Any]]:
    return [[s.text, s.section, list(s.terms)] for s in sentences]


class LibraryWriter:
    """Writes analyses in one session's transaction, and the library's counters (document
    frequencies, theme and category counts, version) at its end."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self.session = session
        self.dialect = dialect
        self.df_changes: Counter[str] = Counter()
        self.theme_changes: Counter[str] = Counter()
        self.category_changes: Counter[str] = Counter()
        self.category_shown: dict[str, str] = {}
        self.term_posts_change = 0
        self.changed = False

    def touch(self) -> None:
        """Note that the transaction changed the library (posts, films or aliases)."""
        self.changed = True

    def count_category(self, old: tuple[str, str] | None, new: tuple[str, str] | None) -> None:
        """A full post's ``(category_key, category)`` went from ``old`` to ``new``."""
        if old == new:
            return
        if old is not None:
            self.category_changes[old[0]] -= 1
        if new is not None:
            self.category_changes[new[0]] += 1
            self.category_shown[new[0]] = new[1]

    def count_themes(self, old: set[str], new: set[str]) -> None:
        """A full post's themes and tags went from ``old`` to ``new`` (empty: not counted)."""
        for theme in new - old:
            self.theme_changes[theme] += 1
        for theme in old - new:
            self.theme_changes[theme] -= 1

    async def store(self, row: Post, analysis: PostAnalysis, *, fresh: bool = False) -> None:
        """Store (replace) the analysis of the full post ``row``, already flushed.

        ``fresh`` says the post was inserted in this transaction with its excerpts: there is
        nothing old to replace.
        """
        row.summary = analysis.summary or None
        row.mined_themes = [[theme, float(weight)] for theme, weight in analysis.mined_themes]
        row.analysed_version = analysis.version
        # The post's row first, as in every write path: PostgreSQL writers then lock a post's
        # rows in one order (post, then its sections and terms) and cannot deadlock on them.
        await self.session.flush()
        if not fresh:
            await self._write_excerpts(row.id, analysis.excerpts)
            await self.session.execute(delete(_SENTENCES).where(_SENTENCES.c.post_id == row.id))
        await self._write_terms(row.id, aggregate_terms(analysis.index_terms), fresh=fresh)
        await self._write_fts(row.id, term_stream(analysis.terms), fresh=fresh)
        if analysis.sentences:
            await self.session.execute(
                _SENTENCES.insert().values(
                    post_id=row.id, sentences=_sentences_json(analysis.sentences)
                )
            )
        self.changed = True

    async def clear(self, row: Post) -> None:
        """Forget the analysis of ``row`` (its text changed and no new analysis came)."""
        row.summary = None
        row.mined_themes = None
        row.analysed_version = None
        await self.session.flush()
        await self._write_excerpts(row.id, ())
        await self._write_terms(row.id, {})
        await self._write_fts(row.id, "")
        await self.session.execute(delete(_SENTENCES).where(_SENTENCES.c.post_id == row.id))
        self.changed = True

    async def finish(self) -> None:
        """Apply the counters' changes and, if anything changed, bump the library version."""
        changes = sorted((term, n) for term, n in self.df_changes.items() if n)
        if changes:
            insert = self._insert(_STATS)
            upsert = insert.on_conflict_do_update(
                index_elements=[_STATS.c.term], set_={"df": _STATS.c.df + insert.excluded.df}
            )
            await self.session.execute(upsert, [{"term": t, "df": n} for t, n in changes])
        themes = sorted((theme, n) for theme, n in self.theme_changes.items() if n)
        if themes:
            insert = self._insert(_THEMES)
            upsert = insert.on_conflict_do_update(
                index_elements=[_THEMES.c.theme],
                set_={"posts": _THEMES.c.posts + insert.excluded.posts},
            )
            await self.session.execute(upsert, [{"theme": t, "posts": n} for t, n in themes])
            dropped = [theme for theme, n in themes if n < 0]
            for part in (dropped[i : i + 500] for i in range(0, len(dropped), 500)):
                await self.session.execute(
                    delete(_THEMES).where(_THEMES.c.theme.in_(part), _THEMES.c.posts <= 0)
                )
        await self._apply_category_changes()
        if self.changed or self.term_posts_change:
            await self.session.execute(
                update(LibraryState)
                .where(LibraryState.id == 1)
                .values(
                    version=LibraryState.version + 1,
                    term_posts=LibraryState.term_posts + self.term_posts_change,
                )
            )
        self.df_changes.clear()
        self.theme_changes.clear()
        self.category_changes.clear()
        self.category_shown.clear()
        self.term_posts_change = 0
        self.changed = False

    # parts

    async def _apply_category_changes(self) -> None:
        keys = sorted(
            key
            for key in {*self.category_changes, *self.category_shown}
            if self.category_changes[key] or key in self.category_shown
        )
        if not keys:
            return
        insert = self._insert(_CATEGORIES)
        shown = insert.excluded.category
        upsert = insert.on_conflict_do_update(
            index_elements=[_CATEGORIES.c.category_key],
            set_={
                "posts": _CATEGORIES.c.posts + insert.excluded.posts,
                # "" = no new display (the key only lost posts): keep the stored one.
                "category": case((shown == "", _CATEGORIES.c.category), else_=shown),
            },
        )
        await self.session.execute(
            upsert,
            [
                {
                    "category_key": key,
                    "category": self.category_shown.get(key, ""),
                    "posts": self.category_changes[key],
                }
                for key in keys
            ],
        )
        dropped = [key for key in keys if self.category_changes[key] < 0]
        if dropped:
            await self.session.execute(
                delete(_CATEGORIES).where(
                    _CATEGORIES.c.category_key.in_(dropped), _CATEGORIES.c.posts <= 0
                )
            )

    def _insert(self, table: Any) -> sqlite.Insert | postgresql.Insert:
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    async def _write_excerpts(self, post_id: int, excerpts: Sequence[str]) -> None:
        await self.session.execute(
            update(_SECTIONS)
            .where(_SECTIONS.c.post_id == post_id, _SECTIONS.c.excerpt.is_not(None))
            .values(excerpt=None)
        )
        rows = [
            {"p": post_id, "n": n, "e": excerpt} for n, excerpt in enumerate(excerpts) if excerpt
        ]
        if rows:
            await self.session.execute(
                update(_SECTIONS)
                .where(
                    _SECTIONS.c.post_id == bindparam("p"), _SECTIONS.c.position == bindparam("n")
                )
                .values(excerpt=bindparam("e")),
                rows,
            )

    async def _write_terms(
        self, post_id: int, weights: dict[tuple[str, str], float], *, fresh: bool = False
    ) -> None:
        old: set[str] = set()
        if not fresh:
            stmt = select(_TERMS.c.term).where(_TERMS.c.post_id == post_id).distinct()
            old = set((await self.session.execute(stmt)).scalars())
        if old:
            await self.session.execute(delete(_TERMS).where(_TERMS.c.post_id == post_id))
            await self.session.execute(
                delete(_THEME_SCORES).where(_THEME_SCORES.c.post_id == post_id)
            )
        if weights:
            await self.session.execute(
                _TERMS.insert(),
                [
                    {"post_id": post_id, "term": term, "field": field, "weight": weight}
                    for (term, field), weight in weights.items()
                ],
            )
            await self.session.execute(
                _THEME_SCORES.insert(),
                [
                    {"term": term, "post_id": post_id, "score": score}
                    for term, score in theme_scores(weights).items()
                ],
            )
        new = {term for term, _field in weights}
        for term in new - old:
            self.df_changes[term] += 1
        for term in old - new:
            self.df_changes[term] -= 1
        self.term_posts_change += bool(new) - bool(old)

    async def _write_fts(self, post_id: int, stream: str, *, fresh: bool = False) -> None:
        if self.dialect == "postgresql":
            if stream:
                await self.session.execute(
                    text(
                        "INSERT INTO post_fts (post_id, tsv)"
                        " VALUES (:id, to_tsvector('simple', :stream))"
                        " ON CONFLICT (post_id) DO UPDATE SET tsv = excluded.tsv"
                    ),
                    {"id": post_id, "stream": stream},
                )
            elif not fresh:
                await self.session.execute(
                    text("DELETE FROM post_fts WHERE post_id = :id"), {"id": post_id}
                )
            return
        if not fresh:
            await self.session.execute(
                text("DELETE FROM post_fts WHERE rowid = :id"), {"id": post_id}
            )
        if stream:
            await self.session.execute(
                text("INSERT INTO post_fts (rowid, terms) VALUES (:id, :stream)"),
                {"id": post_id, "stream": stream},
            )
