"""Korean and English names and descriptions for the slash commands, from :mod:`bot.i18n`.

Discord shows each user the command set in their client's language. Every name and description
in :mod:`adapters.discord.commands` is a :class:`~discord.app_commands.locale_str` whose
``key`` extra names an i18n entry; its message is the English text Discord uses when no
translation applies. ``CommandTree.sync`` asks this translator for every Discord locale, and it
answers for Korean and both Englishes.
"""

from __future__ import annotations

from discord import Locale, app_commands

from bot.i18n import has, t

DISCORD_LOCALES: dict[Locale, str] = {
    Locale.korean: "ko",
    Locale.american_english: "en",
    Locale.british_english: "en",
}


def localized(key: str) -> app_commands.locale_str:
    """A translatable string whose default is the English text of ``key``."""
    return app_commands.locale_str(t(key, "en"), key=key)


class ReviewTranslator(app_commands.Translator):
    """Looks up ``locale_str(..., key=...)`` in the bot's message table."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        lang = DISCORD_LOCALES.get(locale)
        key = string.extras.get("key")
        if lang is None or not isinstance(key, str) or not has(key):
            return None
        return t(key, lang)
