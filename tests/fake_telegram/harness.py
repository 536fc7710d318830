"""Running the real Telegram adapter against the fake Bot API, one conversation at a time.

:class:`Harness` starts the adapter (the real python-telegram-bot ``Application``, polling the
fake over HTTP) and adds one extra handler in a late group that marks each update as done, so
a test can wait until an update was *completely* handled — its answer sent, or deliberately not
sent — instead of sleeping and hoping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from adapters.telegram import TelegramAdapter, create_adapter
from bot.config import Config, TelegramConfig
from bot.results import LookupService
from bot.router import Router
from tests.fake_telegram.server import TOKEN, FakeTelegram, StoredMessage

DONE_GROUP = 99


def settings(fake: FakeTelegram, **overrides: Any) -> TelegramConfig:
    """Adapter settings for the fake: short polls, a generous group limit (tests send more
    than 20 messages a minute to one group), small inline pages to exercise pagination."""
    values: dict[str, Any] = {
        "token": TOKEN,
        "base_url": fake.base_url,
        "base_file_url": fake.base_file_url,
        "poll_timeout": 1,
        "rate_limit_group_per_minute": 6000,
        "inline_page_size": 3,
        "inline_cache_seconds": 0,
    }
    values.update(overrides)
    return TelegramConfig(**values)


class Harness:
    """One running adapter and the updates it has finished handling."""

    def __init__(self, fake: FakeTelegram, adapter: TelegramAdapter) -> None:
        self.fake = fake
        self.adapter = adapter
        self.done: set[int] = set()

    async def start(self) -> Harness:
        await self.adapter.start()
        app = self.adapter.application
        assert app is not None
        app.add_handler(TypeHandler(Update, self._mark_done), group=DONE_GROUP)
        return self

    async def stop(self) -> None:
        await self.adapter.stop()

    async def _mark_done(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.done.add(update.update_id)

    async def handled(self, update_id: int | None, within: float = 5.0) -> None:
        assert update_id is not None
        await self.fake.wait_for(
            lambda: update_id in self.done, within, f"update {update_id} to be handled"
        )

    async def say(
        self,
        chat: dict[str, Any],
        user: dict[str, Any],
        text: str,
        *,
        within: float = 5.0,
        **kwargs: Any,
    ) -> list[StoredMessage]:
        """``user`` writes ``text`` in ``chat``; the bot messages sent in answer (maybe none)."""
        message = self.fake.send_text(chat, user, text, **kwargs)
        await self.handled(message.update_id, within)
        return [m for m in self.fake.bot_messages(chat["id"]) if m.message_id > message.message_id]

    async def press(
        self,
        message: StoredMessage,
        data: str,
        user: dict[str, Any],
        *,
        check: bool = True,
        shown: StoredMessage | None = None,
        within: float = 5.0,
    ) -> str:
        """``user`` presses a button; returns the callback query id once it was handled."""
        query_id = self.fake.press(message, data, user, check=check, shown=shown)
        await self.handled(self.fake.callback_queries[query_id]["update_id"], within)
        return query_id

    async def inline(
        self, user: dict[str, Any], query: str, offset: str = "", within: float = 5.0
    ) -> dict[str, Any]:
        query_id = self.fake.inline_query(user, query, offset)
        await self.handled(self.fake.inline_queries[query_id]["update_id"], within)
        answer = self.fake.inline_queries[query_id]["answer"]
        assert answer is not None, f"inline query {query!r} was not answered: {self.fake.summary()}"
        return dict(answer)


def make_adapter(fake: FakeTelegram, lookups: LookupService, **overrides: Any) -> TelegramAdapter:
    adapter = create_adapter(
        Config(telegram=settings(fake, **overrides)), Router(lookups, default_lang="ko"), lookups
    )
    assert adapter is not None
    return adapter


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx must not send loopback requests to a proxy from the environment."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def fake(no_proxy: None) -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    try:
        yield server
    finally:
        server.stop()


async def running(fake: FakeTelegram, lookups: LookupService, **overrides: Any) -> Harness:
    return await Harness(fake, make_adapter(fake, lookups, **overrides)).start()


async def harness_for(
    fake: FakeTelegram, lookups: LookupService, **overrides: Any
) -> AsyncIterator[Harness]:
    harness = await running(fake, lookups, **overrides)
    try:
        yield harness
    finally:
        await harness.stop()
