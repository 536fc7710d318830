"""Digest and feed-watching storage: the ``bot.ports.Repository`` digest methods.

A mixin of :class:`storage.repository.SqlRepository`, kept in its own module so the library's
storage and the digest's do not mix. Exactly-once delivery rests on ``digest_deliveries``'s
unique (subscription, key) constraint:

* a claim is an ``INSERT … ON CONFLICT DO NOTHING``: of two processes (or overlapping ticks)
  claiming the same digest, exactly one inserts the row; the other gets nothing back;
* taking over a stale claim (its process died between claim and send) is a compare-and-set
  ``UPDATE … WHERE claim_token = old``, after ``SELECT … FOR UPDATE SKIP LOCKED`` on
  PostgreSQL; SQLite runs every write in ``BEGIN IMMEDIATE``, so writers are serialised anyway;
* only the holder of the current ``claim_token`` can mark the delivery sending or sent, so a
  process that was slow past ``stale_after`` finds its claim gone and sends nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.digest.model import (
    ChatKey,
    Claim,
    Delivery,
    DeliveryState,
    DigestFilter,
    FilterKind,
    Mode,
    NewPost,
    Subscription,
    SubscriptionDraft,
    WatchedSource,
)
from storage.models import (
    DigestDelivery,
    DigestMeta,
    DigestSubscription,
    NewPostRow,
    Post,
    WatchedSourceRow,
)

_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
"""A claim time that makes a claim stale at once (retry on the next tick)."""


def _sub(row: DigestSubscription) -> Subscription:
    flt = None
    if row.filter_kind and row.filter_value:
        flt = DigestFilter(FilterKind(row.filter_kind), row.filter_value)
    return Subscription(
        id=row.id,
        chat=ChatKey(row.platform, row.chat_id, row.thread_id or None),
        mode=Mode(row.mode),
        at=row.at_time,
        timezone=row.timezone,
        filter=flt,
        lang=row.lang,
        is_group=row.is_group,
        paused=row.paused,
        paused_reason=row.paused_reason,
        active_since=row.active_since,
        last_digest_at=row.last_digest_at,
        created_at=row.created_at,
    )


def _delivery(row: DigestDelivery) -> Delivery:
    return Delivery(
        id=row.id,
        subscription_id=row.subscription_id,
        key=row.key,
        local_date=row.local_date,
        post_id=row.post_id,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        claimed_at=row.claimed_at,
        sent_at=row.sent_at,
        message_id=row.message_id,
        error=row.error,
    )


def _source(row: WatchedSourceRow) -> WatchedSource:
    return WatchedSource(
        url=row.url,
        interval_minutes=row.interval_minutes,
        etag=row.etag,
        last_modified=row.last_modified,
        primed=row.primed,
        next_check_at=row.next_check_at,
        last_checked_at=row.last_checked_at,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
        consecutive_errors=row.consecutive_errors,
        total_errors=row.total_errors,
        disabled=row.disabled,
    )


def _chat_where(chat: ChatKey) -> list[Any]:
    return [
        DigestSubscription.platform == chat.platform,
        DigestSubscription.chat_id == chat.chat_id,
        DigestSubscription.thread_id == (chat.thread_id or ""),
    ]


class DigestStore:
    """The digest half of ``SqlRepository`` (which provides the attributes below)."""

    _dialect: str
    _read: async_sessionmaker[AsyncSession]
    _write: async_sessionmaker[AsyncSession]

    def _errors(self) -> AbstractContextManager[None]:
        raise NotImplementedError  # provided by SqlRepository

    def _insert(self, model: Any) -> sqlite.Insert | postgresql.Insert:
        raise NotImplementedError  # provided by SqlRepository

    # --- subscriptions ------------------------------------------------------------------------

    async def save_subscription(self, draft: SubscriptionDraft, *, now: datetime) -> Subscription:
        values: dict[str, Any] = {
            "at_time": draft.at,
            "timezone": draft.timezone,
            "filter_kind": draft.filter.kind.value if draft.filter else None,
            "filter_value": draft.filter.value if draft.filter else None,
            "lang": draft.lang,
            "is_group": draft.is_group,
            "paused": False,
            "paused_reason": None,
            "active_since": now,
            "updated_at": now,
        }
        with self._errors():
            async with self._write() as session, session.begin():
                insert = self._insert(DigestSubscription).values(
                    platform=draft.chat.platform,
                    chat_id=draft.chat.chat_id,
                    thread_id=draft.chat.thread_id or "",
                    mode=draft.mode.value,
                    created_by=draft.created_by,
                    created_at=now,
                    **values,
                )
                await session.execute(
                    insert.on_conflict_do_update(
                        index_elements=["platform", "chat_id", "thread_id", "mode"], set_=values
                    )
                )
                row = (
                    await session.execute(
                        select(DigestSubscription).where(
                            *_chat_where(draft.chat), DigestSubscription.mode == draft.mode.value
                        )
                    )
                ).scalar_one()
                return _sub(row)

    async def delete_subscriptions(self, chat: ChatKey, *, mode: Mode | None = None) -> int:
        where = _chat_where(chat)
        if mode is not None:
            where.append(DigestSubscription.mode == mode.value)
        with self._errors():
            async with self._write() as session, session.begin():
                ids = list(
                    (await session.execute(select(DigestSubscription.id).where(*where))).scalars()
                )
                if ids:
                    await session.execute(
                        delete(DigestSubscription).where(DigestSubscription.id.in_(ids))
                    )
                return len(ids)

    async def chat_subscriptions(self, chat: ChatKey) -> list[Subscription]:
        stmt = select(DigestSubscription).where(*_chat_where(chat)).order_by(DigestSubscription.id)
        with self._errors():
            async with self._read() as session:
                return [_sub(r) for r in (await session.execute(stmt)).scalars()]

    async def active_subscriptions(self) -> list[Subscription]:
        stmt = (
            select(DigestSubscription)
            .where(DigestSubscription.paused.is_(False))
            .order_by(DigestSubscription.id)
        )
        with self._errors():
            async with self._read() as session:
                return [_sub(r) for r in (await session.execute(stmt)).scalars()]

    async def subscription_counts(self) -> dict[str, int]:
        stmt = select(DigestSubscription.mode, DigestSubscription.paused, func.count()).group_by(
            DigestSubscription.mode, DigestSubscription.paused
        )
        counts = {Mode.DAILY.value: 0, Mode.NEW.value: 0, "paused": 0}
        with self._errors():
            async with self._read() as session:
                for mode, paused, count in (await session.execute(stmt)).all():
                    counts["paused" if paused else str(mode)] += int(count)
        return counts

    async def paused_subscriptions(self, *, limit: int) -> list[Subscription]:
        stmt = (
            select(DigestSubscription)
            .where(DigestSubscription.paused.is_(True))
            .order_by(DigestSubscription.updated_at.desc(), DigestSubscription.id)
            .limit(limit)
        )
        with self._errors():
            async with self._read() as session:
                return [_sub(r) for r in (await session.execute(stmt)).scalars()]

    async def pause_chat(self, chat: ChatKey, *, reason: str, now: datetime) -> int:
        with self._errors():
            async with self._write() as session, session.begin():
                result = await session.execute(
                    update(DigestSubscription)
                    .where(*_chat_where(chat), DigestSubscription.paused.is_(False))
                    .values(paused=True, paused_reason=reason[:500], updated_at=now)
                )
                return int(getattr(result, "rowcount", 0) or 0)

    # --- deliveries ---------------------------------------------------------------------------

    async def delivery_counts(self, since: datetime) -> dict[str, int]:
        stmt = (
            select(DigestDelivery.state, func.count())
            .where(DigestDelivery.claimed_at >= since)
            .group_by(DigestDelivery.state)
        )
        with self._errors():
            async with self._read() as session:
                return {str(state): int(n) for state, n in (await session.execute(stmt)).all()}

    async def recent_deliveries(self, since: datetime) -> list[Delivery]:
        stmt = select(DigestDelivery).where(DigestDelivery.claimed_at >= since)
        with self._errors():
            async with self._read() as session:
                return [_delivery(r) for r in (await session.execute(stmt)).scalars()]

    async def claim_delivery(
        self,
        subscription_id: int,
        key: str,
        *,
        local_date: date | None,
        post_id: int | None,
        now: datetime,
        stale_after: timedelta,
        max_attempts: int,
        take_uncertain: bool = False,
    ) -> Claim | None:
        token = secrets.token_hex(16)
        with self._errors():
            async with self._write() as session, session.begin():
                insert = (
                    self._insert(DigestDelivery)
                    .values(
                        subscription_id=subscription_id,
                        key=key,
                        local_date=local_date,
                        post_id=post_id,
                        state=DeliveryState.CLAIMED.value,
                        attempts=1,
                        claim_token=token,
                        claimed_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["subscription_id", "key"])
                    .returning(DigestDelivery.id)
                )
                new_id = (await session.execute(insert)).scalar_one_or_none()
                if new_id is not None:
                    return Claim(int(new_id), token, 1, post_id)
                stmt = select(DigestDelivery).where(
                    DigestDelivery.subscription_id == subscription_id, DigestDelivery.key == key
                )
                if self._dialect == "postgresql":
                    stmt = stmt.with_for_update(skip_locked=True)
                row = (await session.execute(stmt)).scalar_one_or_none()
                if row is None:  # another process holds it right now
                    return None
                takeable = {DeliveryState.CLAIMED.value}
                if take_uncertain:
                    takeable.add(DeliveryState.SENDING.value)
                if (
                    row.state not in takeable
                    or row.message_id is not None
                    or row.claimed_at > now - stale_after
                ):
                    return None
                if row.attempts >= max_attempts:
                    row.state = DeliveryState.FAILED.value
                    row.error = f"not confirmed after {row.attempts} attempts"
                    return None
                taken = await session.execute(
                    update(DigestDelivery)
                    .where(
                        DigestDelivery.id == row.id,
                        DigestDelivery.claim_token == row.claim_token,
                    )
                    .values(
                        attempts=row.attempts + 1,
                        claim_token=token,
                        claimed_at=now,
                        state=DeliveryState.CLAIMED.value,
                    )
                    .execution_options(synchronize_session=False)
                )
                if int(getattr(taken, "rowcount", 0) or 0) != 1:
                    return None
                return Claim(row.id, token, row.attempts + 1, row.post_id)

    async def _update_claim(self, claim: Claim, **values: Any) -> bool:
        with self._errors():
            async with self._write() as session, session.begin():
                result = await session.execute(
                    update(DigestDelivery)
                    .where(
                        DigestDelivery.id == claim.delivery_id,
                        DigestDelivery.claim_token == claim.token,
                    )
                    .values(**values)
                )
                return int(getattr(result, "rowcount", 0) or 0) == 1

    async def attach_post(self, claim: Claim, post_id: int) -> None:
        await self._update_claim(claim, post_id=post_id)

    async def mark_sending(self, claim: Claim, *, now: datetime, sending: bool = True) -> bool:
        # claimed_at moves too: a SENDING claim is stale ``stale_after`` from the request,
        # not from the claim (a long wait for the rate limiter is not a dead process)
        state = DeliveryState.SENDING if sending else DeliveryState.CLAIMED
        return await self._update_claim(claim, state=state.value, claimed_at=now)

    async def settle_uncertain(self, *, before: datetime) -> list[Delivery]:
        with self._errors():
            async with self._write() as session, session.begin():
                rows = (
                    await session.execute(
                        update(DigestDelivery)
                        .where(
                            DigestDelivery.state == DeliveryState.SENDING.value,
                            DigestDelivery.message_id.is_(None),
                            DigestDelivery.claimed_at < before,
                            # an index range, not the whole history, every minute; a tick
                            # never looks further back than two days anyway
                            DigestDelivery.claimed_at >= before - timedelta(days=2),
                        )
                        .values(
                            state=DeliveryState.UNCERTAIN.value,
                            error="the process stopped while sending; not sent again",
                        )
                        .returning(DigestDelivery)
                        .execution_options(synchronize_session=False)
                    )
                ).scalars()
                return [_delivery(r) for r in rows]

    async def move_chat(self, chat: ChatKey, new_chat_id: str, *, now: datetime) -> list[int]:
        moved: list[int] = []
        with self._errors():
            async with self._write() as session, session.begin():
                rows = list(
                    (
                        await session.execute(select(DigestSubscription).where(*_chat_where(chat)))
                    ).scalars()
                )
                target = ChatKey(chat.platform, new_chat_id, chat.thread_id)
                taken = set(
                    (
                        await session.execute(
                            select(DigestSubscription.mode).where(*_chat_where(target))
                        )
                    ).scalars()
                )
                for row in rows:
                    if row.mode in taken:
                        await session.execute(
                            delete(DigestDelivery).where(DigestDelivery.subscription_id == row.id)
                        )
                        await session.delete(row)
                        continue
                    row.chat_id = new_chat_id
                    row.updated_at = now
                    moved.append(row.id)
        return moved

    async def mark_sent(self, claim: Claim, *, message_id: str, now: datetime) -> bool:
        with self._errors():
            async with self._write() as session, session.begin():
                result = await session.execute(
                    update(DigestDelivery)
                    .where(
                        DigestDelivery.id == claim.delivery_id,
                        DigestDelivery.claim_token == claim.token,
                    )
                    .values(
                        state=DeliveryState.SENT.value,
                        message_id=str(message_id)[:200],
                        sent_at=now,
                        error=None,
                    )
                    .returning(DigestDelivery.subscription_id)
                )
                sub_id = result.scalar_one_or_none()
                if sub_id is None:
                    return False
                await session.execute(
                    update(DigestSubscription)
                    .where(DigestSubscription.id == sub_id)
                    .values(last_digest_at=now)
                )
                return True

    async def mark_failed(
        self, claim: Claim, *, error: str, state: DeliveryState, retry: bool, now: datetime
    ) -> None:
        error = error[:500]
        with self._errors():
            async with self._write() as session, session.begin():
                row = await session.get(DigestDelivery, claim.delivery_id)
                if row is None or row.claim_token != claim.token:
                    return
                row.error = error
                if retry and state is DeliveryState.FAILED:
                    # the platform answered "no": nothing was sent, so this is a plain claim
                    # again, claimable by the next tick within the attempt budget
                    row.state = DeliveryState.CLAIMED.value
                    row.claimed_at = _LONG_AGO
                else:
                    row.state = state.value

    async def release_delivery(self, claim: Claim) -> None:
        with self._errors():
            async with self._write() as session, session.begin():
                await session.execute(
                    delete(DigestDelivery).where(
                        DigestDelivery.id == claim.delivery_id,
                        DigestDelivery.claim_token == claim.token,
                        DigestDelivery.message_id.is_(None),
                    )
                )

    async def received_posts(self, subscription_id: int) -> list[int]:
        stmt = (
            select(DigestDelivery.post_id)
            .where(
                DigestDelivery.subscription_id == subscription_id,
                DigestDelivery.post_id.is_not(None),
                DigestDelivery.state.in_(
                    [
                        DeliveryState.SENT.value,
                        DeliveryState.CLAIMED.value,
                        DeliveryState.SENDING.value,
                        DeliveryState.UNCERTAIN.value,  # perhaps received: not picked again
                    ]
                ),
            )
            .order_by(DigestDelivery.claimed_at, DigestDelivery.id)
        )
        with self._errors():
            async with self._read() as session:
                return [int(p) for p in (await session.execute(stmt)).scalars() if p is not None]

    # --- new posts ----------------------------------------------------------------------------

    async def record_new_posts(self, post_ids: Sequence[int], *, source: str, now: datetime) -> int:
        ids = sorted(set(map(int, post_ids)))
        if not ids:
            return 0
        with self._errors():
            async with self._write() as session, session.begin():
                known = set(
                    (await session.execute(select(Post.id).where(Post.id.in_(ids)))).scalars()
                )
                rows = [
                    {"post_id": i, "source": source, "found_at": now} for i in ids if i in known
                ]
                if not rows:
                    return 0
                await session.execute(
                    self._insert(NewPostRow).values(rows).on_conflict_do_nothing()
                )
                return len(rows)

    async def new_posts_since(self, since: datetime) -> list[NewPost]:
        stmt = (
            select(NewPostRow)
            .where(NewPostRow.found_at > since)
            .order_by(NewPostRow.found_at, NewPostRow.post_id)
        )
        with self._errors():
            async with self._read() as session:
                return [
                    NewPost(r.post_id, r.source, r.found_at)
                    for r in (await session.execute(stmt)).scalars()
                ]

    # --- watched sources ----------------------------------------------------------------------

    async def watched_sources(self) -> list[WatchedSource]:
        with self._errors():
            async with self._read() as session:
                stmt = select(WatchedSourceRow).order_by(WatchedSourceRow.url)
                return [_source(r) for r in (await session.execute(stmt)).scalars()]

    async def save_watched_source(self, source: WatchedSource) -> None:
        values = {
            "interval_minutes": source.interval_minutes,
            "etag": source.etag,
            "last_modified": source.last_modified,
            "primed": source.primed,
            "next_check_at": source.next_check_at,
            "last_checked_at": source.last_checked_at,
            "last_success_at": source.last_success_at,
            "last_error": source.last_error[:500] if source.last_error else None,
            "consecutive_errors": source.consecutive_errors,
            "total_errors": source.total_errors,
            "disabled": source.disabled,
        }
        with self._errors():
            async with self._write() as session, session.begin():
                insert = self._insert(WatchedSourceRow).values(url=source.url, **values)
                await session.execute(
                    insert.on_conflict_do_update(index_elements=["url"], set_=values)
                )

    # --- meta ---------------------------------------------------------------------------------

    async def get_digest_meta(self, key: str) -> str | None:
        with self._errors():
            async with self._read() as session:
                row = await session.get(DigestMeta, key)
                return None if row is None else row.value

    async def set_digest_meta(self, key: str, value: str, *, now: datetime) -> None:
        with self._errors():
            async with self._write() as session, session.begin():
                insert = self._insert(DigestMeta).values(key=key, value=value, updated_at=now)
                await session.execute(
                    insert.on_conflict_do_update(
                        index_elements=["key"], set_={"value": value, "updated_at": now}
                    )
                )
