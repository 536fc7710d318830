"""The Telegram adapter's pure parts: HTML rendering, splitting, keyboards, inline results,
chat ids, the rate limiter's retry rules and the token redaction — no network.

Every rendered message is checked with the fake Bot API's HTML rules
(:mod:`tests.fake_telegram.html_check`), so "renders" here means "Telegram would accept it".
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
from typing import Any

import pytest
from telegram import InputTextMessageContent
from telegram.error import BadRequest, RetryAfter

from adapters.telegram.app import (
    NO_RETRY,
    RateLimiter,
    _edits_in_place,
    _is_notice,
    api_urls,
    parse_chat,
)
from adapters.telegram.errors import (
    REDACTED,
    describe,
    is_bad_markup,
    is_not_modified,
    is_uneditable,
    protect_token,
    redact,
    retry_seconds,
)
from adapters.telegram.inline import inline_answer, parse_offset
from adapters.telegram.render import (
    TEXT_LIMIT,
    Span,
    cut_utf16,
    keyboard,
    label,
    pack,
    render,
    safe_url,
    utf16_len,
)
from bot.i18n import t
from bot.replies import (
    Action,
    ActionKind,
    Card,
    Choice,
    Page,
    Reply,
    ReplyKind,
    SectionBlock,
)
from bot.router import Router
from tests.fake_lookups import FakeLookups
from tests.fake_telegram.html_check import HtmlRejected, parse

# PTB warns about its own RetryAfter.retry_after type change whenever it builds one
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

HOSTILE = "<b>&\"' </i> &amp; &lt;x&gt; [bold]*_`@everyone"


def accepted(html_text: str) -> str:
    """The visible text of a message Telegram accepts (else the test fails)."""
    visible, _links = parse(html_text)
    assert utf16_len(visible) <= TEXT_LIMIT
    return visible


def card(post_id: int = 1, **values: Any) -> Card:
    defaults: dict[str, Any] = {
        "title": HOSTILE,
        "film": HOSTILE,
        "film_year": 2019,
        "published": dtm.date(2024, 1, 2),
        "category": ("리뷰", "<한국영화>"),
        "summary": HOSTILE * 3,
        "url": f"https://filmnote.example/{post_id}?a=1&b=<2>",
        "themes": ("<가족>", "&"),
    }
    defaults.update(values)
    return Card(post_id=post_id, **defaults)


# ---------------------------------------------------------------------- HTML


def test_hostile_strings_are_text_not_markup() -> None:
    reply = Reply(
        kind=ReplyKind.CARDS,
        lang="ko",
        headline=HOSTILE,
        notes=(HOSTILE,),
        cards=(card(1), card(2, url="javascript:alert(1)")),
        page=Page(1, 2, 9, 5),
    )
    (message,) = render(reply)
    visible = accepted(message.html)
    assert visible == message.text
    assert visible.count(HOSTILE) == 1 + 1 + 2 + 2 + 6  # headline, note, titles, films, summary
    assert "javascript" not in message.html  # no link for a non-http URL
    assert 'href="https://filmnote.example/1?a=1&amp;b=%3C2%3E"' in message.html


def test_every_reply_the_router_makes_renders(lookups: FakeLookups) -> None:
    router = Router(lookups)
    texts = [
        "/film 기생충",
        "/film 괴물",
        "/film 기생층",
        "/film <b>&\"'",
        "/categories",
        "/sections 1",
        "/related 1",
        "/review 13",
        "/help",
        "/lang",
        "/random",
        "/nosuch",
        "",
    ]

    async def run() -> list[Reply]:
        return [
            await router.handle(text, user="u", lang_hint=lang)
            for text in texts
            for lang in ("ko", "en")
        ]

    for reply in asyncio.run(run()):
        for message in render(reply):
            assert accepted(message.html) == message.text
        assert render(reply, single=True)[0].html


@pytest.fixture
def lookups() -> FakeLookups:
    return FakeLookups()


def test_plain_replies_have_no_bold_headline() -> None:
    (message,) = render(Reply(kind=ReplyKind.ERROR, lang="en", headline=t("error.sorry", "en")))
    assert message.html == t("error.sorry", "en") and message.keyboard is None


# ---------------------------------------------------------------------- lengths


def test_utf16_counting_and_cutting() -> None:
    assert utf16_len("기생충") == 3 and utf16_len("🎬") == 2 and utf16_len("👨‍👩‍👧") == 8
    assert cut_utf16("a🎬b", 2) == "a"  # never half a surrogate pair
    assert cut_utf16("a🎬b", 3) == "a🎬"


def test_long_replies_split_between_paragraphs_under_the_limit() -> None:
    sections = tuple(SectionBlock(f"장면 {n} <&>", "🎬 " + "계단 " * 390) for n in range(20))
    reply = Reply(
        kind=ReplyKind.SECTIONS,
        lang="ko",
        headline="섹션 · <긴 글>",
        cards=(card(1),),
        sections=sections,
        actions=(Action(ActionKind.MORE_LIKE_THIS, "action.more_like_this", "More", token="m:1"),),
    )
    messages = render(reply)
    assert len(messages) >= 3
    for message in messages:
        visible = accepted(message.html)
        assert utf16_len(visible) <= TEXT_LIMIT
    headings = [line for m in messages for line in m.text.split("\n") if line.startswith("장면 ")]
    assert len(headings) == 20  # nothing lost, nothing repeated
    assert all(m.keyboard is None for m in messages[:-1])
    assert messages[0].preview_url and all(m.preview_url is None for m in messages[1:])


def test_a_single_line_longer_than_a_message_is_cut() -> None:
    line = "🎬" * 3000  # 6,000 UTF-16 code units
    parts = pack([(((Span(line, "b")),),)])
    assert len(parts) == 1
    visible = accepted(parts[0][0])
    assert visible.endswith("…") and utf16_len(visible) <= TEXT_LIMIT


def test_single_message_mode_cuts_with_a_read_more_link() -> None:
    sections = tuple(SectionBlock(f"part {n}", "word " * 400) for n in range(10))
    reply = Reply(
        kind=ReplyKind.SECTIONS,
        lang="en",
        headline="Sections",
        cards=(card(1, url="https://filmnote.example/1"),),
        sections=sections,
    )
    (message,) = render(reply, single=True)
    visible = accepted(message.html)
    assert visible.endswith(t("telegram.read_more", "en") + " ›")
    assert message.html.endswith('<a href="https://filmnote.example/1"><b>Read more ›</b></a>')


# ---------------------------------------------------------------------- keyboards and links


def test_safe_url() -> None:
    assert safe_url("https://a.example/x y") == "https://a.example/x%20y"
    assert safe_url("https://a.example/리뷰") == "https://a.example/%EB%A6%AC%EB%B7%B0"
    host = "영화".encode("idna").decode()
    assert safe_url("https://영화.example/") == f"https://{host}.example/"
    assert safe_url("https://a.example/?q=<b>\"'") == "https://a.example/?q=%3Cb%3E%22'"
    for bad in (None, "", "javascript:alert(1)", "/relative", "ftp://x.example", "https://"):
        assert safe_url(bad) is None


def test_keyboard_layout_and_limits() -> None:
    cards = tuple(
        card(
            i,
            actions=(
                Action(ActionKind.SECTIONS, "action.sections", "Sections", token=f"s:{i}"),
                Action(ActionKind.OPEN_POST, "action.open", "Open", url="javascript:x"),
            ),
        )
        for i in (1, 2)
    )
    choices = tuple(
        Choice(ActionKind.PICK_CATEGORY, f"cat {n} " + "x" * 80, f"q:k{n}:0", count=n)
        for n in range(120)
    )
    reply = Reply(kind=ReplyKind.CARDS, lang="en", headline="h", cards=cards, choices=choices)
    markup = keyboard(reply)
    assert markup is not None
    buttons = [b for row in markup.inline_keyboard for b in row]
    assert len(buttons) <= 100
    assert buttons[0].text == "1 · Sections" and buttons[1].text == "2 · Sections"
    assert all(b.url is None for b in buttons)  # the javascript: link was dropped
    assert all(len(b.text) <= 48 for b in buttons)
    assert all(b.callback_data and len(str(b.callback_data).encode()) <= 64 for b in buttons)


def test_labels() -> None:
    assert label("  a\n b  ") == "a b"
    assert label("") == "…"
    assert label("가" * 100) == "가" * 47 + "…"


# ---------------------------------------------------------------------- inline results


def test_inline_answer_caps_and_dedups() -> None:
    cards = tuple(card(i % 55) for i in range(70))
    reply = Reply(
        kind=ReplyKind.CARDS, lang="ko", headline="h", cards=cards, page=Page(1, 2, 90, 70)
    )
    answer = inline_answer(reply, "reviewbot_test_bot", query="x")
    assert len(answer.results) == 50 and len({r.id for r in answer.results}) == 50
    assert answer.next_offset == "70" and answer.button is None
    first = answer.results[0]
    content = first.input_message_content
    assert isinstance(content, InputTextMessageContent) and accepted(content.message_text)
    assert first.reply_markup is not None
    urls = [b.url for row in first.reply_markup.inline_keyboard for b in row]
    assert "https://t.me/reviewbot_test_bot?start=r0" in urls


def test_inline_answer_without_results_offers_the_bot() -> None:
    empty = Reply(kind=ReplyKind.TEXT, lang="en", headline="Please type")
    assert inline_answer(empty, "b", query="").button is not None
    assert inline_answer(empty, "b", query="zzz").button.text == t(  # type: ignore[union-attr]
        "telegram.inline_none", "en"
    )


def test_parse_offset() -> None:
    assert [parse_offset(x) for x in ("", None, "20", "-1", "x", "1" * 9, "１２")] == [
        0,
        0,
        20,
        0,
        0,
        0,
        0,
    ]


# ---------------------------------------------------------------------- small rules


def test_api_urls() -> None:
    assert api_urls(None, None) == (None, None)
    assert api_urls("http://h:8081", None) == ("http://h:8081/bot", "http://h:8081/file/bot")
    assert api_urls("http://h:8081/", None) == ("http://h:8081/bot", "http://h:8081/file/bot")
    assert api_urls("http://h/bot", "http://f/x") == ("http://h/bot", "http://f/x")
    assert api_urls("http://h/api/{token}/x", None) == ("http://h/api/{token}/x", None)


def test_parse_chat() -> None:
    assert parse_chat("-100123") == (-100123, None)
    assert parse_chat(" 42:7 ") == (42, 7)
    assert parse_chat("@channel") == ("@channel", None)
    for bad in ("", "abc", "1:0", "1:x", "@"):
        with pytest.raises(ValueError):
            parse_chat(bad)


def test_which_buttons_edit_in_place() -> None:
    assert _edits_in_place("q:abc:5") and _edits_in_place("f:1:0") and _edits_in_place("x")
    assert not _edits_in_place("s:1") and not _edits_in_place("v:1")
    assert not _edits_in_place("<forged>")
    note = Reply(kind=ReplyKind.TEXT, lang="en", headline="expired")
    assert _is_notice(note)
    assert not _is_notice(
        Reply(
            kind=ReplyKind.TEXT,
            lang="en",
            headline="x",
            suggestions=(Choice(ActionKind.SUGGESTION, "a", "q:a:0"),),
        )
    )


def test_error_classification() -> None:
    assert is_not_modified(BadRequest("Message is not modified: specified new message content"))
    assert is_uneditable(BadRequest("Message can't be edited"))
    assert is_bad_markup(BadRequest("Can't parse entities: unsupported start tag"))
    assert not is_not_modified(BadRequest("Chat not found"))
    assert retry_seconds(RetryAfter(3)) == 3.0
    assert retry_seconds(RetryAfter(dtm.timedelta(seconds=1.5))) == 1.5
    assert describe(None) == "no update"


# ---------------------------------------------------------------------- rate limiter


class Flaky:
    """A request that fails with 429 ``times`` times, then succeeds."""

    def __init__(self, times: int, retry_after: float = 0) -> None:
        self.times = times
        self.calls = 0
        self.retry_after = retry_after

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= self.times:
            raise RetryAfter(dtm.timedelta(seconds=self.retry_after))
        return {"ok": True}


async def test_rate_limiter_retries_answers_but_not_sends() -> None:
    limiter = RateLimiter(per_second=30, group_per_minute=20, max_retries=2, max_wait=60)
    retried = Flaky(1)
    assert await limiter.process_request(retried, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert retried.calls == 2  # one 429, one success: sent once
    once = Flaky(1)
    with pytest.raises(RetryAfter):
        await limiter.process_request(once, (), {}, "sendMessage", {"chat_id": 1}, NO_RETRY)
    assert once.calls == 1
    too_long = Flaky(1, retry_after=600)
    with pytest.raises(RetryAfter):
        await limiter.process_request(too_long, (), {}, "sendMessage", {"chat_id": -5}, None)
    assert too_long.calls == 1


# ---------------------------------------------------------------------- redaction


def test_tokens_are_redacted_from_log_records(caplog: pytest.LogCaptureFixture) -> None:
    secret = "555555:AAsecretSecretSecretSecretSecret_123"
    protect_token(secret)
    assert redact(f"http://127.0.0.1:8081/bot{secret}/getMe") == (
        f"http://127.0.0.1:8081/bot{REDACTED}/getMe"
    )
    assert REDACTED in redact("999999999:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")  # shaped like one
    caplog.set_level(logging.INFO)
    log = logging.getLogger("tests.telegram.redaction")
    log.info("url %s", f"bot{secret}/sendMessage")
    try:
        raise RuntimeError(f"The token `{secret}` was rejected by the server.")
    except RuntimeError:
        log.exception("failed")
    assert secret not in caplog.text and REDACTED in caplog.text
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


def test_html_checker_rejects_what_telegram_rejects() -> None:
    for bad in ("<br>", "<b>x", "a < b", "a & b", "&nbsp;", "<span>x</span>", "<b><i>x</b></i>"):
        with pytest.raises(HtmlRejected):
            parse(bad)
    assert parse('<b>a</b> &lt;&amp;&gt; <a href="https://x.example">l</a>')[0] == "a <&> l"
