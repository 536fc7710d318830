"""Schema migrations, applied automatically when the library is opened.

The Alembic configuration is built in code with the package's own migrations folder, so
migrating never depends on the current directory or on an ``alembic.ini`` being found.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import WRITE

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any constant works; it only has to be the same for every reviewbot process.
_PG_LOCK_KEY = 0x7265_7669_6577  # "review"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "storage/migrations has no revisions"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection, head: str) -> None:
    if current_revision(connection) == head:
        return  # the common case: nothing to do, and no need to load env.py
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision, in one transaction.

    Two processes may start at once on a fresh database: PostgreSQL serialises them with an
    advisory lock held until commit, SQLite with the write lock ``BEGIN IMMEDIATE`` takes.
    """
    head = head_revision()
    # Look first without the write lock, so that opening an up-to-date library never waits
    # for another process's ingest.
    async with engine.connect() as conn:
        if await conn.run_sync(current_revision) == head:
            return
    async with engine.execution_options(**{WRITE: True}).begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        await conn.run_sync(_upgrade, head)
