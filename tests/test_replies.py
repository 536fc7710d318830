"""The reply model, its JSON shapes, and the message table behind every reply."""

from __future__ import annotations

import json
import re
import string
from datetime import date

import pytest

from bot.i18n import LANGS, MESSAGES, has, t
from bot.replies import (
    Action,
    ActionKind,
    Card,
    Choice,
    Page,
    RelatedBlock,
    Reply,
    ReplyKind,
    SectionBlock,
)
from bot.reply_json import find_json, reply_json
from bot.results import FilmChoice, Hit, LookupKind, LookupResult, RelatedOrigin
from bot.router import Router
from tests.fake_lookups import FakeLookups, make_post

# ---------------------------------------------------------------------- the model


def test_action_needs_exactly_a_token_or_a_url() -> None:
    Action(ActionKind.SECTIONS, "action.sections", "섹션", token="s:1")
    Action(ActionKind.OPEN_POST, "action.open", "원문", url="https://x.example/1")
    with pytest.raises(ValueError):
        Action(ActionKind.OPEN_POST, "action.open", "원문", token="s:1")
    with pytest.raises(ValueError):
        Action(ActionKind.SECTIONS, "action.sections", "섹션")
    with pytest.raises(ValueError):
        Action(ActionKind.SECTIONS, "action.sections", "섹션", token="s:1", url="https://x")
    with pytest.raises(ValueError):
        Action(ActionKind.NEXT_PAGE, "action.next", "다음", token="가" * 22)  # 66 bytes


def test_choice_token_must_fit() -> None:
    with pytest.raises(ValueError):
        Choice(ActionKind.PICK_FILM, "기생충", "")
    with pytest.raises(ValueError):
        Choice(ActionKind.PICK_FILM, "기생충", "q" * 65)


def test_all_actions_is_display_order() -> None:
    def act(token: str) -> Action:
        return Action(ActionKind.REVIEW, "action.review", token, token=token)

    reply = Reply(
        kind=ReplyKind.CARDS,
        lang="ko",
        headline="h",
        cards=(Card(1, "a", actions=(act("v:1"), act("v:2"))), Card(2, "b", actions=(act("v:3"),))),
        related=(RelatedBlock("r", None, 4, False, RelatedOrigin.BLOG, actions=(act("v:4"),)),),
        choices=(Choice(ActionKind.PICK_FILM, "c", "f:1:0"),),
        suggestions=(Choice(ActionKind.SUGGESTION, "d", "q:k:0"),),
        actions=(act("v:5"),),
    )
    assert [a.token for a in reply.all_actions()] == [
        "v:1",
        "v:2",
        "v:3",
        "v:4",
        "f:1:0",
        "q:k:0",
        "v:5",
    ]


def test_card_film_label() -> None:
    assert Card(1, "t", film="듄", film_year=2021).film_label == "듄 (2021)"
    assert Card(1, "t", film="듄").film_label == "듄"
    assert Card(1, "t").film_label is None


# ---------------------------------------------------------------------- JSON


def test_reply_json_has_every_key_and_serialises() -> None:
    reply = Reply(
        kind=ReplyKind.SECTIONS,
        lang="en",
        headline="Sections: x",
        notes=("n",),
        cards=(
            Card(
                3,
                "t",
                film="f",
                film_year=2001,
                published=date(2024, 5, 6),
                category=("리뷰", "한국영화"),
                summary="s",
                url="https://x.example/3",
                themes=("가족",),
                score=0.5,
                actions=(Action(ActionKind.OPEN_POST, "action.open", "Open", url="https://x"),),
            ),
        ),
        sections=(SectionBlock(None, "intro"), SectionBlock("h", "e")),
        page=Page(2, 3, 12),
    )
    data = reply_json(reply)
    assert list(data) == [
        "version",
        "kind",
        "lang",
        "headline",
        "notes",
        "cards",
        "sections",
        "related",
        "choices",
        "suggestions",
        "commands",
        "actions",
        "page",
    ]
    card = data["cards"][0]
    assert card["published"] == "2024-05-06"
    assert card["category"] == "리뷰 > 한국영화"
    assert card["actions"] == [
        {
            "kind": "open_post",
            "label": "Open",
            "label_key": "action.open",
            "token": None,
            "url": "https://x",
        }
    ]
    assert data["sections"] == [
        {"heading": None, "excerpt": "intro"},
        {"heading": "h", "excerpt": "e"},
    ]
    assert data["page"] == {"number": 2, "total": 3, "items": 12, "next_offset": None}
    json.dumps(data, ensure_ascii=False)


async def test_reply_json_of_real_replies_round_trips_through_json() -> None:
    router = Router(FakeLookups())
    for text in [
        "/film 기생충",
        "/film 괴물",
        "/related 1",
        "/categories",
        "/help",
        "/film 기생층",
    ]:
        data = reply_json(await router.handle(text, user="u"))
        assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_find_json_is_exactly_the_documented_shape() -> None:
    post = make_post(5, "기생충 리뷰", film="기생충", film_id=1, themes=("가족",))
    stub = make_post(6, "stub", stub=True, category=())
    result = LookupResult(
        LookupKind.TEXT,
        "계단",
        hits=(Hit(post, 1.25), Hit(stub, 0.5)),
        total=2,
        message="search.relaxed",
    )
    data = find_json(result, "en")
    assert list(data) == ["kind", "query", "results", "suggestions", "message"]
    assert data["kind"] == "text" and data["query"] == "계단"
    assert data["message"] == t("search.relaxed", "en")
    first, second = data["results"]
    assert list(first) == [
        "id",
        "url",
        "title",
        "film",
        "published",
        "category",
        "themes",
        "score",
        "stub",
    ]
    assert first["published"] == "2024-01-01T12:00:00"
    assert first["category"] == "리뷰 > 한국영화"
    assert first["themes"] == ["가족"]
    assert first["score"] == 1.25 and first["stub"] is False
    assert second["category"] is None and second["stub"] is True


def test_find_json_messages_suggestions_and_choices() -> None:
    empty = find_json(
        LookupResult(
            LookupKind.FILM,
            "기생층",
            suggestions=("기생충",),
            message="film.not_found",
            message_args={"query": "기생층"},
        ),
        "ko",
    )
    assert empty["results"] == [] and empty["suggestions"] == ["기생충"]
    assert empty["message"] == "‘기생층’ 영화의 리뷰를 찾지 못했어요."
    choices = find_json(
        LookupResult(
            LookupKind.FILM,
            "괴물",
            choices=(FilmChoice(5, "괴물", 2006, 1), FilmChoice(6, "괴물", 2023, 1)),
            message="film.choose",
        ),
        "en",
    )
    assert choices["suggestions"] == ["괴물 (2006)", "괴물 (2023)"]
    assert choices["message"] == "Several films match “괴물”. Which one?"
    plain = find_json(LookupResult(LookupKind.THEME, "가족"), "en")
    assert plain["message"] is None


# ---------------------------------------------------------------------- messages

LOOKUP_KEYS = [
    "query.empty",
    "film.not_found",
    "film.choose",
    "film.did_you_mean",
    "theme.not_found",
    "category.not_found",
    "search.no_results",
    "search.relaxed",
    "library.empty",
    "review.not_found",
]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_in_every_language(key: str) -> None:
    table = MESSAGES[key]
    assert set(table) == set(LANGS), key
    assert all(text.strip() for text in table.values()), key
    assert _placeholders(table["ko"]) == _placeholders(table["en"]), key
    assert not re.search("[가-힣]", table["en"]), key  # no Korean left in English


def test_the_lookups_message_keys_exist() -> None:
    assert all(has(key) for key in LOOKUP_KEYS)
    assert "{query}" in MESSAGES["film.not_found"]["ko"]
    assert "{id}" in MESSAGES["review.not_found"]["en"]


def test_t_never_raises() -> None:
    assert t("film.not_found", "ko") == "‘’ 영화의 리뷰를 찾지 못했어요."  # missing value
    assert t("film.not_found", "fr", query="x") == "No reviews of a film called “x”."
    assert t("no.such.key", "ko") == "no.such.key"
    assert t("film.not_found", "en", query="{0} {x}") == "No reviews of a film called “{0} {x}”."
