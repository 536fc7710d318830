"""The Telegram adapter on the real core: ``Lookups`` over SQLite with the sample library.

The sample library is loaded once per session (a few seconds of analysis); every test opens
its own repository on it, as a restarted process would. Its titles are good hostile input
by themselves (``영화 <기생충> 리뷰``, ``《1987》``, ``<영화리뷰>``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from collections.abc import AsyncIterator

import pytest

from adapters.telegram import create_adapter
from bot.config import Config
from bot.i18n import t
from bot.library import open_library
from bot.lookups import Lookups
from storage.repository import open_repository
from tests.fake_telegram import BOT_USERNAME, FakeTelegram
from tests.fake_telegram.harness import Harness, fake, no_proxy, running, settings

__all__ = ["fake", "no_proxy"]  # fixtures used by the tests below

PARASITE = "영화 <기생충> 리뷰 (반지하, 계단, 냄새)"


@pytest.fixture(scope="session")
def library_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('telegram') / 'library.db'}"

    async def load() -> None:
        repo, loaded = await open_library(Config(), db_url=url)
        await repo.close()
        assert loaded and loaded >= 20

    asyncio.run(load())
    return url


@pytest.fixture
async def lookups(library_url: str) -> AsyncIterator[Lookups]:
    repo = await open_repository(library_url)
    try:
        yield Lookups(repo)
    finally:
        await repo.close()


@pytest.fixture
async def bot(fake: FakeTelegram, lookups: Lookups) -> AsyncIterator[Harness]:
    harness = await running(fake, lookups)
    try:
        yield harness
    finally:
        await harness.stop()


def no_rejections(fake: FakeTelegram) -> None:
    bad = [(c.method, c.error) for c in fake.rejected()]
    assert bad == []


async def test_a_conversation_in_korean(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(11001, lang="ko")
    chat = fake.private_chat(user)
    film = (await bot.say(chat, user, "/film 기생층"))[0]  # a one-jamo typo
    assert PARASITE in film.text
    review_id = film.button("섹션")["callback_data"].split(":")[1]
    await bot.press(film, f"s:{review_id}", user)
    sections = fake.bot_messages(chat["id"])[-1]
    assert sections.text.startswith(f"섹션 · {PARASITE}") and "반지하 창문" in sections.text
    await bot.press(film, f"r:{review_id}", user)
    related = fake.bot_messages(chat["id"])[-1]
    assert "블로그의 관련 글" in related.text and "비슷한 리뷰" in related.text
    theme = (await bot.say(chat, user, "/주제 가족"))[0]
    assert "‘가족’ 주제 리뷰" in theme.text and "1/2쪽" in theme.text
    await bot.press(theme, theme.button("다음")["callback_data"], user)
    assert "2/2쪽" in fake.messages[(chat["id"], theme.message_id)].text
    categories = (await bot.say(chat, user, "/categories"))[0]
    await bot.press(categories, categories.button("리뷰 > 한국영화")["callback_data"], user)
    assert "‘리뷰/한국영화’ 카테고리 글" in fake.messages[(chat["id"], categories.message_id)].text
    for text in ("/random", "/search 계단 냄새", "ㄱㅅㅊ", "/help", "/review 999999"):
        assert await bot.say(chat, user, text), text
    no_rejections(fake)


async def test_a_conversation_in_english(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(11002, lang="en-GB")
    chat = fake.private_chat(user)
    film = (await bot.say(chat, user, "parasite"))[0]
    assert "Reviews of" in film.text and PARASITE in film.text
    usage = (await bot.say(chat, user, "/review"))[0]
    assert usage.text == t("usage.review", "en")
    group = fake.group_chat(-10011002)
    answered = await bot.say(group, user, f"/film@{BOT_USERNAME} 헤어질 결심")
    assert "헤어질 결심 (집착, 안개)" in answered[0].text
    assert await bot.say(group, user, "/film@someone_else 헤어질 결심") == []
    no_rejections(fake)


async def test_inline_mode_on_the_library(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(11003, lang="ko")
    answer = await bot.inline(user, "기생충")
    titles = [r["title"] for r in answer["results"]]
    assert PARASITE in titles
    card = answer["results"][titles.index(PARASITE)]
    assert "&lt;기생충&gt;" in card["input_message_content"]["message_text"]
    seen: list[str] = []
    offset = ""
    for _ in range(10):
        page = await bot.inline(user, "가족", offset)
        seen.extend(r["id"] for r in page["results"])
        offset = page["next_offset"]
        if not offset:
            break
    assert len(seen) == len(set(seen)) >= 4
    no_rejections(fake)


async def test_deep_link_and_a_restart_on_the_same_database(
    fake: FakeTelegram, library_url: str, bot: Harness
) -> None:
    user = fake.user(11004, lang="ko")
    chat = fake.private_chat(user)
    review = (await bot.say(chat, user, "/start r18"))[0]
    assert review.text.startswith(PARASITE)
    assert review.link_preview and review.link_preview.get("url")
    listing = (await bot.say(chat, user, "/category 리뷰"))[0]
    await bot.stop()
    repo = await open_repository(library_url)  # a new process: new repository, new router
    try:
        restarted = await running(fake, Lookups(repo))
        try:
            await restarted.press(listing, listing.button("다음")["callback_data"], user)
        finally:
            await restarted.stop()
    finally:
        await repo.close()
    assert "2/4쪽" in fake.messages[(chat["id"], listing.message_id)].text
    no_rejections(fake)


async def test_reviewbot_run_starts_and_stops_the_adapter(
    fake: FakeTelegram, library_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``reviewbot run`` with a token: the entry point's factory, started beside the others
    until SIGINT, then stopped cleanly (the CLI's own loop, not the test harness)."""
    from bot import cli

    monkeypatch.setattr(cli, "chat_adapters", lambda: {"telegram": create_adapter})
    config = Config(telegram=settings(fake))
    repo = await open_repository(library_url)
    try:
        run = asyncio.create_task(cli._run_bots(argparse.Namespace(lang=None), config, repo, "ko"))
        user = fake.user(11005, lang="ko")
        chat = fake.private_chat(user)
        fake.send_text(chat, user, "/film 기생충")
        (answer,) = await fake.wait_bot_messages(chat["id"], 1, within=15)
        assert PARASITE in answer.text
        os.kill(os.getpid(), signal.SIGINT)
        assert await asyncio.wait_for(run, 10) == 0
    finally:
        await repo.close()
    no_rejections(fake)
