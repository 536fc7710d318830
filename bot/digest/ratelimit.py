"""Per-platform send limits: token buckets on an injectable clock.

Platforms punish bursts (Telegram: about 30 messages a second overall and 20 a minute in one
group; Discord: about 5 per 5 seconds in one channel), and a punished bot loses more time than
it saves, so the digest paces itself below the limits and treats a 429 as a pause for the
whole platform.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.digest.clock import Clock


@dataclass(frozen=True, slots=True)
class PlatformLimit:
    """``per_second`` overall (0 = unlimited); ``chat_count`` messages per ``chat_seconds``
    in one chat (0 = unlimited), for group chats only when ``groups_only``."""

    per_second: float = 0.0
    chat_count: float = 0.0
    chat_seconds: float = 60.0
    groups_only: bool = False


_EPSILON = 1e-9

TELEGRAM = PlatformLimit(per_second=30, chat_count=20, chat_seconds=60, groups_only=True)
DISCORD = PlatformLimit(per_second=50, chat_count=5, chat_seconds=5, groups_only=False)


class TokenBucket:
    """``capacity`` tokens, refilled continuously at ``capacity / period`` per second.

    Waiters are served in arrival order (one lock), so no chat starves.
    """

    def __init__(self, capacity: float, period: float, clock: Clock) -> None:
        self.capacity = max(1.0, capacity)
        self.rate = self.capacity / period
        self._clock = clock
        self._tokens = self.capacity
        self._stamp = clock.monotonic()
        self._blocked_until = 0.0
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def block(self, seconds: float) -> None:
        """Hand out nothing for ``seconds`` (the platform said "retry after")."""
        until = self._clock.monotonic() + seconds
        self._blocked_until = max(self._blocked_until, until)
        self._tokens = 0.0
        self._stamp = max(self._stamp, self._clock.monotonic())

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock.monotonic()
                if now < self._blocked_until:
                    await self._clock.sleep(self._blocked_until - now)
                    continue
                self._refill()
                if self._tokens >= 1.0 - _EPSILON:  # float sums of refills fall just short
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return
                # never a wait so small that the clock cannot move by it (that would spin)
                await self._clock.sleep(max((1.0 - self._tokens) / self.rate, 1e-6))


class PlatformLimiter:
    """The overall bucket of one platform and a bucket per chat."""

    def __init__(self, limit: PlatformLimit, clock: Clock) -> None:
        self.limit = limit
        self._clock = clock
        # An unlimited platform still gets a (bottomless) bucket, so a 429 can pause it.
        self._overall = TokenBucket(limit.per_second or 1e9, 1.0, clock)
        self._chats: dict[str, TokenBucket] = {}

    async def acquire(self, chat: str, *, is_group: bool) -> None:
        limit = self.limit
        if limit.chat_count and (is_group or not limit.groups_only):
            bucket = self._chats.get(chat)
            if bucket is None:
                bucket = TokenBucket(limit.chat_count, limit.chat_seconds, self._clock)
                self._chats[chat] = bucket
            await bucket.acquire()
        await self._overall.acquire()

    def retry_after(self, seconds: float) -> None:
        """A 429: pause the whole platform, since its limits are shared by every chat."""
        self._overall.block(seconds)
