"""The database side of lookups: full-text search, term scoring, similar posts, frequencies.

Scores are higher-is-better on both databases but not comparable between them (or between
methods); callers only rank by them.

* :func:`search_text` — SQLite: FTS5 ``bm25()`` (negated, as FTS5's is lower-is-better).
  PostgreSQL has no BM25: the tsvector (GIN) finds the matches and counts them, and each is
  ranked by Σ idf × a saturating function of the term's frequency (``ts_rank`` for a few
  matches, ``post_terms`` counts for many). The terms are always quoted (FTS5 strings) or
  passed through ``phraseto_tsquery`` (PostgreSQL), so no term can change the query's syntax.
* :func:`search_terms` — Σ field weight × idf × saturated stored weight over ``post_terms``.
* :func:`similar_posts` — the post's ~20 most telling explicit terms, scored the same way.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import THEME_WEIGHTS, ScoredId, TermField
from storage.analysis_store import K1, clean_term

SIMILAR_FIELDS: dict[str, float] = {
    TermField.THEME.value: 3.0,
    TermField.TITLE.value: 2.5,
    TermField.KEYWORD.value: 1.5,
    TermField.HEADING.value: 1.0,
}
"""Fields "more like this" compares, with their weights (body text is left out)."""

SIMILAR_TERMS = 20
"""How many of a post's terms "more like this" looks for (its best by weight × idf)."""

SIMILAR_ROW_BUDGET = 2000
"""At most this many posts holding the chosen terms (Σ df) are read, whatever the library's
size: a term that would go over is skipped for a rarer one."""

SIMILAR_MAX_SHARE = 0.05
SIMILAR_MIN_CAP = 50
"""Terms held by more than half the posts say little; in a large library those held by more
than max(5% of it, 50 posts) are left out too, as they cost a lot and add little."""

FILM_BONUS_TERMS = 3
"""A post about the same film scores as if it shared the post's best three terms as themes."""

PG_TS_RANK_MATCHES = 2000
"""Up to this many full-text matches PostgreSQL ranks with ``ts_rank``; above, from the terms'
counts in ``post_terms`` (see ``_search_text_pg``)."""

RANK_ALL_MATCHES = 1000
SHORTLIST = 400
MAX_SHORTLIST_PAGE = SHORTLIST // 4
"""Above ``RANK_ALL_MATCHES`` matches (on PostgreSQL, above ``PG_TS_RANK_MATCHES`` too, where
``ts_rank`` ranks fewer), the first pages of a text search (up to ``MAX_SHORTLIST_PAGE``
results) are ranked within a shortlist (see ``_shortlisted``)."""

MAX_QUERY_TERMS = 64
"""A query's distinct terms beyond this many are ignored (a pasted essay is not a query)."""

CHUNK = 500
"""Bound parameters per IN list (SQLite and asyncpg both limit a statement's parameters)."""

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


async def document_frequencies(
    session: AsyncSession, terms: Sequence[str]
) -> tuple[dict[str, int], int]:
    """``{term: df}`` for the given terms as given (0 when unknown), and N; one query."""
    wanted = {term: clean_term(term) for term in terms}
    keys = sorted({key for key in wanted.values() if key is not None})
    found: dict[str, int] = {}
    n = 0
    for part in chunks(keys) if keys else [()]:
        params: dict[str, Any] = {f"k{i}": key for i, key in enumerate(part)}
        names = ", ".join(f":k{i}" for i in range(len(part))) or "NULL"
        rows = await session.execute(
            text(
                "SELECT s.term_posts, t.term, t.df FROM library_state s"
                f" LEFT JOIN term_stats t ON t.term IN ({names}) WHERE s.id = 1"
            ),
            params,
        )
        for row in rows:
            n = int(row.term_posts)
            if row.term is not None:
                found[row.term] = int(row.df)
    result = {term: max(found.get(key, 0), 0) if key else 0 for term, key in wanted.items()}
    return result, n


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
    usable = searchable_terms(terms)[:MAX_QUERY_TERMS]
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
    if total > RANK_ALL_MATCHES and offset + limit <= MAX_SHORTLIST_PAGE:
        wanted = min(limit, total - offset)
        found = await _shortlisted(session, usable, require_all, limit, offset, wanted)
        if found is not None:
            return found, total
    rows = await session.execute(
        text(
            "SELECT rowid AS post_id, -bm25(post_fts) AS score FROM post_fts"
            " WHERE post_fts MATCH :query"
            " ORDER BY score DESC, rowid DESC LIMIT :limit OFFSET :offset"
        ),
        {**query, "limit": limit, "offset": offset},
    )
    return [ScoredId(int(r.post_id), float(r.score)) for r in rows], total


async def _shortlisted(
    session: AsyncSession,
    terms: Sequence[str],
    require_all: bool,
    limit: int,
    offset: int,
    wanted: int,
) -> list[ScoredId] | None:
    """A first page of a text search with very many matches, or None to rank them all.

    FTS5's bm25 scores every match before the first page can be cut (50-80 ms for tens of
    thousands at 100k posts). A review that barely holds the query's rarest word is seldom among
    its best, so the page is ranked among the :data:`SHORTLIST` posts that weigh that word most
    (the ranked ``theme_scores`` index, read from the top), scored as PostgreSQL scores many
    matches: Σ idf × saturated term frequency from ``post_terms``. None when fewer than
    ``wanted`` (a page, or what is left of the matches) of the shortlist match.
    """
    dfs, n = await document_frequencies(session, terms)
    params: dict[str, Any] = {
        "need": len(terms) if require_all else 1,
        "limit": limit,
        "offset": offset,
    }
    # All words: the rarest word's best posts. Any word: each word's best, together.
    heads = [min(terms, key=lambda term: (dfs[term], term))] if require_all else list(terms)
    branches = []
    for i, term in enumerate(heads):
        params[f"h{i}"], params[f"s{i}"] = term, max(SHORTLIST // len(heads), offset + limit)
        branches.append(
            f"SELECT * FROM (SELECT post_id FROM theme_scores WHERE term = :h{i}"
            f" ORDER BY score DESC, post_id DESC LIMIT :s{i}) AS head{i}"
        )
    weights = _case("t.term", {term: idf(dfs[term], n) for term in terms}, "w", params)
    sql = (
        f"WITH candidates AS MATERIALIZED ({' UNION '.join(branches)}),"
        # CROSS JOIN: SQLite then reads post_terms by post (its primary key), a few rows for
        # each candidate, not the postings of every query word
        " counts AS (SELECT t.post_id, t.term, sum(t.weight) AS tf"
        " FROM candidates c CROSS JOIN post_terms t WHERE t.post_id = c.post_id"
        f" AND {_in('t.term', list(terms), 'q', params)} AND t.field <> 'keyword'"
        " GROUP BY t.post_id, t.term)"
        f" SELECT t.post_id, sum({weights} * t.tf * {K1 + 1.0}"
        f" / (t.tf + {K1})) AS score FROM counts t GROUP BY t.post_id"
        " HAVING count(*) >= :need ORDER BY score DESC, t.post_id DESC"
        " LIMIT :limit OFFSET :offset"
    )
    rows = (await session.execute(text(sql), params)).all()
    if len(rows) < wanted:
        return None
    return [ScoredId(int(r.post_id), float(r.score)) for r in rows]


async def _search_text_pg(
    session: AsyncSession, terms: Sequence[str], require_all: bool, limit: int, offset: int
) -> tuple[list[ScoredId], int]:
    """Matched and counted by the tsvector (GIN index); ranked by Σ idf × a saturating function
    of each term's frequency: ``ts_rank`` for a few matches, ``post_terms`` counts (keyword
    candidates left out, they repeat body counts) for many. Scores of the two are not on one
    scale, but a query's total, and so its method, is the same on every page."""
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
    if total > max(RANK_ALL_MATCHES, PG_TS_RANK_MATCHES) and offset + limit <= MAX_SHORTLIST_PAGE:
        shortlisted = await _shortlisted(
            session, terms, require_all, limit, offset, min(limit, total - offset)
        )
        if shortlisted is not None:
            return shortlisted, total
    dfs, n = await document_frequencies(session, terms)
    names = ", ".join(f"CAST(:t{i} AS text)" for i in range(len(terms)))
    weights = " ".join(
        f"WHEN CAST(:t{i} AS text) THEN CAST(:w{i} AS float8)" for i in range(len(terms))
    )
    params.update({f"w{i}": idf(dfs[term], n) for i, term in enumerate(terms)})
    if total <= PG_TS_RANK_MATCHES:
        # Few matches: rank each by ts_rank of every term (length-normalised), idf-weighted.
        ranks = " + ".join(
            f"CAST(:w{i} AS float8) * ts_rank(tsv, {query}, 1)" for i, query in enumerate(queries)
        )
        sql = f"SELECT post_id, {ranks} AS score FROM post_fts WHERE tsv @@ {match}"
    else:
        # Many: ts_rank would decompress every match's tsvector, several times over; read the
        # terms' counts from post_terms instead (index only) and join them to the matches.
        # No join of the matches to their counts: the planner estimates a full-text match
        # at a row or two and chose a nested loop over both (17 s for 4,000 matches). Scores
        # and a zero for every match are appended and summed per post instead.
        tf_score = f"CASE t.term {weights} ELSE 0 END * sum(t.weight) * {K1 + 1.0}"
        sql = (
            f"WITH matched AS MATERIALIZED (SELECT post_id FROM post_fts WHERE tsv @@ {match}),"
            f" scored AS (SELECT t.post_id, {tf_score} / (sum(t.weight) + {K1}) AS s"
            f" FROM post_terms t WHERE t.term IN ({names}) AND t.field <> 'keyword'"
            " AND t.post_id IN (SELECT post_id FROM matched) GROUP BY t.post_id, t.term"
            " UNION ALL SELECT post_id, 0.0 FROM matched)"
            " SELECT post_id, sum(s) AS score FROM scored GROUP BY post_id"
        )
    rows = await session.execute(
        text(sql + " ORDER BY score DESC, post_id DESC LIMIT :limit OFFSET :offset"),
        {**params, "limit": limit, "offset": offset},
    )
    return [ScoredId(int(r.post_id), float(r.score)) for r in rows], total


# --- weighted terms ---------------------------------------------------------------------------
# Built as SQL text: these statements differ in shape with every query (one CASE branch per
# term), so SQLAlchemy's expression building and cache keys would cost more than running them.


def _field_weights(weights: dict[str, float]) -> dict[str, float]:
    known = {field.value for field in TermField}
    return {
        str(field): float(w)
        for field, w in weights.items()
        if str(field) in known and math.isfinite(float(w)) and float(w) > 0
    }


def _case(column: str, values: dict[str, float], prefix: str, params: dict[str, Any]) -> str:
    """``CASE column WHEN :k THEN :v … ELSE 0 END`` (floats on both databases), and its
    parameters added to ``params``."""
    whens = []
    for i, (key, value) in enumerate(values.items()):
        params[f"{prefix}k{i}"] = key
        params[f"{prefix}v{i}"] = float(value)
        whens.append(f"WHEN :{prefix}k{i} THEN CAST(:{prefix}v{i} AS FLOAT)")
    return f"CASE {column} {' '.join(whens)} ELSE 0.0 END"


def _in(column: str, values: Sequence[str], prefix: str, params: dict[str, Any]) -> str:
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
    return f"{column} IN ({', '.join(f':{prefix}{i}' for i in range(len(values)))})"


SATURATED = f"weight * {K1 + 1.0} / (weight + {K1})"


async def search_terms(
    session: AsyncSession,
    terms: Sequence[str],
    *,
    weights: dict[str, float],
    limit: int,
    offset: int,
) -> tuple[list[ScoredId], int]:
    wanted = distinct_terms(terms)[:MAX_QUERY_TERMS]
    fields = _field_weights(weights)
    if not wanted or not fields:
        return [], 0
    dfs, n = await document_frequencies(session, wanted)
    if any(dfs[term] == 0 for term in wanted):
        return [], 0  # every term must occur, and this one occurs nowhere
    limit, offset = max(limit, 0), max(offset, 0)
    if fields == _field_weights(THEME_WEIGHTS):
        return await _ranked_theme(session, wanted, dfs, n, limit=limit, offset=offset)
    params: dict[str, Any] = {"n": len(wanted)}
    by_field = _case("field", fields, "f", params)
    by_term = _case("term", {term: idf(dfs[term], n) for term in wanted}, "t", params)
    # Every matching post's score, computed once (MATERIALIZED: SQLite and PostgreSQL would
    # otherwise compute it again for each use below).
    scores = (
        "WITH scores AS MATERIALIZED ("
        f"SELECT post_id, sum({by_field} * {by_term} * {SATURATED}) AS score"
        f" FROM post_terms WHERE {_in('term', wanted, 'w', params)}"
        f" AND {_in('field', sorted(fields), 'g', params)}"
        " GROUP BY post_id HAVING count(DISTINCT term) = :n) "
    )
    count = text(scores + "SELECT count(*) FROM scores")
    if limit == 0:
        return [], int((await session.execute(count, params)).scalar_one())
    # Newer first among equal scores needs each post's date: read it only for the posts that
    # can be on this page, those scoring at least the page's last score (ties included).
    rows = (
        await session.execute(
            text(
                scores + "SELECT s.post_id, s.score, (SELECT count(*) FROM scores) AS total"
                " FROM scores s JOIN posts p ON p.id = s.post_id"
                " WHERE s.score >= coalesce("
                "(SELECT score FROM scores ORDER BY score DESC LIMIT 1 OFFSET :last), 0.0)"
                " ORDER BY s.score DESC, p.published DESC NULLS LAST, s.post_id DESC"
                " LIMIT :limit OFFSET :offset"
            ),
            {**params, "last": offset + limit - 1, "limit": limit, "offset": offset},
        )
    ).all()
    if rows:
        return [ScoredId(int(r.post_id), float(r.score)) for r in rows], int(rows[0].total)
    return [], int((await session.execute(count, params)).scalar_one())


async def _ranked_theme(
    session: AsyncSession,
    terms: Sequence[str],
    dfs: dict[str, int],
    n: int,
    *,
    limit: int,
    offset: int,
) -> tuple[list[ScoredId], int]:
    """:func:`search_terms` under the theme weights, from the stored per-term scores.

    One term (most theme queries): a page of ``ix_theme_scores_rank`` read backwards, and the
    total is the term's document frequency — no post is scored at query time. Several: the
    rarest term's posts, each joined to its scores for the others (a primary-key lookup each).
    The score is the one :func:`search_terms` computes, idf × the stored sum; ties go to the
    newer post id.
    """
    ordered = sorted(terms, key=lambda term: (dfs[term], term))
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if len(ordered) == 1:
        [term] = ordered
        page = await session.execute(
            text(
                "SELECT post_id, score FROM theme_scores WHERE term = :t"
                " ORDER BY score DESC, post_id DESC LIMIT :limit OFFSET :offset"
            ),
            {**params, "t": term},
        )
        weight = idf(dfs[term], n)
        return [ScoredId(int(r.post_id), float(r.score) * weight) for r in page], dfs[term]
    joins, parts = [], []
    for i, term in enumerate(ordered):
        params[f"t{i}"], params[f"i{i}"] = term, idf(dfs[term], n)
        parts.append(f"a{i}.score * CAST(:i{i} AS FLOAT)")
        if i:
            joins.append(
                f" JOIN theme_scores a{i} ON a{i}.term = :t{i} AND a{i}.post_id = a0.post_id"
            )
    matches = (
        "WITH m AS MATERIALIZED (SELECT a0.post_id AS post_id, "
        + " + ".join(parts)
        + " AS score FROM theme_scores a0"
        + "".join(joins)
        + " WHERE a0.term = :t0) "
    )
    rows = (
        await session.execute(
            text(
                matches + "SELECT post_id, score, (SELECT count(*) FROM m) AS total FROM m"
                " ORDER BY score DESC, post_id DESC LIMIT :limit OFFSET :offset"
            ),
            params,
        )
    ).all()
    if rows:
        return [ScoredId(int(r.post_id), float(r.score)) for r in rows], int(rows[0].total)
    count = await session.execute(text(matches + "SELECT count(*) FROM m"), params)
    return [], int(count.scalar_one())


# --- more like this ---------------------------------------------------------------------------


async def similar_posts(session: AsyncSession, post_id: int, *, limit: int) -> list[ScoredId]:
    if limit <= 0:
        return []
    fields = sorted(SIMILAR_FIELDS)
    params: dict[str, Any] = {"p": post_id}
    own = (
        await session.execute(
            text(
                "SELECT p.film_id, s.term_posts, t.term, t.field, t.weight, d.df"
                " FROM posts p CROSS JOIN library_state s"
                " LEFT JOIN post_terms t ON t.post_id = p.id"
                f" AND {_in('t.field', fields, 'f', params)}"
                " LEFT JOIN term_stats d ON d.term = t.term"
                " WHERE p.id = :p AND s.id = 1"
            ),
            params,
        )
    ).all()
    if not own:
        return []  # no such post
    film_id, n = own[0].film_id, int(own[0].term_posts)
    cap = min(n / 2, max(SIMILAR_MAX_SHARE * n, SIMILAR_MIN_CAP))
    query_weight: dict[str, float] = {}
    dfs: dict[str, int] = {}
    for row in own:
        if row.term is None or row.df is None or row.df < 2 or row.df > cap:
            continue  # no terms, only this post has it, or too many posts do
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
    params = {"p": post_id, "limit": limit}
    parts = []
    if best:
        # The other post's side: the share of the best field weight its field carries, so
        # that sharing a term as a theme is worth the term's full weight.
        top = max(SIMILAR_FIELDS.values())
        relative = {field: weight / top for field, weight in SIMILAR_FIELDS.items()}
        by_term = _case("term", dict(best), "t", params)
        by_field = _case("field", relative, "f", params)
        parts.append(
            f"SELECT post_id, {by_term} * {by_field} * {SATURATED} AS score FROM post_terms"
            f" WHERE {_in('term', sorted(dict(best)), 'w', params)}"
            f" AND {_in('field', fields, 'g', params)} AND post_id <> :p"
        )
    if film_id is not None:
        params["film"] = film_id
        params["bonus"] = sum(value for _term, value in best[:FILM_BONUS_TERMS]) or 1.0
        # No stub condition here (the query's end drops stubs): with one, SQLite without
        # statistics picked the stub index and read every full post (60 ms at 100k).
        parts.append(
            "SELECT id AS post_id, CAST(:bonus AS FLOAT) AS score FROM posts"
            " WHERE film_id = :film AND id <> :p"
        )
    if not parts:
        return []
    # Stubs have terms too (their titles), but "more like this" means reviews one can read.
    # A correlated EXISTS, not a join: joined, SQLite walked all of ``posts`` (60 ms at 100k).
    params["full"] = False
    rows = await session.execute(
        text(
            "SELECT g.post_id, g.score FROM (SELECT u.post_id, sum(u.score) AS score"
            f" FROM ({' UNION ALL '.join(parts)}) AS u GROUP BY u.post_id) AS g"
            " WHERE EXISTS (SELECT 1 FROM posts fp WHERE fp.id = g.post_id AND fp.stub = :full)"
            " ORDER BY g.score DESC, g.post_id DESC LIMIT :limit"
        ),
        params,
    )
    return [ScoredId(int(r.post_id), float(r.score)) for r in rows]
