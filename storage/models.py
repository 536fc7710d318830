"""The library's tables as typed SQLAlchemy 2 models.

The same models serve SQLite and PostgreSQL, so only portable types are used: text, integers,
booleans, JSON and a UTC datetime type. Constraint names follow one naming convention so that
the Alembic migrations and the models agree on them (and later migrations can drop them by name).

Film identity: one ``films`` row per normalised title key *and* year. ``듄`` and ``듄: 파트 2``
have different keys, so they are different films; two films with one key (a remake) are told
apart by their year. At most one row per key may have an unknown year (a partial unique index),
and that row takes the year over when a post first names it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
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

    ``category_key`` is the category path as normalised keys joined by "/", so that a category
    and its children are found with one indexed prefix match. Letterboxd columns are NULL for
    posts that did not come from Letterboxd (``lb_rewatch IS NULL`` means "no Letterboxd data").
    """

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint("lb_rating IS NULL OR (lb_rating >= 0 AND lb_rating <= 5)", name="rating"),
        CheckConstraint("comments IS NULL OR comments >= 0", name="comments"),
        Index("ix_posts_published", "published"),
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
    category_key: Mapped[str | None] = mapped_column(index=True)
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
