"""Choosing the review a subscription gets: never one it has had, new posts first.

The order is decided from the delivery history alone, so any process computes the same pick
and a crash-retry sends the same review:

1. posts this subscription has received the fewest times (0 until the catalogue is exhausted,
   so nothing repeats before everything matching its filter has been sent once);
2. among those, posts published since its last digest, newest first;
3. else a rotation through the back catalogue in an order of its own (a hash of subscription
   and post id): different chats do not all get the same review on the same day, and the order
   is stable when the library grows.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.digest.model import DigestFilter, FilterKind
from bot.ports import Repository
from bot.results import LookupService

MAX_FILTERED = 500
"""A filter's candidates are its best matches up to this many (a theme matches loosely)."""
PAGE = 50


@dataclass(frozen=True, slots=True)
class Candidate:
    post_id: int
    published: datetime | None


class Catalogue(Protocol):
    async def candidates(self, flt: DigestFilter | None) -> list[Candidate]:
        """Full (non-stub) posts matching ``flt`` (everything when None)."""
        ...


def rotation_rank(subscription_id: int, post_id: int) -> int:
    digest = hashlib.sha256(f"{subscription_id}:{post_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def choose(
    subscription_id: int,
    candidates: Sequence[Candidate],
    received: Sequence[int],
    *,
    since: datetime | None,
) -> int | None:
    """The post to send next (see the module docstring), or None for an empty catalogue."""
    if not candidates:
        return None
    counts = Counter(received)
    lowest = min(counts.get(c.post_id, 0) for c in candidates)
    pool = [c for c in candidates if counts.get(c.post_id, 0) == lowest]
    if lowest == 0 and since is not None:
        fresh = [c for c in pool if c.published is not None and c.published > since]
        if fresh:
            return max(fresh, key=lambda c: (c.published, c.post_id)).post_id
    ordered = sorted(pool, key=lambda c: rotation_rank(subscription_id, c.post_id))
    if len(ordered) > 1 and received and ordered[0].post_id == received[-1]:
        return ordered[1].post_id  # a new round never starts with yesterday's review
    return ordered[0].post_id


class LibraryCatalogue:
    """Candidates from the library through the lookups (film typos, theme ranking, category
    children all as users know them), cached per filter for the lifetime of this object — one
    tick — so 10,000 subscriptions with one filter cost one lookup."""

    def __init__(self, repo: Repository, lookups: LookupService) -> None:
        self._repo = repo
        self._lookups = lookups
        self._cache: dict[DigestFilter | None, list[Candidate]] = {}

    async def candidates(self, flt: DigestFilter | None) -> list[Candidate]:
        if flt not in self._cache:
            self._cache[flt] = await self._load(flt)
        return self._cache[flt]

    async def _load(self, flt: DigestFilter | None) -> list[Candidate]:
        if flt is None:
            posts = await self._repo.list_posts(include_stubs=False)
            return [Candidate(p.id, p.published) for p in posts]
        found: dict[int, Candidate] = {}
        offset = 0
        film_id: int | None = None
        while len(found) < MAX_FILTERED:
            if flt.kind is FilterKind.THEME:
                result = await self._lookups.by_theme(flt.value, limit=PAGE, offset=offset)
            elif flt.kind is FilterKind.CATEGORY:
                result = await self._lookups.by_category(flt.value, limit=PAGE, offset=offset)
            elif film_id is not None:
                result = await self._lookups.by_film_id(film_id, limit=PAGE, offset=offset)
            else:
                result = await self._lookups.by_film(flt.value, limit=PAGE, offset=offset)
                if len(result.choices) == 1:
                    film_id = result.choices[0].film_id
            for hit in result.hits:
                if not hit.post.stub:
                    found.setdefault(hit.post.id, Candidate(hit.post.id, hit.post.published))
            if not result.hits or not result.has_next:
                break
            offset += len(result.hits)
        return list(found.values())
