"""Shared fixtures. Database fixtures: ``db_url`` runs a test on SQLite and on PostgreSQL.

PostgreSQL is used at ``$REVIEWBOT_TEST_PG_URL``, else at the local default below. When the
variable is set the server must be reachable (the tests fail, loudly); when it is not set and
no server answers, the PostgreSQL variants are skipped. Each PostgreSQL test gets a schema of
its own (through the ``?schema=`` URL option), dropped afterwards, so tests never see each
other's rows and can run against a shared database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from storage.repository import SqlRepository, open_repository

PG_URL_ENV = "REVIEWBOT_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"

_pg_state: dict[str, str | None] = {}


def _asyncpg_dsn(url: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql")
        .difference_update_query(["schema"])
        .render_as_string(hide_password=False)
    )


async def _pg_server_url() -> str:
    """The PostgreSQL URL to test against, or skip/fail once per session if none answers."""
    required = bool(os.environ.get(PG_URL_ENV))
    url = os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL
    if "error" not in _pg_state:
        try:
            conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=3)
            await conn.close()
            _pg_state["error"] = None
        except Exception as exc:
            _pg_state["error"] = f"{type(exc).__name__}: {exc}"
    error = _pg_state["error"]
    if error is not None:
        if required:
            pytest.fail(f"{PG_URL_ENV} is set but PostgreSQL is unreachable: {error}")
        pytest.skip(f"PostgreSQL not reachable at {DEFAULT_PG_URL} ({error})")
    return url


async def _drop_schema(url: str, schema: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=10)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@asynccontextmanager
async def pg_schema_url() -> AsyncIterator[str]:
    """A PostgreSQL URL whose schema is private to the caller and dropped afterwards."""
    base = await _pg_server_url()
    schema = f"rbtest_{uuid.uuid4().hex[:16]}"
    url = make_url(base).update_query_dict({"schema": schema})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        await _drop_schema(base, schema)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file database in a folder that does not exist yet (opening makes both)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'library' / 'reviewbot.db'}"


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with pg_schema_url() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[str]:
    """The same test on both backends the storage layer supports."""
    if request.param == "sqlite":
        yield sqlite_url
        return
    async with pg_schema_url() as url:
        yield url


@pytest.fixture
async def repo(db_url: str) -> AsyncIterator[SqlRepository]:
    """An open, migrated repository on ``db_url``."""
    repository = await open_repository(db_url)
    try:
        yield repository
    finally:
        await repository.close()
