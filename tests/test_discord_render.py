"""Rendering replies for Discord: every reply fits Discord's limits, and text stays text.

Extreme replies (hundreds of cards' worth of text, 50 choices, huge titles, astral-plane
emoji, Markdown and mention syntax everywhere) are rendered and checked with the same rules
the fake Discord enforces, on the payload discord.py would send.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from adapters.discord.render import Mode, Rendered, button_custom_id, is_private, render
from adapters.discord.text import clip, join_lines, md, plain, safe_url, units
from adapters.discord.views import BUTTON_TEMPLATE, build_view, is_ours
from bot.actions import decode_token
from bot.replies import (
    Action,
    ActionKind,
    Card,
    Choice,
    CommandHelp,
    Page,
    RelatedBlock,
    Reply,
    ReplyKind,
    SectionBlock,
)
from bot.results import RelatedOrigin
from tests.fake_discord import validate_message

HUGE = ("긴 문장입니다 **굵게** @everyone <@&123> 🎬🎞️ " * 400).strip()
URL = "https://filmnote.example/post/1"


def payload(rendered: Rendered) -> dict[str, Any]:
    """What discord.py sends for a rendered reply."""
    view = build_view(rendered)
    return {
        "content": rendered.content,
        "embeds": [e.to_dict() for e in rendered.embeds],
        "components": view.to_components() if view else [],
        "allowed_mentions": {"parse": []},
        "flags": 64 if rendered.ephemeral else 0,
    }


def acts(post_id: int) -> tuple[Action, ...]:
    return (
        Action(ActionKind.SECTIONS, "action.sections", "섹션", token=f"s:{post_id}"),
        Action(ActionKind.RELATED, "action.related", "관련 글", token=f"r:{post_id}"),
        Action(ActionKind.OPEN_POST, "action.open", "원문 보기", url=f"{URL}?{post_id}"),
    )


def card(post_id: int, text: str = HUGE) -> Card:
    return Card(
        post_id=post_id,
        title=text,
        film=text,
        film_year=2019,
        published=date(2024, 1, 1),
        category=(text, text),
        summary=text,
        url=f"{URL}?{post_id}",
        themes=(text,) * 6,
        actions=acts(post_id),
    )


PAGING = (
    Action(ActionKind.PREV_PAGE, "action.prev", "◀ " + HUGE, token="q:abcdefabcdef:0"),
    Action(ActionKind.NEXT_PAGE, "action.next", "다음 ▶", token="q:abcdefabcdef:10"),
)


def extreme_replies() -> list[Reply]:
    choices = tuple(
        Choice(ActionKind.PICK_CATEGORY, f"{HUGE}{i}", f"q:k{i}:0", count=i, depth=i % 3)
        for i in range(50)
    )
    return [
        Reply(
            ReplyKind.CARDS,
            "ko",
            HUGE,
            notes=(HUGE, HUGE),
            cards=tuple(card(i) for i in range(1, 21)),
            actions=PAGING,
            page=Page(2, 9, 200),
        ),
        Reply(ReplyKind.CARD, "en", HUGE, notes=(HUGE,), cards=(card(1),), actions=PAGING[:1]),
        Reply(
            ReplyKind.SECTIONS,
            "ko",
            HUGE,
            notes=(HUGE,),
            cards=(card(1),),
            sections=tuple(SectionBlock(HUGE if i % 2 else None, HUGE) for i in range(30)),
        ),
        Reply(
            ReplyKind.RELATED,
            "ko",
            HUGE,
            related=tuple(
                RelatedBlock(
                    HUGE,
                    f"{URL}?r{i}",
                    i,
                    stub=i % 3 == 0,
                    origin=RelatedOrigin.BLOG if i % 2 else RelatedOrigin.SIMILAR,
                    published=date(2024, 1, 1),
                    film=HUGE,
                    actions=(Action(ActionKind.REVIEW, "action.review", "리뷰", token=f"v:{i}"),),
                )
                for i in range(1, 40)
            ),
            actions=(
                Action(ActionKind.MORE_LIKE_THIS, "action.more_like_this", HUGE, token="m:1"),
            ),
        ),
        Reply(ReplyKind.CATEGORIES, "ko", HUGE, notes=(HUGE,), choices=choices),
        Reply(
            ReplyKind.CHOICES,
            "en",
            HUGE,
            choices=tuple(
                Choice(ActionKind.PICK_FILM, f"{i} {HUGE}", f"f:{i}:0", count=3) for i in range(30)
            ),
            suggestions=tuple(
                Choice(ActionKind.SUGGESTION, f"{i}{HUGE}", f"q:s{i}:0") for i in range(8)
            ),
        ),
        Reply(
            ReplyKind.HELP,
            "ko",
            HUGE,
            notes=(HUGE,),
            commands=tuple(CommandHelp(f"/c{i}", HUGE, HUGE) for i in range(30)),
        ),
        Reply(
            ReplyKind.TEXT,
            "ko",
            HUGE,
            notes=(HUGE,) * 3,
            suggestions=tuple(Choice(ActionKind.SUGGESTION, HUGE, f"q:t{i}:0") for i in range(3)),
        ),
        Reply(ReplyKind.ERROR, "en", HUGE),
        Reply(ReplyKind.CARDS, "ko", "", cards=(card(1, ""),)),  # empty texts
    ]


@pytest.mark.parametrize("reply", extreme_replies(), ids=lambda r: r.kind.value)
async def test_extreme_replies_fit_discords_limits(reply: Reply) -> None:
    rendered = render(reply)
    data = payload(rendered)
    assert validate_message(data, create=True) == []
    for custom_id in rendered.custom_ids():
        assert len(custom_id) <= 100 and is_ours(custom_id)
    for row in data["components"]:
        for component in row["components"]:
            if component.get("custom_id", "").startswith("rb:"):
                assert decode_token(component["custom_id"][5:]) is not None
            for option in component.get("options", []):
                assert decode_token(option["value"]) is not None
    assert rendered.ephemeral == (reply.kind in (ReplyKind.TEXT, ReplyKind.ERROR, ReplyKind.HELP))


async def test_results_keep_paging_when_rows_run_out() -> None:
    reply = extreme_replies()[0]
    rows = payload(render(reply))["components"]
    assert len(rows) <= 5
    last = [c["custom_id"] for c in rows[-1]["components"]]
    assert last == ["rb:e:q:abcdefabcdef:0", "rb:e:q:abcdefabcdef:10"]
    categories = payload(render(extreme_replies()[4]))["components"]
    assert [len(r["components"][0]["options"]) for r in categories] == [25, 25]
    placeholders = [r["components"][0]["placeholder"] for r in categories]
    assert placeholders == ["카테고리 열기… (1/2)", "카테고리 열기… (2/2)"]


async def test_single_card_layout() -> None:
    reply = Reply(
        ReplyKind.CARD,
        "en",
        "A review for you",
        cards=(card(7, "Aftersun *memory*"),),
        actions=(Action(ActionKind.ANOTHER, "action.another", "Another one", token="x"),),
    )
    data = payload(render(reply))
    embed = data["embeds"][0]
    assert embed["title"] == "Aftersun \\*memory\\* · #7"
    assert embed["url"] == f"{URL}?7"
    assert embed["author"]["name"] == "A review for you"
    buttons = [c for row in data["components"] for c in row["components"]]
    assert [b.get("custom_id") for b in buttons] == ["rb:n:s:7", "rb:n:r:7", None, "rb:e:x"]
    assert buttons[2]["url"] == f"{URL}?7"


def test_text_helpers() -> None:
    assert md("*a* _b_ @everyone <@&1> <@2> <#3>") == (
        "\\*a\\* \\_b\\_ @\u200beveryone <\u200b@&1> <\u200b@2> <\u200b#3>"
    )
    assert plain("@here **x**") == "@\u200bhere **x**"
    assert units("🎬a") == 3
    assert clip("🎬" * 10, 5) == "🎬🎬…"
    assert units(clip("🎬" * 10, 6)) <= 6
    assert clip("abc\\*def", 5) == "abc…"  # never half an escape
    assert clip("short", 10) == "short"
    assert join_lines(["aaa", "bbb", "ccc"], 9) == "aaa\nbbb\n…"
    assert join_lines(["aaa", "bbb", "ccc"], 8) == "aaa\n…"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("ftp://x.example/") is None
    assert safe_url("https://x.example/a b(c)") == "https://x.example/a%20b%28c%29"
    assert (
        safe_url("https://블로그.example/글")
        == "https://%EB%B8%94%EB%A1%9C%EA%B7%B8.example/%EA%B8%80"
    )
    assert safe_url("https://x.example/" + "a" * 600) is None
    assert safe_url(None) is None


def test_modes_and_privacy() -> None:
    assert button_custom_id(Mode.EDIT, "q:k:5") == "rb:e:q:k:5"
    import re

    assert re.fullmatch(BUTTON_TEMPLATE, "rb:n:v:1")
    assert not is_ours("rb:x:v:1") and not is_ours("legacy")
    assert is_private(Reply(ReplyKind.HELP, "ko", "h"))
    assert not is_private(Reply(ReplyKind.CARDS, "ko", "h"))


# ---------------------------------------------------------------------- the fake's own rules


def _ok() -> dict[str, Any]:
    return {"content": "hi", "allowed_mentions": {"parse": []}}


def _embed(**parts: Any) -> dict[str, Any]:
    return {**_ok(), "embeds": [{"title": "t", **parts}]}


def _row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def _btn(custom_id: str, label: str = "b") -> dict[str, Any]:
    return {"type": 2, "style": 2, "label": label, "custom_id": custom_id}


def _select(n: int, custom_id: str = "s") -> dict[str, Any]:
    options = [{"label": f"o{i}", "value": f"v{i}"} for i in range(n)]
    return {"type": 3, "custom_id": custom_id, "options": options}


REJECTED = {
    "content 2001": {**_ok(), "content": "a" * 2001},
    "content in UTF-16": {**_ok(), "content": "🎬" * 1001},
    "title 257": _embed(title="a" * 257),
    "description 4097": _embed(description="a" * 4097),
    "26 fields": _embed(fields=[{"name": "n", "value": "v"}] * 26),
    "field name 257": _embed(fields=[{"name": "a" * 257, "value": "v"}]),
    "field value 1025": _embed(fields=[{"name": "n", "value": "a" * 1025}]),
    "empty field value": _embed(fields=[{"name": "n", "value": ""}]),
    "footer 2049": _embed(footer={"text": "a" * 2049}),
    "author 257": _embed(author={"name": "a" * 257}),
    "total 6001": _embed(description="a" * 4000, fields=[{"name": "n", "value": "a" * 1000}] * 2),
    "bad embed url": _embed(url="javascript:alert(1)"),
    "6 rows": {**_ok(), "components": [_row(_btn(f"b{i}")) for i in range(6)]},
    "6 buttons": {**_ok(), "components": [_row(*[_btn(f"b{i}") for i in range(6)])]},
    "26 options": {**_ok(), "components": [_row(_select(26))]},
    "select with a button": {**_ok(), "components": [_row(_select(2), _btn("b"))]},
    "custom id 101": {**_ok(), "components": [_row(_btn("a" * 101))]},
    "repeated custom id": {**_ok(), "components": [_row(_btn("x"), _btn("x"))]},
    "label 81": {**_ok(), "components": [_row(_btn("x", "a" * 81))]},
    "link with custom id": {
        **_ok(),
        "components": [_row({"type": 2, "style": 5, "label": "l", "url": URL, "custom_id": "x"})],
    },
    "no allowed_mentions": {"content": "hi"},
    "mentions allowed": {"content": "hi", "allowed_mentions": {"parse": ["everyone"]}},
    "empty message": {"allowed_mentions": {"parse": []}},
}


@pytest.mark.parametrize("data", REJECTED.values(), ids=REJECTED.keys())
def test_the_fake_rejects_what_discord_rejects(data: dict[str, Any]) -> None:
    assert validate_message(data, create=True) != []


def test_the_fake_accepts_a_full_message() -> None:
    data = _embed(
        description="a" * 4000,
        fields=[{"name": "n", "value": "a" * 990}] * 2,
        footer={"text": "f"},
    )
    data["components"] = [
        _row(*[_btn(f"b{i}") for i in range(5)]),
        _row(_select(25)),
        _row({"type": 2, "style": 5, "label": "l", "url": URL}),
    ]
    assert validate_message(data, create=True) == []
