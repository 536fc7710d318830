"""What the chat commands do with subscriptions, independent of how replies look.

The router parses ``/subscribe`` and friends and renders the answers; this service holds the
rules: defaults from ``[digest]``, today's pick, the figures ``/status`` shows.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.chat import ChatContext
from bot.config import DigestConfig, SourceConfig
from bot.digest.clock import Clock, SystemClock
from bot.digest.model import (
    ChatKey,
    DeliveryState,
    DigestFilter,
    Mode,
    Subscription,
    SubscriptionDraft,
    WatchedSource,
)
from bot.digest.pick import Catalogue, LibraryCatalogue, choose
from bot.digest.schedule import local_date
from bot.ports import Repository
from bot.results import LookupService

LAST_TICK = "last_tick"
PAUSED_SHOWN = 5  # paused chats named in /status; the count covers the rest


@dataclass(frozen=True, slots=True)
class Status:
    """What ``/status`` shows."""

    library_size: int
    subscriptions: dict[str, int]
    sources: list[WatchedSource]
    configured_sources: list[str]
    last_tick: dict[str, object] | None
    day: dict[str, int] = dataclasses.field(default_factory=dict)
    """Deliveries claimed in the last 24 hours by state ("sent", "uncertain", …)."""
    paused: list[Subscription] = dataclasses.field(default_factory=list)
    """The most recently paused subscriptions (a chat that blocked or removed the bot)."""


class DigestService:
    def __init__(
        self,
        repo: Repository,
        lookups: LookupService,
        config: DigestConfig | None = None,
        *,
        sources: list[SourceConfig] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.repo = repo
        self.lookups = lookups
        self.config = config or DigestConfig()
        self.sources = list(sources or [])
        self.clock: Clock = clock or SystemClock()

    def catalogue(self) -> Catalogue:
        """A fresh candidate cache (one per tick or command)."""
        return LibraryCatalogue(self.repo, self.lookups)

    async def subscribe(
        self,
        chat: ChatContext,
        *,
        mode: Mode = Mode.DAILY,
        at: str | None = None,
        timezone: str | None = None,
        flt: DigestFilter | None = None,
        lang: str | None = None,
        user: str | None = None,
    ) -> Subscription:
        draft = SubscriptionDraft(
            chat=chat.key,
            mode=mode,
            at=at or self.config.time,
            timezone=timezone or self.config.timezone,
            filter=flt,
            lang=lang,
            is_group=chat.is_group,
            created_by=user,
        )
        return await self.repo.save_subscription(draft, now=self.clock.now())

    async def unsubscribe(self, chat: ChatContext, mode: Mode | None = None) -> int:
        return await self.repo.delete_subscriptions(chat.key, mode=mode)

    async def subscriptions(self, chat: ChatContext) -> list[Subscription]:
        return await self.repo.chat_subscriptions(chat.key)

    async def pick(self, sub: Subscription, catalogue: Catalogue | None = None) -> int | None:
        """The review ``sub`` gets next (nothing is recorded)."""
        catalogue = catalogue or self.catalogue()
        candidates = await catalogue.candidates(sub.filter)
        received = await self.repo.received_posts(sub.id)
        since = sub.last_digest_at or sub.active_since
        return choose(sub.id, candidates, received, since=since)

    async def todays_pick(self, chat: ChatContext) -> int | None:
        """What ``/digest`` shows: today's digest if it went out, else the one that would."""
        daily = [s for s in await self.subscriptions(chat) if s.mode is Mode.DAILY]
        now = self.clock.now()
        if daily:
            sub = daily[0]
            key = f"d:{local_date(now, sub.timezone).isoformat()}"
            for delivery in await self.repo.recent_deliveries(now - timedelta(days=2)):
                if (
                    delivery.subscription_id == sub.id
                    and delivery.key == key
                    and delivery.post_id is not None
                    and delivery.state is DeliveryState.SENT
                ):
                    return delivery.post_id
            return await self.pick(sub)
        # No subscription: what a new one would get first (a rotation of its own per chat).
        candidates = await self.catalogue().candidates(None)
        return choose(_chat_seed(chat.key), candidates, [], since=None)

    async def status(self) -> Status:
        raw = await self.repo.get_digest_meta(LAST_TICK)
        last: dict[str, object] | None = None
        if raw:
            try:
                loaded = json.loads(raw)
                last = loaded if isinstance(loaded, dict) else None
            except ValueError:
                last = None
        return Status(
            library_size=await self.repo.count_posts(),
            subscriptions=await self.repo.subscription_counts(),
            sources=await self.repo.watched_sources(),
            configured_sources=[s.url for s in self.sources],
            last_tick=last,
            paused=await self.repo.paused_subscriptions(limit=PAUSED_SHOWN),
            day=await self.repo.delivery_counts(self.clock.now() - timedelta(days=1)),
        )

    async def enable_source(self, url: str) -> WatchedSource | None:
        """Watch a disabled source again from the next tick, its error streak forgotten (its
        totals kept). The stored source, or None when no source has that URL. A source that
        was never disabled is returned unchanged."""
        wanted = url.strip().rstrip("/")
        for source in await self.repo.watched_sources():
            if source.url.rstrip("/") != wanted:
                continue
            if not source.disabled:
                return source
            enabled = dataclasses.replace(
                source, disabled=False, consecutive_errors=0, next_check_at=self.clock.now()
            )
            await self.repo.save_watched_source(enabled)
            return enabled
        return None

    async def record_tick(self, summary: dict[str, object], *, now: datetime) -> None:
        await self.repo.set_digest_meta(LAST_TICK, json.dumps(summary, ensure_ascii=False), now=now)


def _chat_seed(chat: ChatKey) -> int:
    return sum(str(chat).encode()) % 1_000_003
