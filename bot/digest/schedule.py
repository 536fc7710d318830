"""When a subscription's digest is due: local dates and times with zoneinfo, DST included.

A digest is owed once per *local* date of the subscription's time zone. On that date it is due
from ``HH:MM`` local time until the date ends: a bot that was down at 09:00 sends it late the
same day (once), and never the next day. Wall times that do not exist (the spring-forward gap)
are read with the offset before the change, i.e. an hour later on the clock; wall times that
happen twice (fall back) are due at their first occurrence (``fold=0``) — once, because the
delivery is keyed by the local date, not by the instant.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_HHMM = re.compile(r"([01]?\d|2[0-3])[:：.h시]?([0-5]\d)?(?:분)?")


def parse_hhmm(text: str) -> str | None:
    """``"9:05"``, ``"09:05"``, ``"0905"``, ``"9시"`` → ``"09:05"``/``"09:00"``; else None."""
    text = text.strip()
    if not text or not any(ch.isdigit() for ch in text):
        return None
    match = _HHMM.fullmatch(text)
    if match is None:
        return None
    hour = int(match.group(1))
    minute = int(match.group(2) or 0)
    if match.group(2) is None and not (text.endswith("시") or text.isdigit()):
        return None
    return f"{hour:02d}:{minute:02d}"


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def canonical_timezone(name: str) -> str | None:
    """The IANA name as spelt in the tz database (``asia/seoul`` → ``Asia/Seoul``), or None."""
    name = name.strip()
    if not name or len(name) > 64:
        return None
    found = _zone_names().get(name.casefold())
    if found is None and name.upper() == "UTC":
        found = "UTC"
    if found is None:
        return None
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return found


def zone(name: str) -> ZoneInfo:
    """The zone for a stored name; an unknown one (tzdata removed it) falls back to UTC so a
    single bad row never stops a tick."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(now: datetime, timezone: str) -> date:
    return now.astimezone(zone(timezone)).date()


def due_at(day: date, at: str, timezone: str) -> datetime:
    """The UTC instant at which the digest for local ``day`` becomes due."""
    hour, minute = (int(part) for part in at.split(":"))
    tz = zone(timezone)
    local = datetime.combine(day, time(hour, minute), tzinfo=tz)  # fold=0: first occurrence
    return local.astimezone(UTC)


def due_today(now: datetime, at: str, timezone: str, *, active_since: datetime) -> date | None:
    """The local date whose digest is due at ``now`` (not yet past midnight), or None.

    None before the local due time, and when the due time came before the subscription's
    schedule was set (``active_since``): subscribing after 09:00 starts tomorrow. A clock that
    reads earlier than ``active_since`` (``digest tick --now`` rehearsing a past morning, a
    second machine whose clock lags) cannot tell, and counts the subscription as already there:
    a digest shown that should not have been is better than every digest silently withheld.
    """
    day = local_date(now, timezone)
    due = due_at(day, at, timezone)
    if now < due or due < active_since <= now:
        return None
    return day


def next_due(now: datetime, at: str, timezone: str) -> datetime:
    """The next instant (UTC, after ``now``) at which a digest becomes due, for display."""
    day = local_date(now, timezone)
    due = due_at(day, at, timezone)
    if due > now:
        return due
    return due_at(day + timedelta(days=1), at, timezone)
