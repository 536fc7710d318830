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
from typing import Any

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
    """At most ``count`` sends reach the platform in any ``period`` seconds.

    Why not a token bucket: a bucket of ``count`` tokens refilled at ``count / period`` lets a
    full bucket and a period's refill through one window — twice the limit in the very second a
    platform counts. Why count finished sends and sends in flight rather than start times: the
    platform counts arrivals, and a send arrives some time between its start and its end; a
    stalled loop or a slow network can bunch arrivals that started evenly. A send may start
    only while the sends that ended less than ``period`` ago plus those in flight are fewer than
    ``count``; then any window of arrivals holds at most ``count`` (the last to start in it saw
    every other one either in flight or ended inside the window).

    Callers pair :meth:`acquire` with :meth:`release`. Waiters are served in arrival order (one
    lock), so no chat starves.
    """

    def __init__(self, count: float, period: float, clock: Clock) -> None:
        if count < 1:  # e.g. 0.5 a second is one every two seconds
            count, period = 1, period / max(count, _EPSILON)
        self.count = int(count)
        self.period = period
        self._clock = clock
        self._ended: deque[float] = deque()
        self._in_flight = 0
        self._released = asyncio.Event()
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
                ended = self._ended
                while ended and ended[0] <= now - self.period:
                    ended.popleft()
                if len(ended) + self._in_flight < self.count:
                    self._in_flight += 1
                    return
                await self._wait(ended[0] + self.period - now if ended else None)

    async def _wait(self, seconds: float | None) -> None:
        """Until a send in flight ends or, if given, ``seconds`` passed (a finished send
        leaves the window)."""
        self._released.clear()
        waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._released.wait())}
        if seconds is not None:
            # never a wait so small that the clock cannot move by it (that would spin)
            waits.add(asyncio.ensure_future(self._clock.sleep(max(seconds, 1e-6))))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()

    def release(self) -> None:
        """The send that :meth:`acquire` allowed has ended (sent, refused or failed)."""
        self._in_flight = max(0, self._in_flight - 1)
        self._ended.append(self._clock.monotonic())
        self._released.set()


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

    def release(self) -> None:
        pass


class Slot:
    """Leave to send one message; :meth:`release` it when the send has ended, however."""

    def __init__(self, windows: list[SlidingWindow | _Unlimited]) -> None:
        self._windows = windows

    def release(self) -> None:
        windows, self._windows = self._windows, []
        for window in windows:
            window.release()


class PlatformLimiter:
    """The overall window of one platform and a window per chat."""

    def __init__(self, limit: PlatformLimit, clock: Clock) -> None:
        self.limit = limit
        self._clock = clock
        self._overall: SlidingWindow | _Unlimited = (
            SlidingWindow(limit.per_second, 1.0, clock) if limit.per_second else _Unlimited(clock)
        )
        self._chats: dict[str, SlidingWindow] = {}

    async def acquire(self, chat: str, *, is_group: bool) -> Slot:
        limit = self.limit
        taken: list[SlidingWindow | _Unlimited] = []
        try:
            if limit.chat_count and (is_group or not limit.groups_only):
                window = self._chats.get(chat)
                if window is None:
                    window = SlidingWindow(limit.chat_count, limit.chat_seconds, self._clock)
                    self._chats[chat] = window
                await window.acquire()
                taken.append(window)
            await self._overall.acquire()
            taken.append(self._overall)
        except BaseException:  # cancelled while waiting: give back what was taken
            Slot(taken).release()
            raise
        return Slot(taken)

    def retry_after(self, seconds: float) -> None:
        """A 429: pause the whole platform, since its limits are shared by every chat."""
        self._overall.block(seconds)
