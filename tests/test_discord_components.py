"""Discord buttons and select menus end to end, after restarts, and with hostile review text.

Presses are built from the messages the bot actually sent (stored by the fake), so a test can
only press what a user could see; the real discord.py view store dispatches them to the
adapter's dynamic items, which decode the core's action tokens.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.domain import Section
from tests.fake_discord import (
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    EPHEMERAL,
    MESSAGE,
    UPDATE,
    FakeDiscord,
    Harness,
    Refused,
    custom_ids,
    fake,
    select_values,
    texts,
)
from tests.fake_lookups import FakeLookups, make_post

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


def button(message: dict[str, Any], prefix: str) -> str:
    found = [i for i in custom_ids(message) if i.startswith(prefix)]
    assert found, f"no {prefix}… in {custom_ids(message)}"
    return found[0]


# ---------------------------------------------------------------------- pagination (edits)


async def test_next_and_previous_edit_the_results_in_place(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    first = harness.message(await harness.slash(bot, "film", {"title": "기생충"}))
    message_id = int(first["id"])
    record = await harness.press(bot, message_id, button(first, "rb:e:q:"))
    assert [c["type"] for c in record.callbacks] == [UPDATE]
    assert record.original == message_id and record.followups == []
    page2 = fake.messages[message_id]
    assert embed(page2)["footer"]["text"] == "2/2쪽"
    assert [f["name"].split(" · ")[-1] for f in embed(page2)["fields"]] == ["#6", "#7"]
    previous = button(page2, "rb:e:q:")
    assert previous.endswith(":0")
    await harness.press(bot, message_id, previous)
    assert embed(fake.messages[message_id])["footer"]["text"] == "1/2쪽"
    assert len([m for m in fake.messages.values()]) == 1  # no new messages, only edits


async def test_a_slow_page_is_a_deferred_update(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups, defer_after=0)
    first = harness.message(await harness.slash(bot, "film", {"title": "기생충"}))
    record = await harness.press(bot, int(first["id"]), button(first, "rb:e:q:"))
    assert [c["type"] for c in record.callbacks] == [DEFERRED_UPDATE]
    assert fake.calls("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")
    assert embed(fake.messages[int(first["id"])])["footer"]["text"] == "2/2쪽"


# ---------------------------------------------------------------------- selects and buttons


async def test_sections_select_opens_a_new_message(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    results = harness.message(await harness.slash(bot, "film", {"title": "기생충"}))
    assert select_values(results, "rbs:n:0") == ["s:1", "s:2", "s:3", "s:4", "s:5"]
    record = await harness.press(bot, int(results["id"]), "rbs:n:0", values=["s:1"])
    assert [c["type"] for c in record.callbacks] == [MESSAGE]
    sections = harness.message(record)
    assert sections["id"] != results["id"]
    assert [f["name"] for f in embed(sections)["fields"]] == ["(도입)", "줄거리", "계단과 냄새"]
    assert custom_ids(sections) == ["rb:n:r:1"]  # related posts of the same review
    with pytest.raises(Refused):
        fake.press(int(results["id"]), "rbs:n:0", values=["s:99"])  # not an option


async def test_related_select_and_more_like_this(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups, defer_after=0)
    results = harness.message(await harness.slash(bot, "film", {"title": "기생충"}))
    record = await harness.press(bot, int(results["id"]), "rbs:n:1", values=["r:1"])
    assert [c["type"] for c in record.callbacks] == [DEFERRED_MESSAGE]  # slow: thinking…
    related = harness.message(record)
    assert embed(related)["title"] == "관련 글 · 기생충 리뷰 1 — 계단의 영화"
    assert select_values(related, "rbs:n:0")[0] == "v:8"
    review = harness.message(
        await harness.press(bot, int(related["id"]), "rbs:n:0", values=["v:8"])
    )
    assert embed(review)["title"] == "헤어질 결심 리뷰: 안개 속의 사랑 · #8"
    similar = harness.message(await harness.press(bot, int(related["id"]), "rb:n:m:1"))
    assert embed(similar)["title"] == "비슷한 리뷰 · 기생충 리뷰 1 — 계단의 영화"
    assert [f["name"] for f in embed(similar)["fields"]] == ["비슷한 리뷰"]


async def test_review_card_buttons(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    card = harness.message(await harness.slash(bot, "review", {"number": 1}))
    sections = harness.message(await harness.press(bot, int(card["id"]), "rb:n:s:1"))
    assert embed(sections)["title"].startswith("섹션 · ")
    related = harness.message(await harness.press(bot, int(card["id"]), "rb:n:r:1"))
    assert embed(related)["title"].startswith("관련 글 · ")
    assert embed(fake.messages[int(card["id"])])["title"] == embed(card)["title"]  # unchanged
    link = card["components"][0]["components"][-1]
    assert link["style"] == 5
    with pytest.raises(Refused):
        fake.press(int(card["id"]), "https://filmnote.example/1")  # links make no interaction


async def test_another_random_review_edits_the_card(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    card = harness.message(await harness.slash(bot, "random", {"theme": "가족"}))
    assert embed(card)["author"]["name"] == "‘가족’ 추천 리뷰"
    another = button(card, "rb:e:x:")
    record = await harness.press(bot, int(card["id"]), another)
    assert [c["type"] for c in record.callbacks] == [UPDATE]
    assert lookups.queried("random")[-1] == (None, "가족", None)
    plain = harness.message(await harness.slash(bot, "random"))
    assert button(plain, "rb:e:x") == "rb:e:x"


async def test_picking_a_film_replaces_the_choice_with_its_reviews(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    choices = harness.message(await harness.slash(bot, "film", {"title": "괴물"}))
    assert embed(choices)["title"] == "‘괴물’에 해당하는 영화가 여러 편이에요. 골라 주세요."
    assert select_values(choices, "rbs:e:0") == ["f:5:0", "f:6:0"]
    record = await harness.press(bot, int(choices["id"]), "rbs:e:0", values=["f:6:0"])
    assert [c["type"] for c in record.callbacks] == [UPDATE]
    picked = fake.messages[int(choices["id"])]
    assert embed(picked)["title"] == "‘괴물’ 리뷰 1편"
    assert "괴물 (2023) 리뷰" in embed(picked)["fields"][0]["name"]


async def test_did_you_mean_buttons_run_the_suggestion(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    note = harness.message(await harness.slash(bot, "film", {"title": "기생층"}))
    assert note["flags"] & EPHEMERAL
    assert note["content"].startswith("‘기생층’ 영화의 리뷰를 찾지 못했어요.")
    suggestion = note["components"][0]["components"][0]
    assert suggestion["label"] == "기생충"
    record = await harness.press(bot, int(note["id"]), suggestion["custom_id"])
    results = harness.message(record)
    assert not results["flags"] & EPHEMERAL  # the results are for the channel
    assert embed(results)["title"] == "‘기생충’ 리뷰 7편"


async def test_category_select_opens_the_category(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    listing = harness.message(await harness.slash(bot, "categories"))
    select = listing["components"][0]["components"][0]
    option = next(o for o in select["options"] if o["label"] == "리뷰 > 일본영화")
    record = await harness.press(bot, int(listing["id"]), "rbs:n:0", values=[option["value"]])
    opened = harness.message(record)
    assert embed(opened)["title"] == "‘리뷰/일본영화’ 카테고리 글 1편"
    assert fake.messages[int(listing["id"])] == listing | {"id": listing["id"]}


async def test_presses_in_english(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    first = harness.message(await harness.slash(bot, "film", {"title": "기생충"}, locale="en-US"))
    next_id = button(first, "rb:e:q:")
    assert first["components"][-1]["components"][0]["label"] == "Next ▶"
    await harness.press(bot, int(first["id"]), next_id, locale="en-US")
    page = fake.messages[int(first["id"])]
    assert embed(page)["footer"]["text"] == "page 2 of 2"
    assert page["components"][-1]["components"][0]["label"] == "◀ Previous"


# ---------------------------------------------------------------------- restarts


async def test_buttons_keep_working_after_a_restart(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    old = await harness.start(lookups)
    results = harness.message(await harness.slash(old, "film", {"title": "기생충"}))
    card = harness.message(await harness.slash(old, "review", {"number": 1}))
    await old.close()

    new = await harness.start(FakeLookups(queries=dict(lookups.queries)))  # same database
    assert new.synced == []
    record = await harness.press(new, int(results["id"]), button(results, "rb:e:q:"))
    assert record.acked == UPDATE
    assert embed(fake.messages[int(results["id"])])["footer"]["text"] == "2/2쪽"
    record = await harness.press(new, int(results["id"]), "rbs:n:1", values=["r:6"])
    assert embed(harness.message(record))["title"].startswith("관련 글 · 기생충 리뷰 6")
    record = await harness.press(new, int(card["id"]), "rb:n:s:1")
    assert embed(harness.message(record))["title"].startswith("섹션 · ")


async def test_unknown_expired_and_forged_buttons_get_a_private_note(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    results = harness.message(await harness.slash(bot, "film", {"title": "기생충"}))
    message_id = int(results["id"])
    # A message from another version or tampered with: ids no template or token accepts.
    fake.messages[message_id]["components"] = [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 2, "label": "old", "custom_id": "legacy:next:2"},
                {
                    "type": 2,
                    "style": 2,
                    "label": "forged",
                    "custom_id": "rb:n:v:99999999999999999999",
                },
                {"type": 2, "style": 2, "label": "expired", "custom_id": "rb:e:q:nosuchkey:5"},
            ],
        }
    ]
    notes = {}
    for custom_id in ("legacy:next:2", "rb:n:v:99999999999999999999", "rb:e:q:nosuchkey:5"):
        record = await harness.press(bot, message_id, custom_id, locale="en-US")
        assert len(record.callbacks) == 1, custom_id
        message = harness.message(record)
        assert message["flags"] & EPHEMERAL, custom_id
        notes[custom_id] = message["content"]
    assert notes == {
        "legacy:next:2": "I don't know that button. Please ask again.",
        "rb:n:v:99999999999999999999": "I don't know that button. Please ask again.",
        "rb:e:q:nosuchkey:5": "That button has expired. Please search again.",
    }
    # The expired page did not overwrite the results.
    assert embed(fake.messages[message_id])["title"] == "‘기생충’ 리뷰 7편"


async def test_a_failing_lookup_behind_a_button_is_a_private_apology(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups)
    results = harness.message(await harness.slash(bot, "film", {"title": "기생충"}))
    lookups.fail = True
    record = await harness.press(bot, int(results["id"]), button(results, "rb:e:q:"))
    message = harness.message(record)
    assert message["flags"] & EPHEMERAL
    assert message["content"].startswith("죄송해요")
    assert embed(fake.messages[int(results["id"])])["footer"]["text"] == "1/2쪽"


# ---------------------------------------------------------------------- hostile text

HOSTILE = "@everyone @here <@&123> <@456> <@!789> <#1> </film:1> **굵게** `code` ||스포||"
RAW_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>|</\w+:\d+>")


def hostile_lookups() -> FakeLookups:
    lookups = FakeLookups()
    post = make_post(
        1,
        f"기생충 리뷰 {HOSTILE}",
        film="기생충",
        film_id=1,
        year=2019,
        themes=("가족", HOSTILE),
        summary=f"요약 {HOSTILE}",
        sections=(
            Section(None, "도입"),
            Section(f"소제목 {HOSTILE}", f"본문 {HOSTILE}"),
        ),
        excerpts=("도입", f"발췌 {HOSTILE}"),
        url="https://filmnote.example/1?q=<@&123>",
        category=("리뷰", HOSTILE),
    )
    lookups.posts[1] = post
    lookups.posts[2] = dataclasses.replace(lookups.posts[2], title=f"두 번째 {HOSTILE}")
    return lookups


async def test_review_text_cannot_mention_anyone(harness: Harness, fake: FakeDiscord) -> None:
    lookups = hostile_lookups()
    bot = await harness.start(lookups)
    results = harness.message(await harness.slash(bot, "film", {"title": "기생충"}))
    card = harness.message(await harness.slash(bot, "review", {"number": 1}))
    sections = harness.message(await harness.press(bot, int(card["id"]), "rb:n:s:1"))
    related = harness.message(await harness.slash(bot, "related", {"number": 1}))
    echoed = harness.message(await harness.slash(bot, "search", {"words": "@everyone <@&123>"}))
    themed = harness.message(await harness.slash(bot, "theme", {"theme": HOSTILE}))
    for message in (results, card, sections, related, echoed, themed):
        assert message["allowed_mentions"] == {"parse": []}
        for text in texts(message):
            assert not RAW_MENTION.search(text), text
    shown = "\n".join(texts(card))
    assert "@\u200beveryone" in shown and "<\u200b@&123>" in shown
    assert "\\*\\*굵게\\*\\*" in shown
    assert card["embeds"][0]["url"] == "https://filmnote.example/1?q=%3C@&123%3E"
    # Every request that creates or edits a message carried no mentions at all.
    bodies = [
        r.body.get("data", r.body)
        for r in fake.requests
        if r.method in ("POST", "PATCH") and isinstance(r.body, dict) and "commands" not in r.path
    ]
    assert bodies and all(
        b.get("allowed_mentions") == {"parse": []}
        for b in bodies
        if b.get("content") or b.get("embeds")
    )


async def test_a_slow_expired_page_is_sent_privately_after_a_deferred_update(
    harness: Harness, fake: FakeDiscord, lookups: FakeLookups
) -> None:
    bot = await harness.start(lookups, defer_after=0)
    results = harness.message(await harness.slash(bot, "film", {"title": "기생충"}))
    page = button(results, "rb:e:q:")
    lookups.queries.clear()  # the remembered query is gone (a new database, say)
    record = await harness.press(bot, int(results["id"]), page)
    assert [c["type"] for c in record.callbacks] == [DEFERRED_UPDATE]
    note = harness.message(record)
    assert note["flags"] & EPHEMERAL
    assert note["content"] == "오래된 버튼이에요. 다시 검색해 주세요."
    assert embed(fake.messages[int(results["id"])])["footer"]["text"] == "1/2쪽"
