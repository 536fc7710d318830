"""Time as the digest sees it, injectable: wall time for due dates, a monotonic clock and a
sleep for rate limits and waits. Tests (and the benchmark) use :class:`ManualClock`, whose
``sleep`` advances time instead of waiting, so hours of schedule run in milliseconds."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that only moves when told to, or when someone sleeps on it.

    ``sleep`` advances both clocks by the slept time (and yields to the loop once), which
    models one process whose waits are exact; ``slept`` records the waits for assertions.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._mono = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float = 0.0, **delta: float) -> None:
        step = seconds + timedelta(**delta).total_seconds()
        self._now += timedelta(seconds=step)
        self._mono += step

    def set(self, when: datetime) -> None:
        step = (when.astimezone(UTC) - self._now).total_seconds()
        self._now = when.astimezone(UTC)
        self._mono += max(0.0, step)

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)


class OffsetClock:
    """Real time, shifted so that it starts at ``start``: ``digest tick --now`` runs as if the
    wall clock read ``start`` — claims, stale checks and sends all agree on that time — while
    waits (rate limits, "retry after") really wait."""

    def __init__(self, start: datetime, base: Clock | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("OffsetClock needs an aware datetime")
        self._base: Clock = base or SystemClock()
        self._start = start.astimezone(UTC)
        self._mono0 = self._base.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._base.monotonic() - self._mono0)

    def monotonic(self) -> float:
        return self._base.monotonic()

    async def sleep(self, seconds: float) -> None:
        await self._base.sleep(seconds)
