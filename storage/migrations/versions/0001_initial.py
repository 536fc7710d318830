"""The first schema: films and their aliases, posts (and stubs), sections, related entries.

Revision ID: 0001
Revises:
Create Date: 2025-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "films",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("tmdb_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_films")),
        sa.UniqueConstraint("key", "year", name=op.f("uq_films_key_year")),
        sa.UniqueConstraint("tmdb_id", name=op.f("uq_films_tmdb_id")),
        sa.CheckConstraint("key <> ''", name=op.f("ck_films_key_not_empty")),
    )
    op.create_index(op.f("ix_films_key"), "films", ["key"])
    op.create_index(
        "uq_films_key_unknown_year",
        "films",
        ["key"],
        unique=True,
        sqlite_where=sa.text("year IS NULL"),
        postgresql_where=sa.text("year IS NULL"),
    )

    op.create_table(
        "film_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_film_aliases")),
        sa.ForeignKeyConstraint(
            ["film_id"],
            ["films.id"],
            name=op.f("fk_film_aliases_film_id_films"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("film_id", "key", name=op.f("uq_film_aliases_film_id_key")),
        sa.CheckConstraint("key <> ''", name=op.f("ck_film_aliases_key_not_empty")),
    )
    op.create_index(op.f("ix_film_aliases_film_id"), "film_aliases", ["film_id"])
    op.create_index(op.f("ix_film_aliases_key"), "film_aliases", ["key"])

    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("guid", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_key", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=True),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("category_key", sa.Text(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("stub", sa.Boolean(), nullable=False),
        sa.Column("teaser", sa.Boolean(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("lb_rating", sa.Float(), nullable=True),
        sa.Column("lb_rewatch", sa.Boolean(), nullable=True),
        sa.Column("lb_liked", sa.Boolean(), nullable=True),
        sa.Column("lb_watched", sa.Date(), nullable=True),
        sa.Column("tmdb_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_posts_film_id_films"), ondelete="SET NULL"
        ),
        sa.UniqueConstraint("url", name=op.f("uq_posts_url")),
        sa.UniqueConstraint("guid", name=op.f("uq_posts_guid")),
        sa.CheckConstraint("title <> ''", name=op.f("ck_posts_title_not_empty")),
        sa.CheckConstraint(
            "lb_rating IS NULL OR (lb_rating >= 0 AND lb_rating <= 5)", name=op.f("ck_posts_rating")
        ),
        sa.CheckConstraint("comments IS NULL OR comments >= 0", name=op.f("ck_posts_comments")),
    )
    op.create_index(op.f("ix_posts_content_hash"), "posts", ["content_hash"])
    op.create_index(op.f("ix_posts_title_key"), "posts", ["title_key"])
    op.create_index(op.f("ix_posts_film_id"), "posts", ["film_id"])
    op.create_index(op.f("ix_posts_category_key"), "posts", ["category_key"])
    op.create_index(op.f("ix_posts_stub"), "posts", ["stub"])
    op.create_index("ix_posts_published", "posts", ["published"])

    op.create_table(
        "sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", sa.Text(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sections")),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_sections_post_id_posts"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("post_id", "position", name=op.f("uq_sections_post_id_position")),
        sa.CheckConstraint("level >= 0", name=op.f("ck_sections_level")),
    )

    op.create_table(
        "related",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("target_post_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_related")),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_related_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["target_post_id"],
            ["posts.id"],
            name=op.f("fk_related_target_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("post_id", "position", name=op.f("uq_related_post_id_position")),
        sa.CheckConstraint("comments IS NULL OR comments >= 0", name=op.f("ck_related_comments")),
    )
    op.create_index(op.f("ix_related_target_post_id"), "related", ["target_post_id"])


def downgrade() -> None:
    op.drop_table("related")
    op.drop_table("sections")
    op.drop_table("posts")
    op.drop_table("film_aliases")
    op.drop_table("films")
