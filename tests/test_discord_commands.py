"""Discord slash commands end to end: the real discord.py command tree against a fake Discord.

Every test logs a bot built by ``build_bot`` in to the fake (which runs its ``setup_hook``:
commands, translator, command upload), feeds it raw ``INTERACTION_CREATE`` payloads built from
the schema it uploaded, and checks what it sent back. The fake rejects anything Discord would;
every test ends by checking that nothing was rejected.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Config, DiscordConfig
from bot.results import FilmChoice
from tests.fake_discord import (
    COMMAND,
    DEFERRED_MESSAGE,
    EPHEMERAL,
    GUILD_ID,
    MESSAGE,
    TOKEN,
    FakeDiscord,
    Harness,
    Refused,
    custom_ids,
    fake,
)
from tests.fake_lookups import FakeLookups

__all__ = ["fake"]  # the fixture, used by the tests below


@pytest.fixture
async def harness(fake: FakeDiscord, tmp_path: Any) -> AsyncIterator[Harness]:
    h = Harness(fake, tmp_path)
    yield h
    await h.close()


@pytest.fixture
def lookups() -> FakeLookups:
    return FakeLookups()


def embed(message: dict[str, Any]) -> dict[str, Any]:
    assert len(message["embeds"]) == 1, message
    result: dict[str, Any] = message["embeds"][0]
    return result


# ---------------------------------------------------------------------- the uploaded schema

EXPECTED = {
    # name: (ko name, [(option, ko option, type, required, autocomplete)])
    "film": ("영화", [("title", "제목", 3, True, True)]),
    "theme": ("주제", [("theme", "주제", 3, True, True)]),
    "category": ("카테고리", [("name", "이름", 3, True, True)]),
    "categories": ("카테고리목록", []),
    "search": ("검색", [("words", "검색어", 3, True, False)]),
    "review": ("리뷰", [("number", "번호", 4, True, False)]),
    "sections": ("섹션", [("number", "번호", 4, True, False)]),
    "related": ("관련글", [("number", "번호", 4, True, False)]),
    "random": (
        "추천",
        [
            ("film", "영화", 3, False, True),
            ("theme", "주제", 3, False, True),
            ("category", "카테고리", 3, False, True),
        ],
    ),
    "subscribe": (
        "구독",
        [
            ("time", "시각", 3, False, False),
            ("timezone", "시간대", 3, False, True),
            ("filter", "필터", 3, False, False),
            ("mode", "방식", 3, False, False),
        ],
    ),
    "unsubscribe": ("구독취소", [("mode", "방식", 3, False, False)]),
    "subscriptions": ("구독목록", []),
    "digest": ("오늘의리뷰", []),
    "status": ("상태", [("enable", "다시켜기", 3, False, False)]),
    "lang": ("언어", [("language", "언어", 3, True, False)]),
    "help": ("도움말", []),
}


async def test_schema_upload_names_descriptions_localizations_and_options(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    await harness.start(lookups)
    puts = fake.calls("PUT", r"/applications/\d+/commands")
    assert len(puts) == 1
    uploaded = {c["name"]: c for c in puts[0].body}
    assert list(uploaded) == list(EXPECTED)
    for name, (ko_name, options) in EXPECTED.items():
        command = uploaded[name]
        assert command["type"] == 1
        assert command["name_localizations"] == {"ko": ko_name, "en-US": name, "en-GB": name}
        described = command["description_localizations"]
        assert set(described) == {"ko", "en-US", "en-GB"}
        assert described["en-US"] == command["description"]
        assert described["ko"] != command["description"]  # really translated
        got = [
            (
                o["name"],
                o["name_localizations"]["ko"],
                o["type"],
                o["required"],
                o.get("autocomplete", False),
            )
            for o in command.get("options", [])
        ]
        assert got == options, name
        for option in command.get("options", []):
            assert 1 <= len(option["description"]) <= 100
            assert option["description_localizations"]["ko"]
    for name in ("review", "sections", "related"):
        assert uploaded[name]["options"][0]["min_value"] == 1
    assert [c["value"] for c in uploaded["lang"]["options"][0]["choices"]] == ["ko", "en"]
    modes = uploaded["subscribe"]["options"][3]["choices"]
    assert [c["value"] for c in modes] == ["daily", "new"]
    assert modes[1]["name_localizations"]["ko"] == "새 글이 올라올 때마다"
    stop = uploaded["unsubscribe"]["options"][0]["choices"]
    assert [c["value"] for c in stop] == ["all", "daily", "new"]


async def test_second_start_with_the_same_commands_does_not_upload(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    first = await harness.start(lookups)
    assert first.synced == ["global"]
    await first.close()
    second = await harness.start(lookups)
    assert second.synced == []
    assert len(fake.command_uploads) == 1
    # The restarted bot still answers the commands uploaded by the first one.
    record = await harness.slash(second, "help")
    assert record.acked == MESSAGE


async def test_always_and_never_sync_modes(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    await harness.start(lookups)
    always = Config(discord=DiscordConfig(token=TOKEN, sync_commands="always"))
    bot = await harness.start(lookups, config=always)
    assert bot.synced == ["global"]
    never = Config(discord=DiscordConfig(token=TOKEN, sync_commands="never"))
    bot = await harness.start(lookups, config=never, sync_file=harness.sync_file.parent / "x")
    assert bot.synced == []
    assert len(fake.command_uploads) == 2


async def test_guild_sync_is_per_guild_and_a_refusing_guild_is_skipped(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups, caplog: pytest.LogCaptureFixture
) -> None:
    fake.refuse_guilds.add(42)
    config = Config(discord=DiscordConfig(token=TOKEN, guild_ids=[GUILD_ID, 42]))
    with caplog.at_level(logging.WARNING):
        bot = await harness.start(lookups, config=config)
    assert bot.synced == [str(GUILD_ID)]
    assert "applications.commands" in caplog.text
    assert fake.calls("PUT", r"/applications/\d+/commands") == []
    assert [c["name"] for c in fake.commands[GUILD_ID]] == list(EXPECTED)
    # Guild commands carry the guild id; the tree finds them there.
    record = await harness.slash(bot, "film", {"title": "기생충"}, guild=GUILD_ID)
    assert record.acked == MESSAGE
    assert "기생충" in embed(harness.message(record))["title"]
    again = await harness.start(lookups, config=config)
    assert again.synced == []  # the guild that accepted is up to date; 42 is tried again
    assert {r.status for r in fake.rejections} == {403}  # only the refusing guild's answers
    fake.rejections.clear()


# ---------------------------------------------------------------------- every command


async def test_film_lists_reviews_with_selects_and_paging(
    harness: Harness, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    record = await harness.slash(bot, "film", {"title": "기생충"})
    assert [c["type"] for c in record.callbacks] == [MESSAGE]
    message = harness.message(record)
    assert not message["flags"] & EPHEMERAL
    card = embed(message)
    assert card["title"] == "‘기생충’ 리뷰 7편"
    assert len(card["fields"]) == 5
    assert card["fields"][0]["name"].startswith("기생충 리뷰 1")
    assert "[원문 보기](https://filmnote.example/1)" in card["fields"][0]["value"]
    assert card["footer"]["text"] == "1/2쪽"
    ids = custom_ids(message)
    assert ids[:2] == ["rbs:n:0", "rbs:n:1"]  # sections of…, related posts of…
    assert ids[2].startswith("rb:e:q:") and ids[2].endswith(":5")  # next page, edits in place
    assert lookups.queried("by_film") == ["기생충"]


@pytest.mark.parametrize(
    ("name", "options", "called", "argument"),
    [
        ("theme", {"theme": "가족"}, "by_theme", "가족"),
        ("category", {"name": "리뷰 > 한국영화"}, "by_category", "리뷰/한국영화"),
        ("search", {"words": "계단 냄새"}, "search", "계단 냄새"),
        ("random", {}, "random", (None, None, None)),
        ("random", {"film": "기생충"}, "random", ("기생충", None, None)),
        ("random", {"theme": "가족", "category": "리뷰"}, "random", (None, "가족", None)),
        ("random", {"category": "리뷰 > 한국영화"}, "random", (None, None, "리뷰 > 한국영화")),
    ],
)
async def test_commands_reach_the_router_as_typed_commands(
    harness: Harness,
    lookups: FakeLookups,
    name: str,
    options: dict[str, Any],
    called: str,
    argument: object,
) -> None:
    bot = await harness.start(lookups)
    record = await harness.slash(bot, name, options)
    assert record.acked == MESSAGE
    assert lookups.queried(called)[0] == argument
    message = harness.message(record)
    assert not message["flags"] & EPHEMERAL
    assert embed(message)["title"]


async def test_review_card_has_buttons_and_a_link(harness: Harness, lookups: FakeLookups) -> None:
    bot = await harness.start(lookups)
    message = harness.message(await harness.slash(bot, "review", {"number": 1}))
    card = embed(message)
    assert card["title"] == "기생충 리뷰 1 — 계단의 영화 · #1"
    assert card["url"] == "https://filmnote.example/1"
    assert "반지하와 저택" in card["description"]
    assert {f["name"] for f in card["fields"]} == {"영화", "날짜", "카테고리", "주제"}
    buttons = message["components"][0]["components"]
    assert [b.get("custom_id") for b in buttons] == ["rb:n:s:1", "rb:n:r:1", None]
    assert [b["label"] for b in buttons] == ["섹션", "관련 글", "원문 보기"]
    assert buttons[2]["style"] == 5 and buttons[2]["url"] == "https://filmnote.example/1"


async def test_sections_and_related_commands(harness: Harness, lookups: FakeLookups) -> None:
    bot = await harness.start(lookups)
    sections = embed(harness.message(await harness.slash(bot, "sections", {"number": 1})))
    assert sections["title"] == "섹션 · 기생충 리뷰 1 — 계단의 영화"
    assert [f["name"] for f in sections["fields"]] == ["(도입)", "줄거리", "계단과 냄새"]
    assert all(len(f["value"]) <= 1024 for f in sections["fields"])
    related = harness.message(await harness.slash(bot, "related", {"number": 1}))
    fields = embed(related)["fields"]
    assert [f["name"] for f in fields] == ["블로그의 관련 글", "비슷한 리뷰"]
    assert "[아직 없는 글](https://filmnote.example/999)" in fields[0]["value"]
    assert custom_ids(related) == ["rbs:n:0", "rb:n:m:1"]


async def test_categories_list_and_select(harness: Harness, lookups: FakeLookups) -> None:
    bot = await harness.start(lookups)
    message = harness.message(await harness.slash(bot, "categories"))
    card = embed(message)
    assert card["title"].startswith("카테고리")
    assert "리뷰 > 한국영화" in card["description"]
    select = message["components"][0]["components"][0]
    assert select["type"] == 3 and select["custom_id"] == "rbs:n:0"
    assert select["placeholder"] == "카테고리 열기…"
    assert all(o["value"].startswith("q:") for o in select["options"])


@pytest.mark.parametrize(
    ("locale", "headline", "usage"),
    [
        ("ko", "이렇게 물어보세요:", "사용법: /film"),
        ("en-US", "What I can do:", "Usage: /film"),
        ("en-GB", "What I can do:", "Usage: /film"),
    ],
)
async def test_help_and_usage_are_private_and_in_the_users_language(
    harness: Harness, lookups: FakeLookups, locale: str, headline: str, usage: str
) -> None:
    bot = await harness.start(lookups)
    message = harness.message(await harness.slash(bot, "help", locale=locale))
    assert message["flags"] & EPHEMERAL
    card = embed(message)
    assert card["title"] == headline
    names = [f["name"] for f in card["fields"]]
    if locale == "ko":  # as a Korean client shows the commands
        assert names[:2] == ["/영화 제목", "/주제 주제"]
        assert names[-1] == "/도움말"
    else:
        assert names[:2] == ["/film TITLE", "/theme WORD"]
    blank = await harness.slash(bot, "film", {"title": "   "}, locale=locale)
    assert harness.message(blank)["flags"] & EPHEMERAL
    assert harness.message(blank)["content"].startswith(usage)


async def test_lang_choice_wins_over_the_client_locale(
    harness: Harness, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    record = await harness.slash(bot, "lang", {"language": "en"}, locale="ko")
    message = harness.message(record)
    assert message["flags"] & EPHEMERAL
    assert message["content"] == "I'll answer in English from now on."
    assert lookups.langs == {f"discord:{record.user_id}": "en"}
    film = harness.message(await harness.slash(bot, "film", {"title": "기생충"}, locale="ko"))
    assert embed(film)["title"] == "Reviews of “기생충” (7)"
    # Another user with a Korean client still gets Korean.
    other = await harness.slash(bot, "film", {"title": "기생충"}, user_id=5, locale="ko")
    assert embed(harness.message(other))["title"] == "‘기생충’ 리뷰 7편"


async def test_english_client_gets_english_answers(harness: Harness, lookups: FakeLookups) -> None:
    bot = await harness.start(lookups)
    message = harness.message(await harness.slash(bot, "film", {"title": "기생충"}, locale="en-US"))
    card = embed(message)
    assert card["title"] == "Reviews of “기생충” (7)"
    assert card["footer"]["text"] == "page 1 of 2"
    assert "[Open post](https://filmnote.example/1)" in card["fields"][0]["value"]
    placeholders = [c.get("placeholder") for r in message["components"] for c in r["components"]]
    assert placeholders[:2] == ["See the sections of a review…", "See posts related to a review…"]


# ---------------------------------------------------------------------- options Discord refuses


async def test_the_fake_refuses_options_discord_would_not_send(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    await harness.start(lookups)
    with pytest.raises(Refused, match="INTEGER"):
        fake.slash("review", {"number": "18"})
    with pytest.raises(Refused, match="INTEGER"):
        fake.slash("review", {"number": True})
    with pytest.raises(Refused, match="below"):
        fake.slash("review", {"number": 0})
    with pytest.raises(Refused, match="STRING"):
        fake.slash("film", {"title": 18})
    with pytest.raises(Refused, match="required"):
        fake.slash("film", {})
    with pytest.raises(Refused, match="no option"):
        fake.slash("film", {"title": "x", "year": "2019"})
    with pytest.raises(Refused, match="choices"):
        fake.slash("lang", {"language": "fr"})
    with pytest.raises(Refused, match="no autocomplete"):
        fake.autocomplete("search", "words", "계")
    with pytest.raises(Refused, match="no command"):
        fake.slash("films", {})


@pytest.mark.parametrize(
    ("name", "option", "valid", "bad", "note"),
    [
        ("review", "number", 18, "eighteen", "Usage: /review NUMBER — e.g. /review 12"),
        ("review", "number", 18, -5, "Usage: /review NUMBER — e.g. /review 12"),
        (
            "lang",
            "language",
            "ko",
            "fr",
            "I could not read that option. Please check it and try again.",
        ),
    ],
)
async def test_a_malformed_option_gets_a_private_note_not_a_crash(
    harness: Harness,
    fake: FakeDiscord,
    lookups: FakeLookups,
    name: str,
    option: str,
    valid: object,
    bad: object,
    note: str,
) -> None:
    """Should a payload ever carry what the schema forbids (a stale client, a forged request),
    the user gets a private note in their language: the router's usage line for a number it
    cannot use, the tree's transformer error (``on_error``) for a choice that does not exist."""
    bot = await harness.start(lookups)
    payload = fake.slash(name, {option: valid}, locale="en-US")
    payload["data"]["options"][0]["value"] = bad
    record = await harness.send(bot, payload)
    message = harness.message(record)
    assert message["flags"] & EPHEMERAL
    assert message["content"] == note
    assert lookups.queried("review") == []
    assert lookups.langs == {}


async def test_commands_work_in_direct_messages(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    payload = fake.slash("film", {"title": "기생충"}, locale="en-US")
    for key in ("guild_id", "member", "guild_locale", "app_permissions"):
        payload.pop(key)
    payload["user"] = fake.user(77)
    payload["channel"] = {"id": payload["channel_id"], "type": 1, "recipients": [fake.user(77)]}
    payload["context"] = 1
    record = await harness.send(bot, payload)
    assert embed(harness.message(record))["title"] == "Reviews of “기생충” (7)"
    assert lookups.queried("by_film") == ["기생충"]


# ---------------------------------------------------------------------- errors and timing


@pytest.mark.parametrize(
    ("locale", "text"), [("ko", "죄송해요, 문제가 생겼어요."), ("en-US", "Sorry, something")]
)
async def test_errors_are_private_and_localized(harness: Harness, locale: str, text: str) -> None:
    bot = await harness.start(FakeLookups(fail=True))
    record = await harness.slash(bot, "film", {"title": "기생충"}, locale=locale)
    message = harness.message(record)
    assert message["flags"] & EPHEMERAL
    assert message["content"].startswith(text)
    assert message["embeds"] == []


async def test_rendering_failure_becomes_a_private_apology(
    harness: Harness, lookups: FakeLookups, monkeypatch: pytest.MonkeyPatch
) -> None:
    import adapters.discord.respond as respond

    def broken(reply: object) -> object:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(respond, "render", broken)
    bot = await harness.start(lookups)
    record = await harness.slash(bot, "film", {"title": "기생충"}, locale="ko")
    assert harness.message(record)["flags"] & EPHEMERAL
    assert harness.message(record)["content"].startswith("죄송해요")


async def test_a_slow_answer_is_deferred_then_filled_in(
    harness: Harness, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups, defer_after=0)
    record = await harness.slash(bot, "film", {"title": "기생충"})
    assert [c["type"] for c in record.callbacks] == [DEFERRED_MESSAGE]
    assert record.callbacks[0].get("data", {}).get("flags", 0) & EPHEMERAL == 0
    message = harness.message(record)
    assert embed(message)["title"] == "‘기생충’ 리뷰 7편"
    assert not message["flags"] & EPHEMERAL
    assert custom_ids(message)


async def test_a_slow_private_answer_replaces_the_public_thinking_message(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups, defer_after=0)
    record = await harness.slash(bot, "help")
    assert [c["type"] for c in record.callbacks] == [DEFERRED_MESSAGE]
    assert record.deleted_original  # the public "thinking…" is gone
    message = harness.message(record)
    assert message["flags"] & EPHEMERAL
    assert embed(message)["title"] == "이렇게 물어보세요:"
    assert [m for m in fake.messages.values() if not m["flags"] & EPHEMERAL] == []


async def test_two_bots_answering_one_interaction_get_40060(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups, caplog: pytest.LogCaptureFixture
) -> None:
    """The fake refuses a second initial response, as Discord does (two processes running
    with the same token would do this); the second bot logs it and does not crash."""
    first = await harness.start(lookups)
    second = await harness.start(lookups)
    payload = fake.slash("help")
    await harness.send(first, payload)
    with caplog.at_level(logging.ERROR):
        record = await harness.send(second, payload)
    assert len(record.callbacks) == 1
    codes = [r.answer["code"] for r in fake.rejections]
    assert 40060 in codes
    assert "already been acknowledged" in caplog.text
    fake.rejections.clear()


async def test_a_response_after_three_seconds_is_refused(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    payload = fake.slash("help")
    fake.interactions[int(payload["id"])].created -= 5  # as if it arrived 5 s ago
    record = await harness.send(bot, payload)
    assert record.acked is None
    assert {r.answer["code"] for r in fake.rejections} == {10062}
    fake.rejections.clear()


# ---------------------------------------------------------------------- autocomplete (fake)


class CompletingLookups(FakeLookups):
    """Autocomplete answers far beyond Discord's limits, to see them cut."""

    async def film_choices(self, prefix: str, *, limit: int = 25) -> list[FilmChoice]:
        self.calls.append(("film_choices", prefix))
        long = "영" * 150
        return [FilmChoice(i, f"{i}. {long}", 2000 + i, i) for i in range(1, 41)]

    async def theme_choices(self, prefix: str, *, limit: int = 25) -> list[str]:
        self.calls.append(("theme_choices", prefix))
        return ["가족", "가족", " ", "@everyone", *[f"주제{i}" for i in range(40)]]

    async def category_choices(self, prefix: str, *, limit: int = 25) -> list[str]:
        raise RuntimeError("database on fire")


async def test_autocomplete_answers_at_most_25_short_choices(harness: Harness) -> None:
    lookups = CompletingLookups()
    bot = await harness.start(lookups)
    films = await harness.complete(bot, "film", "title", "영")
    assert len(films) == 25
    assert all(1 <= len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in films)
    assert films[0]["name"].endswith("…")
    themes = await harness.complete(bot, "theme", "theme", "")
    assert [c["value"] for c in themes][:3] == ["가족", "@everyone", "주제0"]
    assert len(themes) == 25
    assert lookups.queried("theme_choices") == [""]
    broken = await harness.complete(bot, "category", "name", "리")
    assert broken == []  # a failing lookup answers with no choices, not with silence


async def test_autocomplete_for_random_options_and_a_slow_index(
    harness: Harness, lookups: FakeLookups
) -> None:
    bot = await harness.start(CompletingLookups())
    choices = await harness.complete(bot, "random", "theme", "가", others={"film": "기생충"})
    assert choices[0]["value"] == "가족"

    never: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()

    async def stuck(prefix: str, *, limit: int = 25) -> list[str]:
        return await never

    slow = await harness.start(lookups)
    slow.responder.autocomplete_timeout = 0
    lookups.theme_choices = stuck  # type: ignore[method-assign]
    assert await harness.complete(slow, "theme", "theme", "가") == []


async def test_commands_answer_within_the_deadline(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    for name, options in [("film", {"title": "기생충"}), ("categories", {}), ("random", {})]:
        record = await harness.slash(bot, name, options)
        assert record.acked == MESSAGE
        assert record.type == COMMAND


async def test_a_refused_upload_does_not_stop_the_bot_and_is_retried(
    harness: Harness,
    fake: FakeDiscord,
    lookups: FakeLookups,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import tests.fake_discord as fake_module

    strict = fake_module.validate_commands
    monkeypatch.setattr(fake_module, "validate_commands", lambda commands: ["broken"])
    with caplog.at_level(logging.ERROR):
        bot = await harness.start(lookups)
    assert bot.synced == []
    assert "could not upload the commands" in caplog.text
    assert {r.answer["code"] for r in fake.rejections} == {50035}
    fake.rejections.clear()
    monkeypatch.setattr(fake_module, "validate_commands", strict)
    again = await harness.start(lookups)
    assert again.synced == ["global"]  # nothing was remembered for the failed upload
