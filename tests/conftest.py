"""Shared fixtures. Database fixtures: ``db_url`` runs a test on SQLite and on PostgreSQL.

PostgreSQL is used at ``$REVIEWBOT_TEST_PG_URL``, else at the local default below. When the
variable is set the server must be reachable (the tests fail, loudly); when it is not set and
no server answers, the PostgreSQL variants are skipped. Each PostgreSQL test gets a schema of
its own (through the ``?schema=`` URL option), dropped afterwards, so tests never see each
other's rows and can run against a shared database.

``repo`` (an open, migrated, empty library on both backends) does not migrate per test, which
costs far more than most tests: on SQLite it copies a database migrated once per session; on
PostgreSQL it reuses migrated schemas, emptied after each test back to the rows the migrations
left (and ids starting at 1 again). ``db_url`` stays a fresh, unmigrated database.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.config import Config
from bot.library import open_library
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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite library migrated once for the whole session, copied by ``repo``."""
    path = tmp_path_factory.mktemp("template") / "reviewbot.db"

    async def make() -> None:
        repository = await open_repository(f"sqlite+aiosqlite:///{path}")
        await repository.close()

    asyncio.run(make())
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
async def repo(
    request: pytest.FixtureRequest, sqlite_url: str, sqlite_template: Path
) -> AsyncIterator[SqlRepository]:
    """An open, migrated, empty repository, on each backend."""
    if request.param == "sqlite":
        path = Path(sqlite_url.split("///", 1)[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sqlite_template, path)
        repository = await open_repository(sqlite_url)
        try:
            yield repository
        finally:
            await repository.close()
        return
    async with _pooled_pg_url() as url:
        repository = await open_repository(url)
        try:
            yield repository
        finally:
            await repository.close()


# --- reused PostgreSQL schemas -----------------------------------------------------------------

_pg_pool: list[str] = []  # migrated, empty schemas ready for a test
_pg_made: list[str] = []  # every schema made for the pool, dropped at the end of the session
_pg_rows: dict[str, dict[str, tuple[list[str], list[Any]]]] = {}  # what the migrations left


@asynccontextmanager
async def _pooled_pg_url() -> AsyncIterator[str]:
    base = await _pg_server_url()
    fresh = not _pg_pool
    schema = _pg_pool.pop() if _pg_pool else f"rbpool_{uuid.uuid4().hex[:16]}"
    if fresh:
        _pg_made.append(schema)
    url = make_url(base).update_query_dict({"schema": schema}).render_as_string(False)
    if fresh:
        repository = await open_repository(url)  # migrates the new schema
        await repository.close()
        _pg_rows[schema] = await _pg_snapshot(base, schema)
    try:
        yield url
    finally:
        try:
            await _pg_reset(base, schema)
        except Exception:
            _pg_made.remove(schema)
            await _drop_schema(base, schema)
        else:
            _pg_pool.append(schema)


async def _pg_tables(conn: asyncpg.Connection, schema: str) -> list[str]:
    """The schema's tables, children before their parents (an order DELETE can follow)."""
    names = [
        r["relname"]
        for r in await conn.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> 'alembic_version'",
            schema,
        )
    ]
    parents: dict[str, set[str]] = {name: set() for name in names}
    for r in await conn.fetch(
        "SELECT child.relname AS child, parent.relname AS parent FROM pg_constraint k"
        " JOIN pg_class child ON child.oid = k.conrelid"
        " JOIN pg_class parent ON parent.oid = k.confrelid"
        " JOIN pg_namespace n ON n.oid = k.connamespace"
        " WHERE k.contype = 'f' AND n.nspname = $1",
        schema,
    ):
        if r["child"] != r["parent"]:
            parents[r["child"]].add(r["parent"])
    ordered: list[str] = []
    while parents:
        # A table no remaining table refers to can go first.
        referred = {p for ps in parents.values() for p in ps}
        ready = sorted(name for name in parents if name not in referred)
        if not ready:
            raise RuntimeError(f"foreign key cycle in {schema}")
        for name in ready:
            ordered.append(name)
            del parents[name]
    return ordered


async def _pg_snapshot(url: str, schema: str) -> dict[str, tuple[list[str], list[Any]]]:
    conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=10)
    try:
        rows: dict[str, tuple[list[str], list[Any]]] = {}
        for table in await _pg_tables(conn, schema):
            records = await conn.fetch(f'SELECT * FROM "{schema}"."{table}"')
            if records:
                rows[table] = (list(records[0].keys()), [tuple(r) for r in records])
        return rows
    finally:
        await conn.close()


async def _pg_reset(url: str, schema: str) -> None:
    """Empty the schema back to what its migrations left, ids included."""
    conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=10)
    try:
        async with conn.transaction():
            for table in await _pg_tables(conn, schema):
                await conn.execute(f'DELETE FROM "{schema}"."{table}"')
            for r in await conn.fetch(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = $1 AND c.relkind = 'S'",
                schema,
            ):
                await conn.execute(f'ALTER SEQUENCE "{schema}"."{r["relname"]}" RESTART')
            for table, (columns, records) in _pg_rows[schema].items():
                await conn.copy_records_to_table(
                    table, records=records, columns=columns, schema_name=schema
                )
    finally:
        await conn.close()


@pytest.fixture(scope="session", autouse=True)
def _drop_pooled_schemas() -> Iterator[None]:
    yield
    if _pg_made:
        base = os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL

        async def drop_all() -> None:
            for schema in _pg_made:
                await _drop_schema(base, schema)

        asyncio.run(drop_all())


# --- the built-in sample library, loaded once per session ---------------------------------------


def _load_samples(url: str) -> None:
    async def load() -> None:
        repo, loaded = await open_library(Config(), db_url=url)
        await repo.close()
        assert loaded and loaded >= 20

    asyncio.run(load())


@pytest.fixture(scope="session")
def sample_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('samples') / 'library.db'}"
    _load_samples(url)
    return url


@pytest.fixture(scope="session")
def sample_pg() -> Iterator[str]:
    try:
        base = asyncio.run(_pg_server_url())
    except pytest.skip.Exception:
        yield ""
        return
    schema = f"rbsamples_{uuid.uuid4().hex[:12]}"
    url = f"{base}{'&' if '?' in base else '?'}schema={schema}"
    _load_samples(url)
    yield url
    asyncio.run(_drop_schema(base, schema))
