"""The Discord client: slash commands, persistent buttons and command sync, set up on login.

``build_bot`` returns an unstarted :class:`ReviewBot`; its ``setup_hook`` (run by discord.py
on login, before the gateway connects) registers the commands, the button classes and the
translator, and uploads the commands if they changed. Tests and embedders start it themselves
(``await bot.login(token)``, ``bot.run(token)``); ``reviewbot run`` starts it through
:class:`adapters.discord.adapter.DiscordAdapter`.

The client asks for no privileged intent: slash commands and buttons arrive as interactions,
which need none, and the bot never reads messages. Nothing is cached that is not needed
(no members, no messages).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from adapters.discord.commands import build_commands
from adapters.discord.respond import DEFER_AFTER, Responder, responder_of
from adapters.discord.sync import SyncMode, SyncStore, sync_commands
from adapters.discord.translator import ReviewTranslator
from adapters.discord.views import TokenButton, TokenSelect, is_ours
from bot.config import Config
from bot.i18n import system_lang
from bot.ports import Repository
from bot.results import LookupService
from bot.router import Router

log = logging.getLogger(__name__)

MAX_RATELIMIT_WAIT = 30.0  # longer rate limits raise (send() turns them into RetryLater)


class ReviewTree(app_commands.CommandTree[discord.Client]):
    """The command tree; failures become a private apology in the user's language."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        bad_input = isinstance(
            error, app_commands.TransformerError | app_commands.CommandSignatureMismatch
        )
        if bad_input:
            log.info("discord: bad input in %s: %s", interaction.id, error)
        else:
            log.error("discord: command failed", exc_info=error)
        await responder_of(interaction).fail(
            interaction, "discord.error.bad_input" if bad_input else "error.sorry"
        )


class ReviewBot(discord.Client):
    """The review bot on Discord. ``responder`` answers every interaction through the core's
    router; it is None until ``setup_hook`` when the bot opens the library itself."""

    def __init__(
        self,
        config: Config,
        *,
        router: Router | None = None,
        lookups: LookupService | None = None,
        sync_store: SyncStore | None = None,
        defer_after: float = DEFER_AFTER,
        **options: Any,
    ) -> None:
        if router is not None and lookups is None:
            raise TypeError("build_bot: pass the lookups the router uses (for autocomplete)")
        intents = discord.Intents.none()
        intents.guilds = True
        options.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_WAIT)
        super().__init__(
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
            **options,
        )
        self.config = config
        self.tree = ReviewTree(self)
        self.sync_store = sync_store or SyncStore()
        self.sync_mode: SyncMode = config.discord.sync_commands
        self.synced: list[str] = []  # scopes uploaded by the last setup_hook
        self.connected = asyncio.Event()
        self._defer_after = defer_after
        self._own_repo: Repository | None = None
        self.responder: Responder | None = None
        if lookups is not None:
            router = router or Router(lookups, default_lang=system_lang())
            self.responder = Responder(
                router, lookups, defer_after=defer_after, operators=frozenset(config.discord.admins)
            )

    async def setup_hook(self) -> None:
        if self.responder is None:
            await self._open_library()
        await self.tree.set_translator(ReviewTranslator())
        for command in build_commands():
            self.tree.add_command(command)
        self.add_dynamic_items(TokenButton, TokenSelect)
        if self.application_id is None:
            raise RuntimeError("discord: no application id after login")
        self.synced = await sync_commands(
            self.tree,
            application_id=self.application_id,
            guild_ids=self.config.discord.guild_ids,
            store=self.sync_store,
            mode=self.sync_mode,
        )

    async def _open_library(self) -> None:
        """Standalone use (``build_bot(config).run(token)``): open the configured library."""
        from bot.library import open_library
        from bot.lookups import Lookups

        repo, _ = await open_library(self.config)
        self._own_repo = repo
        lookups = Lookups(repo)
        await lookups.warm_up()
        router = Router(lookups, default_lang=system_lang())
        self.responder = Responder(
            router,
            lookups,
            defer_after=self._defer_after,
            operators=frozenset(self.config.discord.admins),
        )

    async def on_connect(self) -> None:
        self.connected.set()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A press on a component no item class claims (a custom id from another version, or
        forged) gets a private "unknown button" note rather than Discord's silent failure."""
        if interaction.type is not discord.InteractionType.component:
            return
        data: Any = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if is_ours(custom_id) or self.responder is None:
            return
        await self.responder.fail(interaction, "action.invalid")

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            repo, self._own_repo = self._own_repo, None
            if repo is not None:
                await repo.close()


def build_bot(
    config: Config,
    *,
    router: Router | None = None,
    lookups: LookupService | None = None,
    sync_file: Path | None = None,
    defer_after: float = DEFER_AFTER,
    **options: Any,
) -> ReviewBot:
    """An unstarted review bot for ``config`` (its ``[discord]`` section).

    Pass ``lookups`` (and optionally the ``router`` built on them) to share the core with other
    adapters, as ``reviewbot run`` does; without them the bot opens the configured library
    itself on login. ``sync_file`` is where the hash of the uploaded commands is kept (default:
    the user data directory); ``defer_after`` is how long an answer may take before the
    interaction is deferred. Other keyword arguments go to :class:`discord.Client`.
    """
    return ReviewBot(
        config,
        router=router,
        lookups=lookups,
        sync_store=SyncStore(sync_file),
        defer_after=defer_after,
        **options,
    )
