"""The digest's one scheduler: every minute, watch feeds, then send what is owed.

A tick is a pure function of the database and the clock: it finds every subscription whose
digest is due for its local date and has no finished delivery, and every new post a "new"
subscriber has not had, and hands them to one :class:`~bot.digest.delivery.Deliverer` per
platform. Nothing is remembered between ticks except rate-limit buckets, so a restart, a cron
job (``reviewbot digest tick``) and the long-running ``reviewbot run`` behave the same, and two
processes on one database only race for claims, which the database decides.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.config import DigestConfig
from bot.digest.clock import Clock, SystemClock
from bot.digest.delivery import Deliverer, Job, Outcome, Render, Status
from bot.digest.model import Delivery, DeliveryState, Mode, Subscription
from bot.digest.pick import Catalogue
from bot.digest.ratelimit import DISCORD, TELEGRAM, PlatformLimit, PlatformLimiter
from bot.digest.schedule import due_today
from bot.digest.service import DigestService
from bot.digest.watch import FeedWatcher, WatchResult
from bot.ports import ChatAdapter
from bot.replies import Reply
from bot.router import Router

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TickReport:
    now: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    watched: list[WatchResult] = field(default_factory=list)
    settled: list[Delivery] = field(default_factory=list)
    """Sends a dead process left midway, found by this tick and marked uncertain."""

    def count(self, status: Status) -> int:
        found = sum(1 for o in self.outcomes if o.status is status)
        return found + (len(self.settled) if status is Status.UNCERTAIN else 0)

    def summary(self) -> dict[str, object]:
        counts = Counter(o.status.value for o in self.outcomes)
        if self.settled:
            counts[Status.UNCERTAIN.value] += len(self.settled)
        return {"at": self.now.isoformat(), **dict(sorted(counts.items()))}


def router_render(router: Router) -> Render:
    """The router's digest card as the scheduler's ``render``."""

    async def render(post_id: int, lang: str, mode: Mode, day: date | None) -> Reply | None:
        return await router.digest_card(post_id, lang=lang, mode=mode)

    return render


def limits_from(config: DigestConfig) -> dict[str, PlatformLimit]:
    return {
        "telegram": PlatformLimit(
            per_second=config.telegram_per_second,
            chat_count=config.telegram_group_per_minute,
            chat_seconds=60.0,
            groups_only=TELEGRAM.groups_only,
        ),
        "discord": PlatformLimit(
            per_second=config.discord_per_second,
            chat_count=config.discord_channel_per_5s,
            chat_seconds=5.0,
            groups_only=DISCORD.groups_only,
        ),
    }


class DigestScheduler:
    """Ticks deliver through ``adapters`` (platform name → running adapter).

    ``render`` builds the message for a post (the router's digest card). ``watcher`` is the
    feed watcher, run at the start of each tick. ``clock`` is injectable: tests and the
    benchmark run days of schedule without waiting.
    """

    def __init__(
        self,
        service: DigestService,
        adapters: Mapping[str, ChatAdapter],
        render: Render,
        *,
        clock: Clock | None = None,
        watcher: FeedWatcher | None = None,
        limits: Mapping[str, PlatformLimit] | None = None,
        default_lang: str = "ko",
    ) -> None:
        self.service = service
        self.repo = service.repo
        self.config = service.config
        self.adapters = dict(adapters)
        self.render = render
        self.clock: Clock = clock or service.clock or SystemClock()
        self.watcher = watcher
        self.default_lang = default_lang
        limits = dict(limits_from(self.config) if limits is None else limits)
        self._limiters = {
            name: PlatformLimiter(limits.get(name, PlatformLimit()), self.clock)
            for name in self.adapters
        }

    # ------------------------------------------------------------------ one tick

    async def tick(
        self,
        now: datetime | None = None,
        *,
        dry_run: bool = False,
        stop: asyncio.Event | None = None,
    ) -> TickReport:
        """Run one tick at ``now`` (default: the clock). With ``dry_run`` nothing is claimed
        or sent: the report says what would be sent. Once ``stop`` is set no new delivery is
        claimed; those under way finish (the next start sends the rest)."""
        now = now or self.clock.now()
        report = TickReport(now)
        if self.watcher is not None and not dry_run:
            report.watched = await self.watcher.run_due(now)
        if not dry_run and not self.config.resend_uncertain:
            report.settled = await self.repo.settle_uncertain(
                before=now - timedelta(minutes=self.config.stale_claim_minutes)
            )
            for delivery in report.settled:
                log.warning(
                    "digest: delivery %s (subscription %s, %s) was cut off mid-send by a "
                    "stopped process; it may be in the chat and is not sent again",
                    delivery.id,
                    delivery.subscription_id,
                    delivery.key,
                )
        catalogue = self.service.catalogue()
        jobs = await self._owed(now, catalogue)
        by_platform: dict[str, list[Job]] = defaultdict(list)
        for job in jobs:
            by_platform[job.subscription.chat.platform].append(job)
        runs = []
        for platform, platform_jobs in sorted(by_platform.items()):
            adapter = self.adapters.get(platform)
            if dry_run or adapter is None:
                runs.append(self._preview(platform_jobs, catalogue, dry_run=dry_run))
            else:
                runs.append(self._deliver_all(adapter, platform, platform_jobs, catalogue, stop))
        for outcomes in await asyncio.gather(*runs):
            report.outcomes.extend(outcomes)
        if not dry_run:
            await self.service.record_tick(report.summary(), now=now)
        return report

    async def _owed(self, now: datetime, catalogue: Catalogue) -> list[Job]:
        subs = await self.repo.active_subscriptions()
        if not subs:
            return []
        stale = timedelta(minutes=self.config.stale_claim_minutes)
        done: dict[int, dict[str, Delivery]] = defaultdict(dict)
        for delivery in await self.repo.recent_deliveries(now - timedelta(days=2)):
            done[delivery.subscription_id][delivery.key] = delivery

        retried = {DeliveryState.CLAIMED}
        if self.config.resend_uncertain:
            retried.add(DeliveryState.SENDING)

        def open_(sub: Subscription, key: str) -> bool:
            found = done[sub.id].get(key)
            return found is None or (
                found.state in retried
                and found.message_id is None
                and found.claimed_at <= now - stale
            )

        jobs: list[Job] = []
        new_posts = None
        for sub in subs:
            if sub.mode is Mode.DAILY:
                day: date | None = due_today(
                    now, sub.at, sub.timezone, active_since=sub.active_since
                )
                if day is not None and open_(sub, f"d:{day.isoformat()}"):
                    jobs.append(Job(sub, f"d:{day.isoformat()}", day))
                continue
            if new_posts is None:
                max_age = timedelta(hours=self.config.new_posts_max_age_hours)
                new_posts = await self.repo.new_posts_since(now - max_age)
            if not new_posts:
                continue
            allowed: set[int] | None = None
            if sub.filter is not None:
                allowed = {c.post_id for c in await catalogue.candidates(sub.filter)}
            count = 0
            for post in new_posts:
                if post.found_at <= sub.active_since <= now:  # found before it subscribed
                    continue
                if allowed is not None and post.post_id not in allowed:
                    continue
                key = f"p:{post.post_id}"
                if open_(sub, key):
                    jobs.append(Job(sub, key, None, post.post_id))
                    count += 1
                    if count >= self.config.new_posts_per_tick:
                        break
        return jobs

    async def _deliver_all(
        self,
        adapter: ChatAdapter,
        platform: str,
        jobs: list[Job],
        catalogue: Catalogue,
        stop: asyncio.Event | None = None,
    ) -> list[Outcome]:
        async def pick(sub: Subscription) -> int | None:
            return await self.service.pick(sub, catalogue)

        deliverer = Deliverer(
            self.repo,
            adapter,
            self._limiters[platform],
            pick=pick,
            render=self.render,
            config=self.config,
            clock=self.clock,
            default_lang=self.default_lang,
        )
        gate = asyncio.Semaphore(self.config.concurrency)

        async def one(job: Job) -> Outcome:
            async with gate:
                if stop is not None and stop.is_set():
                    return Outcome(job, Status.STOPPED)
                return await deliverer.deliver(job)

        return list(await asyncio.gather(*(one(job) for job in jobs)))

    async def _preview(
        self, jobs: list[Job], catalogue: Catalogue, *, dry_run: bool
    ) -> list[Outcome]:
        outcomes = []
        status = Status.WOULD_SEND if dry_run else Status.NO_ADAPTER
        for job in jobs:
            post_id = job.post_id
            if post_id is None:
                post_id = await self.service.pick(job.subscription, catalogue)
            outcomes.append(
                Outcome(job, status if post_id is not None else Status.NO_REVIEW, post_id)
            )
        return outcomes

    # ------------------------------------------------------------------ the loop

    async def run(self, stop: asyncio.Event) -> None:
        """Tick at the start of every minute until ``stop`` is set; a failing tick is logged
        and the next one runs as usual (it will find whatever this one left owed).

        Setting ``stop`` mid-tick lets the sends under way finish and claims nothing new, so
        a normal shutdown (SIGTERM from a deploy) leaves no send cut off midway — which, on
        Telegram, would be reported "uncertain" and not sent again. Await this coroutine after
        setting ``stop``; cancel it only if it takes too long."""
        while not stop.is_set():
            try:
                report = await self.tick(stop=stop)
                if report.outcomes:
                    log.info("digest tick: %s", report.summary())
            except Exception:
                log.exception("digest tick failed")
            now = self.clock.now()
            wait = 60.0 - (now.second + now.microsecond / 1e6)
            sleeper = asyncio.ensure_future(self.clock.sleep(max(1.0, wait)))
            stopper = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (sleeper, stopper):
                    task.cancel()
