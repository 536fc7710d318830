"""The review library in a SQL database: the core's :class:`bot.ports.Repository`.

Rules for storing posts (``save_posts``), chosen so that re-reading any mix of sources in any
order converges on one row per post:

* Identity: the canonical URL, else the feed's guid, else a hash of title and text. A guid or
  hash match is the same post even when the URL was not known before (a Markdown export, then
  the page); a hash only matches a post that has no conflicting URL or guid of its own.
* A stub is a post only known from another post's related list. It becomes the full post when
  that post arrives — matched by URL, or by normalised title when the stub has no URL — keeping
  its id, so related links made earlier stay valid; that post is reported as ADDED.
* A value a source does not carry (None or empty) never erases a stored one: a feed without
  categories does not wipe the categories read from the page.
* A teaser (the start of a post, from a partial feed) never replaces full text; it may only
  fill in what the stored post lacks. A full post does replace a teaser.
* Unchanged input writes nothing; the status says ADDED, UPDATED or UNCHANGED per post.

Rules for a post's analysis (``ParsedPost.analysis``), stored in the same transaction:

* A new or changed post stores the analysis it comes with. An unchanged post stores it only
  when its stored analysis is missing or older (``version``), and is still UNCHANGED.
* A teaser's analysis never replaces that of the full text kept in its place.
* A post whose text changed without a new analysis loses its old one (``analysed_version``
  NULL, no terms, not in the full-text index) until :meth:`SqlRepository.save_analysis`; one
  whose title, themes, tags or film changed keeps it but is marked for re-analysis.
* Every transaction that changes anything bumps ``library_state.version``.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from time import monotonic
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple

from sqlalchemy import Select, and_, delete, event, func, insert, or_, select, text, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload, selectinload

from bot.domain import (
    CategoryCount,
    FilmEntry,
    IngestStatus,
    LetterboxdInfo,
    ParsedPost,
    PostAnalysis,
    RelatedRef,
    SaveResult,
    ScoredId,
    Section,
    SourceKind,
    StoredPost,
    StoredRelated,
)
from bot.textnorm import normalize_key
from bot.titles import parse_title
from storage import search
from storage.analysis_store import LibraryWriter, theme_set
from storage.categories import CATEGORY_SEPARATOR, CategoryIndex, category_key
from storage.digest_store import DigestStore
from storage.engine import (
    DEFAULT_BUSY_TIMEOUT,
    WRITE,
    Target,
    create_engine,
    parse_url,
    translate_errors,
)
from storage.migrate import upgrade
from storage.models import (
    CategoryCountRow,
    Film,
    FilmAlias,
    LibraryState,
    Post,
    RelatedRow,
    SavedQuery,
    SectionRow,
    ThemeCount,
    UserPref,
)

if TYPE_CHECKING:
    from bot.ports import RepositoryFactory

__all__ = ["CATEGORY_SEPARATOR", "SqlRepository", "category_key", "open_repository"]

MAX_ID = 2**31 - 1
"""Ids are PostgreSQL integers: a larger number (a user can type any) is no post or film."""

QUERY_KEY_LENGTH = 12
"""Characters of a saved query's key: 60 bits of a hash in lower-case base32."""

_T = TypeVar("_T")

VERSION_TTL = 1.0
"""Seconds the library version is trusted without asking (another process's ingest shows
within this; this process's own writes at once)."""
_Ts = TypeVarTuple("_Ts")


async def open_repository(
    url: str,
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    version_ttl: float = VERSION_TTL,
) -> SqlRepository:
    """Open (creating and migrating as needed) the library at ``url``.

    ``busy_timeout`` is how long SQLite waits for another process's write before giving up
    with "database is locked". ``version_ttl``: see :class:`SqlRepository`.
    """
    target = parse_url(url)
    with translate_errors(target):
        engine = create_engine(target, busy_timeout=busy_timeout)
        try:
            if target.schema:
                await _ensure_schema(engine, target.schema)
            await upgrade(engine)
        except BaseException:
            await engine.dispose()
            raise
    return SqlRepository(engine, target, version_ttl=version_ttl)


async def _ensure_schema(engine: AsyncEngine, schema: str) -> None:
    async with engine.begin() as conn:
        found = await conn.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": schema}
        )
        if found.first() is None:
            # The name was checked against an identifier pattern in parse_url.
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


class SqlRepository(DigestStore):
    """bot.ports.Repository on SQLAlchemy; one short session per call, safe to share.

    Library-wide summaries that need a scan (categories, themes) are kept in memory per
    library version, which every writer bumps, so other processes' writes are seen too.

    The version itself is remembered for ``version_ttl`` seconds: asking the database for it
    took a round trip (and a transaction) in every lookup, several in some, a third of a
    category lookup's time. This process's own commits forget it at once; another process's
    writes are seen within ``version_ttl`` (0 asks every time).
    """

    def __init__(
        self, engine: AsyncEngine, target: Target, *, version_ttl: float = VERSION_TTL
    ) -> None:
        self._engine = engine
        self._target = target
        self._dialect = engine.dialect.name
        self._read = async_sessionmaker(engine, expire_on_commit=False)
        self._write = async_sessionmaker(
            engine.execution_options(**{WRITE: True}), expire_on_commit=False
        )
        self._cache: dict[str, tuple[int, Any]] = {}
        self._random = random.Random()
        self._version_ttl = max(0.0, version_ttl)
        self._known_version: tuple[float, int] | None = None  # (monotonic time read, version)
        self._commits = 0  # a read that saw a commit start under it must not be remembered
        event.listen(engine.sync_engine, "commit", self._forget_version)

    @property
    def url(self) -> str:
        """The database as shown to the user (password masked)."""
        return self._target.display

    @contextmanager
    def _errors(self) -> Iterator[None]:
        with translate_errors(self._target):
            yield

    # --- saving -------------------------------------------------------------------------------

    async def save_posts(self, posts: Sequence[ParsedPost], *, source: str) -> list[SaveResult]:
        if not posts:
            return []
        with self._errors():
            try:
                return await self._save(posts, source)
            except IntegrityError as exc:
                # Another process added one of these posts between our lookup and our insert
                # (PostgreSQL; SQLite writers are serialised). Once it has committed, a retry
                # finds that row and updates it instead.
                if not _is_unique_violation(exc):
                    raise
                return await self._save(posts, source)

    async def _save(self, posts: Sequence[ParsedPost], source: str) -> list[SaveResult]:
        async with self._write() as session, session.begin():
            library = LibraryWriter(session, self._dialect)
            writer = _Writer(session, source, library)
            results = [await writer.save(post) for post in posts]
            await session.flush()
            await library.finish()
            return results

    async def save_analysis(self, post_id: int, analysis: PostAnalysis) -> None:
        """Store (replace) a post's analysis; unknown posts are left alone. A stub's analysis
        (title and themes only) makes it findable by theme and text until the post arrives."""
        if not _valid_id(post_id):
            return
        with self._errors():
            async with self._write() as session, session.begin():
                row = await session.get(Post, post_id)
                if row is None:
                    return
                writer = LibraryWriter(session, self._dialect)
                await writer.store(row, analysis)
                await session.flush()
                await writer.finish()

    async def add_film_alias(self, film: str, alias: str) -> bool:
        key = normalize_key(film)
        if not key:
            return False
        with self._errors():
            async with self._write() as session, session.begin():
                library = LibraryWriter(session, self._dialect)
                writer = _Writer(session, None, library)
                films = await writer.films_named(key)
                for found in films:
                    await writer.add_alias(found, alias)
                await session.flush()
                await library.finish()
                return bool(films)

    # --- posts --------------------------------------------------------------------------------

    async def get_post(self, post_id: int) -> StoredPost | None:
        if not _valid_id(post_id):
            return None
        with self._errors():
            posts = await self._load(select(Post).where(Post.id == post_id), full=True)
        return posts[0] if posts else None

    async def get_post_by_url(self, url: str) -> StoredPost | None:
        url = url.strip()
        if not url or url != _storable(url):
            return None  # no stored URL holds NUL or a lone surrogate
        with self._errors():
            posts = await self._load(select(Post).where(Post.url == url), full=True)
            if not posts:
                posts = await self._load(select(Post).where(Post.guid == url), full=True)
        return posts[0] if posts else None

    async def get_posts(
        self, post_ids: Sequence[int], *, full: bool = False, sections: bool = True
    ) -> list[StoredPost]:
        """The posts in the order given, each once; unknown ids are left out."""
        ids = list(dict.fromkeys(i for i in map(int, post_ids) if _valid_id(i)))
        found: dict[int, StoredPost] = {}
        with self._errors():
            for part in search.chunks(ids):
                stmt = select(Post).where(Post.id.in_(part))
                for post in await self._load(stmt, full=full, sections=sections):
                    found[post.id] = post
        return [found[i] for i in ids if i in found]

    async def list_posts(
        self,
        *,
        category: str | None = None,
        film: str | None = None,
        film_ids: Sequence[int] | None = None,
        limit: int | None = None,
        offset: int = 0,
        include_stubs: bool = True,
    ) -> list[StoredPost]:
        with self._errors():
            if category is not None and film is None and film_ids is None and limit is not None:
                keys = (await self._categories()).matching(category)
                if len(keys) > 1:
                    return await self._newest_in(keys, limit, offset, include_stubs)
            stmt = await self._filtered(
                select(Post),
                category=category,
                film=film,
                film_ids=film_ids,
                include_stubs=include_stubs,
            )
            if stmt is None:
                return []
            stmt = stmt.order_by(Post.published.desc().nulls_last(), Post.id.desc())
            if offset > 0:
                stmt = stmt.offset(offset)
            if limit is not None:
                stmt = stmt.limit(max(limit, 0))
            return await self._load(stmt, full=False)

    async def _newest_in(
        self, keys: Sequence[str], limit: int, offset: int, include_stubs: bool
    ) -> list[StoredPost]:
        """A page of a parent category: the newest of each child, merged.

        ``category_key IN (…)`` over several children cannot follow the (category, published)
        index in date order, so the database sorted every post of the parent for each page
        (16 ms for 7,000 posts). Taking the first ``offset + limit`` of each child by the index
        and merging those is a handful of index range scans instead.
        """
        wanted = max(limit, 0) + max(offset, 0)
        if wanted == 0:
            return []
        branches = []
        for key in keys:
            branch = select(Post.id, Post.published).where(Post.category_key == key)
            if not include_stubs:
                branch = branch.where(Post.stub.is_(False))
            ordered = branch.order_by(Post.published.desc().nulls_last(), Post.id.desc())
            part = ordered.limit(wanted).subquery()
            branches.append(select(part.c.id, part.c.published))
        merged = union_all(*branches).subquery()
        page = (
            select(merged.c.id)
            .order_by(merged.c.published.desc().nulls_last(), merged.c.id.desc())
            .offset(max(offset, 0))
            .limit(max(limit, 0))
        )
        async with self._read() as session:
            ids = list((await session.execute(page)).scalars())
        return await self.get_posts(ids)

    async def count_posts(
        self,
        *,
        include_stubs: bool = False,
        category: str | None = None,
        film_ids: Sequence[int] | None = None,
    ) -> int:
        with self._errors():
            if category is not None and film_ids is None:
                # Stubs have no category: the cached per-category counts are the answer.
                index = await self._categories()
                return index.count(index.matching(category))
            if category is None and film_ids is None:
                return await self._total(include_stubs)
            stmt = await self._filtered(
                select(func.count()).select_from(Post),
                category=category,
                film=None,
                film_ids=film_ids,
                include_stubs=include_stubs,
            )
            if stmt is None:
                return 0
            async with self._read() as session:
                return int((await session.execute(stmt)).scalar_one())

    async def _filtered(
        self,
        stmt: Select[*_Ts],
        *,
        category: str | None,
        film: str | None,
        film_ids: Sequence[int] | None,
        include_stubs: bool,
    ) -> Select[*_Ts] | None:
        """``stmt`` restricted to the posts asked for; None when none can match."""
        if not include_stubs:
            stmt = stmt.where(Post.stub.is_(False))
        if category is not None:
            keys = (await self._categories()).matching(category)
            if not keys:
                return None
            stmt = stmt.where(Post.category_key.in_(keys))
        if film is not None:
            film_key = normalize_key(film)
            if not film_key:
                return None
            by_title = select(Film.id).where(Film.key == film_key)
            by_alias = select(FilmAlias.film_id).where(FilmAlias.key == film_key)
            stmt = stmt.where(or_(Post.film_id.in_(by_title), Post.film_id.in_(by_alias)))
        if film_ids is not None:
            ids = sorted({i for i in map(int, film_ids) if _valid_id(i)})
            if not ids:
                return None
            stmt = stmt.where(Post.film_id.in_(ids))
        return stmt

    async def random_post_id(self, candidates: Sequence[int] | None = None) -> int | None:
        """A random full post: from ``candidates`` (checked in random chunks), or from the
        whole library by a random point on the id index (ids after long runs of stubs are a
        little likelier; no scan of the table either way)."""
        with self._errors():
            async with self._read() as session:
                if candidates is not None:
                    ids = list(dict.fromkeys(i for i in map(int, candidates) if _valid_id(i)))
                    self._random.shuffle(ids)
                    for part in search.chunks(ids):
                        stmt = select(Post.id).where(Post.id.in_(part), Post.stub.is_(False))
                        found = sorted((await session.execute(stmt)).scalars())
                        if found:
                            return self._random.choice(found)
                    return None
                # Two queries: SQLite answers min() or max() alone from the index, not both.
                low = (await session.execute(select(func.min(Post.id)))).scalar_one_or_none()
                high = (await session.execute(select(func.max(Post.id)))).scalar_one_or_none()
                if low is None or high is None:
                    return None
                point = self._random.randint(int(low), int(high))
                full = select(Post.id).where(Post.stub.is_(False)).limit(1)
                after = full.where(Post.id >= point).order_by(Post.id)
                found_id = (await session.execute(after)).scalar_one_or_none()
                if found_id is None:
                    before = full.where(Post.id < point).order_by(Post.id.desc())
                    found_id = (await session.execute(before)).scalar_one_or_none()
                return None if found_id is None else int(found_id)

    async def posts_to_analyse(
        self, version: int, *, limit: int, new_stubs_only: bool = False
    ) -> list[StoredPost]:
        if new_stubs_only:  # answered from the analysed_version index: no scan of the library
            wanted = and_(Post.analysed_version.is_(None), Post.stub.is_(True))
        else:
            wanted = or_(Post.analysed_version.is_(None), Post.analysed_version < version)
        stmt = select(Post).where(wanted).order_by(Post.id).limit(max(limit, 0))
        with self._errors():
            return await self._load(stmt, full=True)

    # --- library summaries --------------------------------------------------------------------

    async def library_version(self) -> int:
        known = self._fresh_version()
        if known is not None:
            return known
        with self._errors():
            async with self._read() as session:
                return await self._version(session)

    def _fresh_version(self) -> int | None:
        known = self._known_version
        if known is not None and monotonic() - known[0] < self._version_ttl:
            return known[1]
        return None

    def _forget_version(self, _connection: object) -> None:
        self._commits += 1
        self._known_version = None

    async def _version(self, session: AsyncSession) -> int:
        read_at, commits = monotonic(), self._commits
        stmt = select(LibraryState.version).where(LibraryState.id == 1)
        version = int((await session.execute(stmt)).scalar_one_or_none() or 0)
        if self._version_ttl > 0 and commits == self._commits:
            self._known_version = (read_at, version)
        return version

    async def _cached(self, name: str, compute: Callable[[AsyncSession], Awaitable[_T]]) -> _T:
        """``compute``'s value for the current library version (read before computing, so a
        concurrent write can only make the cached value newer than its version, never older)."""
        version = self._fresh_version()
        cached = self._cache.get(name)
        if version is not None and cached is not None and cached[0] == version:
            hit: _T = cached[1]
            return hit
        async with self._read() as session:
            version = await self._version(session)
            cached = self._cache.get(name)
            if cached is not None and cached[0] == version:
                value: _T = cached[1]
                return value
            value = await compute(session)
        self._cache[name] = (version, value)
        return value

    async def _total(self, include_stubs: bool) -> int:
        async def compute(session: AsyncSession) -> int:
            stmt = select(func.count()).select_from(Post)
            if not include_stubs:
                stmt = stmt.where(Post.stub.is_(False))
            return int((await session.execute(stmt)).scalar_one())

        return await self._cached(f"total:{include_stubs}", compute)

    async def _categories(self) -> CategoryIndex:
        async def compute(session: AsyncSession) -> CategoryIndex:
            stmt = select(
                CategoryCountRow.category_key, CategoryCountRow.category, CategoryCountRow.posts
            ).where(CategoryCountRow.posts > 0)
            rows = (await session.execute(stmt)).all()
            return CategoryIndex.build((str(k), str(c), int(n)) for k, c, n in rows)

        return await self._cached("categories", compute)

    async def categories(self) -> list[CategoryCount]:
        with self._errors():
            return (await self._categories()).listing()

    async def films(self) -> list[FilmEntry]:
        with self._errors():
            async with self._read() as session:
                counts = (
                    select(Film.id, Film.title, Film.year, func.count(Post.id).label("posts"))
                    .outerjoin(Post, Post.film_id == Film.id)
                    .group_by(Film.id, Film.title, Film.year)
                    .order_by(Film.id)
                )
                films = (await session.execute(counts)).all()
                alias_rows = await session.execute(
                    select(FilmAlias.film_id, FilmAlias.alias).order_by(
                        FilmAlias.film_id, FilmAlias.id
                    )
                )
                aliases: dict[int, list[str]] = {}
                for film_id, alias in alias_rows:
                    aliases.setdefault(int(film_id), []).append(alias)
        return [
            FilmEntry(
                id=int(f.id),
                title=f.title,
                year=f.year,
                aliases=tuple(aliases.get(int(f.id), ())),
                posts=int(f.posts),
            )
            for f in films
        ]

    async def themes(self) -> list[tuple[str, int]]:
        """Explicit themes and tags of full posts, most used first (a post counts once)."""

        async def compute(session: AsyncSession) -> list[tuple[str, int]]:
            stmt = (
                select(ThemeCount.theme, ThemeCount.posts)
                .where(ThemeCount.posts > 0)
                .order_by(ThemeCount.posts.desc(), ThemeCount.theme)
            )
            return [(str(theme), int(n)) for theme, n in await session.execute(stmt)]

        with self._errors():
            return list(await self._cached("themes", compute))

    # --- lookups ------------------------------------------------------------------------------

    async def document_frequencies(self, terms: Sequence[str]) -> tuple[dict[str, int], int]:
        with self._errors():
            async with self._read() as session:
                return await search.document_frequencies(session, terms)

    async def search_text(
        self, terms: Sequence[str], *, require_all: bool, limit: int, offset: int = 0
    ) -> tuple[list[ScoredId], int]:
        with self._errors():
            async with self._read() as session:
                return await search.search_text(
                    session,
                    self._dialect,
                    terms,
                    require_all=require_all,
                    limit=limit,
                    offset=offset,
                )

    async def search_terms(
        self, terms: Sequence[str], *, weights: dict[str, float], limit: int, offset: int = 0
    ) -> tuple[list[ScoredId], int]:
        with self._errors():
            async with self._read() as session:
                return await search.search_terms(
                    session, terms, weights=weights, limit=limit, offset=offset
                )

    async def similar_posts(self, post_id: int, *, limit: int) -> list[ScoredId]:
        if not _valid_id(post_id):
            return []
        with self._errors():
            async with self._read() as session:
                return await search.similar_posts(session, post_id, limit=limit)

    # --- chat state ---------------------------------------------------------------------------

    async def remember_query(self, kind: str, query: str) -> str:
        """A key from a hash of (kind, query): the same query always gets the same key."""
        kind, query = _storable(kind), _storable(query)
        with self._errors():
            for attempt in range(8):
                key = _query_key(kind, query, attempt)
                async with self._read() as session:
                    row = await session.get(SavedQuery, key)
                    if row is not None and (row.kind, row.query) == (kind, query):
                        return key
                if row is not None:
                    continue  # a hash collision: try the next key
                async with self._write() as session, session.begin():
                    insert = self._insert(SavedQuery).values(
                        key=key, kind=kind, query=query, created_at=datetime.now(UTC)
                    )
                    await session.execute(insert.on_conflict_do_nothing())
                    stored = (
                        await session.execute(
                            select(SavedQuery.kind, SavedQuery.query).where(SavedQuery.key == key)
                        )
                    ).one()
                if (stored.kind, stored.query) == (kind, query):
                    return key
        raise RuntimeError("no free key for a saved query")  # 8 collisions of 60-bit hashes

    async def recall_query(self, key: str) -> tuple[str, str] | None:
        if not key or len(key) > QUERY_KEY_LENGTH or not key.isascii() or "\x00" in key:
            return None
        with self._errors():
            async with self._read() as session:
                row = await session.get(SavedQuery, key)
        return None if row is None else (row.kind, row.query)

    async def get_user_lang(self, user: str) -> str | None:
        user = _storable(user)
        with self._errors():
            async with self._read() as session:
                stmt = select(UserPref.lang).where(UserPref.user_id == user)
                return (await session.execute(stmt)).scalar_one_or_none()

    async def set_user_lang(self, user: str, lang: str) -> None:
        user = _storable(user)
        if not user or not 0 < len(lang) <= 16:
            raise ValueError(f"bad user or language: {user!r}, {lang!r}")
        with self._errors():
            async with self._write() as session, session.begin():
                now = datetime.now(UTC)
                insert = self._insert(UserPref).values(user_id=user, lang=lang, updated_at=now)
                await session.execute(
                    insert.on_conflict_do_update(
                        index_elements=[UserPref.user_id], set_={"lang": lang, "updated_at": now}
                    )
                )

    def _insert(self, model: Any) -> sqlite.Insert | postgresql.Insert:
        if self._dialect == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)

    # --- loading ------------------------------------------------------------------------------

    async def close(self) -> None:
        with self._errors():
            await self._engine.dispose()

    async def _load(
        self, stmt: Select[Post], *, full: bool, sections: bool = True
    ) -> list[StoredPost]:
        """Posts for ``stmt``: with their film (one joined query), and when ``full`` also
        their related entries and (unless ``sections`` is False) sections (a query each)."""
        stmt = stmt.options(joinedload(Post.film))
        if full:
            # One query per collection, each with its rows' joins: a round trip costs more
            # than the joined columns (the related list is short, its targets' films shorter).
            stmt = stmt.options(
                selectinload(Post.related).joinedload(RelatedRow.target).joinedload(Post.film)
            )
            if sections:
                stmt = stmt.options(selectinload(Post.sections))
        async with self._read() as session:
            rows = (await session.execute(stmt)).scalars().all()
            return [_stored(row, full=full, sections=sections) for row in rows]


def _valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


def _storable(value: str) -> str:
    """Text every database takes: no NUL (PostgreSQL refuses it), no lone surrogates."""
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _query_key(kind: str, query: str, attempt: int) -> str:
    digest = hashlib.sha256(f"{kind}\x1f{query}\x1f{attempt}".encode()).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:QUERY_KEY_LENGTH]


# --- conversions ------------------------------------------------------------------------------


def _is_unique_violation(exc: IntegrityError) -> bool:
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def content_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


def _utc(value: datetime | None) -> datetime | None:
    """The time in UTC; None for one UTC cannot hold (0001-01-01 east of Greenwich)."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        return None


def _day_start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def _stored(row: Post, *, full: bool, sections: bool = True) -> StoredPost:
    """The stored post; related entries only when ``full``, sections and excerpts only when
    ``full`` and ``sections``."""
    loaded = row.sections if full and sections else []
    return StoredPost(
        id=row.id,
        title=row.title,
        url=row.url,
        guid=row.guid,
        kind=SourceKind(row.kind),
        film=row.film.title if row.film else None,
        film_year=row.film.year if row.film else None,
        published=row.published,
        category=tuple(row.category.split(CATEGORY_SEPARATOR)) if row.category else (),
        tags=tuple(row.tags),
        themes=tuple(row.themes),
        stub=row.stub,
        teaser=row.teaser,
        source=row.source,
        sections=tuple(Section(s.heading, s.text, s.level) for s in loaded),
        related=tuple(_stored_related(r) for r in row.related) if full else (),
        comments=row.comments,
        letterboxd=_letterboxd(row),
        film_id=row.film_id,
        summary=row.summary or "",
        excerpts=tuple(s.excerpt or "" for s in loaded),
        mined_themes=tuple(str(item[0]) for item in row.mined_themes or () if item),
        analysed_version=row.analysed_version,
    )


def _stored_related(row: RelatedRow) -> StoredRelated:
    """The entry as the blog listed it, completed from the post it points to."""
    target = row.target
    if target is None:
        return StoredRelated(
            post_id=None,
            title=row.title,
            url=row.url,
            published=row.published,
            comments=row.comments,
            film=None,
            themes=(),
            stub=True,
        )
    published = row.published
    if published is None and target.published is not None:
        published = target.published.date()
    return StoredRelated(
        post_id=target.id,
        title=row.title,
        url=row.url or target.url,
        published=published,
        comments=row.comments if row.comments is not None else target.comments,
        film=target.film.title if target.film else None,
        themes=tuple(target.themes),
        stub=target.stub,
    )


def _letterboxd(row: Post) -> LetterboxdInfo | None:
    if row.lb_rewatch is None:
        return None
    return LetterboxdInfo(
        rating=row.lb_rating,
        rewatch=bool(row.lb_rewatch),
        liked=bool(row.lb_liked),
        watched=row.lb_watched,
        tmdb_id=row.tmdb_id,
    )


# --- writing ----------------------------------------------------------------------------------

_SectionKey = tuple[str | None, int, str]
_RelatedKey = tuple[int | None, str, str | None, date | None, int | None]


def _category_of(row: Post) -> tuple[str, str] | None:
    """What ``category_counts`` counts a full post under."""
    if not row.category_key:
        return None
    return row.category_key, row.category or row.category_key


def _missing(value: object) -> bool:
    """A value the source did not carry: it never erases a stored one."""
    return value is None or value == "" or value == []


def _metadata(post: ParsedPost) -> dict[str, Any]:
    lb = post.letterboxd
    return {
        "published": _utc(post.published),
        "modified": _utc(post.modified),
        "author": post.author or None,
        "category": CATEGORY_SEPARATOR.join(post.category) or None,
        "category_key": category_key(post.category),
        "tags": list(post.tags),
        "themes": list(post.themes),
        "lb_rating": lb.rating if lb else None,
        "lb_rewatch": lb.rewatch if lb else None,
        "lb_liked": lb.liked if lb else None,
        "lb_watched": lb.watched if lb else None,
        "tmdb_id": lb.tmdb_id if lb else None,
    }


class _Writer:
    """The steps of one save transaction; every query sees the rows written before it."""

    def __init__(self, session: AsyncSession, source: str | None, library: LibraryWriter) -> None:
        self.session = session
        self.source = source
        self.library = library
        self.now = datetime.now(UTC)

    async def save(self, post: ParsedPost) -> SaveResult:
        title_key = normalize_key(post.title)
        digest = content_hash(post.title, post.text)
        row = await self._find(post, title_key, digest)
        if row is None:
            row = await self._insert(post, title_key, digest)
            status = IngestStatus.ADDED
        else:
            was_stub = row.stub
            changed = await self._merge(row, post, title_key, digest)
            if was_stub:
                status = IngestStatus.ADDED
            else:
                status = IngestStatus.UPDATED if changed else IngestStatus.UNCHANGED
        return SaveResult(post_id=row.id, url=row.url, title=row.title, status=status)

    # identity

    async def _first(self, stmt: Select[Post]) -> Post | None:
        return (await self.session.execute(stmt.order_by(Post.id).limit(1))).scalar_one_or_none()

    async def _find(self, post: ParsedPost, title_key: str, digest: str) -> Post | None:
        if post.url and (row := await self._first(select(Post).where(Post.url == post.url))):
            return row
        if post.guid and (row := await self._first(select(Post).where(Post.guid == post.guid))):
            return row
        same_text = select(Post).where(Post.content_hash == digest, Post.stub.is_(False))
        if post.url:
            same_text = same_text.where(Post.url.is_(None))
        if post.guid:
            same_text = same_text.where(Post.guid.is_(None))
        if row := await self._first(same_text):
            return row
        if title_key:
            return await self._first(
                select(Post).where(
                    Post.stub.is_(True), Post.url.is_(None), Post.title_key == title_key
                )
            )
        return None

    async def _guid_taken(self, guid: str, row_id: int) -> bool:
        stmt = select(Post.id).where(Post.guid == guid, Post.id != row_id).limit(1)
        return (await self.session.execute(stmt)).first() is not None

    # posts

    async def _insert(self, post: ParsedPost, title_key: str, digest: str) -> Post:
        film = await self.film_for(post)
        row = Post(
            url=post.url or None,
            guid=post.guid or None,
            content_hash=digest,
            title=post.title,
            title_key=title_key,
            kind=post.kind.value,
            film_id=film.id if film else None,
            stub=False,
            teaser=post.teaser,
            comments=None,
            source=self.source,
            created_at=self.now,
            updated_at=self.now,
            **_metadata(post),
        )
        self.session.add(row)
        await self.session.flush()
        analysis = post.analysis
        await self._write_sections(
            row.id, post.sections, analysis.excerpts if analysis is not None else ()
        )
        if post.related:
            await self._write_related(row.id, await self._related(row, post.related))
        if analysis is not None:
            await self.library.store(row, analysis, fresh=True)
        self.library.count_themes(set(), theme_set([*row.themes, *row.tags]))
        self.library.count_category(None, _category_of(row))
        self.library.touch()
        return row

    async def _merge(self, row: Post, post: ParsedPost, title_key: str, digest: str) -> bool:
        """Apply ``post`` to the stored ``row``; True when anything was written."""
        keep_text = post.teaser and not row.stub and not row.teaser
        new: dict[str, Any] = {}
        if not keep_text:
            new.update(
                title=post.title,
                title_key=title_key,
                kind=post.kind.value,
                content_hash=digest,
                teaser=post.teaser,
                stub=False,
            )
        if post.url and post.url != row.url and not (keep_text and row.url):
            new["url"] = post.url  # _find saw no other post with this URL
        if (
            post.guid
            and post.guid != row.guid
            and not (keep_text and row.guid)
            and not await self._guid_taken(post.guid, row.id)
        ):
            new["guid"] = post.guid
        for name, value in _metadata(post).items():
            current = getattr(row, name)
            if _missing(value) or (keep_text and not _missing(current)):
                continue
            new[name] = value
        if post.film and (not keep_text or row.film_id is None):
            film = await self.film_for(post)
            new["film_id"] = film.id if film else row.film_id

        was_stub = row.stub
        old_themes = set() if was_stub else theme_set([*row.themes, *row.tags])
        old_category = None if was_stub else _category_of(row)
        changed_names: set[str] = set()
        for name, value in new.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed_names.add(name)
        changed = bool(changed_names)

        old_sections = await self._section_keys(row.id)
        sections = [(s.heading, s.level, s.text) for s in post.sections]
        text_changed = "content_hash" in changed_names
        if not keep_text and (sections or row.stub) and sections != old_sections:
            await self.session.execute(delete(SectionRow).where(SectionRow.post_id == row.id))
            await self._write_sections(row.id, post.sections)
            changed = text_changed = True

        old_related = await self._related_keys(row.id)
        if post.related and not (keep_text and old_related):
            related = await self._related(row, post.related)
            if related != old_related:
                await self.session.execute(delete(RelatedRow).where(RelatedRow.post_id == row.id))
                await self._write_related(row.id, related)
                changed = True

        if changed:
            row.source = self.source
            row.updated_at = self.now
            await self.session.flush()
            self.library.touch()
        self.library.count_themes(old_themes, theme_set([*row.themes, *row.tags]))
        self.library.count_category(old_category, _category_of(row))
        analysed = {"title", "themes", "tags", "film_id"} & changed_names
        await self._merge_analysis(
            row,
            None if keep_text else post.analysis,
            text_changed=text_changed and not was_stub,
            stale=changed and (was_stub or bool(analysed)),
        )
        return changed

    async def _merge_analysis(
        self, row: Post, analysis: PostAnalysis | None, *, text_changed: bool, stale: bool
    ) -> None:
        """Store ``analysis`` for a stored post, or forget or flag the one it had (see the
        module's rules)."""
        if analysis is not None:
            if (
                text_changed
                or stale
                or row.analysed_version is None
                or row.analysed_version < analysis.version
            ):
                await self.library.store(row, analysis)
        elif text_changed:
            await self.library.clear(row)
        elif stale and row.analysed_version is not None:
            row.analysed_version = None

    async def _section_keys(self, post_id: int) -> list[_SectionKey]:
        stmt = (
            select(SectionRow.heading, SectionRow.level, SectionRow.text)
            .where(SectionRow.post_id == post_id)
            .order_by(SectionRow.position)
        )
        rows = (await self.session.execute(stmt)).all()
        return [(r.heading, r.level, r.text) for r in rows]

    async def _write_sections(
        self, post_id: int, sections: Sequence[Section], excerpts: Sequence[str] = ()
    ) -> None:
        # one executemany, not a unit-of-work INSERT per section (the rows are never read
        # back through this session: Post.sections is a view loaded by readers)
        rows = [
            {
                "post_id": post_id,
                "position": n,
                "heading": s.heading,
                "level": max(s.level, 0),
                "text": s.text,
                "excerpt": (excerpts[n] or None) if n < len(excerpts) else None,
            }
            for n, s in enumerate(sections)
        ]
        if rows:
            await self.session.execute(insert(SectionRow), rows)

    # related posts

    async def _related_keys(self, post_id: int) -> list[_RelatedKey]:
        stmt = (
            select(
                RelatedRow.target_post_id,
                RelatedRow.title,
                RelatedRow.url,
                RelatedRow.published,
                RelatedRow.comments,
            )
            .where(RelatedRow.post_id == post_id)
            .order_by(RelatedRow.position)
        )
        rows = (await self.session.execute(stmt)).all()
        return [(r.target_post_id, r.title, r.url, r.published, r.comments) for r in rows]

    async def _related(self, row: Post, refs: Sequence[RelatedRef]) -> list[_RelatedKey]:
        """Resolve refs to posts (making stubs), in the blog's order, without self or repeats."""
        resolved: list[_RelatedKey] = []
        seen: set[int] = {row.id}
        for ref in refs:
            key = normalize_key(ref.title)
            url = ref.url or None
            if (url and url == row.url) or (not url and (not key or key == row.title_key)):
                continue
            target = await self._resolve(ref, url, key, row.id)
            if target.id in seen:
                continue
            seen.add(target.id)
            resolved.append((target.id, ref.title, url, ref.published, ref.comments))
        return resolved

    async def _write_related(self, post_id: int, related: Sequence[_RelatedKey]) -> None:
        rows = [
            {
                "post_id": post_id,
                "position": n,
                "target_post_id": target_id,
                "title": title,
                "url": url,
                "published": published,
                "comments": comments,
            }
            for n, (target_id, title, url, published, comments) in enumerate(related)
        ]
        if rows:
            await self.session.execute(insert(RelatedRow), rows)

    async def _resolve(self, ref: RelatedRef, url: str | None, key: str, self_id: int) -> Post:
        others = select(Post).where(Post.id != self_id)
        if url:
            target = await self._first(others.where(Post.url == url))
            if target is None and key:
                target = await self._first(
                    others.where(Post.stub.is_(True), Post.url.is_(None), Post.title_key == key)
                )
        else:
            # A full post is a better target than a stub of the same name.
            target = (
                await self.session.execute(
                    others.where(Post.title_key == key).order_by(Post.stub, Post.id).limit(1)
                )
            ).scalar_one_or_none()
        if target is None:
            return await self._stub(ref, url, key)
        self._learn(target, ref, url)
        return target

    def _learn(self, target: Post, ref: RelatedRef, url: str | None) -> None:
        """What a related box tells about another post: its comment count; for a stub, more."""
        updates: dict[str, Any] = {}
        if ref.comments is not None:
            updates["comments"] = ref.comments
        if target.stub:
            if url and target.url is None:
                updates["url"] = url
            if ref.published and target.published is None:
                updates["published"] = _day_start(ref.published)
        changed = False
        for name, value in updates.items():
            if getattr(target, name) != value:
                setattr(target, name, value)
                changed = True
        if changed:
            target.updated_at = self.now
            self.library.touch()

    async def _stub(self, ref: RelatedRef, url: str | None, key: str) -> Post:
        info = parse_title(ref.title)
        film = await self.film(info.film, info.year, None, info.aliases) if info.film else None
        stub = Post(
            url=url,
            guid=None,
            content_hash=content_hash(ref.title, ""),
            title=ref.title,
            title_key=key,
            kind=SourceKind.STUB.value,
            film_id=film.id if film else None,
            published=_day_start(ref.published),
            modified=None,
            author=None,
            category=None,
            category_key=None,
            tags=[],
            themes=list(info.themes),
            stub=True,
            teaser=False,
            comments=ref.comments,
            source=self.source,
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(stub)
        await self.session.flush()
        self.library.touch()
        return stub

    # films

    async def film_for(self, post: ParsedPost) -> Film | None:
        if not post.film:
            return None
        tmdb_id = post.letterboxd.tmdb_id if post.letterboxd else None
        return await self.film(post.film, post.film_year, tmdb_id, post.film_aliases)

    async def films_named(self, key: str) -> list[Film]:
        """Films whose title has this key, else those with an alias of this key."""
        by_title = select(Film).where(Film.key == key).order_by(Film.id)
        films = list((await self.session.execute(by_title)).scalars())
        if films:
            return films
        by_alias = (
            select(Film)
            .where(Film.id.in_(select(FilmAlias.film_id).where(FilmAlias.key == key)))
            .order_by(Film.id)
        )
        return list((await self.session.execute(by_alias)).scalars())

    async def film(
        self, title: str, year: int | None, tmdb_id: int | None, aliases: Sequence[str] = ()
    ) -> Film | None:
        """The films row for a film named in a post, created or completed as needed.

        With a year, the film of that key and year is used, else the key's year-unknown film
        (which learns the year), else a new one: a remake is another film. Without a year, the
        key's year-unknown film is used, else its most recent one.
        """
        key = normalize_key(title)
        if not key:
            return None
        found: Film | None = None
        if tmdb_id is not None:
            stmt = select(Film).where(Film.tmdb_id == tmdb_id)
            found = (await self.session.execute(stmt)).scalar_one_or_none()
        if found is None:
            candidates = await self.films_named(key)
            unknown = [f for f in candidates if f.year is None]
            if year is not None:
                exact = [f for f in candidates if f.year == year]
                found = next(iter(exact or unknown), None)
            elif candidates:
                found = (unknown or sorted(candidates, key=lambda f: f.year or 0))[-1]
        if found is None:
            found = Film(title=title, key=key, year=year, tmdb_id=tmdb_id, created_at=self.now)
            self.session.add(found)
            await self.session.flush()
            self.library.touch()
        else:
            if (
                year is not None
                and found.year is None
                and not await self._film_exists(found.key, year)
            ):
                found.year = year
                self.library.touch()
            if tmdb_id is not None and found.tmdb_id is None:
                found.tmdb_id = tmdb_id
                self.library.touch()
        for alias in aliases:
            await self.add_alias(found, alias)
        return found

    async def _film_exists(self, key: str, year: int) -> bool:
        stmt = select(Film.id).where(Film.key == key, Film.year == year).limit(1)
        return (await self.session.execute(stmt)).first() is not None

    async def add_alias(self, film: Film, alias: str) -> None:
        key = normalize_key(alias)
        if not key or key == film.key:
            return
        stmt = select(FilmAlias.id).where(FilmAlias.film_id == film.id, FilmAlias.key == key)
        if (await self.session.execute(stmt)).first() is None:
            self.session.add(FilmAlias(film_id=film.id, alias=alias.strip(), key=key))
            await self.session.flush()
            self.library.touch()


if TYPE_CHECKING:
    _factory: RepositoryFactory = open_repository
