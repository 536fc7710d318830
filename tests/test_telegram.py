"""The Telegram adapter end to end: the real python-telegram-bot against a fake Bot API.

Every test runs the adapter as ``reviewbot run`` would (``Application`` with the rate limiter,
long polling over HTTP on 127.0.0.1) against :mod:`tests.fake_telegram`, which rejects what
Telegram rejects; so "no rejected calls" in a test means Telegram would have accepted every
message, edit, keyboard, command menu and inline answer the bot produced. The lookups are the
in-memory fake of the router tests; ``test_telegram_library.py`` repeats the main paths on the
real sample library.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.telegram import TelegramAdapter, create_adapter
from bot.config import Config, ConfigError, TelegramConfig
from bot.domain import Section
from bot.i18n import t
from bot.ports import ChatGone, ChatMoved, DeliveryError, RetryLater, SendUncertain
from bot.replies import Reply, ReplyKind
from bot.results import LookupResult
from bot.router import Router, command_menu
from tests.fake_lookups import FakeLookups, make_post
from tests.fake_telegram import BOT_USERNAME, TOKEN, FakeTelegram, StoredMessage
from tests.fake_telegram.harness import Harness, fake, make_adapter, no_proxy, running

__all__ = ["fake", "no_proxy"]  # fixtures used by the tests below
# PTB warns about its own RetryAfter.retry_after type change whenever it builds one
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

MENTION = f"@{BOT_USERNAME}"


@pytest.fixture
def lookups() -> FakeLookups:
    return FakeLookups()


@pytest.fixture
async def bot(fake: FakeTelegram, lookups: FakeLookups) -> AsyncIterator[Harness]:
    harness = await running(fake, lookups)
    try:
        yield harness
    finally:
        await harness.stop()


def no_rejections(fake: FakeTelegram, allowed: tuple[str, ...] = ()) -> None:
    """Telegram would have accepted everything the bot sent (except ``allowed`` errors)."""
    bad = [c for c in fake.rejected() if not any(a in (c.error or "") for a in allowed)]
    assert bad == [], [(c.method, c.error, c.params.get("text", "")[:200]) for c in bad]


def only(messages: list[StoredMessage]) -> StoredMessage:
    assert len(messages) == 1, [m.text[:80] for m in messages]
    return messages[0]


# ---------------------------------------------------------------------- start-up


async def test_start_registers_command_menus_in_both_languages(
    fake: FakeTelegram, bot: Harness
) -> None:
    for code, lang in (("ko", "ko"), ("en", "en"), ("", "en")):
        menu = fake.commands[("default", code)]
        assert [(c["command"], c["description"]) for c in menu] == command_menu(lang)
    assert {c["command"] for c in fake.commands[("default", "ko")]} >= {"film", "lang", "help"}
    assert fake.calls_to("deleteWebhook", ok=True)  # polling makes sure no webhook is set
    no_rejections(fake)


async def test_a_rejected_token_is_a_one_line_config_error(
    fake: FakeTelegram, lookups: FakeLookups, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "987654321:AAWrongTokenWrongTokenWrongTokenWrong"
    adapter = make_adapter(fake, lookups, token=wrong)
    with pytest.raises(ConfigError) as caught:
        await adapter.start()
    assert "rejected the token" in str(caught.value)
    assert wrong not in str(caught.value) and TOKEN not in str(caught.value)
    assert wrong not in caplog.text
    assert adapter.application is None


async def test_an_unreachable_bot_api_is_a_one_line_config_error(
    no_proxy: None, lookups: FakeLookups, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    closed = FakeTelegram().start()
    closed.stop()  # a port nobody listens on any more
    adapter = make_adapter(closed, lookups)
    with pytest.raises(ConfigError) as caught:
        await adapter.start()
    assert "cannot reach the Bot API" in str(caught.value) and "\n" not in str(caught.value)
    assert TOKEN not in str(caught.value) and TOKEN not in caplog.text


async def test_a_base_url_without_the_bot_suffix(fake: FakeTelegram, lookups: FakeLookups) -> None:
    harness = await running(fake, lookups, base_url=f"http://127.0.0.1:{fake.port}/")
    try:
        user = fake.user(1101)
        assert only(await harness.say(fake.private_chat(user), user, "/help"))
    finally:
        await harness.stop()


def test_no_token_means_no_adapter(lookups: FakeLookups) -> None:
    router = Router(lookups)
    assert create_adapter(Config(), router, lookups) is None
    assert create_adapter(Config(telegram=TelegramConfig(token="  ")), router, lookups) is None
    adapter = create_adapter(Config(telegram=TelegramConfig(token=TOKEN)), router, lookups)
    assert isinstance(adapter, TelegramAdapter) and adapter.name == "telegram"


# ---------------------------------------------------------------------- commands


COMMANDS = [
    "/film 기생충",
    "/theme 가족",
    "/category 한국영화",
    "/categories",
    "/search 계단",
    "/review 8",
    "/sections 1",
    "/related 1",
    "/random",
    "/lang",
    "/help",
    "/start",
]
ALIASES = [  # Telegram has no Korean commands: these arrive as plain text
    "/영화 기생충",
    "/주제 가족",
    "/카테고리 한국영화",
    "/카테고리목록",
    "/검색 계단",
    "/리뷰 8",
    "/섹션 1",
    "/관련 1",
    "/랜덤",
    "/도움말",
    "/시작",
    "/movie 기생충",
]


@pytest.mark.parametrize("lang", ["ko", "en"])
async def test_every_command_answers_in_the_users_language(
    fake: FakeTelegram, bot: Harness, lookups: FakeLookups, lang: str
) -> None:
    user = fake.user(2000 + len(lang), lang=lang)
    chat = fake.private_chat(user)
    router = Router(lookups, default_lang="ko")  # what the core answers, to compare with
    for text in COMMANDS + ALIASES:
        answer = await bot.say(chat, user, text)
        assert answer, f"no answer to {text}"
        expected = await router.handle(text, user=f"tg:{user['id']}", lang_hint=lang)
        assert expected.lang == lang and expected.kind is not ReplyKind.ERROR
        assert expected.headline in answer[0].text, (text, answer[0].text[:120])
    no_rejections(fake)


async def test_lang_overrides_telegrams_language_code_and_is_stored(
    fake: FakeTelegram, bot: Harness, lookups: FakeLookups
) -> None:
    user = fake.user(3001, lang="ko")
    chat = fake.private_chat(user)
    assert t("help.title", "ko") in only(await bot.say(chat, user, "/help")).text
    assert only(await bot.say(chat, user, "/lang en")).text == t("lang.set", "en")
    assert lookups.langs == {"tg:3001": "en"}
    assert t("help.title", "en") in only(await bot.say(chat, user, "/help")).text
    assert only(await bot.say(chat, user, "/언어 한국어")).text == t("lang.set", "ko")
    no_rejections(fake)


async def test_plain_text_in_a_private_chat_is_a_film_title(
    fake: FakeTelegram, bot: Harness
) -> None:
    user = fake.user(3002, lang="en")
    chat = fake.private_chat(user)
    message = only(await bot.say(chat, user, "기생충"))
    assert "Reviews of “기생충” (7)" in message.text
    assert message.reply_to is None  # private answers do not quote
    assert message.link_preview == {"is_disabled": True}  # a list previews no link
    no_rejections(fake)


async def test_unknown_command_in_private_gets_the_router_note(
    fake: FakeTelegram, bot: Harness
) -> None:
    user = fake.user(3003, lang="en")
    chat = fake.private_chat(user)
    assert "/nosuch" in only(await bot.say(chat, user, "/nosuch")).text
    assert await bot.say(chat, user, "/film@other_bot 기생충") == []
    mentioned = only(await bot.say(chat, user, f"{MENTION} 헤어질 결심"))
    assert "Reviews of “헤어질 결심”" in mentioned.text
    no_rejections(fake)


# ---------------------------------------------------------------------- groups


async def test_groups_answer_only_what_is_addressed_to_the_bot(
    fake: FakeTelegram, bot: Harness
) -> None:
    user = fake.user(4001, lang="ko")
    group = fake.group_chat(-1004001)
    answered = await bot.say(group, user, f"/film{MENTION} 기생충")
    card = only(answered)
    assert "‘기생충’ 리뷰 7편" in card.text
    assert card.reply_to is not None  # in a group the answer quotes the question
    assert await bot.say(group, user, "/film@other_bot 기생충") == []
    assert await bot.say(group, user, "기생충") == []  # chatter
    assert await bot.say(group, user, "/nosuch") == []  # some other bot's command
    assert await bot.say(group, user, "/영화@other_bot 기생충") == []
    assert only(await bot.say(group, user, "/film 헤어질 결심"))  # a plain command is ours
    assert only(await bot.say(group, user, f"/영화{MENTION} 기생충"))
    assert only(await bot.say(group, user, f"/NOSUCH{MENTION.upper()}"))  # ours: a usage note
    assert only(await bot.say(group, user, f"{MENTION} 헤어질 결심"))
    assert await bot.say(group, user, f"{MENTION}x 헤어질 결심") == []  # someone else
    reply = only(await bot.say(group, user, "헤어질 결심", reply_to=card))
    assert "헤어질 결심" in reply.text
    no_rejections(fake)


async def test_groups_ignore_bots_and_cards_sent_through_inline_mode(
    fake: FakeTelegram, bot: Harness
) -> None:
    group = fake.group_chat(-1004002)
    other_bot = {"id": 777, "is_bot": True, "first_name": "Other", "username": "other_bot"}
    assert await bot.say(group, other_bot, "/film 기생충") == []
    user = fake.user(4002)
    via = await bot.say(group, user, "기생충 리뷰 1", via_bot=fake.bot_user)
    assert via == []
    private = fake.private_chat(user)
    assert await bot.say(private, user, "/film 기생충", via_bot=fake.bot_user) == []
    no_rejections(fake)


async def test_anonymous_admins_are_answered(fake: FakeTelegram, bot: Harness) -> None:
    group = fake.group_chat(-1004003)
    anonymous = {
        "id": 1087968824,
        "is_bot": True,
        "first_name": "Group",
        "username": "GroupAnonymousBot",
    }
    answer = await bot.say(group, anonymous, f"/help{MENTION}", sender_chat=group)
    assert only(answer)
    no_rejections(fake)


async def test_forum_topics_are_answered_in_their_topic(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(4004)
    forum = fake.group_chat(-1004004, forum=True)
    answer = only(await bot.say(forum, user, "/film 기생충", thread_id=42))
    assert answer.thread_id == 42
    no_rejections(fake)


# ---------------------------------------------------------------------- buttons


async def test_paging_edits_the_message_in_place(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(5001, lang="ko")
    chat = fake.private_chat(user)
    first = only(await bot.say(chat, user, "/film 기생충"))
    assert "1/2쪽" in first.text and "기생충 리뷰 5" in first.text
    assert all(len(d.encode()) <= 64 for d in first.callback_data())
    nxt = first.button("다음")["callback_data"]
    query = await bot.press(first, nxt, user)
    assert fake.callback_queries[query]["answered"] == {"text": "", "show_alert": False}
    page2 = fake.messages[(chat["id"], first.message_id)]
    assert page2.edits == 1 and "2/2쪽" in page2.text and "기생충 리뷰 6" in page2.text
    assert "기생충 리뷰 1 " not in page2.text
    assert len(fake.bot_messages(chat["id"])) == 1  # edited, not sent again
    prev = page2.button("이전")["callback_data"]
    await bot.press(page2, prev, user)
    assert "1/2쪽" in fake.messages[(chat["id"], first.message_id)].text
    no_rejections(fake)


async def test_a_double_tap_that_changes_nothing_is_fine(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(5002, lang="ko")
    chat = fake.private_chat(user)
    first = only(await bot.say(chat, user, "/film 기생충"))
    nxt = first.button("다음")["callback_data"]
    as_shown = copy.deepcopy(first)  # the client still shows page 1 for the second tap
    await bot.press(first, nxt, user)
    again = await bot.press(first, nxt, user, shown=as_shown)
    assert fake.callback_queries[again]["answered"] is not None
    errors = [c.error for c in fake.rejected()]
    assert len(errors) == 1 and "message is not modified" in (errors[0] or "")
    assert len(fake.bot_messages(chat["id"])) == 1  # no apology, no duplicate
    no_rejections(fake, allowed=("message is not modified",))


async def test_opening_buttons_send_a_new_message(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(5003, lang="en")
    chat = fake.private_chat(user)
    first = only(await bot.say(chat, user, "/film 기생충"))
    await bot.press(first, first.button("1 · Sections")["callback_data"], user)
    sections = fake.bot_messages(chat["id"])[-1]
    assert sections.message_id != first.message_id
    assert "Sections: 기생충 리뷰 1" in sections.text and "계단과 냄새" in sections.text
    await bot.press(first, first.button("1 · Related")["callback_data"], user)
    related = fake.bot_messages(chat["id"])[-1]
    assert "Related: 기생충 리뷰 1" in related.text and "From the blog" in related.text
    assert any(b["text"].startswith("🔗 ") and "url" in b for b in related.buttons())
    review_button = next(b for b in related.buttons() if b["text"].startswith("📄 헤어질"))
    await bot.press(related, review_button["callback_data"], user)
    review = fake.bot_messages(chat["id"])[-1]
    assert review.text.startswith("헤어질 결심 리뷰: 안개 속의 사랑")
    assert review.link_preview and review.link_preview.get("url") == "https://filmnote.example/8"
    assert fake.messages[(chat["id"], first.message_id)].edits == 0
    no_rejections(fake)


async def test_picking_a_film_edits_the_choice_list(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(5004, lang="ko")
    chat = fake.private_chat(user)
    choices = only(await bot.say(chat, user, "/film 괴물"))
    assert "여러 편" in choices.text
    picked = choices.button("괴물 (2006)")
    assert "리뷰 1편" in picked["text"]
    await bot.press(choices, picked["callback_data"], user)
    edited = fake.messages[(chat["id"], choices.message_id)]
    assert "괴물 (2006) 리뷰" in edited.text and "괴물 (2023) 리뷰" not in edited.text
    no_rejections(fake)


async def test_suggestions_and_another_one(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(5005, lang="ko")
    chat = fake.private_chat(user)
    typo = only(await bot.say(chat, user, "/film 기생층"))
    await bot.press(typo, typo.button("기생충")["callback_data"], user)
    assert "‘기생충’ 리뷰 7편" in fake.messages[(chat["id"], typo.message_id)].text
    pick = only(await bot.say(chat, user, "/random 가족"))
    another = pick.button("다른 추천")["callback_data"]
    query = await bot.press(pick, another, user)
    assert fake.callback_queries[query]["answered"] is not None
    assert len(fake.bot_messages(chat["id"])) == 2
    # the fake's "random" always picks the same review: the message already shows it
    assert len(fake.calls_to("editMessageText")) == 1  # the suggestion's edit only
    no_rejections(fake)


async def test_expired_and_forged_buttons_get_an_alert(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(5006, lang="en")
    chat = fake.private_chat(user)
    first = only(await bot.say(chat, user, "/film 기생충"))
    expired = await bot.press(first, "q:nosuchkey:5", user, check=False)
    assert fake.callback_queries[expired]["answered"] == {
        "text": t("action.expired", "en"),
        "show_alert": True,
    }
    forged = await bot.press(first, "<b>&'\"" * 5, user, check=False)
    assert fake.callback_queries[forged]["answered"]["text"] == t("action.invalid", "en")
    assert fake.messages[(chat["id"], first.message_id)].edits == 0  # the list stays
    assert len(fake.bot_messages(chat["id"])) == 1
    no_rejections(fake)


async def test_a_message_that_cannot_be_edited_gets_a_new_one(
    fake: FakeTelegram, bot: Harness
) -> None:
    user = fake.user(5007, lang="ko")
    chat = fake.private_chat(user)
    first = only(await bot.say(chat, user, "/film 기생충"))
    fake.fail("editMessageText", code=400, description="Bad Request: message can't be edited")
    query = await bot.press(first, first.button("다음")["callback_data"], user)
    assert fake.callback_queries[query]["answered"] is not None
    messages = fake.bot_messages(chat["id"])
    assert len(messages) == 2 and "2/2쪽" in messages[1].text


# ---------------------------------------------------------------------- restarts


async def test_buttons_from_before_a_restart_still_work(
    fake: FakeTelegram, lookups: FakeLookups
) -> None:
    user = fake.user(6001, lang="ko")
    chat = fake.private_chat(user)
    old = await running(fake, lookups)
    first = only(await old.say(chat, user, "/film 기생충"))
    await old.stop()
    # a new process: new Application, new Router; the lookups stand for the same database
    new = await running(fake, lookups)
    try:
        await new.press(first, first.button("다음")["callback_data"], user)
        assert "2/2쪽" in fake.messages[(chat["id"], first.message_id)].text
        await new.press(first, "s:1", user, check=False)  # a sections button from the old page
        assert "섹션 · 기생충 리뷰 1" in fake.bot_messages(chat["id"])[-1].text
    finally:
        await new.stop()
    no_rejections(fake)


async def test_a_restart_mid_conversation_loses_and_repeats_nothing(
    fake: FakeTelegram, lookups: FakeLookups
) -> None:
    user = fake.user(6002, lang="ko")
    chat = fake.private_chat(user)
    first_run = await running(fake, lookups)
    first = only(await first_run.say(chat, user, "/film 기생충"))
    await first_run.stop()
    # while the bot is down the user goes on: a message and a button press wait at Telegram
    waiting = fake.send_text(chat, user, "/film 헤어질 결심")
    query = fake.press(first, first.button("다음")["callback_data"], user)
    second_run = await running(fake, lookups)
    try:
        await second_run.handled(waiting.update_id)
        await second_run.handled(fake.callback_queries[query]["update_id"])
        await fake.wait_idle()
    finally:
        await second_run.stop()
    messages = fake.bot_messages(chat["id"])
    assert [m.text.count("‘기생충’ 리뷰 7편") for m in messages] == [1, 0]
    assert "헤어질 결심" in messages[1].text
    assert "2/2쪽" in messages[0].text
    assert len(fake.calls_to("sendMessage", ok=True)) == 2  # nothing answered twice
    assert fake.callback_queries[query]["answered"] is not None
    no_rejections(fake)


# ---------------------------------------------------------------------- inline mode


async def test_inline_mode_pages_with_next_offset(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(7001, lang="ko")
    seen: list[str] = []
    offset = ""
    pages = 0
    while True:
        answer = await bot.inline(user, "기생충", offset)
        pages += 1
        results = answer["results"]
        assert 1 <= len(results) <= 3 and answer["is_personal"]
        seen.extend(r["id"] for r in results)
        for result in results:
            content = result["input_message_content"]
            assert content["parse_mode"] == "HTML" and "기생충 리뷰" in content["message_text"]
            urls = [b["url"] for row in result["reply_markup"]["inline_keyboard"] for b in row]
            assert f"https://t.me/{BOT_USERNAME}?start=r{result['id'][1:]}" in urls
            assert all(
                "callback_data" not in b
                for row in result["reply_markup"]["inline_keyboard"]
                for b in row
            )
        offset = answer["next_offset"]
        if not offset:
            break
    assert pages == 3 and seen == [f"r{i}" for i in range(1, 8)]
    no_rejections(fake)


async def test_inline_mode_empty_and_unknown_queries(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(7002, lang="en")
    empty = await bot.inline(user, "   ")
    assert empty["results"] == [] and empty["button"]["start_parameter"] == "help"
    assert empty["button"]["text"] == t("telegram.inline_hint", "en")
    none = await bot.inline(user, "zzzz nothing")
    assert none["results"] == [] and none["button"]["text"] == t("telegram.inline_none", "en")
    forged = await bot.inline(user, "기생충", offset="-5")  # a forged offset is the first page
    assert [r["id"] for r in forged["results"]] == ["r1", "r2", "r3"]
    no_rejections(fake)


async def test_inline_mode_answers_at_most_50_results(fake: FakeTelegram) -> None:
    lookups = FakeLookups()
    for post_id in range(100, 160):
        lookups.posts[post_id] = make_post(
            post_id, f"기생충 다시 보기 {post_id}", film="기생충", film_id=1, year=2019
        )
    harness = await running(fake, lookups, inline_page_size=50)
    try:
        user = fake.user(7003)
        first = await harness.inline(user, "기생충")
        assert len(first["results"]) == 50 and first["next_offset"] == "50"
        second = await harness.inline(user, "기생충", first["next_offset"])
        assert len(second["results"]) == 17 and second["next_offset"] == ""
    finally:
        await harness.stop()
    no_rejections(fake)


async def test_deep_links_open_a_review(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(7004, lang="ko")
    chat = fake.private_chat(user)
    review = only(await bot.say(chat, user, "/start r8"))
    assert review.text.startswith("헤어질 결심 리뷰: 안개 속의 사랑")
    assert only(await bot.say(chat, user, "/start r_1")).text.startswith("기생충 리뷰 1")
    assert only(await bot.say(chat, user, "/start r999")).text == t(
        "review.not_found", "ko", id=999
    )
    assert t("start.welcome", "ko") in only(await bot.say(chat, user, "/start help")).text
    no_rejections(fake)


# ---------------------------------------------------------------------- hostile input


async def test_hostile_input_is_escaped_everywhere(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(8001, lang="ko")
    chat = fake.private_chat(user)
    answer = only(await bot.say(chat, user, "/film <b>&\"'"))
    assert "<b>&\"' [bold red]제목[/] *별* _밑줄_" in answer.text  # the hostile title, as text
    assert "<script>alert(1)</script>" in answer.text
    assert answer.html and "<script>" not in answer.html and "&lt;script&gt;" in answer.html
    link = answer.button("원문")["url"]
    assert link == "https://filmnote.example/13?a=1&b=%3C2%3E"
    theme = only(await bot.say(chat, user, "/theme <i>unclosed & <b>"))
    assert "<i>unclosed & <b>" in theme.text
    everyone = only(await bot.say(chat, user, "@everyone"))
    assert "@everyone" in everyone.text
    no_rejections(fake)


async def test_a_5000_character_query(fake: FakeTelegram, bot: Harness) -> None:
    user = fake.user(8002, lang="en")
    chat = fake.private_chat(user)
    answer = only(await bot.say(chat, user, "/film " + "기생충 <b>&" * 500))
    assert "only its first" in answer.text
    emoji = only(await bot.say(chat, user, "🎬" * 5000))
    assert emoji.text
    no_rejections(fake)


async def test_long_answers_are_split_between_paragraphs(fake: FakeTelegram) -> None:
    lookups = FakeLookups()
    sections = tuple(
        Section(f"장면 {n} 🎬<b>", ("비 오는 밤 계단을 내려가는 장면 🎬🌧️. " * 40).strip())
        for n in range(1, 21)
    )
    lookups.posts[50] = make_post(50, "긴 리뷰 <&>", film="기생충", film_id=1, sections=sections)
    harness = await running(fake, lookups)
    try:
        user = fake.user(8003, lang="ko")
        chat = fake.private_chat(user)
        parts = await harness.say(chat, user, "/sections 50")
    finally:
        await harness.stop()
    assert len(parts) >= 2
    assert all(len(p.text.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert [p.reply_markup is not None for p in parts][:-1] == [False] * (len(parts) - 1)
    for part in parts:
        assert part.text.startswith(("섹션 · ", "장면 ")), part.text[:40]  # whole paragraphs
    assert sum(len(re.findall(r"^장면 \d+ 🎬<b>$", p.text, re.M)) for p in parts) == 20
    no_rejections(fake)


class SlowLookups(FakeLookups):
    """Lookups where one film title hangs until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def by_film(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult:
        if query == "느린 영화":
            await self.gate.wait()
        return await super().by_film(query, limit=limit, offset=offset)


async def test_one_slow_chat_holds_up_only_itself(fake: FakeTelegram) -> None:
    lookups = SlowLookups()
    harness = await running(fake, lookups)
    try:
        slow_user, other_user = fake.user(8101), fake.user(8102)
        slow_chat, other_chat = fake.private_chat(slow_user), fake.private_chat(other_user)
        slow = fake.send_text(slow_chat, slow_user, "/film 느린 영화")
        after = fake.send_text(slow_chat, slow_user, "/help")
        assert only(await harness.say(other_chat, other_user, "/help"))  # not held up
        assert fake.bot_messages(slow_chat["id"]) == []  # the slow chat waits, in order
        lookups.gate.set()
        await harness.handled(slow.update_id)
        await harness.handled(after.update_id)
    finally:
        await harness.stop()
    first, second = fake.bot_messages(slow_chat["id"])
    assert "느린 영화" in first.text and t("help.title", "ko") in second.text
    no_rejections(fake)


# ---------------------------------------------------------------------- rate limits and errors


async def test_flood_control_delays_and_sends_exactly_once(
    fake: FakeTelegram, bot: Harness
) -> None:
    user = fake.user(9001, lang="ko")
    chat = fake.private_chat(user)
    fake.fail("sendMessage", code=429, retry_after=1, chat_id=chat["id"])
    started = time.monotonic()
    answer = only(await bot.say(chat, user, "/film 기생충", within=10))
    assert time.monotonic() - started >= 1.0
    assert "‘기생충’ 리뷰 7편" in answer.text
    sends = fake.calls_to("sendMessage")
    assert [c.status for c in sends] == [429, 200]
    no_rejections(fake)


async def test_a_blocked_bot_is_handled_quietly(
    fake: FakeTelegram, bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    user = fake.user(9002)
    chat = fake.private_chat(user)
    fake.block(chat["id"])
    assert await bot.say(chat, user, "/film 기생충") == []
    assert [c.status for c in fake.calls_to("sendMessage")] == [403]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    other = fake.user(9003)
    assert only(await bot.say(fake.private_chat(other), other, "/help"))  # still running
    no_rejections(fake)


async def test_unexpected_failures_get_one_apology_and_a_clean_log(
    fake: FakeTelegram, bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = fake.user(9004, lang="en")
    chat = fake.private_chat(user)
    fake.fail("sendMessage", code=400, description="Bad Request: something odd happened")
    answer = only(await bot.say(chat, user, "/film 기생충"))
    assert answer.text == t("error.sorry", "en")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "could not answer update" in errors[0].getMessage()
    assert "Traceback" not in answer.text
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text


async def test_the_token_never_reaches_the_log(
    fake: FakeTelegram, lookups: FakeLookups, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    harness = await running(fake, lookups)
    try:
        user = fake.user(9005)
        await harness.say(fake.private_chat(user), user, "/help")
        logging.getLogger("test").error("leak? %s", f"{fake.base_url}{TOKEN}/getMe")
        logging.getLogger("httpx").warning("HTTP Request: POST %s", f"{fake.base_url}{TOKEN}/x")
    finally:
        await harness.stop()
    assert caplog.text
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text
    assert "<telegram-token>" in caplog.text


# ---------------------------------------------------------------------- send() and webhooks


async def test_send_delivers_one_message_and_maps_failures(
    fake: FakeTelegram, bot: Harness, lookups: FakeLookups
) -> None:
    reply = await Router(lookups).handle("/review 8", user="digest")
    adapter = bot.adapter
    group = fake.group_chat(-1009001, forum=True)
    message_id = await adapter.send(str(group["id"]), reply)
    sent = fake.messages[(group["id"], int(message_id))]
    assert sent.text.startswith("헤어질 결심 리뷰") and sent.thread_id is None
    topic_id = await adapter.send(f"{group['id']}:7", reply)
    assert fake.messages[(group["id"], int(topic_id))].thread_id == 7

    fake.fail("sendMessage", code=429, retry_after=3)
    with pytest.raises(RetryLater) as later:
        await adapter.send(str(group["id"]), reply)
    assert later.value.seconds == 3
    assert [c.status for c in fake.calls_to("sendMessage")][-1] == 429  # not retried

    fake.block(group["id"])
    with pytest.raises(ChatGone):
        await adapter.send(str(group["id"]), reply)
    with pytest.raises(ChatGone):
        await adapter.send("-1009999", reply)  # a chat the bot was never in
    with pytest.raises(DeliveryError):
        await adapter.send("not a chat", reply)
    no_rejections(fake, allowed=("chat not found",))


@pytest.mark.parametrize(
    ("description", "gone"),
    [
        ("Bad Request: message thread not found", True),
        ("Bad Request: TOPIC_CLOSED", True),
        ("Bad Request: not enough rights to send text messages to the chat", True),
        ("Bad Request: CHAT_WRITE_FORBIDDEN", True),
        ("Bad Request: message is too long", False),
    ],
)
async def test_send_tells_a_chat_it_cannot_post_in_from_a_bad_message(
    fake: FakeTelegram, bot: Harness, lookups: FakeLookups, description: str, gone: bool
) -> None:
    """A deleted or closed forum topic, or a bot muted in its group, pauses the chat's
    subscriptions (ChatGone); a refused message is a plain failure, tried again later."""
    reply = await Router(lookups).handle("/review 8", user="digest")
    group = fake.group_chat(-1009003, forum=True)
    fake.fail("sendMessage", code=400, description=description)
    with pytest.raises(DeliveryError) as caught:
        await bot.adapter.send(f"{group['id']}:9", reply)
    assert isinstance(caught.value, ChatGone) is gone


async def test_before_send_runs_once_as_the_request_leaves_and_can_stop_it(
    fake: FakeTelegram, bot: Harness, lookups: FakeLookups
) -> None:
    """The digest marks a delivery "sending" in ``before_send``: it must run after the rate
    limiter let the request through and before Telegram sees it, once even when a 429 is
    retried, and whatever it raises must reach the caller with nothing sent."""
    reply = await Router(lookups).handle("/review 8", user="digest")
    chat = fake.private_chat(fake.user(9011))
    seen: list[int] = []

    async def hook() -> None:
        seen.append(len(fake.calls_to("sendMessage")))

    await bot.adapter.send(str(chat["id"]), reply, before_send=hook)
    assert seen == [0] and len(fake.bot_messages(chat["id"])) == 1

    class Lost(Exception):
        pass

    async def refuse() -> None:
        raise Lost

    with pytest.raises(Lost):
        await bot.adapter.send(str(chat["id"]), reply, before_send=refuse)
    assert len(fake.calls_to("sendMessage")) == 1  # nothing left for Telegram
    fake.fail("sendMessage", code=429, retry_after=1)
    with pytest.raises(RetryLater):
        await bot.adapter.send(str(chat["id"]), reply, before_send=hook)
    assert seen == [0, 1]
    # an answer sent without the hook is untouched by the last one's
    await bot.adapter.send(str(chat["id"]), reply)
    assert seen == [0, 1]


async def test_send_to_a_group_that_became_a_supergroup_names_the_new_id(
    fake: FakeTelegram, bot: Harness, lookups: FakeLookups
) -> None:
    reply = await Router(lookups).handle("/review 8", user="digest")
    group = fake.group_chat(-4009002)
    fake.migrate(group["id"], -1004009002)
    with pytest.raises(ChatMoved) as moved:
        await bot.adapter.send(str(group["id"]), reply)
    assert moved.value.new_chat_id == "-1004009002"
    assert fake.bot_messages(group["id"]) == []  # refused, so nothing to send twice
    message_id = await bot.adapter.send(moved.value.new_chat_id, reply)
    assert fake.messages[(-1004009002, int(message_id))].text.startswith("헤어질 결심")


async def test_a_send_whose_answer_never_comes_is_uncertain(
    fake: FakeTelegram, lookups: FakeLookups
) -> None:
    """Telegram posted the message but the answer did not come within the read timeout:
    the adapter must say "perhaps sent", not a plain failure that invites a resend."""
    reply = await Router(lookups).handle("/review 8", user="digest")
    harness = await running(fake, lookups, read_timeout=0.3)
    try:
        chat = fake.private_chat(fake.user(9010))
        fake.answer_late("sendMessage", 1.0)
        with pytest.raises(SendUncertain) as uncertain:
            await harness.adapter.send(str(chat["id"]), reply)
        assert "no answer" in str(uncertain.value)
        assert len(fake.bot_messages(chat["id"])) == 1  # it did arrive
        # a refused connection is a plain failure: nothing can have arrived
        fake.stop()
        with pytest.raises(DeliveryError) as refused:
            await harness.adapter.send(str(chat["id"]), reply)
        assert not isinstance(refused.value, SendUncertain)
    finally:
        await harness.stop()


async def test_send_cuts_a_long_reply_into_one_message(fake: FakeTelegram, bot: Harness) -> None:
    from bot.replies import Card, SectionBlock

    card = Card(post_id=1, title="긴 글", url="https://filmnote.example/1")
    reply = Reply(
        kind=ReplyKind.SECTIONS,
        lang="en",
        headline="Sections: 긴 글",
        cards=(card,),
        sections=tuple(SectionBlock(f"part {n}", "🎬 word " * 300) for n in range(10)),
    )
    user = fake.user(9006)
    chat = fake.private_chat(user)
    message_id = await bot.adapter.send(str(chat["id"]), reply)
    sent = fake.messages[(chat["id"], int(message_id))]
    assert len(fake.bot_messages(chat["id"])) == 1
    assert sent.text.rstrip().endswith("Read more ›") and sent.links[-1] == card.url
    no_rejections(fake)


async def test_send_needs_a_running_adapter(fake: FakeTelegram, lookups: FakeLookups) -> None:
    reply = Reply(kind=ReplyKind.TEXT, lang="en", headline="hello")
    with pytest.raises(DeliveryError):
        await make_adapter(fake, lookups).send("1", reply)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_with_a_secret_token(fake: FakeTelegram, lookups: FakeLookups) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    harness = await running(
        fake,
        lookups,
        webhook_url=url,
        webhook_port=port,
        webhook_secret="s3cret-token_x",
    )
    try:
        assert fake.webhook["url"] == url and fake.webhook["secret_token"] == "s3cret-token_x"
        assert not fake.calls_to("getUpdates")
        user = fake.user(9101, lang="en")
        chat = fake.private_chat(user)
        update: dict[str, Any] = {
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": chat,
                "from": user,
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            }
        }
        assert await fake.push_webhook(dict(update), secret="wrong") == 403
        assert await fake.push_webhook(dict(update)) == 200
        await fake.wait_bot_messages(chat["id"], 1)
        assert t("help.title", "en") in fake.bot_messages(chat["id"])[0].text
    finally:
        await harness.stop()
    no_rejections(fake)


async def test_webhook_secret_is_validated() -> None:
    with pytest.raises(ValueError):
        TelegramConfig(token=TOKEN, webhook_secret="has spaces!")
    with pytest.raises(ValueError):
        TelegramConfig(token=TOKEN, webhook_url="ftp://example.com/hook")
