"""The digest's data: subscriptions, deliveries, watched sources — plain values, no behaviour.

These cross the Repository port, so they are frozen dataclasses of standard types only; the
storage layer maps them to rows and the core never sees a row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime


class Mode(enum.StrEnum):
    DAILY = "daily"  # one review a day at the chat's hour
    NEW = "new"  # a card for every new post found by feed watching


class FilterKind(enum.StrEnum):
    THEME = "theme"
    CATEGORY = "category"
    FILM = "film"


class DeliveryState(enum.StrEnum):
    """Where a delivery is. The line between CLAIMED and SENDING is the line between "surely
    not sent" and "perhaps sent": a process that dies in CLAIMED (picking, rendering, waiting
    for the rate limiter) is retried once; one that dies in SENDING may have reached the
    platform, and a platform without idempotency keys (Telegram) would show a retry twice."""

    CLAIMED = "claimed"  # a process took it; nothing has gone to the platform yet
    SENDING = "sending"  # the request is (or was, if the process died) on its way
    SENT = "sent"  # delivered; ``message_id`` is the platform's id
    FAILED = "failed"  # given up (retried once after a crash, or an error); never resent
    GONE = "gone"  # the chat blocked or removed the bot; the subscription is paused
    UNCERTAIN = "uncertain"  # the send was cut off midway; not resent (``resend_uncertain``)


@dataclass(frozen=True, slots=True)
class ChatKey:
    """Where a subscription delivers: the platform and its own chat (and topic) ids.

    ``thread_id`` is a Telegram forum topic; a Discord thread is a channel of its own, so its
    id is ``chat_id``. :attr:`address` is what :meth:`ChatAdapter.send` takes.
    """

    platform: str
    chat_id: str
    thread_id: str | None = None

    @property
    def address(self) -> str:
        return f"{self.chat_id}:{self.thread_id}" if self.thread_id else self.chat_id

    def __str__(self) -> str:
        return f"{self.platform}:{self.address}"


@dataclass(frozen=True, slots=True)
class DigestFilter:
    kind: FilterKind
    value: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.value}"


@dataclass(frozen=True, slots=True)
class SubscriptionDraft:
    """What ``/subscribe`` asks for; stored by :meth:`Repository.save_subscription`."""

    chat: ChatKey
    mode: Mode
    at: str  # "HH:MM", local to ``timezone``
    timezone: str  # an IANA name
    filter: DigestFilter | None = None
    lang: str | None = None
    is_group: bool = False
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class Subscription:
    """A stored subscription.

    ``active_since`` is when its schedule last changed (created, re-timed, resumed): a digest
    whose due time lies before it is not owed, so subscribing at 10:00 for 09:00 starts
    tomorrow instead of sending at once as if a digest had been missed.
    """

    id: int
    chat: ChatKey
    mode: Mode
    at: str
    timezone: str
    filter: DigestFilter | None
    lang: str | None
    is_group: bool
    paused: bool
    paused_reason: str | None
    active_since: datetime
    last_digest_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """One claimed message: a daily digest (``key`` ``d:<local date>``) or a new post
    (``p:<post id>``). Unique per subscription and key, which is what makes it exactly once."""

    id: int
    subscription_id: int
    key: str
    local_date: date | None
    post_id: int | None
    state: DeliveryState
    attempts: int
    claimed_at: datetime
    sent_at: datetime | None
    message_id: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to send one delivery: only the holder of ``token`` may mark it sent.

    ``post_id`` is set when an earlier attempt already picked the review, so a retry after a
    crash sends the same one.
    """

    delivery_id: int
    token: str
    attempt: int
    post_id: int | None


@dataclass(frozen=True, slots=True)
class WatchedSource:
    """A feed's watching state. ``primed`` is False until its first successful read, whose
    items are stored as already seen (no flood of old posts)."""

    url: str
    interval_minutes: int
    etag: str | None = None
    last_modified: str | None = None
    primed: bool = False
    next_check_at: datetime | None = None
    last_checked_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    consecutive_errors: int = 0
    total_errors: int = 0
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class NewPost:
    """A post feed watching found after its source was primed (for ``/subscribe new``)."""

    post_id: int
    source: str
    found_at: datetime
