"""The Discord adapter as ``reviewbot run`` uses it: enabled by a token, started over the
(fake) gateway, answering interactions that arrive there, stopped cleanly; ``send`` maps
Discord's refusals to the core's delivery errors; the command-sync store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordAdapter, build_bot, create_adapter
from adapters.discord.sync import SyncStore, payload_hash
from bot.config import Config, ConfigError, DiscordConfig, load_config
from bot.ports import ChatAdapter, ChatAdapterFactory, ChatGone, DeliveryError, RetryLater
from bot.replies import Reply, ReplyKind
from bot.router import Router
from tests.fake_discord import (
    CHANNEL_ID,
    EPHEMERAL,
    MESSAGE,
    TOKEN,
    FakeDiscord,
    fake_discord,
    texts,
)
from tests.fake_lookups import FakeLookups


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord(monkeypatch) as running:
        yield running


@pytest.fixture
async def adapter(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[DiscordAdapter]:
    lookups = FakeLookups()
    bot = build_bot(
        Config(discord=DiscordConfig(token=TOKEN)),
        router=Router(lookups),
        lookups=lookups,
        sync_file=tmp_path / "sync.json",
    )
    running = DiscordAdapter(bot, TOKEN, ready_timeout=10)
    await running.start()
    yield running
    await running.stop()


def test_enabled_only_with_a_token() -> None:
    lookups = FakeLookups()
    router = Router(lookups)
    assert create_adapter(Config(), router, lookups) is None
    assert create_adapter(Config(discord=DiscordConfig(token=" ")), router, lookups) is None
    config = load_config(env={"REVIEWBOT_DISCORD_TOKEN": "abc"})
    adapter = create_adapter(config, router, lookups)
    assert isinstance(adapter, DiscordAdapter)
    assert adapter.name == "discord"
    checked: ChatAdapter = adapter  # satisfies the port (checked by mypy)
    factory: ChatAdapterFactory = create_adapter
    assert checked.name == "discord" and factory is create_adapter


def test_config_section() -> None:
    config = Config.model_validate(
        {"discord": {"token": "t", "guild_ids": [1, 2], "sync_commands": "always"}}
    )
    assert config.discord.guild_ids == [1, 2]
    assert config.discord.sync_commands == "always"
    with pytest.raises(ValueError):
        Config.model_validate({"discord": {"sync_commands": "sometimes"}})
    example = load_config(str(Path(__file__).parent.parent / "config.example.toml"), env={})
    assert example.discord.sync_commands == "changed"


async def test_start_connects_to_the_gateway_and_answers_there(
    adapter: DiscordAdapter, fake: FakeDiscord
) -> None:
    assert adapter.bot.connected.is_set()
    identify = fake.identified[0]
    assert identify["token"] == TOKEN
    assert identify["intents"] == 1  # guilds only: nothing privileged, no messages
    assert len(fake.command_uploads) == 1
    payload = fake.slash("film", {"title": "기생충"}, locale="en-US")
    record = fake.interactions[int(payload["id"])]
    await fake.gateway_dispatch("INTERACTION_CREATE", payload)
    await fake.wait_for(lambda: record.acked is not None)
    assert record.acked == MESSAGE
    message = fake.messages[record.original or 0]
    assert message["embeds"][0]["title"] == "Reviews of “기생충” (7)"
    assert fake.rejections == []


async def test_stop_closes_the_connection(fake: FakeDiscord, tmp_path: Path) -> None:
    lookups = FakeLookups()
    bot = build_bot(
        Config(discord=DiscordConfig(token=TOKEN)), lookups=lookups, sync_file=tmp_path / "s"
    )
    adapter = DiscordAdapter(bot, TOKEN, ready_timeout=10)
    await adapter.start()
    await adapter.stop()
    assert bot.is_closed()
    await fake.wait_for(lambda: not fake._sockets)


async def test_a_refused_token_is_a_config_error(fake: FakeDiscord, tmp_path: Path) -> None:
    lookups = FakeLookups()
    bot = build_bot(Config(), lookups=lookups, sync_file=tmp_path / "s")
    with pytest.raises(ConfigError, match="token"):
        await DiscordAdapter(bot, "wrong-token").start()
    assert bot.is_closed()


# ---------------------------------------------------------------------- send


def digest() -> Reply:
    return Reply(ReplyKind.TEXT, "ko", "오늘의 리뷰 @everyone <@&123>", notes=("<@456> 님 추천",))


async def test_send_posts_to_a_channel(adapter: DiscordAdapter, fake: FakeDiscord) -> None:
    message_id = await adapter.send(str(CHANNEL_ID), digest())
    message = fake.messages[int(message_id)]
    assert message["channel_id"] == str(CHANNEL_ID)
    assert message["allowed_mentions"] == {"parse": []}
    assert not message["flags"] & EPHEMERAL
    assert "@\u200beveryone" in message["content"]
    assert all("<@" not in text for text in texts(message))
    assert fake.rejections == []


async def test_a_send_only_start_posts_over_rest_without_the_gateway(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    lookups = FakeLookups()
    bot = build_bot(
        Config(discord=DiscordConfig(token=TOKEN)), lookups=lookups, sync_file=tmp_path / "s"
    )
    adapter = DiscordAdapter(bot, TOKEN, ready_timeout=10)
    await adapter.start(receive=False)  # as `reviewbot digest tick` does
    try:
        message_id = await adapter.send(str(CHANNEL_ID), digest())
        assert fake.messages[int(message_id)]["channel_id"] == str(CHANNEL_ID)
        assert fake.identified == [] and not fake._sockets  # never connected to the gateway
        assert not bot.connected.is_set()
    finally:
        await adapter.stop()
    assert bot.is_closed()
    assert fake.rejections == []


async def test_a_retried_delivery_is_one_message(
    adapter: DiscordAdapter, fake: FakeDiscord
) -> None:
    """The digest's key becomes a nonce Discord enforces: a retry of the same delivery (after
    a crash between the send and its record) returns the message already created."""
    first = await adapter.send(str(CHANNEL_ID), digest(), key="digest:41")
    again = await adapter.send(str(CHANNEL_ID), digest(), key="digest:41")
    other = await adapter.send(str(CHANNEL_ID), digest(), key="digest:42")
    assert first == again != other
    assert len([m for m in fake.messages.values() if m["channel_id"] == str(CHANNEL_ID)]) == 2
    assert fake.rejections == []


async def test_before_send_runs_before_the_message_and_its_error_stops_it(
    adapter: DiscordAdapter, fake: FakeDiscord
) -> None:
    posted = lambda: len(fake.calls("POST", rf"/channels/{CHANNEL_ID}/messages"))  # noqa: E731
    seen: list[int] = []

    async def hook() -> None:
        seen.append(posted())

    await adapter.send(str(CHANNEL_ID), digest(), key="digest:7", before_send=hook)
    assert seen == [0] and posted() == 1

    class Lost(Exception):
        pass

    async def refuse() -> None:
        raise Lost

    with pytest.raises(Lost):
        await adapter.send(str(CHANNEL_ID), digest(), key="digest:8", before_send=refuse)
    assert posted() == 1


@pytest.mark.parametrize(
    ("setup", "error", "seconds"),
    [
        (lambda f: f.gone_channels.add(CHANNEL_ID), ChatGone, None),
        (lambda f: f.forbidden_channels.add(CHANNEL_ID), ChatGone, None),
        (lambda f: f.locked_threads.add(CHANNEL_ID), ChatGone, None),
        (lambda f: f.rate_limited.__setitem__(CHANNEL_ID, (120.0, True)), RetryLater, 120.0),
        (lambda f: f.rate_limited.__setitem__(CHANNEL_ID, (90.0, False)), RetryLater, 90.0),
    ],
    ids=["unknown-channel", "forbidden", "locked-thread", "rate-limited", "cloudflare-429"],
)
async def test_send_maps_discord_refusals(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    setup: Any,
    error: type[Exception],
    seconds: float | None,
) -> None:
    setup(fake)
    with pytest.raises(error) as caught:
        await adapter.send(str(CHANNEL_ID), digest())
    if seconds is not None:
        assert isinstance(caught.value, RetryLater)
        assert caught.value.seconds == seconds
    assert len(fake.calls("POST", rf"/channels/{CHANNEL_ID}/messages")) == 1  # no retrying


async def test_send_refuses_bad_chats_and_an_unstarted_bot(
    adapter: DiscordAdapter, tmp_path: Path
) -> None:
    with pytest.raises(DeliveryError, match="channel id"):
        await adapter.send("-100123", digest())
    unstarted = DiscordAdapter(build_bot(Config(), lookups=FakeLookups()), TOKEN)
    with pytest.raises(DeliveryError, match="not started"):
        await unstarted.send(str(CHANNEL_ID), digest())


# ---------------------------------------------------------------------- the sync store


async def test_sync_store_survives_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "state" / "discord-commands.json"
    store = SyncStore(path)
    assert await store.get("1:global") is None
    await store.put("1:global", "abc")
    await store.put("1:42", "def")
    assert await SyncStore(path).get("1:global") == "abc"
    path.write_text("{not json", encoding="utf-8")
    assert await SyncStore(path).get("1:global") is None  # a cache: lost means sync once
    assert payload_hash([{"a": 1, "b": [2]}]) == payload_hash([{"b": [2], "a": 1}])
