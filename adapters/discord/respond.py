"""Answering interactions: the router's reply, in time, in the right place.

Discord drops an interaction that is not acknowledged within 3 seconds, and an interaction can
be acknowledged only once. So each answer starts the router and waits a little
(``defer_after``, 1.5 s by default): a reply ready by then is sent as the initial response,
which lets it decide to be private (ephemeral) or to replace the message a button was on. A
slower one is deferred first — "thinking…" for a new message, a silent deferred update for an
edit — and filled in when it is ready. A private reply that comes late replaces the public
"thinking…" message by deleting it and sending an ephemeral follow-up, so notes and errors are
never shown to the whole channel.

Where a reply goes: a slash command answers with a new message; a button answers with a new
message too, except pagination, "another one" and picking a film from a list, which edit the
message they are on (mode ``e`` in the custom id). A note or an error in answer to such a
button is sent privately instead of overwriting the results.

Every message is sent with ``AllowedMentions.none()`` (also the client's default), and errors
are in the user's language: the one they chose with ``/lang``, else their Discord locale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from adapters.discord.render import Mode, Rendered, render
from adapters.discord.text import clip, plain
from adapters.discord.views import build_view
from bot.chat import ChatContext
from bot.i18n import normalize_lang, t
from bot.replies import Reply
from bot.results import LookupService
from bot.router import Router

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
DEFER_AFTER = 1.5  # seconds; Discord allows 3 for the first response
AUTOCOMPLETE_TIMEOUT = 2.0  # seconds; an empty list beats Discord's "loading failed"
LANG_TIMEOUT = 1.0
MAX_CHOICES = 25
CHOICE_MAX = 100

T = TypeVar("T")


def user_key(interaction: discord.Interaction[Any]) -> str:
    """The router's user id: namespaced, so a Discord and a Telegram user never collide."""
    return f"discord:{interaction.user.id}"


def chat_context(
    interaction: discord.Interaction[Any], operators: frozenset[int] = frozenset()
) -> ChatContext:
    """Where an interaction happened, for the router's per-chat (digest) commands.

    The chat is the channel (a thread is a channel of its own). In a server only members with
    "Manage Server" (or Administrator) count as admins; a DM is the user's own chat. A group DM
    is a group without admins. ``operators`` are the ``[discord] admins`` who run the bot.
    """
    in_guild = interaction.guild_id is not None
    channel = interaction.channel
    group_dm = channel is not None and channel.type is discord.ChannelType.group
    is_group = in_guild or group_dm
    permissions = interaction.permissions
    is_admin = not is_group or (
        in_guild and (permissions.manage_guild or permissions.administrator)
    )
    return ChatContext(
        platform="discord",
        chat_id=str(interaction.channel_id),
        thread_id=None,
        is_group=is_group,
        is_admin=is_admin,
        is_operator=interaction.user.id in operators,
        user_id=str(interaction.user.id),
    )


def locale_hint(interaction: discord.Interaction[Any]) -> str:
    """The user's Discord client language (``ko``, ``en-US``) as the router's language hint."""
    return str(interaction.locale.value)


def responder_of(interaction: discord.Interaction[Any]) -> Responder:
    """The responder of the bot an interaction arrived at (set by ``build_bot``)."""
    found = getattr(interaction.client, "responder", None)
    if not isinstance(found, Responder):
        raise RuntimeError("this client has no reviewbot responder (use build_bot)")
    return found


class Responder:
    """Turns interactions into router calls and the router's replies into Discord responses.

    It holds no command logic: slash commands arrive as the command text the router parses,
    buttons as their action token.
    """

    def __init__(
        self,
        router: Router,
        lookups: LookupService,
        *,
        defer_after: float = DEFER_AFTER,
        autocomplete_timeout: float = AUTOCOMPLETE_TIMEOUT,
        operators: frozenset[int] = frozenset(),
    ) -> None:
        self.router = router
        self.operators = operators
        self.lookups = lookups
        self.defer_after = defer_after
        self.autocomplete_timeout = autocomplete_timeout

    # ------------------------------------------------------------------ entry points

    async def command(self, interaction: discord.Interaction[Any], text: str) -> None:
        """Answer a slash command given as the text a user would type (``/film 기생충``)."""
        await self._answer(
            interaction,
            lambda: self.router.handle(
                text,
                user=user_key(interaction),
                lang_hint=locale_hint(interaction),
                chat=chat_context(interaction, self.operators),
            ),
            Mode.NEW,
        )

    async def action(self, interaction: discord.Interaction[Any], token: str, mode: Mode) -> None:
        """Answer a button press or a select choice carrying an action token."""
        await self._answer(
            interaction,
            lambda: self.router.handle_action(
                token, user=user_key(interaction), lang_hint=locale_hint(interaction)
            ),
            mode,
        )

    async def fail(self, interaction: discord.Interaction[Any], key: str = "error.sorry") -> None:
        """Tell the user, privately and in their language, that something went wrong."""
        if interaction.type is discord.InteractionType.autocomplete:
            if not interaction.response.is_done():
                with contextlib.suppress(discord.HTTPException):
                    await interaction.response.autocomplete([])
            return
        text = t(key, await self._lang(interaction))
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(
                    text, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
        except discord.HTTPException:
            log.warning("could not send an error message", exc_info=True)

    # ------------------------------------------------------------------ autocomplete

    async def film_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Films for what the user has typed (typos and 초성 work, as in the core); the value
        is the title with its year, which the film matcher narrows by."""
        lang = normalize_lang(locale_hint(interaction))
        films = await self._complete(self.lookups.film_choices(current[:CHOICE_MAX], limit=25))
        choices: list[app_commands.Choice[str]] = []
        for film in films:
            count = t("label.reviews", lang, count=film.posts)
            name = clip(plain(f"{film.label} · {count}"), CHOICE_MAX)
            choices.append(app_commands.Choice(name=name, value=clip(film.label, CHOICE_MAX)))
        return _unique(choices)

    async def theme_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        names = await self._complete(self.lookups.theme_choices(current[:CHOICE_MAX], limit=25))
        return _named(names)

    async def category_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        names = await self._complete(self.lookups.category_choices(current[:CHOICE_MAX], limit=25))
        return _named(names)

    async def _complete(self, work: Awaitable[list[T]]) -> list[T]:
        """A lookup's suggestions, or none when it fails or is slow: autocomplete must answer."""
        try:
            found = await asyncio.wait_for(work, self.autocomplete_timeout)
        except Exception:
            log.warning("autocomplete failed", exc_info=True)
            return []
        return list(found)[: MAX_CHOICES * 4]  # _unique keeps 25 after dropping repeats

    # ------------------------------------------------------------------ answering

    async def _answer(
        self,
        interaction: discord.Interaction[Any],
        work: Callable[[], Awaitable[Reply]],
        mode: Mode,
    ) -> None:
        task: asyncio.Future[Reply] = asyncio.ensure_future(work())
        thinking = False
        try:
            if self.defer_after > 0:
                await asyncio.wait({task}, timeout=self.defer_after)
            if not task.done():  # slow (or defer_after <= 0: always defer first)
                thinking = await self._defer(interaction, mode)
            reply = await task
            rendered = render(reply)
            if interaction.response.is_done():
                await self._late(interaction, rendered, mode, thinking=thinking)
            else:
                await self._initial(interaction, rendered, mode)
        except Exception:
            log.exception("could not answer interaction %s", interaction.id)
            if thinking:
                with contextlib.suppress(discord.HTTPException):
                    await interaction.delete_original_response()
            await self.fail(interaction)
        finally:
            if not task.done():
                task.cancel()

    @staticmethod
    def _edits(interaction: discord.Interaction[Any], rendered: Rendered, mode: Mode) -> bool:
        return (
            mode is Mode.EDIT
            and not rendered.ephemeral
            and interaction.type is discord.InteractionType.component
            and interaction.message is not None
        )

    async def _defer(self, interaction: discord.Interaction[Any], mode: Mode) -> bool:
        """Acknowledge a slow answer; True when a public "thinking…" message now stands in
        for it."""
        if mode is Mode.EDIT and interaction.type is discord.InteractionType.component:
            await interaction.response.defer()  # a deferred update: the message stays as is
            return False
        await interaction.response.defer(thinking=True)
        return True

    async def _initial(
        self, interaction: discord.Interaction[Any], rendered: Rendered, mode: Mode
    ) -> None:
        view = build_view(rendered)
        if self._edits(interaction, rendered, mode):
            await interaction.response.edit_message(
                content=rendered.content,
                embeds=list(rendered.embeds),
                view=view,
                allowed_mentions=NO_MENTIONS,
            )
            return
        kwargs: dict[str, Any] = {}
        if view is not None:
            kwargs["view"] = view
        await interaction.response.send_message(
            content=rendered.content,
            embeds=list(rendered.embeds),
            ephemeral=rendered.ephemeral,
            allowed_mentions=NO_MENTIONS,
            **kwargs,
        )

    async def _late(
        self,
        interaction: discord.Interaction[Any],
        rendered: Rendered,
        mode: Mode,
        *,
        thinking: bool,
    ) -> None:
        view = build_view(rendered)
        if rendered.ephemeral or not (thinking or self._edits(interaction, rendered, mode)):
            if thinking:  # the public "thinking…" message must not show a private note
                await interaction.delete_original_response()
            kwargs: dict[str, Any] = {}
            if view is not None:
                kwargs["view"] = view
            if rendered.content is not None:
                kwargs["content"] = rendered.content
            await interaction.followup.send(
                embeds=list(rendered.embeds),
                ephemeral=rendered.ephemeral,
                allowed_mentions=NO_MENTIONS,
                **kwargs,
            )
            return
        await interaction.edit_original_response(
            content=rendered.content,
            embeds=list(rendered.embeds),
            view=view,
            allowed_mentions=NO_MENTIONS,
        )

    async def _lang(self, interaction: discord.Interaction[Any]) -> str:
        """The language the router would answer in: the user's choice, else their locale."""
        try:
            stored = await asyncio.wait_for(
                self.lookups.user_lang(user_key(interaction)), LANG_TIMEOUT
            )
        except Exception:
            stored = None
        return normalize_lang(stored or locale_hint(interaction))


def _unique(choices: list[app_commands.Choice[str]]) -> list[app_commands.Choice[str]]:
    seen: set[str] = set()
    kept: list[app_commands.Choice[str]] = []
    for choice in choices:
        if choice.value not in seen and choice.name:
            seen.add(choice.value)
            kept.append(choice)
    return kept[:MAX_CHOICES]


def _named(names: list[str]) -> list[app_commands.Choice[str]]:
    return _unique(
        [
            app_commands.Choice(name=clip(plain(n), CHOICE_MAX), value=clip(n, CHOICE_MAX))
            for n in names
            if n and n.strip()
        ]
    )
