"""The Discord adapter: slash commands with autocomplete, review cards as embeds, buttons and
select menus that survive restarts (discord.py 2, ``app_commands``).

- ``build_bot(config, *, router=None, lookups=None)`` — an unstarted bot whose ``setup_hook``
  registers the commands (``from adapters.discord import build_bot``);
- ``create_adapter(config, router, lookups)`` — the ``reviewbot.chat`` entry point: the
  :class:`~bot.ports.ChatAdapter` run by ``reviewbot run``, or None without a token.

The adapter only translates: options become the command text the core's router parses,
buttons carry the core's action tokens, and replies are rendered from the core's reply model.
"""

from adapters.discord.adapter import DiscordAdapter, create_adapter
from adapters.discord.client import ReviewBot, build_bot
from adapters.discord.render import Rendered, render

__all__ = ["DiscordAdapter", "Rendered", "ReviewBot", "build_bot", "create_adapter", "render"]
