"""Daily digest and feed watching: subscriptions, deliveries, watched sources, new posts.

Revision ID: 0003
Revises: 0002
Create Date: 2025-12-01

``digest_deliveries`` is unique per (subscription, key): that constraint, not any process's
memory, is what keeps a digest from being sent twice by overlapping ticks or two processes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "digest_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.Text(), nullable=False),
        sa.Column("thread_id", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.Text(), nullable=False),
        sa.Column("filter_kind", sa.String(length=16), nullable=True),
        sa.Column("filter_value", sa.Text(), nullable=True),
        sa.Column("lang", sa.String(length=16), nullable=True),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("active_since", _TS, nullable=False),
        sa.Column("last_digest_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_subscriptions")),
        sa.UniqueConstraint(
            "platform",
            "chat_id",
            "thread_id",
            "mode",
            name=op.f("uq_digest_subscriptions_platform_chat_id_thread_id_mode"),
        ),
    )
    op.create_index(op.f("ix_digest_subscriptions_paused"), "digest_subscriptions", ["paused"])
    op.create_table(
        "digest_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["digest_subscriptions.id"],
            name=op.f("fk_digest_deliveries_subscription_id_digest_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_deliveries")),
        sa.UniqueConstraint(
            "subscription_id", "key", name=op.f("uq_digest_deliveries_subscription_id_key")
        ),
    )
    op.create_index(op.f("ix_digest_deliveries_claimed_at"), "digest_deliveries", ["claimed_at"])
    op.create_table(
        "watched_sources",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("primed", sa.Boolean(), nullable=False),
        sa.Column("next_check_at", _TS, nullable=True),
        sa.Column("last_checked_at", _TS, nullable=True),
        sa.Column("last_success_at", _TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("consecutive_errors", sa.Integer(), nullable=False),
        sa.Column("total_errors", sa.Integer(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_watched_sources")),
    )
    op.create_table(
        "digest_new_posts",
        sa.Column("post_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("found_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_digest_new_posts_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_digest_new_posts")),
    )
    op.create_index(op.f("ix_digest_new_posts_found_at"), "digest_new_posts", ["found_at"])
    op.create_table(
        "digest_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_digest_meta")),
    )


def downgrade() -> None:
    op.drop_table("digest_meta")
    op.drop_index(op.f("ix_digest_new_posts_found_at"), table_name="digest_new_posts")
    op.drop_table("digest_new_posts")
    op.drop_table("watched_sources")
    op.drop_index(op.f("ix_digest_deliveries_claimed_at"), table_name="digest_deliveries")
    op.drop_table("digest_deliveries")
    op.drop_index(op.f("ix_digest_subscriptions_paused"), table_name="digest_subscriptions")
    op.drop_table("digest_subscriptions")
