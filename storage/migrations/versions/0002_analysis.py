"""Text analysis and lookups: summaries, excerpts, index terms, full-text index, chat state.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-27

Posts stored before this revision have no analysis (``analysed_version`` NULL), so
``posts_to_analyse`` hands them to the analyser after the upgrade.

The full-text index is the one dialect-specific table: an FTS5 virtual table on SQLite
(rowid = post id) and a ``tsvector`` table with a GIN index on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.ports import StorageError

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS5_TABLE = (
    "CREATE VIRTUAL TABLE post_fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name

    op.add_column("posts", sa.Column("summary", sa.Text(), nullable=True))
    op.add_column("posts", sa.Column("mined_themes", sa.JSON(), nullable=True))
    op.add_column("posts", sa.Column("analysed_version", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_posts_analysed_version"), "posts", ["analysed_version"])
    # Newest first (undated last), overall and within a category, without sorting: SQLite
    # scans an ascending index backwards (NULLs come last); PostgreSQL needs the order spelt
    # out.
    op.drop_index("ix_posts_published", table_name="posts")
    op.drop_index("ix_posts_category_key", table_name="posts")
    newest = [sa.text("published DESC NULLS LAST"), sa.text("id DESC")]
    if dialect == "postgresql":
        op.create_index("ix_posts_newest_pg", "posts", newest)
        op.create_index("ix_posts_category_newest_pg", "posts", [sa.text("category_key"), *newest])
    else:
        op.create_index("ix_posts_newest", "posts", ["published", "id"])
        op.create_index("ix_posts_category_newest", "posts", ["category_key", "published", "id"])

    op.add_column("sections", sa.Column("excerpt", sa.Text(), nullable=True))

    op.create_table(
        "post_terms",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("post_id", "term", "field", name=op.f("pk_post_terms")),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_terms_post_id_posts"), ondelete="CASCADE"
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_post_terms_term", "post_terms", ["term", "field", "post_id", "weight"])

    op.create_table(
        "term_stats",
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_term_stats")),
        sqlite_with_rowid=False,
    )

    themes = op.create_table(
        "theme_counts",
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("theme", name=op.f("pk_theme_counts")),
        sqlite_with_rowid=False,
    )
    op.bulk_insert(themes, _theme_counts())

    categories = op.create_table(
        "category_counts",
        sa.Column("category_key", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("category_key", name=op.f("pk_category_counts")),
        sqlite_with_rowid=False,
    )
    op.bulk_insert(categories, _category_counts())

    op.create_table(
        "post_sentences",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("sentences", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_post_sentences")),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_post_sentences_post_id_posts"),
            ondelete="CASCADE",
        ),
    )

    state = op.create_table(
        "library_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("term_posts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_state")),
        sa.CheckConstraint("id = 1", name=op.f("ck_library_state_single_row")),
    )
    op.bulk_insert(state, [{"id": 1, "version": 1, "term_posts": 0}])

    op.create_table(
        "saved_queries",
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_saved_queries")),
    )

    op.create_table(
        "user_prefs",
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_prefs")),
    )

    if dialect == "postgresql":
        op.execute(
            "CREATE TABLE post_fts ("
            " post_id integer PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,"
            " tsv tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_post_fts_tsv ON post_fts USING gin (tsv)")
    else:
        try:
            op.execute(FTS5_TABLE)
        except sa.exc.OperationalError as exc:
            if "no such module" in str(exc):
                raise StorageError(
                    "this Python's SQLite has no FTS5 full-text search; "
                    "use a Python built with a current SQLite, or PostgreSQL"
                ) from None
            raise


def _theme_counts() -> list[dict[str, object]]:
    """The themes and tags of the posts already stored, counted as the repository counts them."""
    posts = sa.table(
        "posts", sa.column("themes", sa.JSON), sa.column("tags", sa.JSON), sa.column("stub")
    )
    counts: Counter[str] = Counter()
    query = sa.select(posts.c.themes, posts.c.tags).where(posts.c.stub == sa.false())
    for themes, tags in op.get_bind().execute(query):
        values = [*(themes or ()), *(tags or ())]
        counts.update({v for v in values if isinstance(v, str) and v and len(v) <= 200})
    return [{"theme": theme, "posts": n} for theme, n in sorted(counts.items())]


def _category_counts() -> list[dict[str, object]]:
    """The categories of the posts already stored, each shown as most of its posts show it."""
    posts = sa.table("posts", sa.column("category_key"), sa.column("category"), sa.column("stub"))
    query = (
        sa.select(posts.c.category_key, posts.c.category, sa.func.count())
        .where(posts.c.category_key.is_not(None), posts.c.stub == sa.false())
        .group_by(posts.c.category_key, posts.c.category)
    )
    counts: Counter[str] = Counter()
    shown: dict[str, tuple[int, str]] = {}
    for key, category, n in op.get_bind().execute(query):
        counts[key] += n
        if key not in shown or n > shown[key][0]:
            shown[key] = (n, category or key)
    return [
        {"category_key": key, "category": shown[key][1], "posts": n}
        for key, n in sorted(counts.items())
    ]


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP TABLE post_fts")
    op.drop_table("user_prefs")
    op.drop_table("saved_queries")
    op.drop_table("library_state")
    op.drop_table("post_sentences")
    op.drop_table("theme_counts")
    op.drop_table("category_counts")
    op.drop_table("term_stats")
    op.drop_index("ix_post_terms_term", table_name="post_terms")
    op.drop_table("post_terms")
    if dialect == "postgresql":
        op.drop_index("ix_posts_category_newest_pg", table_name="posts")
        op.drop_index("ix_posts_newest_pg", table_name="posts")
    else:
        op.drop_index("ix_posts_category_newest", table_name="posts")
        op.drop_index("ix_posts_newest", table_name="posts")
    op.create_index("ix_posts_category_key", "posts", ["category_key"])
    op.create_index("ix_posts_published", "posts", ["published"])
    op.drop_index(op.f("ix_posts_analysed_version"), table_name="posts")
    with op.batch_alter_table("sections") as batch:
        batch.drop_column("excerpt")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("analysed_version")
        batch.drop_column("mined_themes")
        batch.drop_column("summary")
