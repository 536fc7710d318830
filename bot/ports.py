"""The ports the core needs from the outside world, as protocols.

The core never imports a storage or chat package: the command line finds the storage backend
through the ``reviewbot.storage`` entry point group, so dependencies point inward only.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import Protocol

from bot.domain import ParsedPost, SaveResult, StoredPost


class StorageError(Exception):
    """The database cannot be used (locked, gone, unreachable); the message is user-facing."""


class Repository(Protocol):
    """Persistence of the review library."""

    async def save_posts(self, posts: Sequence[ParsedPost], *, source: str) -> list[SaveResult]:
        """Store the posts of one source in one transaction: all of them or, on error, none."""
        ...

    async def get_post(self, post_id: int) -> StoredPost | None: ...

    async def get_post_by_url(self, url: str) -> StoredPost | None: ...

    async def list_posts(
        self,
        *,
        category: str | None = None,
        film: str | None = None,
        limit: int | None = None,
    ) -> list[StoredPost]:
        """Posts and stubs, newest first (undated last); ``category`` includes its children."""
        ...

    async def count_posts(self, *, include_stubs: bool = False) -> int: ...

    async def add_film_alias(self, film: str, alias: str) -> bool:
        """Give a film another name; False when no such film is in the library."""
        ...

    async def close(self) -> None: ...


class RepositoryFactory(Protocol):
    async def __call__(self, url: str) -> Repository: ...


def storage_backend(name: str = "sqlalchemy") -> RepositoryFactory:
    """Load the storage backend registered under ``name`` in the ``reviewbot.storage`` group."""
    for ep in entry_points(group="reviewbot.storage"):
        if ep.name == name:
            factory: RepositoryFactory = ep.load()
            return factory
    raise StorageError(f"no storage backend named {name!r} is installed (pip install -e .)")
