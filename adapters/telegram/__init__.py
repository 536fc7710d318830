"""The Telegram adapter: the review bot in Telegram chats, groups and inline mode.

``reviewbot run`` finds it through the ``reviewbot.chat`` entry point group under the name
``telegram`` (``adapters.telegram:create_adapter``); the core never imports it. It is enabled
by a bot token (``[telegram] token`` or ``REVIEWBOT_TELEGRAM_TOKEN``).
"""

from __future__ import annotations

from adapters.telegram.app import TelegramAdapter
from bot.config import Config
from bot.results import LookupService
from bot.router import Router


def create_adapter(
    config: Config, router: Router, lookups: LookupService
) -> TelegramAdapter | None:
    """The adapter for ``config.telegram``, or None when no token is configured."""
    token = config.telegram.token
    if token is None or not token.get_secret_value().strip():
        return None
    return TelegramAdapter(config.telegram, router, lookups)


__all__ = ["TelegramAdapter", "create_adapter"]
