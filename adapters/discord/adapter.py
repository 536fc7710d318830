"""The Discord adapter as ``reviewbot run`` sees it (the ``reviewbot.chat`` entry point).

``start`` logs in over REST (which runs the bot's ``setup_hook``: commands registered and, if
changed, uploaded), then runs the gateway connection in a background task and returns once
Discord has accepted it; reconnects and rate limits are discord.py's. ``send`` posts a reply to
a channel unprompted (the daily digest) and reports delivery problems as the core's
``ChatGone``/``RetryLater``/``DeliveryError`` instead of retrying on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from typing import Any

import aiohttp
import discord

from adapters.discord.client import ReviewBot, build_bot
from adapters.discord.render import render
from adapters.discord.respond import NO_MENTIONS
from adapters.discord.views import build_view
from bot.config import Config, ConfigError
from bot.ports import BeforeSend, ChatGone, DeliveryError, RetryLater
from bot.replies import Reply
from bot.results import LookupService
from bot.router import Router

log = logging.getLogger(__name__)

READY_TIMEOUT = 60.0  # seconds start() waits for the gateway before returning anyway
# unknown channel, missing access, missing permissions, thread archived, thread locked
GONE_CODES = frozenset({10003, 50001, 50013, 50083, 160005})
DEFAULT_RETRY = 60.0


def nonce_of(key: str) -> str:
    """A delivery key as a Discord nonce (at most 25 characters): a digest of it."""
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest()[:25]


class DiscordAdapter:
    """Runs a :class:`ReviewBot` beside the other chat adapters."""

    name = "discord"

    def __init__(self, bot: ReviewBot, token: str, *, ready_timeout: float = READY_TIMEOUT) -> None:
        self.bot = bot
        self._token = token
        self._ready_timeout = ready_timeout
        self._gateway: asyncio.Task[None] | None = None

    async def start(self, *, receive: bool = True) -> None:
        """Log in, then (unless ``receive`` is False: ``digest tick`` only sends, over REST)
        connect to the gateway and wait until it is up or ``ready_timeout`` passed."""
        try:
            await self.bot.login(self._token)
        except discord.LoginFailure:
            await self.bot.close()
            raise ConfigError("discord: the token was refused; check [discord] token") from None
        except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
            await self.bot.close()
            raise DeliveryError(f"discord: cannot log in: {exc}") from None
        if not receive:
            return
        self._gateway = asyncio.create_task(self._run_gateway(), name="reviewbot-discord-gateway")
        connected = asyncio.create_task(self.bot.connected.wait())
        try:
            await asyncio.wait(
                {self._gateway, connected},
                timeout=self._ready_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            connected.cancel()
        if self._gateway.done():
            error = self._gateway.exception()
            raise DeliveryError(f"discord: the gateway connection ended: {error}")
        if not self.bot.connected.is_set():
            log.warning("discord: not connected yet after %.0fs; still trying", self._ready_timeout)

    async def _run_gateway(self) -> None:
        try:
            await self.bot.connect(reconnect=True)
        except Exception:
            log.exception("discord: the gateway connection failed")
            raise

    async def stop(self) -> None:
        await self.bot.close()
        if self._gateway is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._gateway
            self._gateway = None

    async def send(
        self,
        chat: str,
        reply: Reply,
        *,
        key: str | None = None,
        before_send: BeforeSend | None = None,
    ) -> str:
        """Post ``reply`` to the channel (or thread) with id ``chat``; the message id.

        ``key`` becomes the message's ``nonce`` with ``enforce_nonce``: Discord then answers a
        repeat within a few minutes (discord.py's own retry after a 5xx, or ours after a crash
        between the send and its record) with the message it already created."""
        chat = str(chat).strip()
        if not chat.isascii() or not chat.isdigit():
            raise DeliveryError(f"not a Discord channel id: {chat[:40]!r}")
        if self.bot.user is None:
            raise DeliveryError("discord: the adapter is not started")
        rendered = render(reply)
        kwargs: dict[str, Any] = {"embeds": list(rendered.embeds)}
        if rendered.content is not None:
            kwargs["content"] = rendered.content
        view = build_view(rendered)
        if view is not None:
            kwargs["view"] = view
        if key:
            kwargs["nonce"] = nonce_of(key)
        channel = self.bot.get_partial_messageable(int(chat))
        if before_send is not None:
            # discord.py may still wait for the route's rate-limit bucket inside ``send``: a
            # process killed there leaves an "uncertain" claim that was never sent. The nonce
            # makes a resend within minutes harmless, which is why Discord-only bots can
            # choose ``resend_uncertain``.
            await before_send()
        try:
            message = await channel.send(allowed_mentions=NO_MENTIONS, **kwargs)
        except discord.RateLimited as exc:
            raise RetryLater("discord: rate limited", exc.retry_after) from None
        except discord.Forbidden as exc:
            raise ChatGone(f"discord: channel {chat} refused the message ({exc.code})") from None
        except discord.NotFound as exc:
            if exc.code in GONE_CODES:
                raise ChatGone(f"discord: channel {chat} is gone ({exc.code})") from None
            raise DeliveryError(f"discord: {exc.status} {exc.code}") from None
        except discord.HTTPException as exc:
            if exc.status == 429:
                raise RetryLater("discord: rate limited", _retry_after(exc)) from None
            if exc.code in GONE_CODES:
                raise ChatGone(f"discord: channel {chat} takes no messages ({exc.code})") from None
            raise DeliveryError(f"discord: {exc.status} {exc.code}") from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            # perhaps sent, but a plain failure: the next tick's retry carries the same nonce,
            # and Discord answers it with the message it already made
            raise DeliveryError(f"discord: cannot reach Discord: {type(exc).__name__}") from None
        return str(message.id)


def _retry_after(exc: discord.HTTPException) -> float:
    """Seconds to wait after a 429 that discord.py did not handle itself (e.g. Cloudflare's)."""
    header = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return max(0.0, float(header)) if header else DEFAULT_RETRY
    except ValueError:
        return DEFAULT_RETRY


def create_adapter(config: Config, router: Router, lookups: LookupService) -> DiscordAdapter | None:
    """The ``reviewbot.chat`` entry point: the adapter, or None when no token is configured."""
    token = config.discord.token.get_secret_value().strip() if config.discord.token else ""
    if not token:
        return None
    return DiscordAdapter(build_bot(config, router=router, lookups=lookups), token)
