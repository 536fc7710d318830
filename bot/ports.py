"""The ports the core needs from the outside world, as protocols.

The core never imports a storage or chat package: the command line finds the storage backend
through the ``reviewbot.storage`` entry point group, so dependencies point inward only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol

from bot.digest.model import (
    ChatKey,
    Claim,
    Delivery,
    DeliveryState,
    Mode,
    NewPost,
    Subscription,
    SubscriptionDraft,
    WatchedSource,
)
from bot.domain import (
    CategoryCount,
    FilmEntry,
    ParsedPost,
    PostAnalysis,
    SaveResult,
    ScoredId,
    StoredPost,
)

if TYPE_CHECKING:  # only for annotations: the router and config import this module's siblings
    from bot.config import Config
    from bot.replies import Reply
    from bot.results import LookupService
    from bot.router import Router


class StorageError(Exception):
    """The database cannot be used (locked, gone, unreachable); the message is user-facing."""


class Repository(Protocol):
    """Persistence of the review library."""

    async def save_posts(self, posts: Sequence[ParsedPost], *, source: str) -> list[SaveResult]:
        """Store the posts of one source in one transaction: all of them or, on error, none."""
        ...

    async def get_post(self, post_id: int) -> StoredPost | None: ...

    async def get_post_by_url(self, url: str) -> StoredPost | None: ...

    async def get_posts(
        self, post_ids: Sequence[int], *, full: bool = False, sections: bool = True
    ) -> list[StoredPost]:
        """The posts with these ids, in the order given (unknown ids left out).

        Without ``full`` sections and related entries are not loaded (cards need neither), so
        that a page of results costs one query; ``sections=False`` loads the related entries
        without the text (what "related posts" needs).
        """
        ...

    async def list_posts(
        self,
        *,
        category: str | None = None,
        film: str | None = None,
        film_ids: Sequence[int] | None = None,
        limit: int | None = None,
        offset: int = 0,
        include_stubs: bool = True,
    ) -> list[StoredPost]:
        """Posts and stubs, newest first (undated last); ``category`` includes its children.

        ``category`` is matched by normalised key, on the whole path ("리뷰/한국영화") or on its
        last part ("한국영화"). Sections and related entries are not loaded.
        """
        ...

    async def count_posts(
        self,
        *,
        include_stubs: bool = False,
        category: str | None = None,
        film_ids: Sequence[int] | None = None,
    ) -> int: ...

    async def categories(self) -> list[CategoryCount]:
        """Every category path (parents included) with its post count, children counted in."""
        ...

    async def films(self) -> list[FilmEntry]:
        """Every film with its aliases and post count, for the in-memory film matcher."""
        ...

    async def themes(self) -> list[tuple[str, int]]:
        """Explicit themes and tags as shown, with how many posts carry each (for autocomplete)."""
        ...

    async def library_version(self) -> int:
        """A number that changes whenever posts, films or aliases change (cache invalidation)."""
        ...

    async def document_frequencies(self, terms: Sequence[str]) -> tuple[dict[str, int], int]:
        """For each term, how many analysed posts hold it (any field); and how many there are."""
        ...

    async def search_text(
        self, terms: Sequence[str], *, require_all: bool, limit: int, offset: int = 0
    ) -> tuple[list[ScoredId], int]:
        """Full-text search over the stored term streams, best first (BM25-style), and the total.

        ``terms`` are already-analysed terms (never FTS syntax); the backend quotes them.
        """
        ...

    async def search_terms(
        self, terms: Sequence[str], *, weights: dict[str, float], limit: int, offset: int = 0
    ) -> tuple[list[ScoredId], int]:
        """Posts scored by the fields the terms occur in (``weights`` maps TermField values to
        a field weight), each term weighed by its rarity; every term must occur somewhere."""
        ...

    async def similar_posts(self, post_id: int, *, limit: int) -> list[ScoredId]:
        """Other full posts sharing the most (rarity-weighted) terms with this one."""
        ...

    async def random_post_id(self, candidates: Sequence[int] | None = None) -> int | None:
        """A random full (non-stub) post id, from ``candidates`` when given."""
        ...

    async def posts_to_analyse(
        self, version: int, *, limit: int, new_stubs_only: bool = False
    ) -> list[StoredPost]:
        """Posts (sections loaded) never analysed, or analysed by an older version, stubs
        included (their title and themes are searchable); ``new_stubs_only``: only stubs never
        analysed, a cheap question to ask after every ingest."""
        ...

    async def save_analysis(self, post_id: int, analysis: PostAnalysis) -> None:
        """Store (replace) a post's or stub's analysis without touching its content or status."""
        ...

    async def remember_query(self, kind: str, query: str) -> str:
        """A short stable key (≤ 12 ASCII chars) for a query, so that buttons can refer to it."""
        ...

    async def recall_query(self, key: str) -> tuple[str, str] | None:
        """The (kind, query) behind a key from :meth:`remember_query`, if known."""
        ...

    async def get_user_lang(self, user: str) -> str | None: ...

    async def set_user_lang(self, user: str, lang: str) -> None: ...

    async def add_film_alias(self, film: str, alias: str) -> bool:
        """Give a film another name; False when no such film is in the library."""
        ...

    async def close(self) -> None: ...

    # --- daily digest and feed watching (bot/digest) --------------------------------------------
    # Exactly-once delivery rests on one rule: a delivery row, unique per (subscription, key),
    # is claimed before anything is sent, and only the claim's holder may mark it sent.

    async def save_subscription(self, draft: SubscriptionDraft, *, now: datetime) -> Subscription:
        """Create or replace the chat's subscription of ``draft.mode`` (unpausing it); its
        delivery history is kept, so a re-subscribed chat still never gets a repeat."""
        ...

    async def delete_subscriptions(self, chat: ChatKey, *, mode: Mode | None = None) -> int:
        """Remove the chat's subscriptions (of one mode, or all); how many there were."""
        ...

    async def chat_subscriptions(self, chat: ChatKey) -> list[Subscription]: ...

    async def active_subscriptions(self) -> list[Subscription]:
        """Every subscription that is not paused, by id."""
        ...

    async def subscription_counts(self) -> dict[str, int]:
        """``{"daily": n, "new": n, "paused": n}`` for ``/status``."""
        ...

    async def paused_subscriptions(self, *, limit: int) -> list[Subscription]:
        """The most recently paused subscriptions first, with their reasons (``/status``)."""
        ...

    async def pause_chat(self, chat: ChatKey, *, reason: str, now: datetime) -> int:
        """Pause every subscription delivering to ``chat`` (it blocked or removed the bot)."""
        ...

    async def delivery_counts(self, since: datetime) -> dict[str, int]:
        """Deliveries claimed at or after ``since``, counted by state (``/status``)."""
        ...

    async def recent_deliveries(self, since: datetime) -> list[Delivery]:
        """Deliveries claimed at or after ``since`` (a tick's view of what is done)."""
        ...

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
        """Claim a delivery, atomically across processes; None when it is not ours to send.

        A new key is claimed at once (attempt 1). An existing claim is taken over only when it
        is older than ``stale_after`` without a message id (its process died before sending)
        and has had fewer than ``max_attempts``; past that it is marked failed instead. A stale
        claim left SENDING (its process died mid-request) is taken over only with
        ``take_uncertain``.
        """
        ...

    async def attach_post(self, claim: Claim, post_id: int) -> None:
        """Record the review picked for a claim, so that a retry sends the same one."""
        ...

    async def mark_sending(self, claim: Claim, *, now: datetime, sending: bool = True) -> bool:
        """Record that the request is about to leave (``sending``) or that it came back
        unsent (a "retry after"); False if another process took the claim over meanwhile,
        and then nothing may be sent. A claim left SENDING by a dead process is uncertain."""
        ...

    async def settle_uncertain(self, *, before: datetime) -> list[Delivery]:
        """Mark every delivery left SENDING before ``before`` (up to two days earlier)
        UNCERTAIN — its process died mid-request — and return them, so that a tick reports
        them instead of resending."""
        ...

    async def move_chat(self, chat: ChatKey, new_chat_id: str, *, now: datetime) -> list[int]:
        """Point ``chat``'s subscriptions at the chat's new id (a group became a supergroup)
        and return the ids of those moved; where the new id already has a subscription of the
        same kind, the old one goes (with its deliveries) and the new id's own is kept."""
        ...

    async def mark_sent(self, claim: Claim, *, message_id: str, now: datetime) -> bool:
        """Mark the claim sent (False if another process took it over meanwhile)."""
        ...

    async def mark_failed(
        self, claim: Claim, *, error: str, state: DeliveryState, retry: bool, now: datetime
    ) -> None:
        """Give the delivery up (``state`` FAILED or GONE); with ``retry`` and attempts left,
        leave it claimable by the next tick instead."""
        ...

    async def release_delivery(self, claim: Claim) -> None:
        """Forget an unsent claim (the platform said "later"): the next tick claims it anew."""
        ...

    async def received_posts(self, subscription_id: int) -> list[int]:
        """Post ids this subscription was sent (or is being sent), oldest first, repeats kept."""
        ...

    async def record_new_posts(self, post_ids: Sequence[int], *, source: str, now: datetime) -> int:
        """Remember posts feed watching found after priming (for ``/subscribe new``)."""
        ...

    async def new_posts_since(self, since: datetime) -> list[NewPost]:
        """New posts found after ``since``, oldest first."""
        ...

    async def watched_sources(self) -> list[WatchedSource]: ...

    async def save_watched_source(self, source: WatchedSource) -> None: ...

    async def get_digest_meta(self, key: str) -> str | None: ...

    async def set_digest_meta(self, key: str, value: str, *, now: datetime) -> None: ...


class RepositoryFactory(Protocol):
    async def __call__(self, url: str) -> Repository: ...


def storage_backend(name: str = "sqlalchemy") -> RepositoryFactory:
    """Load the storage backend registered under ``name`` in the ``reviewbot.storage`` group."""
    for ep in entry_points(group="reviewbot.storage"):
        if ep.name == name:
            factory: RepositoryFactory = ep.load()
            return factory
    raise StorageError(f"no storage backend named {name!r} is installed (pip install -e .)")


# --- chat platforms -----------------------------------------------------------------------------


class DeliveryError(Exception):
    """A message could not be delivered; the message is one line, without secrets."""


class ChatGone(DeliveryError):
    """The chat blocked or removed the bot (Telegram 403, Discord unknown channel): stop sending."""


class RetryLater(DeliveryError):
    """The platform asked us to slow down; nothing was sent, try again after ``seconds``."""

    def __init__(self, message: str, seconds: float) -> None:
        super().__init__(message)
        self.seconds = seconds


class ChatMoved(DeliveryError):
    """Nothing was sent: the chat lives under a new id now (a Telegram group that became a
    supergroup). ``new_chat_id`` is the id to send to (the topic, if any, stays), and to keep
    for next time."""

    def __init__(self, message: str, new_chat_id: str) -> None:
        super().__init__(message)
        self.new_chat_id = new_chat_id


class SendUncertain(DeliveryError):
    """The request left but no answer came back (a read timeout, a dropped connection): the
    message may or may not be in the chat. Sending it again could show it twice."""


BeforeSend = Callable[[], Awaitable[None]]
"""A hook :meth:`ChatAdapter.send` awaits right before the message's request leaves."""


class ChatAdapter(Protocol):
    """One chat platform, running inside ``reviewbot run`` beside the others.

    ``start`` returns once the adapter is receiving (polling, webhook or gateway running in
    background tasks); ``stop`` shuts it down cleanly. ``send`` delivers a reply unprompted (the
    daily digest) to a chat named in the platform's own terms (``"-100123"``, ``"-100123:7"``
    for a forum topic, a Discord channel id) and returns the platform's message id; it raises
    :class:`ChatGone`, :class:`RetryLater`, :class:`ChatMoved` or :class:`SendUncertain`
    rather than retrying or swallowing errors itself, so that the caller decides what is lost
    (nothing) and what is sent twice (nothing).

    ``start(receive=False)`` only connects for sending (``digest tick`` from cron): it must not
    take updates away from a ``reviewbot run`` using the same token, nor touch its menus.
    """

    name: str

    async def start(self, *, receive: bool = True) -> None: ...

    async def stop(self) -> None: ...

    async def send(
        self,
        chat: str,
        reply: Reply,
        *,
        key: str | None = None,
        before_send: BeforeSend | None = None,
    ) -> str:
        """``key`` names the delivery (the same on a retry): a platform that can deduplicate
        by it (Discord's ``nonce``) sends a retried delivery once; others ignore it.

        ``before_send`` is awaited once, as late as the adapter can: after its own throttling,
        right before the request that carries the message leaves. What it raises, the adapter
        lets through unsent. The digest records "sending" there, so that a process killed
        while a request waited in the adapter's queue is known not to have sent it."""
        ...


class ChatAdapterFactory(Protocol):
    """An entry point of the ``reviewbot.chat`` group: the adapter, or None when not enabled
    (no token configured)."""

    def __call__(
        self, config: Config, router: Router, lookups: LookupService
    ) -> ChatAdapter | None: ...


def chat_adapters() -> dict[str, ChatAdapterFactory]:
    """Every installed chat platform adapter, by name (``telegram``, ``discord``)."""
    return {ep.name: ep.load() for ep in entry_points(group="reviewbot.chat")}
