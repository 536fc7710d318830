"""Alembic environment for reviewbot.

reviewbot migrates on start: :func:`storage.migrate.upgrade` hands its own (sync-adapted) async
connection in ``config.attributes["connection"]`` so the upgrade runs inside the caller's
transaction and lock. Run by hand (``alembic -c storage/alembic.ini …``), the URL comes from
``-x url=…``, ``REVIEWBOT_DB_URL`` or ``sqlalchemy.url`` and an async engine is made here.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import create_engine, parse_url
from storage.models import Base, include_object

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object(connection.dialect.name),
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    url = url or os.environ.get("REVIEWBOT_DB_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database URL: pass -x url=… or set REVIEWBOT_DB_URL")
    return url


async def _run_standalone() -> None:
    engine = create_engine(parse_url(_url()))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def _run_offline() -> None:
    target = parse_url(_url())
    context.configure(
        url=target.url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=target.backend == "sqlite",
        include_object=include_object(target.backend),
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if isinstance(given, Connection):
    _run(given)
elif context.is_offline_mode():
    _run_offline()
else:
    asyncio.run(_run_standalone())
