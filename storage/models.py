"""The library's tables as typed SQLAlchemy 2 models.

The same models serve SQLite and PostgreSQL, so only portable types are used: text, integers,
booleans, JSON and a UTC datetime type. The one exception is the full-text index ``post_fts``
(an FTS5 virtual table on SQLite, a ``tsvector`` table on PostgreSQL), which only the migrations
and :mod:`storage.analysis_store` know about; :func:`include_object` hides it from Alembic's
model comparison, as it does the indexes made for one dialect only. Constraint names follow one
naming convention so that the Alembic migrations and the models agree on them (and later
migrations can drop them by name).

Film identity: one ``films`` row per normalised title key *and* year. ``듄`` and ``듄: 파트 2``
have different keys, so they are different films; two films with one key (a remake) are told
apart by their year. At most one row per key may have an unknown year (a partial unique index),
and that row takes the year over when a post first names it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC on every backend.

    SQLite has no timezone type: storing naive UTC text keeps its string order equal to time
    order (so ``ORDER BY published`` works) and reading it back attaches UTC again. A naive
    value given to us is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), str: Text()}


class Film(Base):
    __tablename__ = "films"
    __table_args__ = (
        UniqueConstraint("key", "year"),
        # NULLs are distinct in a unique constraint, so the "year unknown" row needs its own.
        Index(
            "uq_films_key_unknown_year",
            "key",
            unique=True,
            sqlite_where=text("year IS NULL"),
            postgresql_where=text("year IS NULL"),
        ),
        CheckConstraint("key <> ''", name="key_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    key: Mapped[str] = mapped_column(index=True)
    year: Mapped[int | None]
    tmdb_id: Mapped[int | None] = mapped_column(unique=True)
    created_at: Mapped[datetime]


class FilmAlias(Base):
    __tablename__ = "film_aliases"
    __table_args__ = (
        UniqueConstraint("film_id", "key"),
        CheckConstraint("key <> ''", name="key_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str]
    key: Mapped[str] = mapped_column(index=True)


class Post(Base):
    """A blog post, or a stub: a post only known from another post's related list.

    ``category_key`` is the category path as normalised keys joined by "/"; a category's posts,
    newest first, are one ordered range of ``ix_posts_category_newest``. Letterboxd columns are
    NULL for posts that did not come from Letterboxd (``lb_rewatch IS NULL`` means "no
    Letterboxd data").
    """

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint("lb_rating IS NULL OR (lb_rating >= 0 AND lb_rating <= 5)", name="rating"),
        CheckConstraint("comments IS NULL OR comments >= 0", name="comments"),
        # Newest first, undated last: SQLite puts NULLs last in a descending scan of an
        # ascending index; PostgreSQL needs the order spelt out (NULLS LAST).
        Index("ix_posts_newest", "published", "id").ddl_if(dialect="sqlite"),
        Index(
            "ix_posts_newest_pg",
            text("published DESC NULLS LAST"),
            text("id DESC"),
        ).ddl_if(dialect="postgresql"),
        Index("ix_posts_category_newest", "category_key", "published", "id").ddl_if(
            dialect="sqlite"
        ),
        Index(
            "ix_posts_category_newest_pg",
            "category_key",
            text("published DESC NULLS LAST"),
            text("id DESC"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str | None] = mapped_column(unique=True)
    guid: Mapped[str | None] = mapped_column(unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str]
    title_key: Mapped[str] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))
    film_id: Mapped[int | None] = mapped_column(
        ForeignKey("films.id", ondelete="SET NULL"), index=True
    )
    published: Mapped[datetime | None]
    modified: Mapped[datetime | None]
    author: Mapped[str | None]
    category: Mapped[str | None]
    category_key: Mapped[str | None]
    tags: Mapped[list[str]] = mapped_column(JSON)
    themes: Mapped[list[str]] = mapped_column(JSON)
    stub: Mapped[bool] = mapped_column(Boolean, index=True)
    teaser: Mapped[bool] = mapped_column(Boolean)
    comments: Mapped[int | None]
    source: Mapped[str | None]
    lb_rating: Mapped[float | None] = mapped_column(Float)
    lb_rewatch: Mapped[bool | None] = mapped_column(Boolean)
    lb_liked: Mapped[bool | None] = mapped_column(Boolean)
    lb_watched: Mapped[date | None] = mapped_column(Date)
    tmdb_id: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # What text analysis derived (NULL until the post is analysed; stubs never are). The
    # sentences live in ``post_sentences`` and the excerpts on the sections, so that listing
    # cards never reads them.
    summary: Mapped[str | None]
    mined_themes: Mapped[list[list[Any]] | None] = mapped_column(JSON)  # [[theme, weight], …]
    analysed_version: Mapped[int | None] = mapped_column(index=True)

    # Read-only views for loading a whole post; writes go through explicit statements so that
    # replacing a post's sections never depends on unit-of-work ordering.
    film: Mapped[Film | None] = relationship(lazy="raise", viewonly=True)
    sections: Mapped[list[SectionRow]] = relationship(
        lazy="raise", viewonly=True, order_by="SectionRow.position"
    )
    related: Mapped[list[RelatedRow]] = relationship(
        lazy="raise",
        viewonly=True,
        order_by="RelatedRow.position",
        foreign_keys="RelatedRow.post_id",
    )


class SectionRow(Base):
    __tablename__ = "sections"
    __table_args__ = (
        UniqueConstraint("post_id", "position"),
        CheckConstraint("level >= 0", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    position: Mapped[int]
    heading: Mapped[str | None]
    level: Mapped[int]
    text: Mapped[str]
    excerpt: Mapped[str | None]  # from the post's analysis; NULL when none


class RelatedRow(Base):
    """One entry of a post's related box, in the blog's order, as the blog listed it."""

    __tablename__ = "related"
    __table_args__ = (
        UniqueConstraint("post_id", "position"),
        CheckConstraint("comments IS NULL OR comments >= 0", name="comments"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    position: Mapped[int]
    target_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str]
    url: Mapped[str | None]
    published: Mapped[date | None] = mapped_column(Date)
    comments: Mapped[int | None]

    target: Mapped[Post | None] = relationship(
        lazy="raise", viewonly=True, foreign_keys=[target_post_id]
    )


# --- text analysis --------------------------------------------------------------------------


class PostTerm(Base):
    """One term of an analysed post in one field, with its weight there (body: a count).

    The primary key serves "the terms of a post"; ``ix_post_terms_term`` serves "the posts
    holding a term" without reading the table (it covers every column).
    """

    __tablename__ = "post_terms"
    __table_args__ = (
        Index("ix_post_terms_term", "term", "field", "post_id", "weight"),
        {"sqlite_with_rowid": False},
    )

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(16), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)


class ThemeScore(Base):
    """A post's theme score for one term: its fields' weights under
    :data:`bot.domain.THEME_WEIGHTS`, saturated and summed (idf left out, being the same for
    every post holding the term). ``ix_theme_scores_rank`` hands a theme lookup its best posts
    in order, reading a page instead of scoring every post that mentions the word."""

    __tablename__ = "theme_scores"
    __table_args__ = (
        Index("ix_theme_scores_rank", "term", "score", "post_id"),
        {"sqlite_with_rowid": False},
    )

    term: Mapped[str] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[float] = mapped_column(Float)


class TermStat(Base):
    """How many analysed posts hold a term in any field (kept up to date on every write)."""

    __tablename__ = "term_stats"
    __table_args__ = ({"sqlite_with_rowid": False},)

    term: Mapped[str] = mapped_column(primary_key=True)
    df: Mapped[int]


class ThemeCount(Base):
    """How many full posts carry an explicit theme or tag, as shown (kept up to date on write)."""

    __tablename__ = "theme_counts"
    __table_args__ = ({"sqlite_with_rowid": False},)

    theme: Mapped[str] = mapped_column(primary_key=True)
    posts: Mapped[int]


class CategoryCountRow(Base):
    """How many full posts are filed under exactly this category (kept up to date on write),
    shown as the last post saved under it shows it."""

    __tablename__ = "category_counts"
    __table_args__ = ({"sqlite_with_rowid": False},)

    category_key: Mapped[str] = mapped_column(primary_key=True)
    category: Mapped[str]
    posts: Mapped[int]


class PostSentences(Base):
    """A post's body sentences with their terms, as ``[[text, section, [terms…]], …]``."""

    __tablename__ = "post_sentences"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    sentences: Mapped[list[list[Any]]] = mapped_column(JSON)


class LibraryState(Base):
    """The one row of library-wide counters.

    ``version`` goes up in every transaction that changes posts, films or aliases (caches
    compare it); ``term_posts`` is how many posts have index terms (the N of idf).
    """

    __tablename__ = "library_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
    term_posts: Mapped[int]


# --- chat state -----------------------------------------------------------------------------


class SavedQuery(Base):
    """A query behind a short key, so that a chat button (64 bytes) can refer to it."""

    __tablename__ = "saved_queries"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    query: Mapped[str]
    created_at: Mapped[datetime]


class UserPref(Base):
    """Per chat user settings; ``user_id`` is opaque ("telegram:123")."""

    __tablename__ = "user_prefs"

    user_id: Mapped[str] = mapped_column(primary_key=True)
    lang: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime]


# --- daily digest and feed watching (bot/digest) ----------------------------------------------


class DigestSubscription(Base):
    """A chat's digest subscription. ``thread_id`` is '' for none (NULLs would not collide
    in the unique constraint, and one chat must have one subscription per mode)."""

    __tablename__ = "digest_subscriptions"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "thread_id", "mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str]
    thread_id: Mapped[str]
    mode: Mapped[str] = mapped_column(String(16))
    at_time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str]
    filter_kind: Mapped[str | None] = mapped_column(String(16))
    filter_value: Mapped[str | None]
    lang: Mapped[str | None] = mapped_column(String(16))
    is_group: Mapped[bool] = mapped_column(Boolean)
    paused: Mapped[bool] = mapped_column(Boolean, index=True)
    paused_reason: Mapped[str | None]
    created_by: Mapped[str | None]
    active_since: Mapped[datetime]
    last_digest_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DigestDelivery(Base):
    """One message owed to a subscription, claimed before it is sent (see bot.ports)."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("digest_subscriptions.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(64))
    local_date: Mapped[date | None] = mapped_column(Date)
    post_id: Mapped[int | None]
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    claim_token: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str | None]
    error: Mapped[str | None]


class WatchedSourceRow(Base):
    """Feed watching state per configured ``[[sources]]`` URL."""

    __tablename__ = "watched_sources"

    url: Mapped[str] = mapped_column(primary_key=True)
    interval_minutes: Mapped[int]
    etag: Mapped[str | None]
    last_modified: Mapped[str | None]
    primed: Mapped[bool] = mapped_column(Boolean)
    next_check_at: Mapped[datetime | None]
    last_checked_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None]
    consecutive_errors: Mapped[int]
    total_errors: Mapped[int]
    disabled: Mapped[bool] = mapped_column(Boolean)


class NewPostRow(Base):
    """A post found by feed watching after its source was primed: owed to "new" subscribers."""

    __tablename__ = "digest_new_posts"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    source: Mapped[str]
    found_at: Mapped[datetime] = mapped_column(index=True)


class DigestMeta(Base):
    """Small digest-wide facts (the last tick's time and outcome, for ``/status``)."""

    __tablename__ = "digest_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str]
    updated_at: Mapped[datetime]


FTS_TABLE = "post_fts"
"""The full-text index over each analysed post's term stream (dialect-specific, unmapped)."""


def include_object(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """An Alembic ``include_object`` hook for a ``dialect`` database.

    It leaves out the full-text table (and SQLite's FTS5 shadow tables), which the models do
    not map, and the indexes meant for the other dialect (``Index.ddl_if``).
    """

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
            return False
        if type_ == "index" and not reflected:
            ddl_if = getattr(obj, "_ddl_if", None)
            if ddl_if is not None and ddl_if.dialect not in (None, dialect):
                return False
        return True

    return include
