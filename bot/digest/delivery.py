"""Sending one owed message exactly once: claim, pick, send, mark — under rate limits.

The order matters. The claim is written *before* sending, so a second process (or an
overlapping tick) finds the row and stays away; the message id is written *after*. In between,
right before the request leaves (after every rate limiter's wait), the claim is marked SENDING.
That mark splits a crash into two cases:

* died while CLAIMED (picking, rendering, waiting for its slot or in the adapter's own queue —
  the adapter calls ``before_send`` only as the request leaves): nothing reached the platform,
  so once the claim is stale the next tick sends it — once more, never more (``max_attempts``);
* died while SENDING: the message may be in the chat. Telegram has no idempotency key and no
  way to ask, so resending could show it twice; it is marked UNCERTAIN and reported instead
  (``[digest] resend_uncertain`` chooses the other risk). A send that timed out waiting for
  the answer (:class:`~bot.ports.SendUncertain`) is the same case.

"Retry after" answers mean nothing was sent: they are waited out on the injectable clock and
the same claim is sent again. A chat that blocked the bot pauses its subscriptions and is
reported; it costs the others nothing. A group that became a supergroup is followed to its new
id (:class:`~bot.ports.ChatMoved`).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.config import DigestConfig
from bot.digest.clock import Clock
from bot.digest.model import ChatKey, Claim, DeliveryState, Mode, Subscription
from bot.digest.ratelimit import PlatformLimiter
from bot.ports import (
    ChatAdapter,
    ChatGone,
    ChatMoved,
    DeliveryError,
    Repository,
    RetryLater,
    SendUncertain,
    StorageError,
)
from bot.replies import Reply

log = logging.getLogger(__name__)

Render = Callable[[int, str, Mode, date | None], Awaitable[Reply | None]]
"""``render(post_id, lang, mode, local_date)``: the message for a post, or None if it is gone."""
Pick = Callable[[Subscription], Awaitable[int | None]]


class Status(enum.StrEnum):
    SENT = "sent"
    WOULD_SEND = "would_send"  # a dry run (no adapter enabled)
    SKIPPED = "skipped"  # claimed by another process or tick, or already done
    DEFERRED = "deferred"  # the platform asked to wait longer than we do; next tick
    FAILED = "failed"
    GONE = "gone"  # the chat blocked or removed the bot; subscription paused
    UNCERTAIN = "uncertain"  # cut off mid-request: perhaps in the chat, not sent again
    NO_REVIEW = "no_review"  # nothing matches the filter
    NO_ADAPTER = "no_adapter"  # the platform is not running in this process
    STOPPED = "stopped"  # the bot was shutting down: not claimed, the next start sends it


class _ClaimLost(Exception):
    """Raised from the adapter's ``before_send``: another process holds the claim now."""


@dataclass(frozen=True, slots=True)
class Job:
    """One message a tick found owed: today's digest (``post_id`` None: picked after the
    claim) or a new post."""

    subscription: Subscription
    key: str
    local_date: date | None
    post_id: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    job: Job
    status: Status
    post_id: int | None = None
    message_id: str | None = None
    error: str | None = None
    attempt: int = 0


class Deliverer:
    """Runs :class:`Job` s for one platform through its adapter and limiter."""

    def __init__(
        self,
        repo: Repository,
        adapter: ChatAdapter,
        limiter: PlatformLimiter,
        *,
        pick: Pick,
        render: Render,
        config: DigestConfig,
        clock: Clock,
        default_lang: str = "ko",
    ) -> None:
        self.repo = repo
        self.adapter = adapter
        self.limiter = limiter
        self._pick = pick
        self._render = render
        self.config = config
        self.clock = clock
        self.default_lang = default_lang

    async def deliver(self, job: Job) -> Outcome:
        sub = job.subscription
        claim = await self.repo.claim_delivery(
            sub.id,
            job.key,
            local_date=job.local_date,
            post_id=job.post_id,
            now=self.clock.now(),
            stale_after=timedelta(minutes=self.config.stale_claim_minutes),
            max_attempts=self.config.max_attempts,
            take_uncertain=self.config.resend_uncertain,
        )
        if claim is None:
            return Outcome(job, Status.SKIPPED)
        post_id = claim.post_id
        if post_id is None:
            post_id = await self._pick(sub)
            if post_id is None:
                await self._fail(claim, "no review matches", retry=False)
                return Outcome(job, Status.NO_REVIEW, attempt=claim.attempt)
            await self.repo.attach_post(claim, post_id)
        reply = await self._render(post_id, sub.lang or self.default_lang, sub.mode, job.local_date)
        if reply is None:
            await self._fail(claim, f"post {post_id} is no longer in the library", retry=False)
            return Outcome(job, Status.NO_REVIEW, post_id, attempt=claim.attempt)
        return await self._send(job, claim, post_id, reply)

    async def _send(self, job: Job, claim: Claim, post_id: int, reply: Reply) -> Outcome:
        sub = job.subscription
        chat = sub.chat
        retries = 0
        moves = 0
        marked = False

        async def before_send() -> None:
            # Called by the adapter right before the request leaves: from here on a crash
            # leaves a claim that may have been delivered (see the module docstring).
            nonlocal marked
            if not await self.repo.mark_sending(claim, now=self.clock.now()):
                raise _ClaimLost
            marked = True

        async def unmark() -> None:
            # the platform refused the request, so it surely was not sent: a plain claim again
            nonlocal marked
            if marked:
                await self.repo.mark_sending(claim, now=self.clock.now(), sending=False)
                marked = False

        while True:
            # The slot is taken right before the send, not before the claim and pick: taken
            # earlier, the database work in between bunched sends past the platform's limit.
            slot = await self.limiter.acquire(chat.address, is_group=sub.is_group)
            try:
                # the same key on every attempt of this delivery, so a platform that can
                # deduplicate (Discord) never shows it twice
                message_id = await self.adapter.send(
                    chat.address,
                    reply,
                    key=f"digest:{claim.delivery_id}",
                    before_send=before_send,
                )
            except _ClaimLost:
                # we were so slow that another process took the claim over: it sends
                return Outcome(job, Status.SKIPPED, post_id, attempt=claim.attempt)
            except StorageError as exc:
                if marked:
                    raise  # not from the mark: the adapter has no business with the database
                # not marked, not sent: the claim stays CLAIMED and is retried once stale
                log.warning("digest: %s: not sent, the database failed: %s", chat, exc)
                return Outcome(job, Status.FAILED, post_id, error=str(exc), attempt=claim.attempt)
            except RetryLater as exc:
                wait = max(0.0, float(exc.seconds))
                if retries >= self.config.max_send_retries or wait > self.config.max_retry_wait:
                    # Nothing was sent: give the claim back, the next tick tries again today.
                    await self.repo.release_delivery(claim)
                    return Outcome(job, Status.DEFERRED, post_id, error=str(exc))
                retries += 1
                await unmark()
                self.limiter.retry_after(wait)
                continue
            except ChatMoved as exc:
                if moves:  # moved twice in one send: something is wrong, not a migration
                    await self._fail(claim, str(exc), retry=True)
                    return Outcome(job, Status.FAILED, post_id, error=str(exc))
                moves += 1
                new_chat_id = exc.new_chat_id
                moved = await self.repo.move_chat(chat, new_chat_id, now=self.clock.now())
                log.info(
                    "digest: %s moved to %s; %d subscriptions follow", chat, new_chat_id, len(moved)
                )
                chat = ChatKey(chat.platform, new_chat_id, chat.thread_id)
                if sub.id not in {s.id for s in await self.repo.chat_subscriptions(chat)}:
                    # the new id had a subscription of this kind already: that one sends
                    return Outcome(job, Status.SKIPPED, post_id, error=str(exc))
                await unmark()
                continue
            except ChatGone as exc:
                reason = str(exc) or type(exc).__name__
                await self.repo.mark_failed(
                    claim, error=reason, state=DeliveryState.GONE, retry=False, now=self.clock.now()
                )
                await self.repo.pause_chat(chat, reason=reason, now=self.clock.now())
                log.warning("digest: %s is gone, its subscriptions are paused: %s", chat, reason)
                return Outcome(job, Status.GONE, post_id, error=reason, attempt=claim.attempt)
            except SendUncertain as exc:
                reason = str(exc) or type(exc).__name__
                if self.config.resend_uncertain:
                    await self._fail(claim, reason, retry=True)
                    return Outcome(job, Status.FAILED, post_id, error=reason, attempt=claim.attempt)
                await self.repo.mark_failed(
                    claim,
                    error=f"{reason}; perhaps delivered, not sent again",
                    state=DeliveryState.UNCERTAIN,
                    retry=False,
                    now=self.clock.now(),
                )
                log.warning("digest: %s: %s; perhaps delivered, not sent again", chat, reason)
                return Outcome(job, Status.UNCERTAIN, post_id, error=reason, attempt=claim.attempt)
            except DeliveryError as exc:
                await self._fail(claim, str(exc) or type(exc).__name__, retry=True)
                return Outcome(job, Status.FAILED, post_id, error=str(exc), attempt=claim.attempt)
            except Exception as exc:  # an adapter bug must not stop the other chats
                log.exception("digest: sending to %s failed", chat)
                await self._fail(claim, f"{type(exc).__name__}: {exc}", retry=True)
                return Outcome(job, Status.FAILED, post_id, error=type(exc).__name__)
            finally:
                # however the send ended, it counts from now in the platform's window
                slot.release()
            break
        await self._mark_sent(claim, str(message_id))
        return Outcome(job, Status.SENT, post_id, str(message_id), attempt=claim.attempt)

    async def _mark_sent(self, claim: Claim, message_id: str) -> None:
        """Record the send; a database hiccup here is retried, because a claim left SENDING
        would later be reported as cut off mid-send (or, with ``resend_uncertain``, resent)."""
        for attempt in range(3):
            try:
                await self.repo.mark_sent(claim, message_id=message_id, now=self.clock.now())
                return
            except StorageError:
                if attempt == 2:
                    raise
                await self.clock.sleep(0.5 * (attempt + 1))

    async def _fail(self, claim: Claim, error: str, *, retry: bool) -> None:
        await self.repo.mark_failed(
            claim, error=error, state=DeliveryState.FAILED, retry=retry, now=self.clock.now()
        )
