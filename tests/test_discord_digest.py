"""The digest slash commands through the Discord adapter: who may change a channel's digest.

The real discord.py command tree runs against the fake Discord (:mod:`tests.fake_discord`)
with a router that has a digest service on a real repository: the adapter reports the channel
and whether the member has "Manage Server", the router stores the subscription under that
channel or refuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest

from adapters.discord import DiscordAdapter, build_bot
from adapters.discord.commands import subscribe_text
from bot.config import Config, DiscordConfig
from bot.digest.model import ChatKey, DigestFilter, FilterKind, Mode
from bot.i18n import t
from bot.router import Router
from storage.repository import SqlRepository
from tests.fake_discord import (
    CHANNEL_ID,
    TOKEN,
    FakeDiscord,
    Harness,
    fake,
    iter_components,
    texts,
)
from tests.test_digest_fakes import digest_router

MANAGE_GUILD = discord.Permissions(manage_guild=True).value
CHANNEL = ChatKey("discord", str(CHANNEL_ID), None)

__all__ = ["fake"]  # the fixture, used by the tests below


@pytest.fixture
async def router(repo: SqlRepository) -> Router:
    return await digest_router(repo)


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path, router: Router) -> AsyncIterator[Any]:
    harness = Harness(fake, tmp_path)
    try:
        yield harness, await harness.start(router._lookups, router=router)
    finally:
        await harness.close()


def as_manager(payload: dict[str, Any]) -> dict[str, Any]:
    permissions = int(payload["member"]["permissions"]) | MANAGE_GUILD
    payload["member"]["permissions"] = str(permissions)
    return payload


def in_dm(fake: FakeDiscord, payload: dict[str, Any], user_id: int = 77) -> dict[str, Any]:
    for key in ("guild_id", "member", "guild_locale", "app_permissions"):
        payload.pop(key)
    payload["user"] = fake.user(user_id)
    payload["channel"] = {"id": payload["channel_id"], "type": 1, "recipients": [fake.user(77)]}
    payload["context"] = 1
    return payload


def shown(harness: Harness, record: Any) -> str:
    return "\n".join(texts(harness.message(record)))


def test_subscribe_options_become_the_routers_command() -> None:
    assert subscribe_text() == "/subscribe"
    assert subscribe_text("8:30", "Asia/Seoul") == "/subscribe 8:30 Asia/Seoul"
    assert subscribe_text(filter="가족 영화", mode="new") == "/subscribe new theme:가족 영화"
    assert subscribe_text(" 08 : 30", None, "category:리뷰") == "/subscribe 08:30 category:리뷰"


async def test_a_manage_server_member_subscribes_the_channel(
    fake: FakeDiscord, bot: Any, repo: SqlRepository
) -> None:
    harness, client = bot
    options = {"time": "08:30", "timezone": "Europe/London", "filter": "가족", "mode": "daily"}
    payload = as_manager(fake.slash("subscribe", options, locale="en-US"))
    record = await harness.send(client, payload)
    assert "08:30" in shown(harness, record) and "Europe/London" in shown(harness, record)
    [sub] = await repo.chat_subscriptions(CHANNEL)
    assert sub.is_group and sub.mode is Mode.DAILY and sub.at == "08:30"
    assert sub.filter == DigestFilter(FilterKind.THEME, "가족")
    listing = await harness.slash(client, "subscriptions", locale="en-US")  # anyone may look
    assert "08:30" in shown(harness, listing)
    payload = as_manager(fake.slash("unsubscribe", {"mode": "all"}, locale="en-US"))
    stopped = await harness.send(client, payload)
    assert t("subscribe.stopped", "en") in shown(harness, stopped)
    assert await repo.chat_subscriptions(CHANNEL) == []


async def test_a_member_without_manage_server_is_refused(
    fake: FakeDiscord, bot: Any, repo: SqlRepository
) -> None:
    harness, client = bot
    for name, options in (("subscribe", {"time": "07:00"}), ("unsubscribe", {})):
        record = await harness.slash(client, name, options, locale="en-US")
        assert t("subscribe.admins_only", "en") in shown(harness, record)
    status = await harness.slash(client, "status", locale="en-US")
    assert t("status.admins_only", "en") in shown(harness, status)
    assert await repo.chat_subscriptions(CHANNEL) == []
    allowed = await harness.send(client, as_manager(fake.slash("status", locale="en-US")))
    assert t("status.title", "en") in shown(harness, allowed)


async def test_status_in_a_direct_message_only_for_configured_admins(
    fake: FakeDiscord, tmp_path: Path, router: Router
) -> None:
    harness = Harness(fake, tmp_path)
    config = Config(discord=DiscordConfig(token=TOKEN, admins=[88]))
    try:
        client = await harness.start(router._lookups, router=router, config=config)
        stranger = await harness.send(
            client, in_dm(fake, fake.slash("status", locale="en-US"), user_id=77)
        )
        expected = t("status.operators_only", "en", platform="discord", user="77")
        assert expected in shown(harness, stranger)
        operator = await harness.send(
            client, in_dm(fake, fake.slash("status", locale="en-US"), user_id=88)
        )
        assert t("status.title", "en") in shown(harness, operator)
    finally:
        await harness.close()


async def test_digest_and_subscribe_in_a_direct_message(
    fake: FakeDiscord, bot: Any, repo: SqlRepository
) -> None:
    harness, client = bot
    card = await harness.send(client, in_dm(fake, fake.slash("digest", locale="ko")))
    assert "오늘의 리뷰" in shown(harness, card)
    in_server = await harness.slash(client, "digest", locale="ko")  # anyone, anywhere
    assert "오늘의 리뷰" in shown(harness, in_server)
    payload = in_dm(fake, fake.slash("subscribe", {"mode": "new"}, locale="en-US"))
    await harness.send(client, payload)
    [sub] = await repo.chat_subscriptions(CHANNEL)
    assert not sub.is_group and sub.mode is Mode.NEW


async def test_timezones_autocomplete(fake: FakeDiscord, bot: Any) -> None:
    harness, client = bot
    choices = await harness.complete(client, "subscribe", "timezone", "seoul")
    assert [c["value"] for c in choices] == ["Asia/Seoul"]
    assert len(await harness.complete(client, "subscribe", "timezone", "")) == 25


async def test_the_adapter_is_named_discord(fake: FakeDiscord, tmp_path: Path) -> None:
    lookups: Any = object()
    bot = build_bot(
        Config(discord=DiscordConfig(token=TOKEN)),
        router=Router(lookups),
        lookups=lookups,
        sync_file=tmp_path / "sync.json",
    )
    adapter = DiscordAdapter(bot, TOKEN)
    assert adapter.name == "discord"
    await bot.close()


async def test_a_subscribed_channel_gets_one_card_each_morning_at_its_hour(
    fake: FakeDiscord, bot: Any, router: Router, repo: SqlRepository
) -> None:
    """The whole path on Discord: /subscribe in a channel, then the core's scheduler sends
    through the real discord.py client at 08:30 London time, once a day, with the card and
    its "more like this" button, a different review the next morning."""
    from bot.digest.clock import ManualClock
    from bot.digest.scheduler import DigestScheduler, router_render
    from bot.digest.service import DigestService

    harness, client = bot
    options = {"time": "08:30", "timezone": "Europe/London"}
    await harness.send(client, as_manager(fake.slash("subscribe", options, locale="en-US")))
    service = router._digest
    assert isinstance(service, DigestService) and isinstance(service.clock, ManualClock)
    scheduler = DigestScheduler(
        service, {"discord": DiscordAdapter(client, TOKEN)}, router_render(router),
        clock=service.clock, limits={},
    )  # fmt: skip

    def digests() -> list[dict[str, Any]]:
        return [
            m for m in fake.messages.values()
            if m["channel_id"] == str(CHANNEL_ID) and m.get("nonce")
        ]  # fmt: skip

    before = await scheduler.tick(datetime(2024, 3, 1, 8, 29, tzinfo=UTC))
    assert before.outcomes == [] and digests() == []
    first = await scheduler.tick(datetime(2024, 3, 1, 8, 30, tzinfo=UTC))  # GMT in March
    [outcome] = first.outcomes
    [message] = digests()
    assert outcome.status.value == "sent" and outcome.message_id == str(message["id"])
    assert t("digest.headline", "en") in texts(message)  # the subscriber asked in English
    labels = [c.get("label") for c in iter_components(message)]
    assert t("action.more_like_this", "en") in labels, labels
    assert (await scheduler.tick(datetime(2024, 3, 1, 20, 0, tzinfo=UTC))).outcomes == []
    second = await scheduler.tick(datetime(2024, 3, 2, 8, 31, tzinfo=UTC))
    assert [o.status.value for o in second.outcomes] == ["sent"]
    assert second.outcomes[0].post_id != outcome.post_id and len(digests()) == 2
    assert fake.rejections == []
