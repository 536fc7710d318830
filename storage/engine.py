"""Turning a database URL into a configured async engine, and database failures into one line.

Users type URLs by hand (``--db``, ``REVIEWBOT_DB_URL``), so common spellings are accepted
(``sqlite:///x.db``, ``postgres://…``) and mapped to the async drivers. Every failure the user
can cause or fix — a locked or read-only file, a folder that cannot be made, a server that is
down — becomes a :class:`~bot.ports.StorageError` with one line naming the database, and the
password never appears in it.
"""

from __future__ import annotations

import errno
import json
import re
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.util import CommandError
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from bot.ports import StorageError

DEFAULT_BUSY_TIMEOUT = 5.0
"""Seconds SQLite waits for another writer before reporting "database is locked"."""

SQLITE_CACHE_KIB = 32 * 1024
"""SQLite page cache per connection, in KiB (see ``_configure_sqlite``)."""

PG_CONNECT_TIMEOUT = 10.0
"""Seconds to wait for PostgreSQL to answer; asyncpg's own default (60 s) feels like a hang."""

WRITE = "reviewbot_write"
"""Execution option marking a write transaction, which SQLite starts with BEGIN IMMEDIATE."""

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed database URL and how to name it to the user."""

    url: URL
    backend: str
    display: str
    password: str | None
    schema: str | None = None
    sqlite_path: Path | None = None

    def scrub(self, text: str) -> str:
        """One line without the password, short enough for a chat message or a log line."""
        text = _URL_PASSWORD.sub(r"\1***@", text)
        if self.password:
            text = text.replace(self.password, "***")
        text = " ".join(text.split())
        return text if len(text) <= 300 else text[:299] + "…"


def _mask_raw(raw: str) -> str:
    return " ".join(_URL_PASSWORD.sub(r"\1***@", raw).split())


def parse_url(raw: str) -> Target:
    """Read a database URL; ``?schema=NAME`` on PostgreSQL keeps the library in that schema."""
    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError):
        raise StorageError(f"not a database URL: {_mask_raw(raw)!r}") from None
    url = url.set(drivername=_DRIVERS.get(url.drivername, url.drivername))
    backend = url.get_backend_name()
    password = url.password if isinstance(url.password, str) else None
    if backend == "sqlite":
        return _sqlite_target(url)
    if backend != "postgresql":
        shown = url.render_as_string(hide_password=True)
        raise StorageError(f"unsupported database {shown!r}: use SQLite or PostgreSQL")
    schema = url.query.get("schema")
    if isinstance(schema, tuple):
        schema = schema[-1]
    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise StorageError(f"not a valid schema name: {schema!r}")
    url = url.difference_update_query(["schema"])
    display = url.set(drivername=backend).render_as_string(hide_password=True)
    return Target(url, backend, display, password, schema=schema)


def _sqlite_target(url: URL) -> Target:
    database = url.database or ""
    is_uri = str(url.query.get("uri", "")).lower() in {"true", "1"}
    if database in {"", ":memory:"} or is_uri or database.startswith("file:"):
        return Target(url, "sqlite", database or ":memory:", None)
    path = Path(database).expanduser()
    url = url.set(database=str(path))
    return Target(url, "sqlite", str(path), None, sqlite_path=path)


def create_engine(target: Target, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> AsyncEngine:
    """An engine with the settings this schema relies on (foreign keys, WAL, UTC, search_path)."""
    serializer = _json_dumps
    if target.backend == "sqlite":
        if target.sqlite_path is not None:
            _make_folder(target.sqlite_path)
        connect_args: dict[str, Any] = {}
        if "timeout" not in target.url.query:
            connect_args["timeout"] = busy_timeout
        engine = create_async_engine(
            target.url, connect_args=connect_args, json_serializer=serializer
        )
        _configure_sqlite(engine, wal=target.sqlite_path is not None)
        return engine
    settings = {"application_name": "reviewbot", "timezone": "UTC"}
    if target.schema:
        settings["search_path"] = target.schema
    pg_args: dict[str, Any] = {"server_settings": settings}
    if "timeout" not in target.url.query:
        pg_args["timeout"] = PG_CONNECT_TIMEOUT
    return create_async_engine(
        target.url, connect_args=pg_args, json_serializer=serializer, pool_pre_ping=True
    )


def _json_dumps(value: Any) -> str:
    # Readable Korean in the database instead of \uXXXX escapes.
    return json.dumps(value, ensure_ascii=False)


def _make_folder(path: Path) -> None:
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StorageError(f"cannot create the database folder {folder}: {reason}") from None


def _configure_sqlite(engine: AsyncEngine, *, wal: bool) -> None:
    """Per-connection pragmas, and transactions that SQLAlchemy (not sqlite3) begins.

    The sqlite3 module's legacy mode never issues BEGIN before DDL or SELECT, which would make
    a migration half-apply on error and reads non-repeatable; so BEGIN is emitted here, as
    ``BEGIN IMMEDIATE`` for writes: taking the write lock up front lets SQLite's busy timeout
    wait for another writer instead of failing at once on a lock upgrade.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            # The term index of a large library is far bigger than SQLite's 2 MB default
            # cache; 32 MB (allocated as used) keeps its upper levels and hot pages in memory.
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# --- errors -----------------------------------------------------------------------------------

_SQLITE_MESSAGES = (
    (("database is locked", "database table is locked", "schema is locked"), "database is locked"),
    (("readonly database", "read-only"), "database is read-only"),
    (("unable to open database file",), "cannot open database file"),
    (("file is not a database", "malformed"), "not a usable SQLite database"),
    (("disk i/o error",), "disk I/O error on database"),
    (("database or disk is full",), "disk full, cannot write database"),
)
# SQLSTATE classes meaning "we never got a working session": connection exceptions, bad
# credentials or database name, server starting up or full.
_UNREACHABLE_STATES = ("08", "28", "3D000", "57P03", "53300")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _reason(exc: BaseException) -> str:
    """The driver's own message, without SQLAlchemy's SQL echo and background links."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text


def _network_reason(exc: BaseException) -> str | None:
    for item in _chain(exc):
        if isinstance(item, socket.gaierror):
            return "unknown host"
        if isinstance(item, ConnectionRefusedError):
            return "connection refused"
        if isinstance(item, TimeoutError):
            return "timed out"
        if isinstance(item, OSError) and item.errno in {errno.EHOSTUNREACH, errno.ENETUNREACH}:
            return "host unreachable"
        if isinstance(item, OSError):
            return item.strerror or str(item) or type(item).__name__
        state = getattr(item, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_UNREACHABLE_STATES):
            return str(item).splitlines()[0]
    return None


def describe(exc: BaseException, target: Target) -> str:
    """One user-facing line for a database failure."""
    if isinstance(exc, StorageError):
        return target.scrub(str(exc))
    if isinstance(exc, CommandError):
        text = f"cannot migrate database {target.display}: {exc}"
        if "Can't locate revision" in str(exc):
            text = f"database {target.display} was made by a newer reviewbot; please upgrade"
        return target.scrub(text)
    if target.backend == "sqlite":
        lowered = " ".join(str(item).lower() for item in _chain(exc))
        for needles, label in _SQLITE_MESSAGES:
            if any(needle in lowered for needle in needles):
                return target.scrub(f"{label}: {target.display}")
    else:
        network = _network_reason(exc)
        if network is not None:
            return target.scrub(f"cannot reach database at {target.display}: {network}")
    if isinstance(exc, IntegrityError):
        return target.scrub(f"database {target.display} refused the data: {_reason(exc)}")
    return target.scrub(f"database error ({target.display}): {_reason(exc)}")


STORAGE_FAILURES: tuple[type[BaseException], ...] = (
    SQLAlchemyError,
    sqlite3.Error,
    OSError,
    TimeoutError,
    CommandError,
    # sqlite3 refuses integers beyond 64 bits with OverflowError, before SQLite sees them.
    OverflowError,
)


@contextmanager
def translate_errors(target: Target) -> Iterator[None]:
    """Re-raise database failures as StorageError; programming errors pass through untouched."""
    try:
        yield
    except StorageError as exc:
        raise StorageError(describe(exc, target)) from exc.__cause__
    except STORAGE_FAILURES as exc:
        raise StorageError(describe(exc, target)) from exc
    except Exception as exc:
        # asyncpg raises its own exception types from some code paths without wrapping.
        if type(exc).__module__.startswith("asyncpg"):
            raise StorageError(describe(exc, target)) from exc
        raise
