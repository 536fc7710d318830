"""Per-platform send limits: sliding windows on an injectable clock.

Platforms punish bursts (Telegram: about 30 messages a second overall and 20 a minute in one
group; Discord: about 5 per 5 seconds in one channel), and a punished bot loses more time than
it saves, so the digest paces itself below the limits and treats a 429 as a pause for the
whole platform.
"""

from __future__ import annotations

import asyncio
from collections import deque
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


class SlidingWindow:
    """At most ``count`` acquisitions in any ``period`` seconds, measured by the monotonic clock.

    Why not a token bucket: a bucket of ``count`` tokens refilled at ``count / period`` lets a
    full bucket and a period's refill through one window — twice the limit in the very second a
    platform counts. Keeping the last ``count`` send times is exact and costs ``count`` floats.
    Waiters are served in arrival order (one lock), so no chat starves.
    """

    def __init__(self, count: float, period: float, clock: Clock) -> None:
        if count < 1:  # e.g. 0.5 a second is one every two seconds
            count, period = 1, period / max(count, _EPSILON)
        self.count = int(count)
        self.period = period
        self._clock = clock
        self._times: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = asyncio.Lock()

    def block(self, seconds: float) -> None:
        """Hand out nothing for ``seconds`` (the platform said "retry after")."""
        self._blocked_until = max(self._blocked_until, self._clock.monotonic() + seconds)

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock.monotonic()
                if now < self._blocked_until:
                    await self._clock.sleep(self._blocked_until - now)
                    continue
                times = self._times
                while times and times[0] <= now - self.period:
                    times.popleft()
                if len(times) < self.count:
                    times.append(now)
                    return
                # never a wait so small that the clock cannot move by it (that would spin)
                await self._clock.sleep(max(times[0] + self.period - now, 1e-6))


class _Unlimited:
    """No limit of its own, but a 429 still pauses it."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._blocked_until = 0.0

    def block(self, seconds: float) -> None:
        self._blocked_until = max(self._blocked_until, self._clock.monotonic() + seconds)

    async def acquire(self) -> None:
        while (now := self._clock.monotonic()) < self._blocked_until:
            await self._clock.sleep(self._blocked_until - now)


class PlatformLimiter:
    """The overall bucket of one platform and a bucket per chat."""

    def __init__(self, limit: PlatformLimit, clock: Clock) -> None:
        self.limit = limit
        self._clock = clock
        self._overall: SlidingWindow | _Unlimited = (
            SlidingWindow(limit.per_second, 1.0, clock) if limit.per_second else _Unlimited(clock)
        )
        self._chats: dict[str, SlidingWindow] = {}

    async def acquire(self, chat: str, *, is_group: bool) -> None:
        limit = self.limit
        if limit.chat_count and (is_group or not limit.groups_only):
            bucket = self._chats.get(chat)
            if bucket is None:
                bucket = SlidingWindow(limit.chat_count, limit.chat_seconds, self._clock)
                self._chats[chat] = bucket
            await bucket.acquire()
        await self._overall.acquire()

    def retry_after(self, seconds: float) -> None:
        """A 429: pause the whole platform, since its limits are shared by every chat."""
        self._overall.block(seconds)
