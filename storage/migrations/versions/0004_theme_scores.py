"""Theme scores: each post's score per term under the theme weights, ranked by an index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

A theme lookup used to score every post holding the word (a sum over its fields) and sort them:
fine for a thousand reviews, 75 ms for a common word at 100,000. ``theme_scores`` keeps that
sum per (term, post), written with the post's terms, so the lookup reads the first page of
``ix_theme_scores_rank``. Existing libraries get the table filled from ``post_terms`` here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# bot.domain.THEME_WEIGHTS and storage.analysis_store.K1 when this was written: a migration is a
# snapshot (later weights come with an analyser version, and re-analysis rewrites the scores).
_THEME_WEIGHTS = {"theme": 4.0, "title": 2.0, "heading": 2.0, "keyword": 1.5, "body": 0.4}
_K1 = 1.2


def upgrade() -> None:
    op.create_table(
        "theme_scores",
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_theme_scores_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term", "post_id", name=op.f("pk_theme_scores")),
        sqlite_with_rowid=False,
    )
    whens = " ".join(
        f"WHEN '{field}' THEN {float(weight)!r}" for field, weight in _THEME_WEIGHTS.items()
    )
    op.execute(
        "INSERT INTO theme_scores (term, post_id, score)"
        f" SELECT term, post_id, sum(CASE field {whens} ELSE 0.0 END"
        f" * weight * {_K1 + 1.0!r} / (weight + {_K1!r}))"
        " FROM post_terms GROUP BY term, post_id"
    )
    op.create_index("ix_theme_scores_rank", "theme_scores", ["term", "score", "post_id"])


def downgrade() -> None:
    op.drop_index("ix_theme_scores_rank", table_name="theme_scores")
    op.drop_table("theme_scores")
