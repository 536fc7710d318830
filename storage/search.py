"""The database side of lookups: full-text search, term scoring, similar posts, frequencies.

Scores are higher-is-better on both databases but not comparable between them (or between
methods); callers only rank by them.

* :func:`search_text` — SQLite: FTS5 ``bm25()`` (negated, as FTS5's is lower-is-better).
  PostgreSQL has no BM25: the tsvector (GIN) finds the matches and counts them, and each is
  ranked by Σ idf × saturated count of the terms from ``post_terms`` (BM25 without length
  normalisation). The terms are always quoted (FTS5 strings) or passed through
  ``phraseto_tsquery`` (PostgreSQL), so no term can change the query's syntax.
* :func:`search_terms` — Σ field weight × idf × saturated stored weight over ``post_terms``.
* :func:`similar_posts` — the post's ~20 most telling explicit terms, scored the same way.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    case,
    cast,
    distinct,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import ScoredId, TermField
from storage.analysis_store import clean_term
from storage.models import LibraryState, Post, PostTerm, TermStat

K1 = 1.2
"""Saturation of a stored weight w: w·(K1+1)/(w+K1) is 1 at w=1 and never above K1+1."""

SIMILAR_FIELDS: dict[str, float] = {
    TermField.THEME.value: 3.0,
    TermField.TITLE.value: 2.5,
    TermField.KEYWORD.value: 1.5,
    TermField.HEADING.value: 1.0,
}
"""Fields "more like this" compares, with their weights (body text is left out)."""

SIMILAR_TERMS = 20
"""How many of a post's terms "more like this" looks for (its best by weight × idf)."""

SIMILAR_ROW_BUDGET = 4000
"""At most this many posts holding the chosen terms (Σ df) are read, whatever the library's
size: a term that would go over is skipped for a rarer one."""

SIMILAR_MAX_SHARE = 0.05
SIMILAR_MIN_CAP = 50
"""Terms held by more than half the posts say little; in a large library those held by more
than max(5% of it, 50 posts) are left out too, as they cost a lot and add little."""

FILM_BONUS_TERMS = 3
"""A post about the same film scores as if it shared the post's best three terms as themes."""

CHUNK = 500
"""Bound parameters per IN list (SQLite and asyncpg both limit a statement's parameters)."""

_TERMS = PostTerm.__table__
_TOKEN_CATEGORIES = ("L", "N", "Co")


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def idf(df: int, n: int) -> float:
    """BM25's idf, kept positive: ln(1 + (N − df + ½) / (df + ½))."""
    return math.log(1.0 + (max(n - df, 0) + 0.5) / (max(df, 0) + 0.5))


def distinct_terms(terms: Iterable[str]) -> list[str]:
    """Cleaned terms, each once, in the given order."""
    seen: dict[str, None] = {}
    for term in terms:
        cleaned = clean_term(term)
        if cleaned is not None:
            seen.setdefault(cleaned, None)
    return list(seen)


def searchable_terms(terms: Iterable[str]) -> list[str]:
    """Terms that hold at least one letter or digit: the others index and match nothing."""
    return [
        term
        for term in distinct_terms(terms)
        if any(unicodedata.category(ch).startswith(_TOKEN_CATEGORIES) for ch in term)
    ]


def fts5_query(terms: Sequence[str], *, require_all: bool) -> str:
    """An FTS5 query of quoted strings: ``"a" AND "b"``. Inside double quotes FTS5 reads no
    syntax (``NEAR``, ``OR``, ``*``, ``:``, ``^``); a double quote is escaped by doubling."""
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    return (" AND " if require_all else " OR ").join(quoted)


def saturated(weight: ColumnElement[float]) -> ColumnElement[float]:
    return weight * (K1 + 1.0) / (weight + K1)


async def term_posts(session: AsyncSession) -> int:
    """How many posts have index terms (the N of idf)."""
    stmt = select(LibraryState.term_posts).where(LibraryState.id == 1)
    return int((await session.execute(stmt)).scalar_one_or_none() or 0)


async def document_frequencies(
    session: AsyncSession, terms: Sequence[str]
) -> tuple[dict[str, int], int]:
    """``{term: df}`` for the given terms as given (0 when unknown), and N."""
    wanted = {term: clean_term(term) for term in terms}
    keys = sorted({key for key in wanted.values() if key is not None})
    found: dict[str, int] = {}
    for part in chunks(keys):
        stmt = select(TermStat.term, TermStat.df).where(TermStat.term.in_(part))
        found.update({row.term: int(row.df) for row in await session.execute(stmt)})
    result = {term: max(found.get(key, 0), 0) if key else 0 for term, key in wanted.items()}
    return result, await term_posts(session)


# --- full text --------------------------------------------------------------------------------


async def search_text(
    session: AsyncSession,
    dialect: str,
    terms: Sequence[str],
    *,
    require_all: bool,
    limit: int,
    offset: int,
) -> tuple[list[ScoredId], int]:
    """The total first (an index-only count), then one page ranked: ranking every match to
    count it too would cost a window over all of them."""
    usable = searchable_terms(terms)
    if not usable:
        return [], 0
    limit, offset = max(limit, 0), max(offset, 0)
    if dialect == "postgresql":
        return await _search_text_pg(session, usable, require_all, limit, offset)
    query = {"query": fts5_query(usable, require_all=require_all)}
    count = text("SELECT count(*) FROM post_fts WHERE post_fts MATCH :query")
    total = int((await session.execute(count, query)).scalar_one())
    if total <= offset or limit == 0:
        return [], total
    rows = await session.execute(
        text(
            "SELECT rowid AS post_id, -bm25(post_fts) AS score FROM post_fts"
            " WHERE post_fts MATCH :query"
            " ORDER BY score DESC, rowid DESC LIMIT :limit OFFSET :offset"
        ),
        {**query, "limit": limit, "offset": offset},
    )
    return [ScoredId(int(r.post_id), float(r.score)) for r in rows], total


async def _search_text_pg(
    session: AsyncSession, terms: Sequence[str], require_all: bool, limit: int, offset: int
) -> tuple[list[ScoredId], int]:
    """Matched by the tsvector (GIN), ranked from ``post_terms``: Σ idf × saturated count of
    each term (keyword candidates left out, they repeat body counts). ``ts_rank`` would have
    to decompress every match's tsvector, several times slower and blind to rarity."""
    params: dict[str, Any] = {}
    queries: list[str] = []
    for i, term in enumerate(terms):
        params[f"t{i}"] = term
        queries.append(f"phraseto_tsquery('simple', CAST(:t{i} AS text))")
    match = "(" + (" && " if require_all else " || ").join(queries) + ")"
    count = text(f"SELECT count(*) FROM post_fts WHERE tsv @@ {match}")
    total = int((await session.execute(count, params)).scalar_one())
    if total <= offset or limit == 0:
        return [], total
    dfs, n = await document_frequencies(session, terms)
    names = ", ".join(f"CAST(:t{i} AS text)" for i in range(len(terms)))
    weights = " ".join(
        f"WHEN CAST(:t{i} AS text) THEN CAST(:w{i} AS float8)" for i in range(len(terms))
    )
    params.update({f"w{i}": idf(dfs[term], n) for i, term in enumerate(terms)})
    rows = await session.execute(
        text(
            f"WITH matched AS MATERIALIZED (SELECT post_id FROM post_fts WHERE tsv @@ {match}),"
            " counts AS (SELECT t.post_id, t.term, sum(t.weight) AS tf"
            " FROM post_terms t JOIN matched m ON m.post_id = t.post_id"
            f" WHERE t.term IN ({names}) AND t.field <> 'keyword' GROUP BY t.post_id, t.term)"
            " SELECT m.post_id,"
            f" coalesce(sum(CASE c.term {weights} ELSE 0 END"
            f" * c.tf * {K1 + 1.0} / (c.tf + {K1})), 0) AS score"
            " FROM matched m LEFT JOIN counts c ON c.post_id = m.post_id GROUP BY m.post_id"
            " ORDER BY score DESC, m.post_id DESC LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": limit, "offset": offset},
    )
    return [ScoredId(int(r.post_id), float(r.score)) for r in rows], total


# --- weighted terms ---------------------------------------------------------------------------


def _field_weights(weights: dict[str, float]) -> dict[str, float]:
    known = {field.value for field in TermField}
    return {
        str(field): float(w)
        for field, w in weights.items()
        if str(field) in known and math.isfinite(float(w)) and float(w) > 0
    }


def _by_value(column: Any, values: dict[str, float]) -> ColumnElement[float]:
    """``CASE column WHEN k THEN v … END`` with float results on both databases."""
    whens = [(column == literal(key), cast(literal(value), Float)) for key, value in values.items()]
    return case(*whens, else_=cast(literal(0.0), Float))


async def search_terms(
    session: AsyncSession,
    terms: Sequence[str],
    *,
    weights: dict[str, float],
    limit: int,
    offset: int,
) -> tuple[list[ScoredId], int]:
    wanted = distinct_terms(terms)
    fields = _field_weights(weights)
    if not wanted or not fields:
        return [], 0
    dfs, n = await document_frequencies(session, wanted)
    if any(dfs[term] == 0 for term in wanted):
        return [], 0  # every term must occur, and this one occurs nowhere
    idfs = {term: idf(dfs[term], n) for term in wanted}
    limit, offset = max(limit, 0), max(offset, 0)
    score = func.sum(
        _by_value(_TERMS.c.field, fields)
        * _by_value(_TERMS.c.term, idfs)
        * saturated(_TERMS.c.weight)
    )
    # Every matching post's score, computed once (MATERIALIZED: SQLite and PostgreSQL would
    # otherwise run it again per use).
    scores = (
        select(_TERMS.c.post_id, score.label("score"))
        .where(_TERMS.c.term.in_(wanted), _TERMS.c.field.in_(sorted(fields)))
        .group_by(_TERMS.c.post_id)
        .having(func.count(distinct(_TERMS.c.term)) == len(wanted))
        .cte("scores")
        .prefix_with("MATERIALIZED")
    )
    total = select(func.count()).select_from(scores).scalar_subquery()
    if limit == 0:
        return [], int((await session.execute(select(total))).scalar_one())
    # Newer first among equal scores needs each post's date: read it only for the posts that
    # can be on this page, those scoring at least the page's last score (ties included).
    cut = (
        select(scores.c.score)
        .order_by(scores.c.score.desc())
        .limit(1)
        .offset(offset + limit - 1)
        .scalar_subquery()
    )
    stmt = (
        select(scores.c.post_id, scores.c.score, total.label("total"))
        .join(Post, Post.id == scores.c.post_id)
        .where(scores.c.score >= func.coalesce(cut, 0.0))
        .order_by(
            scores.c.score.desc(), Post.published.desc().nulls_last(), scores.c.post_id.desc()
        )
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(stmt)).all()
    if rows:
        return [ScoredId(int(r.post_id), float(r.score)) for r in rows], int(rows[0].total)
    return [], int((await session.execute(select(total))).scalar_one())


# --- more like this ---------------------------------------------------------------------------


async def similar_posts(session: AsyncSession, post_id: int, *, limit: int) -> list[ScoredId]:
    if limit <= 0:
        return []
    film_id = (
        await session.execute(select(Post.film_id).where(Post.id == post_id))
    ).scalar_one_or_none()
    n = await term_posts(session)
    own = (
        await session.execute(
            select(_TERMS.c.term, _TERMS.c.field, _TERMS.c.weight, TermStat.df)
            .join(TermStat, TermStat.term == _TERMS.c.term)
            .where(_TERMS.c.post_id == post_id, _TERMS.c.field.in_(sorted(SIMILAR_FIELDS)))
        )
    ).all()
    cap = min(n / 2, max(SIMILAR_MAX_SHARE * n, SIMILAR_MIN_CAP))
    query_weight: dict[str, float] = {}
    dfs: dict[str, int] = {}
    for row in own:
        if row.df < 2 or row.df > cap:
            continue  # only this post has it, or too many posts do
        sat = row.weight * (K1 + 1.0) / (row.weight + K1)
        value = idf(int(row.df), n) * SIMILAR_FIELDS[row.field] * sat
        query_weight[row.term] = max(query_weight.get(row.term, 0.0), value)
        dfs[row.term] = int(row.df)
    best: list[tuple[str, float]] = []
    budget = SIMILAR_ROW_BUDGET
    for term, value in sorted(query_weight.items(), key=lambda item: (-item[1], item[0])):
        if len(best) == SIMILAR_TERMS:
            break
        if dfs[term] <= budget:
            best.append((term, value))
            budget -= dfs[term]
    # The other post's side: the share of the best field weight its field carries, so that
    # sharing a term as a theme is worth the term's full weight.
    top = max(SIMILAR_FIELDS.values())
    relative = {field: weight / top for field, weight in SIMILAR_FIELDS.items()}
    parts = []
    if best:
        chosen = dict(best)
        parts.append(
            select(
                _TERMS.c.post_id.label("post_id"),
                (
                    _by_value(_TERMS.c.term, chosen)
                    * _by_value(_TERMS.c.field, relative)
                    * saturated(_TERMS.c.weight)
                ).label("score"),
            ).where(
                _TERMS.c.term.in_(sorted(chosen)),
                _TERMS.c.field.in_(sorted(SIMILAR_FIELDS)),
                _TERMS.c.post_id != post_id,
            )
        )
    if film_id is not None:
        bonus = sum(value for _term, value in best[:FILM_BONUS_TERMS]) or 1.0
        parts.append(
            select(Post.id.label("post_id"), cast(literal(bonus), Float).label("score")).where(
                Post.film_id == film_id, Post.stub.is_(False), Post.id != post_id
            )
        )
    if not parts:
        return []
    union = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    # Only full posts have terms, and the film's posts are taken without stubs: no join.
    score = func.sum(union.c.score).label("score")
    stmt = (
        select(union.c.post_id, score)
        .group_by(union.c.post_id)
        .order_by(score.desc(), union.c.post_id.desc())
        .limit(limit)
    )
    return [ScoredId(int(r.post_id), float(r.score)) for r in await session.execute(stmt)]
