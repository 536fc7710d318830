"""The digest scheduler end to end on both databases: due times, exactly once across crashes
and concurrent ticks, rate limits, RetryLater, ChatGone, rotation and filters.

Every test runs on an injected :class:`ManualClock`: nothing sleeps on wall time.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.chat import ChatContext
from bot.config import DigestConfig
from bot.digest.clock import ManualClock
from bot.digest.delivery import Status
from bot.digest.model import ChatKey, Claim, DeliveryState, DigestFilter, FilterKind, Mode
from bot.digest.ratelimit import PlatformLimit, PlatformLimiter
from bot.digest.scheduler import DigestScheduler, router_render
from bot.digest.service import DigestService
from bot.i18n import t
from bot.lookups import Lookups
from bot.ports import ChatMoved, SendUncertain
from bot.replies import ActionKind, Reply, ReplyKind
from bot.router import Router
from storage.repository import SqlRepository, open_repository
from tests.test_digest_fakes import Crash, FakeChatAdapter, add_reviews, retry_later, review

T0 = datetime(2024, 3, 1, 0, 0, tzinfo=UTC)


class Harness:
    def __init__(
        self,
        repo: SqlRepository,
        *,
        start: datetime = T0,
        config: DigestConfig | None = None,
        limits: dict[str, PlatformLimit] | None = None,
        platforms: tuple[str, ...] = ("telegram",),
    ) -> None:
        self.repo = repo
        self.clock = ManualClock(start)
        self.config = config or DigestConfig()
        self.lookups = Lookups(repo)
        self.service = DigestService(repo, self.lookups, self.config, clock=self.clock)
        self.router = Router(self.lookups, digest=self.service)
        self.adapters = {name: FakeChatAdapter(name, self.clock) for name in platforms}
        self.scheduler = DigestScheduler(
            self.service,
            self.adapters,
            router_render(self.router),
            clock=self.clock,
            limits=limits if limits is not None else {},
        )

    @property
    def telegram(self) -> FakeChatAdapter:
        return self.adapters["telegram"]

    async def subscribe(
        self,
        chat: str,
        at: str = "09:00",
        zone: str = "Asia/Seoul",
        *,
        mode: Mode = Mode.DAILY,
        flt: DigestFilter | None = None,
        platform: str = "telegram",
        is_group: bool = False,
    ) -> int:
        sub = await self.service.subscribe(
            ChatContext(platform, chat, is_group=is_group, is_admin=True),
            mode=mode,
            at=at,
            timezone=zone,
            flt=flt,
            lang="ko",
        )
        return sub.id

    async def tick_at(self, when: datetime) -> list[Status]:
        self.clock.set(when)
        report = await self.scheduler.tick()
        return [o.status for o in report.outcomes]

    async def run(self, until: datetime, step: timedelta = timedelta(minutes=30)) -> None:
        when = self.clock.now()
        while when <= until:
            await self.tick_at(when)
            when += step


@pytest.fixture
async def library(repo: SqlRepository) -> list[int]:
    return await add_reviews(repo, [review(n, day=n) for n in range(1, 7)])


# ---------------------------------------------------------------------- due times


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # spring forward on Sunday 10 March 2024: 09:00 EST = 14:00 UTC, then 09:00 EDT = 13:00
        (
            datetime(2024, 3, 8, 15, tzinfo=UTC),
            3,
            ["2024-03-09T14:00", "2024-03-10T13:00", "2024-03-11T13:00"],
        ),
        # fall back on Sunday 3 November 2024
        (
            datetime(2024, 11, 1, 15, tzinfo=UTC),
            3,
            ["2024-11-02T13:00", "2024-11-03T14:00", "2024-11-04T14:00"],
        ),
    ],
)
async def test_new_york_digest_once_a_day_across_dst(
    repo: SqlRepository, library: list[int], start: datetime, days: int, expected: list[str]
) -> None:
    h = Harness(repo, start=start)
    await h.subscribe("100", "09:00", "America/New_York")
    await h.run(start + timedelta(days=days, hours=1))
    assert [t.strftime("%Y-%m-%dT%H:%M") for t in h.telegram.sent_at] == expected


async def test_seoul_and_london_chats_each_at_their_hour(
    repo: SqlRepository, library: list[int]
) -> None:
    start = datetime(2024, 3, 30, 12, tzinfo=UTC)  # London moves to BST on 31 March
    h = Harness(repo, start=start)
    await h.subscribe("seoul", "08:30", "Asia/Seoul")
    await h.subscribe("london", "07:00", "Europe/London")
    await h.run(start + timedelta(days=2), step=timedelta(minutes=30))
    by_chat: dict[str, list[str]] = {}
    for (chat, _, _), at in zip(h.telegram.sent, h.telegram.sent_at, strict=True):
        by_chat.setdefault(chat, []).append(at.strftime("%m-%dT%H:%M"))
    assert by_chat["seoul"] == ["03-30T23:30", "03-31T23:30"]
    assert by_chat["london"] == ["03-31T06:00", "04-01T06:00"]


async def test_missed_digest_is_sent_late_the_same_day_once_and_never_the_next_day(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo, start=datetime(2024, 3, 1, 0, tzinfo=UTC))
    await h.subscribe("late")  # 09:00 Seoul = 00:00 UTC
    # the bot was down at 09:00 on 2 March; it comes back at 15:00 Seoul
    assert await h.tick_at(datetime(2024, 3, 2, 6, 0, tzinfo=UTC)) == [Status.SENT]
    assert await h.tick_at(datetime(2024, 3, 2, 6, 1, tzinfo=UTC)) == []
    assert await h.tick_at(datetime(2024, 3, 2, 14, 59, tzinfo=UTC)) == []
    # down for all of 3 March (Seoul); back at 08:00 on 4 March: nothing owed for the 3rd
    assert await h.tick_at(datetime(2024, 3, 3, 23, 0, tzinfo=UTC)) == []
    assert await h.tick_at(datetime(2024, 3, 4, 0, 0, tzinfo=UTC)) == [Status.SENT]
    assert len(h.telegram.sent) == 2


async def test_subscribing_after_the_hour_starts_tomorrow(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo, start=datetime(2024, 3, 2, 3, 0, tzinfo=UTC))  # 12:00 in Seoul
    await h.subscribe("fresh")
    assert await h.tick_at(datetime(2024, 3, 2, 3, 1, tzinfo=UTC)) == []
    assert await h.tick_at(datetime(2024, 3, 3, 0, 0, tzinfo=UTC)) == [Status.SENT]


# ---------------------------------------------------------------------- exactly once


def crash_before_sending(repo: SqlRepository, monkeypatch: pytest.MonkeyPatch, times: int) -> None:
    """The process dies after its claim and pick, before the request leaves (while waiting
    for the rate limiter, say): the next ``times`` SENDING marks never happen."""
    original = repo.mark_sending
    left = [times]

    async def mark_sending(claim: Claim, *, now: datetime, sending: bool = True) -> bool:
        if sending and left[0] > 0:
            left[0] -= 1
            raise Crash()
        return await original(claim, now=now, sending=sending)

    monkeypatch.setattr(repo, "mark_sending", mark_sending)


async def test_crash_between_claim_and_send_is_retried_once_with_the_same_review(
    repo: SqlRepository, library: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = Harness(repo, config=DigestConfig(stale_claim_minutes=10))
    await h.subscribe("c1")
    crash_before_sending(repo, monkeypatch, times=1)
    with pytest.raises(Crash):
        await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    [claimed] = await repo.recent_deliveries(T0)
    assert claimed.state is DeliveryState.CLAIMED and claimed.post_id is not None
    assert h.telegram.attempts == 0
    # restarted a minute later: the claim may still be another process's send in flight
    assert await h.tick_at(datetime(2024, 3, 2, 0, 1, tzinfo=UTC)) == []
    assert h.telegram.sent == []
    # once stale it is retried, once, with the review picked the first time
    assert await h.tick_at(datetime(2024, 3, 2, 0, 11, tzinfo=UTC)) == [Status.SENT]
    assert h.telegram.post_ids() == [claimed.post_id]
    assert await h.tick_at(datetime(2024, 3, 2, 0, 30, tzinfo=UTC)) == []
    assert await h.tick_at(datetime(2024, 3, 2, 5, 0, tzinfo=UTC)) == []
    [sent] = await repo.recent_deliveries(T0)
    assert sent.state is DeliveryState.SENT and sent.attempts == 2 and sent.message_id == "m1"
    assert h.telegram.keys == [f"digest:{sent.id}"]


async def test_two_crashes_mark_the_digest_failed_and_it_is_never_tried_a_third_time(
    repo: SqlRepository, library: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = Harness(repo, config=DigestConfig(stale_claim_minutes=10, max_attempts=2))
    await h.subscribe("c2")
    crash_before_sending(repo, monkeypatch, times=2)
    with pytest.raises(Crash):
        await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    with pytest.raises(Crash):
        await h.tick_at(datetime(2024, 3, 2, 0, 11, tzinfo=UTC))
    await h.tick_at(datetime(2024, 3, 2, 0, 22, tzinfo=UTC))
    await h.tick_at(datetime(2024, 3, 2, 1, 0, tzinfo=UTC))
    assert h.telegram.attempts == 0 and h.telegram.sent == []
    [failed] = await repo.recent_deliveries(T0)
    assert failed.state is DeliveryState.FAILED and failed.attempts == 2
    # the next day is a new digest
    assert await h.tick_at(datetime(2024, 3, 3, 0, 0, tzinfo=UTC)) == [Status.SENT]


async def test_a_crash_mid_send_is_never_resent_and_is_reported(
    repo: SqlRepository, library: list[int]
) -> None:
    """Died with the request on its way: the message may be in the chat, and Telegram cannot
    be asked. It is not sent again (no duplicate), and /status says so."""
    h = Harness(repo, config=DigestConfig(stale_claim_minutes=10))
    await h.subscribe("m1")
    h.telegram.script["m1"].append(Crash())
    with pytest.raises(Crash):
        await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    [sending] = await repo.recent_deliveries(T0)
    assert sending.state is DeliveryState.SENDING
    # restarted a minute later, and again once the claim is stale: not sent again
    assert await h.tick_at(datetime(2024, 3, 2, 0, 1, tzinfo=UTC)) == []
    h.clock.set(datetime(2024, 3, 2, 0, 11, tzinfo=UTC))
    report = await h.scheduler.tick()
    assert report.count(Status.UNCERTAIN) == 1 and report.summary()["uncertain"] == 1
    for minute in (12, 30, 59):
        assert await h.tick_at(datetime(2024, 3, 2, 0, minute, tzinfo=UTC)) == []
    assert h.telegram.attempts == 1 and h.telegram.sent == []
    [uncertain] = await repo.recent_deliveries(T0)
    assert uncertain.state is DeliveryState.UNCERTAIN and uncertain.attempts == 1
    operator = ChatContext("telegram", "op", is_operator=True)
    reply = await h.router.handle("/status", user="op", chat=operator)
    assert any("보내는 도중" in note and "1개" in note for note in reply.notes), reply.notes
    # tomorrow is a new digest, and the review it perhaps got is not picked for it again
    assert await h.tick_at(datetime(2024, 3, 3, 0, 0, tzinfo=UTC)) == [Status.SENT]
    assert uncertain.post_id not in h.telegram.post_ids("m1")


async def test_with_resend_uncertain_a_crash_mid_send_is_resent_once(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo, config=DigestConfig(stale_claim_minutes=10, resend_uncertain=True))
    await h.subscribe("r1")
    h.telegram.script["r1"].extend([Crash(), Crash()])
    with pytest.raises(Crash):
        await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    with pytest.raises(Crash):
        await h.tick_at(datetime(2024, 3, 2, 0, 11, tzinfo=UTC))
    for minute in (22, 40):
        await h.tick_at(datetime(2024, 3, 2, 0, minute, tzinfo=UTC))
    assert h.telegram.attempts == 2
    [failed] = await repo.recent_deliveries(T0)
    assert failed.state is DeliveryState.FAILED
    # both attempts named the same delivery, so a platform that deduplicates shows it once
    first, retry = h.telegram.keys
    assert first == retry == f"digest:{failed.id}"


async def test_a_send_without_an_answer_is_uncertain_unless_resending_is_chosen(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo)
    await h.subscribe("u1")
    h.telegram.script["u1"].append(SendUncertain("telegram: chat u1: no answer from Telegram"))
    assert await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC)) == [Status.UNCERTAIN]
    assert await h.tick_at(datetime(2024, 3, 2, 0, 30, tzinfo=UTC)) == []
    assert h.telegram.attempts == 1
    [delivery] = await repo.recent_deliveries(T0)
    assert delivery.state is DeliveryState.UNCERTAIN and "perhaps delivered" in (
        delivery.error or ""
    )

    again = Harness(repo, config=DigestConfig(resend_uncertain=True))
    await again.subscribe("u2")
    again.telegram.script["u2"].append(SendUncertain("no answer"))
    assert await again.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC)) == [Status.FAILED]
    assert await again.tick_at(datetime(2024, 3, 2, 0, 1, tzinfo=UTC)) == [Status.SENT]
    assert await again.tick_at(datetime(2024, 3, 2, 0, 30, tzinfo=UTC)) == []
    assert again.telegram.chats() == ["u2"]


async def test_a_claim_taken_over_is_not_sent_by_its_slow_first_holder(
    repo: SqlRepository, library: list[int]
) -> None:
    """A process that stalled past ``stale_claim_minutes`` after claiming (a long GC pause, a
    suspended VM) must not send once it wakes: the claim is another's by then."""
    h = Harness(repo)
    sub = await h.subscribe("slow")
    stale = timedelta(minutes=10)
    first = await repo.claim_delivery(
        sub,
        "d:2024-03-02",
        local_date=None,
        post_id=library[0],
        now=T0,
        stale_after=stale,
        max_attempts=2,
    )
    assert first is not None
    later = T0 + timedelta(minutes=11)
    second = await repo.claim_delivery(
        sub,
        "d:2024-03-02",
        local_date=None,
        post_id=None,
        now=later,
        stale_after=stale,
        max_attempts=2,
    )
    assert second is not None and second.post_id == library[0]
    assert await repo.mark_sending(first, now=later) is False
    assert await repo.mark_sent(first, message_id="x", now=later) is False
    assert await repo.mark_sending(second, now=later) is True


async def test_a_group_that_became_a_supergroup_gets_its_digest_at_the_new_id(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo)
    await h.subscribe("-100", is_group=True)
    await h.subscribe("-100", mode=Mode.NEW, is_group=True)
    await h.subscribe("-200", mode=Mode.NEW, is_group=True)  # the supergroup had one already
    h.telegram.script["-100"].append(ChatMoved("telegram: chat -100 is now -200", "-200"))
    assert await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC)) == [Status.SENT]
    assert h.telegram.chats() == ["-200"]
    moved = await repo.chat_subscriptions(ChatKey("telegram", "-200"))
    assert sorted(s.mode.value for s in moved) == ["daily", "new"]
    assert await repo.chat_subscriptions(ChatKey("telegram", "-100")) == []
    assert await h.tick_at(datetime(2024, 3, 3, 0, 0, tzinfo=UTC)) == [Status.SENT]
    assert h.telegram.chats() == ["-200", "-200"]


async def test_every_message_owed_to_a_migrated_group_in_one_tick_follows_it(
    repo: SqlRepository, library: list[int]
) -> None:
    """Its daily digest and a new post's card are both owed when the group moves: the first
    send moves the subscriptions, the second (still addressed to the old id, refused the same
    way) must follow them too, not be dropped."""
    h = Harness(repo, start=datetime(2024, 3, 1, 12, 0, tzinfo=UTC))
    await h.subscribe("-500", is_group=True)
    await h.subscribe("-500", mode=Mode.NEW, is_group=True)
    await repo.record_new_posts(
        [library[0]], source="feed", now=datetime(2024, 3, 1, 23, 0, tzinfo=UTC)
    )
    for _ in range(2):
        h.telegram.script["-500"].append(ChatMoved("telegram: chat -500 is now -600", "-600"))
    assert await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC)) == [Status.SENT] * 2
    assert h.telegram.chats() == ["-600", "-600"]
    assert len(await repo.chat_subscriptions(ChatKey("telegram", "-600"))) == 2


async def test_a_migrated_group_whose_new_id_has_its_own_digest_gets_one_not_two(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo)
    await h.subscribe("-300", is_group=True)
    await h.subscribe("-400", is_group=True)  # already subscribed under the new id
    h.telegram.script["-300"].append(ChatMoved("telegram: chat -300 is now -400", "-400"))
    statuses = await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    assert sorted(s.value for s in statuses) == ["sent", "skipped"]
    assert h.telegram.chats() == ["-400"]
    assert await h.tick_at(datetime(2024, 3, 2, 0, 30, tzinfo=UTC)) == []
    assert await repo.chat_subscriptions(ChatKey("telegram", "-300")) == []
    [kept] = await repo.chat_subscriptions(ChatKey("telegram", "-400"))
    assert kept.mode is Mode.DAILY


async def test_a_stop_mid_tick_finishes_the_sends_under_way_and_claims_no_more(
    repo: SqlRepository, library: list[int]
) -> None:
    """SIGTERM during a tick (a deploy): the send on its way completes and is recorded —
    cancelled, it would count as cut off mid-send and never be resent — and the chats not
    yet claimed are left for the next start, which sends each once."""
    h = Harness(repo, config=DigestConfig(concurrency=1))
    for n in range(4):
        await h.subscribe(f"s{n}")
    stop = asyncio.Event()
    original = h.telegram.send

    async def send_then_stop(chat: str, reply: Reply, **kwargs: Any) -> str:
        stop.set()  # the signal arrives while this request is on its way
        await asyncio.sleep(0)
        return await original(chat, reply, **kwargs)

    h.telegram.send = send_then_stop  # type: ignore[method-assign]
    h.clock.set(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    report = await h.scheduler.tick(stop=stop)
    assert sorted(o.status.value for o in report.outcomes) == ["sent"] + ["stopped"] * 3
    [delivery] = await repo.recent_deliveries(T0)
    assert delivery.state is DeliveryState.SENT  # finished, not cut off
    h.telegram.send = original  # type: ignore[method-assign]
    assert await h.tick_at(datetime(2024, 3, 2, 0, 1, tzinfo=UTC)) == [Status.SENT] * 3
    assert sorted(h.telegram.chats()) == [f"s{n}" for n in range(4)]


async def test_overlapping_ticks_send_each_digest_once(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo)
    for n in range(12):
        await h.subscribe(f"o{n}")
    h.clock.set(datetime(2024, 3, 2, 0, 5, tzinfo=UTC))
    reports = await asyncio.gather(*(h.scheduler.tick() for _ in range(3)))
    sent = sorted(h.telegram.chats())
    assert sent == sorted(f"o{n}" for n in range(12))
    assert sum(r.count(Status.SENT) for r in reports) == 12


async def test_two_processes_on_one_postgresql_database_never_double_send(pg_url: str) -> None:
    first = await open_repository(pg_url)
    second = await open_repository(pg_url)
    try:
        await add_reviews(first, [review(n, day=n) for n in range(1, 8)])
        a = Harness(first)
        b = Harness(second)
        shared = FakeChatAdapter("telegram", a.clock)
        a.scheduler.adapters["telegram"] = shared
        b.scheduler.adapters["telegram"] = shared
        b.clock = a.clock
        b.scheduler.clock = a.clock
        for n in range(40):
            await a.subscribe(f"pg{n}", zone=["Asia/Seoul", "UTC"][n % 2], at="09:00")
        for when in (
            datetime(2024, 3, 2, 0, 0, tzinfo=UTC),
            datetime(2024, 3, 2, 9, 0, tzinfo=UTC),
        ):
            a.clock.set(when)
            await asyncio.gather(a.scheduler.tick(), b.scheduler.tick(), a.scheduler.tick())
        assert sorted(shared.chats()) == sorted(f"pg{n}" for n in range(40))
    finally:
        await first.close()
        await second.close()


# ---------------------------------------------------------------------- limits and failures


async def test_retry_later_is_waited_out_then_sent_once(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo, limits={"telegram": PlatformLimit(per_second=30)})
    await h.subscribe("busy")
    await h.subscribe("calm")
    h.telegram.script["busy"].append(retry_later(7))
    statuses = await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    assert sorted(statuses) == [Status.SENT, Status.SENT]
    assert sorted(h.telegram.chats()) == ["busy", "calm"]
    assert sum(h.clock.slept) >= 7  # waited on the injected clock, not on the wall
    assert {d.state for d in await repo.recent_deliveries(T0)} == {DeliveryState.SENT}


async def test_a_retry_after_longer_than_we_wait_defers_to_the_next_tick(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo, config=DigestConfig(max_retry_wait=60))
    await h.subscribe("slow")
    h.telegram.script["slow"].append(retry_later(600))
    assert await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC)) == [Status.DEFERRED]
    assert await h.tick_at(datetime(2024, 3, 2, 0, 1, tzinfo=UTC)) == [Status.SENT]
    assert await h.tick_at(datetime(2024, 3, 2, 0, 2, tzinfo=UTC)) == []
    assert h.telegram.chats() == ["slow"]


async def test_chat_gone_pauses_its_subscription_and_the_others_still_get_theirs(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo)
    for chat in ("a", "blocked", "c"):
        await h.subscribe(chat)
    h.telegram.gone.add("blocked")
    statuses = await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    assert sorted(statuses) == [Status.GONE, Status.SENT, Status.SENT]
    assert sorted(h.telegram.chats()) == ["a", "c"]
    [sub] = await repo.chat_subscriptions(ChatKey("telegram", "blocked"))
    assert sub.paused and "blocked" in (sub.paused_reason or "")
    # reported to the people who run the bot, with the platform's reason
    operator = ChatContext("telegram", "op", is_operator=True)
    status = await h.router.handle("/status", user="op", lang="en", chat=operator)
    [line] = [note for note in status.notes if note.startswith("Paused:")]
    assert "telegram:blocked" in line and "bot was blocked by the user" in line
    group_admin = ChatContext("telegram", "-77", is_group=True, is_admin=True)
    elsewhere = await h.router.handle("/status", user="ga", lang="en", chat=group_admin)
    assert t("status.title", "en") == elsewhere.headline
    assert not any("blocked" in note for note in elsewhere.notes)  # not another chat's business
    # paused: not tried again the next day; the others are
    attempts = h.telegram.attempts
    await h.tick_at(datetime(2024, 3, 3, 0, 0, tzinfo=UTC))
    assert h.telegram.attempts == attempts + 2
    # listing says so; subscribing again resumes it
    chat = ChatContext("telegram", "blocked", is_admin=True)
    listing = await h.router.handle("/subscriptions", user="u", lang="en", chat=chat)
    assert "paused" in listing.notes[0]
    await h.router.handle("/subscribe", user="u", lang="en", chat=chat)
    h.telegram.gone.clear()
    await h.tick_at(datetime(2024, 3, 4, 0, 0, tzinfo=UTC))
    assert h.telegram.chats().count("blocked") == 1


async def test_sends_are_paced_by_the_platform_limit(
    repo: SqlRepository, library: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = Harness(
        repo,
        limits={"telegram": PlatformLimit(per_second=5, chat_count=20, chat_seconds=60)},
    )
    for n in range(25):
        await h.subscribe(f"r{n}")

    async def instant_mark(*args: object, **kwargs: object) -> bool:
        # The SENDING mark is written inside the slot. Here it must take no time: a manual
        # clock moved by one waiter's sleep while another's write is still on the wire would
        # stretch that send's slot, which only this clock does (crash tests cover the mark).
        return True

    monkeypatch.setattr(repo, "mark_sending", instant_mark)
    await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    times = sorted(at for _, _, at in h.telegram.sent)
    assert len(times) == 25
    # five at once, then five more each second: the 20 others waited 4 s on the injected clock
    assert sum(h.clock.slept) == pytest.approx(4.0, abs=0.01)
    # never more than five in any one second (a token bucket would allow ten in its first)
    for earlier, later in zip(times, times[5:], strict=False):
        assert later - earlier >= 1.0 - 1e-6


async def test_a_group_gets_at_most_its_per_chat_limit_in_any_window() -> None:
    clock = ManualClock(T0)
    limiter = PlatformLimiter(
        PlatformLimit(per_second=30, chat_count=20, chat_seconds=60, groups_only=True), clock
    )
    stamps: list[float] = []
    for _ in range(45):
        slot = await limiter.acquire("group", is_group=True)
        stamps.append(clock.monotonic())
        slot.release()  # an instant send
    for earlier, later in zip(stamps, stamps[20:], strict=False):
        assert later - earlier >= 60 - 1e-6
    assert stamps[-1] == pytest.approx(120.0)  # 20 now, 20 a minute later, 5 at two minutes
    # private chats are limited only overall: 30 at once, the 31st a second later
    before = clock.monotonic()
    for _ in range(31):
        (await limiter.acquire("dm", is_group=False)).release()
    assert clock.monotonic() - before == pytest.approx(1.0)


async def test_sends_in_flight_count_until_they_end() -> None:
    """The platform counts arrivals, which happen before a send ends: a send that is slow to
    answer holds its place in the window until it ends, then for a period after."""
    clock = ManualClock(T0)
    limiter = PlatformLimiter(PlatformLimit(per_second=2), clock)
    first = await limiter.acquire("a", is_group=False)
    second = await limiter.acquire("b", is_group=False)
    third = asyncio.ensure_future(limiter.acquire("c", is_group=False))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not third.done()  # two in flight: the third waits however long they take
    clock.advance(30)
    first.release()  # ended at 30 s: it counts until 31 s, beside the second still in flight
    slot = await asyncio.wait_for(third, 1)
    assert clock.monotonic() == pytest.approx(31.0)
    second.release()
    slot.release()  # both ended at 31 s: the next may start at 32 s
    fourth = await limiter.acquire("d", is_group=False)
    assert clock.monotonic() == pytest.approx(32.0)
    fourth.release()


async def test_retry_after_pauses_every_chat_of_the_platform() -> None:
    clock = ManualClock(T0)
    limiter = PlatformLimiter(PlatformLimit(), clock)  # unlimited until the platform says so
    (await limiter.acquire("a", is_group=False)).release()
    limiter.retry_after(12)
    (await limiter.acquire("b", is_group=False)).release()
    assert clock.monotonic() == pytest.approx(12.0)


# ---------------------------------------------------------------------- the pick


async def test_rotation_never_repeats_until_the_catalogue_is_exhausted(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo)
    await h.subscribe("rot")
    for day in range(2, 15):
        await h.tick_at(datetime(2024, 3, day, 0, 0, tzinfo=UTC))
    picked = h.telegram.post_ids()
    assert len(picked) == 13
    assert sorted(picked[:6]) == sorted(library)
    assert sorted(picked[6:12]) == sorted(library)
    assert all(a != b for a, b in itertools.pairwise(picked))


async def test_posts_published_since_the_last_digest_come_first(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo)
    await h.subscribe("fresh")
    await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    [new_id] = await add_reviews(repo, [review(50, day=2, month=3)])
    await h.tick_at(datetime(2024, 3, 3, 0, 0, tzinfo=UTC))
    assert h.telegram.post_ids()[-1] == new_id


async def test_category_filter_only_sends_matching_reviews(repo: SqlRepository) -> None:
    korean = await add_reviews(repo, [review(n, day=n) for n in range(1, 4)])
    foreign = await add_reviews(
        repo, [review(n, day=n, category=("리뷰", "외국영화")) for n in range(10, 12)]
    )
    h = Harness(repo)
    await h.subscribe("f", flt=DigestFilter(FilterKind.CATEGORY, "외국영화"))
    for day in range(2, 6):
        await h.tick_at(datetime(2024, 3, day, 0, 0, tzinfo=UTC))
    picked = h.telegram.post_ids()
    assert len(picked) == 4 and set(picked) == set(foreign)
    assert not set(picked) & set(korean)


async def test_digest_message_is_the_lookup_card_with_more_like_this(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo)
    await h.subscribe("card")
    await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    [(_, reply, _)] = h.telegram.sent
    assert reply.kind is ReplyKind.CARD and len(reply.cards) == 1
    assert reply.cards[0].url and reply.cards[0].summary
    assert [a.kind for a in reply.actions] == [ActionKind.MORE_LIKE_THIS]
    assert reply.headline == "오늘의 리뷰"


async def test_dry_run_reports_what_would_be_sent_and_claims_nothing(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo)
    await h.subscribe("dry")
    h.clock.set(datetime(2024, 3, 2, 0, 0, tzinfo=UTC))
    report = await h.scheduler.tick(dry_run=True)
    assert [o.status for o in report.outcomes] == [Status.WOULD_SEND]
    assert report.outcomes[0].post_id in library
    assert await repo.recent_deliveries(T0) == [] and h.telegram.sent == []


async def test_platform_without_a_running_adapter_is_left_for_another_process(
    repo: SqlRepository, library: list[int]
) -> None:
    h = Harness(repo)
    await h.subscribe("d1", platform="discord")
    assert await h.tick_at(datetime(2024, 3, 2, 0, 0, tzinfo=UTC)) == [Status.NO_ADAPTER]
    assert await repo.recent_deliveries(T0) == []
