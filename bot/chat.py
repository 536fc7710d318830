"""Where a message came from, as the router needs to know it for per-chat commands.

Adapters fill this in (the platform knows who is an admin; the core cannot ask it), and the
router enforces the rules: in a group, only admins may change what the chat is subscribed to.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.digest.model import ChatKey


@dataclass(frozen=True, slots=True)
class ChatContext:
    """The chat a message was sent in.

    ``chat_id``/``thread_id`` are the platform's own ids as text (a Telegram forum topic is a
    ``thread_id``; a Discord thread is a channel, so it is the ``chat_id``). ``is_group`` is any
    chat with more than one member (Telegram group/supergroup/channel, any Discord guild
    channel); ``is_admin`` says whether the sender may manage the chat there (Telegram chat
    admins, anonymous admins included; Discord "Manage Server"). In a private chat the sender
    manages their own chat, so adapters pass ``is_admin=True``.

    ``is_operator`` says the sender runs the bot (listed in the platform's ``admins`` setting):
    only they see the bot-wide ``/status`` in a private chat, where everyone is the chat's
    admin. ``user_id`` is the sender's platform id, shown to someone who is not yet listed so
    they know what to add.
    """

    platform: str
    chat_id: str
    thread_id: str | None = None
    is_group: bool = False
    is_admin: bool = False
    is_operator: bool = False
    user_id: str | None = None

    @property
    def key(self) -> ChatKey:
        return ChatKey(self.platform, self.chat_id, self.thread_id or None)


CONSOLE_CHAT = ChatContext(
    platform="console", chat_id="console", is_group=False, is_admin=True, is_operator=True
)
"""The console is a private chat whose user runs the bot."""
