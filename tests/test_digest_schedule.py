"""Due times: local dates and hours in several zones, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.digest.schedule import canonical_timezone, due_at, due_today, next_due, parse_hhmm

EARLY = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "at", "zone", "expected"),
    [
        (date(2024, 3, 9), "09:00", "Asia/Seoul", datetime(2024, 3, 9, 0, 0, tzinfo=UTC)),
        (date(2024, 1, 15), "09:00", "Europe/London", datetime(2024, 1, 15, 9, 0, tzinfo=UTC)),
        (date(2024, 7, 15), "09:00", "Europe/London", datetime(2024, 7, 15, 8, 0, tzinfo=UTC)),
        # New York: EST (-5) until 10 March 2024, EDT (-4) until 3 November 2024
        (date(2024, 3, 9), "09:00", "America/New_York", datetime(2024, 3, 9, 14, tzinfo=UTC)),
        (date(2024, 3, 10), "09:00", "America/New_York", datetime(2024, 3, 10, 13, tzinfo=UTC)),
        (date(2024, 11, 2), "09:00", "America/New_York", datetime(2024, 11, 2, 13, tzinfo=UTC)),
        (date(2024, 11, 3), "09:00", "America/New_York", datetime(2024, 11, 3, 14, tzinfo=UTC)),
        # 02:30 does not exist on 10 March: read with the old offset, 03:30 EDT
        (date(2024, 3, 10), "02:30", "America/New_York", datetime(2024, 3, 10, 7, 30, tzinfo=UTC)),
        # 01:30 happens twice on 3 November: the first one (EDT) counts
        (date(2024, 11, 3), "01:30", "America/New_York", datetime(2024, 11, 3, 5, 30, tzinfo=UTC)),
    ],
)
def test_due_at(day: date, at: str, zone: str, expected: datetime) -> None:
    assert due_at(day, at, zone) == expected


def test_due_today_uses_the_local_date_and_the_schedule_start() -> None:
    # 23:30 UTC on 8 March is already 9 March 08:30 in Seoul: not due yet
    assert due_today(datetime(2024, 3, 8, 23, 30, tzinfo=UTC), "09:00", "Asia/Seoul",
                     active_since=EARLY) is None  # fmt: skip
    assert due_today(
        datetime(2024, 3, 9, 0, 0, tzinfo=UTC), "09:00", "Asia/Seoul", active_since=EARLY
    ) == date(2024, 3, 9)
    # late the same local day: still due (catch-up); the next day it is a new date
    assert due_today(
        datetime(2024, 3, 9, 14, 59, tzinfo=UTC), "09:00", "Asia/Seoul", active_since=EARLY
    ) == date(2024, 3, 9)
    assert (
        due_today(
            datetime(2024, 3, 9, 15, 0, tzinfo=UTC), "09:00", "Asia/Seoul", active_since=EARLY
        )
        is None
    )  # 00:00 on 10 March in Seoul
    # subscribed after today's due time: starts tomorrow
    since = datetime(2024, 3, 9, 1, 0, tzinfo=UTC)
    assert (
        due_today(datetime(2024, 3, 9, 2, 0, tzinfo=UTC), "09:00", "Asia/Seoul", active_since=since)
        is None
    )
    assert next_due(since, "09:00", "Asia/Seoul") == datetime(2024, 3, 10, 0, 0, tzinfo=UTC)


def test_a_clock_behind_the_subscription_does_not_hide_its_digest() -> None:
    """``digest tick --now`` in the past (a rehearsal of a DST morning, a test clock) or a
    second machine whose clock lags: the subscription counts as already there, rather than
    every digest silently not being owed."""
    created = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    rehearsal = datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT, clocks sprang forward at 02:00
    assert due_today(rehearsal, "09:00", "America/New_York", active_since=created) == date(
        2026, 3, 8
    )
    assert (
        due_today(
            rehearsal - timedelta(minutes=1), "09:00", "America/New_York", active_since=created
        )
        is None
    )  # still before the local due time


def test_parse_time_and_zone() -> None:
    assert parse_hhmm("9:05") == "09:05"
    assert parse_hhmm("08:30") == "08:30"
    assert parse_hhmm("9시") == "09:00"
    assert parse_hhmm("7") == "07:00"
    assert parse_hhmm("25:00") is None
    assert parse_hhmm("가족") is None
    assert canonical_timezone("asia/seoul") == "Asia/Seoul"
    assert canonical_timezone("UTC") == "UTC"
    assert canonical_timezone("Mars/Base") is None
