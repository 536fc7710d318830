"""The Discord adapter over the real core: ``bot.lookups.Lookups`` on a SQLite library loaded
with the built-in samples (once per session), the real router, the real discord.py tree and
the fake Discord. Autocomplete here is the core's own film matcher: typos and 초성 included.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import build_bot
from bot.config import Config, DiscordConfig, StorageConfig
from bot.library import open_library
from bot.lookups import Lookups
from storage.repository import open_repository
from tests.fake_discord import (
    EPHEMERAL,
    MESSAGE,
    TOKEN,
    UPDATE,
    FakeDiscord,
    Harness,
    fake,
)

__all__ = ["fake"]  # the fixture, used by the tests below


@pytest.fixture(scope="session")
def discord_samples(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('discord') / 'library.db'}"

    async def load() -> None:
        repo, loaded = await open_library(Config(), db_url=url)
        await repo.close()
        assert loaded and loaded >= 20

    asyncio.run(load())
    return url


@pytest.fixture
async def lookups(discord_samples: str) -> AsyncIterator[Lookups]:
    repo = await open_repository(discord_samples)
    try:
        real = Lookups(repo)
        await real.warm_up()
        yield real
    finally:
        await repo.close()


@pytest.fixture
async def harness(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(fake, tmp_path)
    yield h
    await h.close()


def embed(message: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = message["embeds"][0]
    return result


@pytest.mark.parametrize("typed", ["기생층", "ㄱㅅㅊ", "parasite", "기생"])
async def test_film_autocomplete_understands_typos_and_initials(
    harness: Harness, lookups: Lookups, typed: str
) -> None:
    bot = await harness.start(lookups)
    choices = await harness.complete(bot, "film", "title", typed)
    assert choices and choices[0]["value"].startswith("기생충")
    assert choices[0]["name"].startswith("기생충")
    assert "리뷰" in choices[0]["name"]  # with its review count, in the user's language


async def test_empty_autocomplete_offers_the_library(harness: Harness, lookups: Lookups) -> None:
    bot = await harness.start(lookups)
    films = await harness.complete(bot, "film", "title", "", locale="en-US")
    assert 5 <= len(films) <= 25
    assert all("review" in c["name"] for c in films)
    themes = await harness.complete(bot, "theme", "theme", "")
    assert 1 <= len(themes) <= 25
    assert [c["value"] for c in await harness.complete(bot, "theme", "theme", "가")] == ["가족"]
    categories = await harness.complete(bot, "category", "name", "한국")
    assert [c["value"] for c in categories] == ["리뷰 > 한국영화"]
    random = await harness.complete(bot, "random", "film", "ㅎㅇㅈ")
    assert random and random[0]["value"].startswith("헤어질 결심")


async def test_the_chosen_value_finds_the_film(harness: Harness, lookups: Lookups) -> None:
    bot = await harness.start(lookups)
    choice = (await harness.complete(bot, "film", "title", "ㄱㅅㅊ"))[0]["value"]
    message = harness.message(await harness.slash(bot, "film", {"title": choice}))
    assert "기생충" in embed(message)["title"]
    assert embed(message)["fields"]
    typo = harness.message(await harness.slash(bot, "film", {"title": "기생층"}))
    assert embed(typo)["title"] == embed(message)["title"]


async def test_a_review_session_with_buttons(
    harness: Harness, fake: FakeDiscord, lookups: Lookups
) -> None:
    bot = await harness.start(lookups)
    results = harness.message(await harness.slash(bot, "search", {"words": "반지하 계단"}))
    components = [c for row in results["components"] for c in row["components"]]
    selects = [c for c in components if c["type"] == 3 and c["options"][0]["value"][:2] == "s:"]
    if selects:  # several results: a "sections of…" menu
        token = selects[0]["options"][0]["value"]
        record = await harness.press(
            bot, int(results["id"]), selects[0]["custom_id"], values=[token]
        )
    else:  # one result: its own buttons
        custom_id = next(
            c["custom_id"] for c in components if c.get("custom_id", "")[:7] == "rb:n:s:"
        )
        token = custom_id[5:]
        record = await harness.press(bot, int(results["id"]), custom_id)
    sections = harness.message(record)
    assert embed(sections)["title"].startswith("섹션 · ")
    post_id = int(token[2:])
    card = harness.message(await harness.slash(bot, "review", {"number": post_id}))
    related_button = next(
        c["custom_id"]
        for row in card["components"]
        for c in row["components"]
        if c.get("custom_id") == f"rb:n:r:{post_id}"
    )
    related = harness.message(await harness.press(bot, int(card["id"]), related_button))
    assert embed(related)["title"].startswith("관련 글 · ")
    options = [
        o["value"]
        for row in related["components"]
        for c in row["components"]
        if c["type"] == 3
        for o in c["options"]
    ]
    if options:  # open one of the related reviews from the select menu
        opened = await harness.press(
            bot,
            int(related["id"]),
            related["components"][0]["components"][0]["custom_id"],
            values=[options[0]],
        )
        assert opened.acked == MESSAGE


async def test_random_another_and_categories(
    harness: Harness, fake: FakeDiscord, lookups: Lookups
) -> None:
    bot = await harness.start(lookups)
    card = harness.message(await harness.slash(bot, "random", {"theme": "가족"}))
    another = next(
        c["custom_id"]
        for row in card["components"]
        for c in row["components"]
        if c.get("custom_id", "").startswith("rb:e:x")
    )
    record = await harness.press(bot, int(card["id"]), another)
    assert record.acked == UPDATE
    listing = harness.message(await harness.slash(bot, "categories", locale="en-US"))
    select = listing["components"][0]["components"][0]
    option = next(o for o in select["options"] if o["label"] == "리뷰 > 한국영화")
    opened = harness.message(
        await harness.press(
            bot, int(listing["id"]), select["custom_id"], values=[option["value"]], locale="en-US"
        )
    )
    assert embed(opened)["title"].startswith("Category “리뷰/한국영화”")
    assert not opened["flags"] & EPHEMERAL


async def test_unknown_film_suggests_in_english(harness: Harness, lookups: Lookups) -> None:
    bot = await harness.start(lookups)
    record = await harness.slash(bot, "film", {"title": "존재하지않는영화제목"}, locale="en-US")
    message = harness.message(record)
    assert message["flags"] & EPHEMERAL
    assert message["content"].startswith("No reviews of a film called")


async def test_build_bot_alone_opens_the_configured_library(
    harness: Harness, fake: FakeDiscord, discord_samples: str, tmp_path: Path
) -> None:
    """``build_bot(config)`` with nothing else, as an embedder would run it."""
    config = Config(storage=StorageConfig(url=discord_samples), discord=DiscordConfig(token=TOKEN))
    bot = build_bot(config, sync_file=tmp_path / "sync.json")
    harness.bots.append(bot)
    assert bot.responder is None
    await bot.login(TOKEN)
    assert bot.responder is not None
    choices = await harness.complete(bot, "film", "title", "ㄱㅅㅊ")
    assert choices[0]["value"].startswith("기생충")
    message = harness.message(await harness.slash(bot, "film", {"title": "기생충"}))
    assert "기생충" in embed(message)["title"]
