"""The slash commands: one per core command, each only turning its options into the text the
router parses (``/film 기생충``), so every platform answers alike.

Names, descriptions and option names are localized (Korean names are the router's own Korean
aliases, so what a Korean user sees is also what they could type elsewhere). Film titles,
themes and categories autocomplete from the core's in-memory index — typos and 초성 included —
well within Discord's 3 seconds.

The commands are built fresh for each tree (``build_commands``), because a command object
belongs to the tree it is added to and tests run several bots in one process.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

import discord
from discord import app_commands

from adapters.discord.respond import responder_of
from adapters.discord.translator import localized

Interaction = discord.Interaction[Any]
Choices = list[app_commands.Choice[str]]


def _name(command: str) -> app_commands.locale_str:
    return localized(f"discord.name.{command}")


def _option(option: str) -> app_commands.locale_str:
    return localized(f"discord.option.{option}")


async def film_autocomplete(interaction: Interaction, current: str) -> Choices:
    return await responder_of(interaction).film_choices(interaction, current)


async def theme_autocomplete(interaction: Interaction, current: str) -> Choices:
    return await responder_of(interaction).theme_choices(interaction, current)


async def category_autocomplete(interaction: Interaction, current: str) -> Choices:
    return await responder_of(interaction).category_choices(interaction, current)


async def timezone_autocomplete(interaction: Interaction, current: str) -> Choices:
    """Time zones containing what was typed (``seoul`` finds ``Asia/Seoul``)."""
    typed = current.strip().casefold().replace(" ", "_")
    zones = sorted(z for z in _timezones() if typed in z.casefold())
    zones.sort(key=lambda z: (not z.casefold().startswith(typed), "/" not in z, z))
    return [app_commands.Choice(name=z, value=z) for z in zones[:25]]


_ZONES: list[str] = []


def _timezones() -> list[str]:
    if not _ZONES:
        _ZONES.extend(sorted(available_timezones()))
    return _ZONES


def _word(value: str | None) -> str:
    """An option the router reads as one word: inner spaces dropped."""
    return "".join((value or "").split())


def subscribe_text(
    time: str | None = None,
    timezone: str | None = None,
    filter: str | None = None,
    mode: str | None = None,
) -> str:
    """The ``/subscribe`` line the router parses. The filter goes last (it takes the rest of
    the line); a filter without ``kind:`` is a theme, as in ``theme:가족``."""
    parts = ["/subscribe"]
    if mode == "new":
        parts.append("new")
    parts.extend(word for word in (_word(time), _word(timezone)) if word)
    flt = " ".join((filter or "").split())
    if flt:
        parts.append(flt if any(sep in flt for sep in ":：=") else f"theme:{flt}")
    return " ".join(parts)


async def _ask(interaction: Interaction, text: str) -> None:
    await responder_of(interaction).command(interaction, text)


LANGUAGES = [
    app_commands.Choice(name="한국어", value="ko"),
    app_commands.Choice(name="English", value="en"),
]


def _modes(*values: str) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=localized(f"discord.choice.{value}"), value=value)
        for value in values
    ]


def build_commands() -> list[app_commands.Command[Any, ..., None]]:
    """Every slash command, in the order /help lists them."""

    @app_commands.command(name=_name("film"), description=localized("cmd.film"))
    @app_commands.rename(title=_option("title"))
    @app_commands.describe(title=localized("discord.describe.title"))
    @app_commands.autocomplete(title=film_autocomplete)
    async def film(interaction: Interaction, title: str) -> None:
        await _ask(interaction, f"/film {title}")

    @app_commands.command(name=_name("theme"), description=localized("cmd.theme"))
    @app_commands.rename(theme=_option("theme"))
    @app_commands.describe(theme=localized("discord.describe.theme"))
    @app_commands.autocomplete(theme=theme_autocomplete)
    async def theme(interaction: Interaction, theme: str) -> None:
        await _ask(interaction, f"/theme {theme}")

    @app_commands.command(name=_name("category"), description=localized("cmd.category"))
    @app_commands.rename(name=_option("name"))
    @app_commands.describe(name=localized("discord.describe.name"))
    @app_commands.autocomplete(name=category_autocomplete)
    async def category(interaction: Interaction, name: str) -> None:
        await _ask(interaction, f"/category {name}")

    @app_commands.command(name=_name("categories"), description=localized("cmd.categories"))
    async def categories(interaction: Interaction) -> None:
        await _ask(interaction, "/categories")

    @app_commands.command(name=_name("search"), description=localized("cmd.search"))
    @app_commands.rename(words=_option("words"))
    @app_commands.describe(words=localized("discord.describe.words"))
    async def search(interaction: Interaction, words: str) -> None:
        await _ask(interaction, f"/search {words}")

    @app_commands.command(name=_name("review"), description=localized("cmd.review"))
    @app_commands.rename(number=_option("number"))
    @app_commands.describe(number=localized("discord.describe.number"))
    async def review(interaction: Interaction, number: app_commands.Range[int, 1]) -> None:
        await _ask(interaction, f"/review {number}")

    @app_commands.command(name=_name("sections"), description=localized("cmd.sections"))
    @app_commands.rename(number=_option("number"))
    @app_commands.describe(number=localized("discord.describe.number"))
    async def sections(interaction: Interaction, number: app_commands.Range[int, 1]) -> None:
        await _ask(interaction, f"/sections {number}")

    @app_commands.command(name=_name("related"), description=localized("cmd.related"))
    @app_commands.rename(number=_option("number"))
    @app_commands.describe(number=localized("discord.describe.number"))
    async def related(interaction: Interaction, number: app_commands.Range[int, 1]) -> None:
        await _ask(interaction, f"/related {number}")

    @app_commands.command(name=_name("random"), description=localized("cmd.random"))
    @app_commands.rename(film=_option("film"), theme=_option("theme"), category=_option("category"))
    @app_commands.describe(
        film=localized("discord.describe.random_film"),
        theme=localized("discord.describe.random_theme"),
        category=localized("discord.describe.random_category"),
    )
    @app_commands.autocomplete(
        film=film_autocomplete, theme=theme_autocomplete, category=category_autocomplete
    )
    async def random(
        interaction: Interaction,
        film: str | None = None,
        theme: str | None = None,
        category: str | None = None,
    ) -> None:
        """The first filter given wins (film, then theme, then category), as the router
        takes one filter."""
        text = "/random"
        for field, value in (("film", film), ("theme", theme), ("category", category)):
            if value and value.strip():
                text = f"/random {field}:{value}"
                break
        await _ask(interaction, text)

    @app_commands.command(name=_name("subscribe"), description=localized("subscribe.cmd"))
    @app_commands.rename(
        time=_option("time"),
        timezone=_option("timezone"),
        filter=_option("filter"),
        mode=_option("mode"),
    )
    @app_commands.describe(
        time=localized("discord.describe.time"),
        timezone=localized("discord.describe.timezone"),
        filter=localized("discord.describe.filter"),
        mode=localized("discord.describe.mode"),
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    @app_commands.choices(mode=_modes("daily", "new"))
    async def subscribe(
        interaction: Interaction,
        time: str | None = None,
        timezone: str | None = None,
        filter: str | None = None,
        mode: app_commands.Choice[str] | None = None,
    ) -> None:
        """Changing a server channel's subscription takes "Manage Server" (the router checks
        it, from what :func:`~adapters.discord.respond.chat_context` reports)."""
        chosen = mode.value if mode is not None else None
        await _ask(interaction, subscribe_text(time, timezone, filter, chosen))

    @app_commands.command(name=_name("unsubscribe"), description=localized("subscribe.cmd_stop"))
    @app_commands.rename(mode=_option("mode"))
    @app_commands.describe(mode=localized("discord.describe.unsubscribe_mode"))
    @app_commands.choices(mode=_modes("all", "daily", "new"))
    async def unsubscribe(
        interaction: Interaction, mode: app_commands.Choice[str] | None = None
    ) -> None:
        await _ask(interaction, f"/unsubscribe {mode.value}" if mode else "/unsubscribe")

    @app_commands.command(name=_name("subscriptions"), description=localized("subscribe.cmd_list"))
    async def subscriptions(interaction: Interaction) -> None:
        await _ask(interaction, "/subscriptions")

    @app_commands.command(name=_name("digest"), description=localized("digest.cmd"))
    async def digest(interaction: Interaction) -> None:
        await _ask(interaction, "/digest")

    @app_commands.command(name=_name("status"), description=localized("status.cmd"))
    @app_commands.rename(enable=_option("enable"))
    @app_commands.describe(enable=localized("discord.describe.enable"))
    async def status(interaction: Interaction, enable: str | None = None) -> None:
        """With ``enable`` (a source URL), the bot's admins turn a disabled source back on."""
        await _ask(interaction, f"/status enable {enable}" if enable else "/status")

    @app_commands.command(name=_name("lang"), description=localized("cmd.lang"))
    @app_commands.rename(language=_option("language"))
    @app_commands.describe(language=localized("discord.describe.language"))
    @app_commands.choices(language=LANGUAGES)
    async def lang(interaction: Interaction, language: app_commands.Choice[str]) -> None:
        await _ask(interaction, f"/lang {language.value}")

    @app_commands.command(name=_name("help"), description=localized("cmd.help"))
    async def help_(interaction: Interaction) -> None:
        await _ask(interaction, "/help")

    return [
        film,
        theme,
        category,
        categories,
        search,
        review,
        sections,
        related,
        random,
        subscribe,
        unsubscribe,
        subscriptions,
        digest,
        status,
        lang,
        help_,
    ]
