"""The router: every command, both languages, buttons, and input meant to break it."""

from __future__ import annotations

import dataclasses
import logging
import re

import pytest

from bot.actions import decode_token
from bot.i18n import t
from bot.replies import Action, ActionKind, Choice, Reply, ReplyKind
from bot.results import FilmChoice, LookupKind, LookupResult, RelatedOrigin
from bot.router import (
    MAX_QUERY_CHARS,
    Router,
    addressed_bot,
    clean_input,
    command_menu,
    known_commands,
    parse_command,
)
from tests.fake_lookups import FILMS, FakeLookups

USER = "u1"


@pytest.fixture
def lookups() -> FakeLookups:
    return FakeLookups()


@pytest.fixture
def router(lookups: FakeLookups) -> Router:
    return Router(lookups, default_lang="ko")


def tokens_ok(reply: Reply) -> Reply:
    """Every button of a reply is a valid ≤ 64-byte token (or a link) that decodes."""
    for offer in reply.all_actions():
        if isinstance(offer, Action) and offer.kind is ActionKind.OPEN_POST:
            assert offer.url and offer.token is None
            continue
        assert offer.token is not None
        assert len(offer.token.encode("utf-8")) <= 64
        assert decode_token(offer.token) is not None, offer.token
    return reply


async def ask(router: Router, text: str, lang_hint: str | None = None) -> Reply:
    return tokens_ok(await router.handle(text, user=USER, lang_hint=lang_hint))


async def press(router: Router, token: str | None, lang_hint: str | None = None) -> Reply:
    assert token is not None
    return tokens_ok(await router.handle_action(token, user=USER, lang_hint=lang_hint))


def action(reply: Reply, kind: ActionKind) -> Action:
    found = [a for a in reply.all_actions() if isinstance(a, Action) and a.kind is kind]
    assert found, f"no {kind} in {reply}"
    return found[0]


# ---------------------------------------------------------------------- parsing helpers


def test_parse_command_strips_bot_mention_and_lowercases() -> None:
    assert parse_command("/film@ReviewBot 기생충") == ("film", "ReviewBot", "기생충")
    assert parse_command("/FILM  헤어질 결심 ") == ("film", None, "헤어질 결심")
    assert parse_command("/영화 기생충") == ("영화", None, "기생충")
    assert parse_command("기생충") is None
    assert parse_command("/") is None
    assert addressed_bot("/film@other_bot 기생충") == "other_bot"
    assert addressed_bot("/film 기생충") is None


def test_clean_input_strips_controls_and_cuts() -> None:
    assert clean_input("기\x00생\x1b충\u202e\u200b\ud800 \t\n 리뷰") == ("기생충 리뷰", False)
    assert clean_input("／film 기생충")[0] == "/film 기생충"
    text, cut = clean_input("가나다 " * 2000)
    assert cut and len(text) <= 1000 and not text.endswith(" ")


def test_command_menu_fits_telegram_in_both_languages() -> None:
    for lang in ("ko", "en"):
        menu = command_menu(lang)
        assert {"film", "theme", "category", "categories", "search", "review"} <= {
            name for name, _ in menu
        }
        for name, description in menu:
            assert re.fullmatch(r"[a-z0-9_]{1,32}", name)
            assert 0 < len(description) <= 256
    assert "영화" in known_commands()


# ---------------------------------------------------------------------- film lookups


@pytest.mark.parametrize(
    ("lang_hint", "expected"), [(None, "‘기생충’ 리뷰 7편"), ("en-US", "Reviews of “기생충” (7)")]
)
async def test_film_lists_a_page_of_cards(
    router: Router, lang_hint: str | None, expected: str
) -> None:
    reply = await ask(router, "/film 기생충", lang_hint)
    assert reply.kind is ReplyKind.CARDS
    assert reply.headline == expected
    assert reply.lang == (lang_hint or "ko")[:2]
    assert [c.post_id for c in reply.cards] == [1, 2, 3, 4, 5]
    assert reply.page is not None and (reply.page.number, reply.page.total) == (1, 2)
    assert [a.kind for a in reply.actions] == [ActionKind.NEXT_PAGE]
    first = reply.cards[0]
    assert first.film_label == "기생충 (2019)"
    assert first.summary.startswith("반지하와 저택")
    assert first.themes == ("가족", "계급")
    assert [a.kind for a in first.actions] == [
        ActionKind.SECTIONS,
        ActionKind.RELATED,
        ActionKind.OPEN_POST,
    ]
    # a post without an analysed summary shows its opening instead (here: none at all)
    assert reply.cards[1].summary == ""


async def test_next_and_previous_pages(router: Router) -> None:
    first = await ask(router, "/film 기생충")
    second = await press(router, action(first, ActionKind.NEXT_PAGE).token)
    assert [c.post_id for c in second.cards] == [6, 7]
    assert second.page is not None and second.page.number == 2
    assert [a.kind for a in second.actions] == [ActionKind.PREV_PAGE]
    back = await press(router, action(second, ActionKind.PREV_PAGE).token)
    assert [c.post_id for c in back.cards] == [1, 2, 3, 4, 5]


async def test_pages_survive_a_restart(lookups: FakeLookups) -> None:
    first = await Router(lookups).handle("/film 기생충", user=USER)
    token = action(first, ActionKind.NEXT_PAGE).token
    assert token is not None
    again = await Router(lookups).handle_action(token, user=USER)  # a new process
    assert [c.post_id for c in again.cards] == [6, 7]


async def test_several_films_offer_a_choice_then_pages_by_film_id(router: Router) -> None:
    reply = await ask(router, "/film 괴물")
    assert reply.kind is ReplyKind.CHOICES
    assert "괴물" in reply.headline
    assert [(c.label, c.count) for c in reply.choices] == [("괴물 (2006)", 1), ("괴물 (2023)", 1)]
    assert all(c.kind is ActionKind.PICK_FILM for c in reply.choices)
    picked = await press(router, reply.choices[1].token)
    assert picked.kind is ReplyKind.CARDS
    assert [c.post_id for c in picked.cards] == [10]
    assert picked.headline == "‘괴물’ 리뷰 1편"


async def test_unknown_film_with_did_you_mean_buttons(router: Router) -> None:
    reply = await ask(router, "/film 기생층")
    assert reply.kind is ReplyKind.TEXT
    assert reply.headline == "‘기생층’ 영화의 리뷰를 찾지 못했어요."
    assert reply.notes == (t("film.did_you_mean", "ko"),)
    assert [s.label for s in reply.suggestions] == ["기생충"]
    followed = await press(router, reply.suggestions[0].token)
    assert followed.kind is ReplyKind.CARDS and followed.cards[0].film == "기생충"


async def test_plain_text_is_a_film_then_a_search(router: Router, lookups: FakeLookups) -> None:
    film = await ask(router, "기생충")
    assert film.kind is ReplyKind.CARDS and film.cards[0].film == "기생충"
    assert lookups.queried("search") == []

    text = await ask(router, "계단은 계급을", "en")
    assert text.kind is ReplyKind.CARDS
    assert text.notes[0] == t("film.searched_text", "en", query="계단은 계급을")
    assert text.cards[0].post_id == 1

    nothing = await ask(router, "zzzz")
    assert nothing.kind is ReplyKind.TEXT
    assert nothing.headline == "‘zzzz’ 영화의 리뷰를 찾지 못했어요."


async def test_film_by_alias_and_korean_alias_command(router: Router) -> None:
    reply = await ask(router, "/영화 Parasite")
    assert reply.kind is ReplyKind.CARDS and reply.cards[0].film == "기생충"


async def test_film_at_botname_is_the_same_command(router: Router) -> None:
    plain = await ask(router, "/film 기생충")
    addressed = await ask(router, "/film@reviewbot 기생충")
    upper = await ask(router, "/FILM@ReviewBot 기생충")
    assert plain == addressed == upper


# ---------------------------------------------------------------------- other lookups


async def test_theme(router: Router) -> None:
    reply = await ask(router, "/theme 가족")
    assert reply.kind is ReplyKind.CARDS
    assert reply.headline == "‘가족’ 주제 리뷰 8편"
    none = await ask(router, "/주제 우주", "en")
    assert none.kind is ReplyKind.TEXT
    assert none.headline == "No reviews about “우주”."


async def test_category_and_path_syntax(router: Router, lookups: FakeLookups) -> None:
    reply = await ask(router, "/category 일본영화")
    assert [c.post_id for c in reply.cards] == [10]
    await ask(router, "/category 리뷰 > 한국영화")
    assert lookups.queried("by_category")[-1] == "리뷰/한국영화"
    missing = await ask(router, "/category 없음")
    assert missing.kind is ReplyKind.TEXT and "없음" in missing.headline


async def test_categories_are_choices_that_open_the_category(router: Router) -> None:
    reply = await ask(router, "/categories")
    assert reply.kind is ReplyKind.CATEGORIES
    labels = {c.label: c for c in reply.choices}
    assert labels["리뷰"].count == 11 and labels["리뷰"].depth == 0
    assert labels["리뷰 > 일본영화"].depth == 1
    opened = await press(router, labels["리뷰 > 일본영화"].token)
    assert [c.post_id for c in opened.cards] == [10]


async def test_categories_of_an_empty_library() -> None:
    reply = await Router(FakeLookups(posts={})).handle("/categories", user=USER)
    assert reply.kind is ReplyKind.TEXT
    assert reply.headline == t("library.empty", "ko")


async def test_search_and_relaxed_search(router: Router) -> None:
    strict = await ask(router, "/search 계단 냄새")
    assert [c.post_id for c in strict.cards] == [1]
    assert strict.notes == ()
    relaxed = await ask(router, "/search 냄새 우주선", "en")
    assert relaxed.kind is ReplyKind.CARDS
    assert relaxed.notes == (t("search.relaxed", "en"),)
    nothing = await ask(router, "/검색 우주선")
    assert nothing.kind is ReplyKind.TEXT
    assert nothing.headline == "‘우주선’ 검색 결과가 없어요."


# ---------------------------------------------------------------------- one review


async def test_review_card(router: Router) -> None:
    reply = await ask(router, "/review 1")
    assert reply.kind is ReplyKind.CARD
    assert reply.headline == "기생충 리뷰 1 — 계단의 영화"
    card = reply.cards[0]
    assert [a.kind for a in card.actions] == [
        ActionKind.SECTIONS,
        ActionKind.RELATED,
        ActionKind.OPEN_POST,
    ]
    assert card.url == "https://filmnote.example/1"
    assert (await ask(router, "/리뷰 #1")) == reply


async def test_review_without_sections_offers_no_sections_button(router: Router) -> None:
    reply = await ask(router, "/review 11")
    assert ActionKind.SECTIONS not in [a.kind for a in reply.cards[0].actions]
    assert reply.cards[0].summary == "A holiday remembered."


async def test_stub_card_only_links(router: Router) -> None:
    reply = await ask(router, "/review 12")
    card = reply.cards[0]
    assert card.stub and card.summary == ""
    assert [a.kind for a in card.actions] == [ActionKind.OPEN_POST]


@pytest.mark.parametrize("arg", ["999", "0", "99999999999999999999999"])
async def test_unknown_review(router: Router, lookups: FakeLookups, arg: str) -> None:
    reply = await ask(router, f"/review {arg}", "en")
    assert reply.kind is ReplyKind.TEXT
    assert reply.headline == f"There is no review #{int(arg)}."
    if len(arg) > 19:
        assert lookups.queried("review") == []  # never sent to the database


async def test_sections_use_aligned_excerpts_with_fallback(router: Router) -> None:
    reply = await ask(router, "/sections 1")
    assert reply.kind is ReplyKind.SECTIONS
    assert reply.headline == "섹션 · 기생충 리뷰 1 — 계단의 영화"
    assert [s.heading for s in reply.sections] == [None, "줄거리", "계단과 냄새"]
    assert reply.sections[0].excerpt == "봉준호 감독의 기생충은 계단의 영화다."
    fallback = reply.sections[1].excerpt  # no stored excerpt: the section's opening, cut
    assert fallback.startswith("기택 가족은 반지하에 산다.") and len(fallback) <= 400
    assert reply.cards[0].summary == ""
    assert ActionKind.SECTIONS not in [a.kind for a in reply.cards[0].actions]


async def test_sections_of_undivided_post_and_stub(router: Router) -> None:
    single = await ask(router, "/sections 11", "en")
    assert single.sections == ()
    assert single.notes == (t("sections.none", "en"),)
    assert single.cards[0].summary == "A holiday remembered."
    stub = await ask(router, "/sections 12")
    assert stub.notes == (t("sections.stub", "ko"),)


async def test_related_blog_first_then_similar(router: Router) -> None:
    reply = await ask(router, "/related 1")
    assert reply.kind is ReplyKind.RELATED
    origins = [b.origin for b in reply.related]
    assert origins[:2] == [RelatedOrigin.BLOG, RelatedOrigin.BLOG]
    assert set(origins[2:]) == {RelatedOrigin.SIMILAR}
    assert 1 not in [b.post_id for b in reply.related]
    assert reply.related[0].actions[0].kind is ActionKind.REVIEW
    stub = reply.related[1]
    assert stub.stub and stub.actions[0].kind is ActionKind.OPEN_POST
    more = await press(router, action(reply, ActionKind.MORE_LIKE_THIS).token)
    assert {b.origin for b in more.related} == {RelatedOrigin.SIMILAR}
    opened = await press(router, reply.related[0].actions[0].token)
    assert opened.kind is ReplyKind.CARD and opened.cards[0].post_id == 8


async def test_related_none(router: Router) -> None:
    reply = await ask(router, "/related 12", "en")
    assert reply.kind is ReplyKind.RELATED
    assert reply.notes == (t("related.none", "en"),)


# ---------------------------------------------------------------------- random


async def test_random_and_another(router: Router) -> None:
    reply = await ask(router, "/random")
    assert reply.kind is ReplyKind.CARD and len(reply.cards) == 1
    assert reply.headline == t("results.random", "ko")
    assert action(reply, ActionKind.ANOTHER).token == "x"
    again = await press(router, "x")
    assert again.kind is ReplyKind.CARD


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("theme:가족", (None, "가족", None)),
        ("theme: 가족", (None, "가족", None)),
        ("주제 가족", (None, "가족", None)),
        ("film:헤어질 결심", ("헤어질 결심", None, None)),
        ("category=일본영화", (None, None, "일본영화")),
    ],
)
async def test_random_filters(
    router: Router, lookups: FakeLookups, arg: str, expected: tuple[str | None, ...]
) -> None:
    reply = await ask(router, f"/random {arg}")
    assert reply.kind is ReplyKind.CARD
    assert lookups.queried("random")[-1] == expected
    another = action(reply, ActionKind.ANOTHER)
    assert another.token is not None and another.token.startswith("x:")
    again = await press(router, another.token)
    assert again.kind is ReplyKind.CARD
    assert lookups.queried("random")[-1] == expected


async def test_random_bare_words_try_theme_then_film(router: Router, lookups: FakeLookups) -> None:
    reply = await ask(router, "/random 헤어질 결심")
    assert reply.kind is ReplyKind.CARD and reply.cards[0].post_id == 8
    assert lookups.queried("random")[-2:] == [
        (None, "헤어질 결심", None),
        ("헤어질 결심", None, None),
    ]
    nothing = await ask(router, "/추천 우주", "en")
    assert nothing.kind is ReplyKind.TEXT


async def test_random_in_an_empty_library() -> None:
    reply = await Router(FakeLookups(posts={})).handle("/random", user=USER, lang_hint="en")
    assert reply.headline == t("library.empty", "en")


# ---------------------------------------------------------------------- help, start, lang


@pytest.mark.parametrize("command", ["/help", "/도움말", "/start", "/start hello"])
async def test_help_and_start(router: Router, command: str) -> None:
    reply = await ask(router, command)
    assert reply.kind is ReplyKind.HELP
    assert [c.command for c in reply.commands][:2] == ["/film", "/theme"]
    assert all(c.description for c in reply.commands)
    assert t("help.plain", "ko") in reply.notes


@pytest.mark.parametrize("payload", ["r8", "r_8"])
async def test_start_deep_link_opens_the_review(router: Router, payload: str) -> None:
    reply = await ask(router, f"/start {payload}")
    assert reply.kind is ReplyKind.CARD and reply.cards[0].post_id == 8


async def test_lang_is_stored_and_wins_over_the_hint(router: Router, lookups: FakeLookups) -> None:
    reply = await ask(router, "/lang en", "ko")
    assert reply.lang == "en" and reply.headline == t("lang.set", "en")
    assert lookups.langs[USER] == "en"
    later = await ask(router, "/film 기생충", "ko")
    assert later.lang == "en" and later.headline.startswith("Reviews of")
    back = await ask(router, "/언어 한국어")
    assert back.lang == "ko" and lookups.langs[USER] == "ko"


@pytest.mark.parametrize("arg", ["", "fr", "klingon"])
async def test_lang_usage(router: Router, lookups: FakeLookups, arg: str) -> None:
    reply = await ask(router, f"/lang {arg}", "en")
    assert reply.kind is ReplyKind.TEXT
    assert reply.headline == "Usage: /lang ko or /lang en (now: English)"
    assert USER not in lookups.langs


async def test_forced_language_and_unknown_hint(router: Router) -> None:
    forced = await router.handle("/help", user=USER, lang_hint="ko", lang="en")
    assert forced.lang == "en"
    unknown = await router.handle("/help", user=USER, lang_hint="fr-FR")
    assert unknown.lang == "en"  # the closest thing to French we have
    nothing = await router.handle("/help", user=USER)
    assert nothing.lang == "ko"


# ---------------------------------------------------------------------- usage lines


@pytest.mark.parametrize(
    "command",
    [
        "/film",
        "/theme",
        "/category",
        "/search",
        "/review",
        "/sections",
        "/related",
        "/review abc",
        "/sections -1",
        "/related 1.5",
        "/random theme:",
        "/random theme",
        "/random 주제 :",
    ],
)
@pytest.mark.parametrize("lang", ["ko", "en"])
async def test_missing_or_bad_arguments_get_a_usage_line(
    router: Router, lookups: FakeLookups, command: str, lang: str
) -> None:
    reply = await ask(router, command, lang)
    assert reply.kind is ReplyKind.TEXT
    name = command.split()[0].lstrip("/")
    assert reply.headline == t(f"usage.{name}", lang)
    assert reply.headline.startswith("사용법" if lang == "ko" else "Usage")
    assert [c for c in lookups.calls if c[0] != "remember_query"] == []


async def test_unknown_command(router: Router) -> None:
    reply = await ask(router, "/foo bar", "en")
    assert reply.kind is ReplyKind.TEXT
    assert reply.headline == t("command.unknown", "en", command="/foo")


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "\u200b"])
async def test_empty_messages(router: Router, text: str) -> None:
    reply = await ask(router, text)
    assert reply.kind is ReplyKind.TEXT and reply.headline == t("query.empty", "ko")


# ---------------------------------------------------------------------- hostile input


async def test_markup_in_a_query_is_echoed_verbatim(router: Router) -> None:
    reply = await ask(router, "/film <i>&\"'")
    assert reply.kind is ReplyKind.TEXT
    assert reply.headline == "‘<i>&\"'’ 영화의 리뷰를 찾지 못했어요."


async def test_markup_in_titles_stays_plain_data(router: Router) -> None:
    reply = await ask(router, "/film <b>&\"'")
    assert reply.kind is ReplyKind.CARDS
    card = reply.cards[0]
    assert card.title == "<b>&\"' [bold red]제목[/] *별* _밑줄_"
    assert card.url == "https://filmnote.example/13?a=1&b=<2>"


async def test_a_5000_character_message_is_cut_before_lookup(
    router: Router, lookups: FakeLookups
) -> None:
    reply = await ask(router, "/search " + "가" * 5000)
    assert reply.kind is ReplyKind.TEXT
    (query,) = lookups.queried("search")
    assert isinstance(query, str) and len(query) <= MAX_QUERY_CHARS
    assert reply.notes[0] == t("query.truncated", "ko", n=1000)
    assert len(reply.headline) < 120  # the echo is shortened too
    plain = await ask(router, "가나다라 " * 1500)
    assert all(len(str(q)) <= MAX_QUERY_CHARS for q in lookups.queried("by_film"))
    assert plain.kind is ReplyKind.TEXT


async def test_control_characters_are_stripped(router: Router, lookups: FakeLookups) -> None:
    reply = await ask(router, "/film 기\x00생\x07충\u202e\x1b[31m")
    assert lookups.queried("by_film") == ["기생충[31m"]
    assert reply.kind is ReplyKind.TEXT
    clean = await ask(router, "/film\t기생\u200b충\r\n")
    assert clean.kind is ReplyKind.CARDS


@pytest.mark.parametrize(
    "text",
    [
        "@everyone",
        "/film @everyone @here",
        "/search \" * NEAR OR AND ( ) ' ; DROP TABLE posts; --",
        "/film {query} {0} {}",
        "/review " + "9" * 5000,
        "\ud800\udfff",
        "/" + "x" * 3000,
        "/start " + "r" * 100,
        "/random theme:" + "가" * 3000,
        "ㅎㅇㅈ ㄱㅅ",
        "🎬🍿",
    ],
)
async def test_hostile_input_never_crashes(router: Router, text: str) -> None:
    reply = await ask(router, text)
    assert reply.kind is not ReplyKind.ERROR
    assert reply.headline


async def test_placeholders_in_user_text_are_not_templates(router: Router) -> None:
    reply = await ask(router, "/theme {query}{total}")
    assert reply.headline == "‘{query}{total}’ 주제의 리뷰를 찾지 못했어요."


# ---------------------------------------------------------------------- tokens


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "s:abc",
        "s:-1",
        "s:01",
        "v:1:2",
        "q:한글:0",
        "f:1:-5",
        "z:1",
        "s:" + "1" * 100,
        "x:" + "a" * 40,
    ],
)
@pytest.mark.parametrize("lang", ["ko", "en"])
async def test_garbage_tokens_get_a_friendly_reply(router: Router, token: str, lang: str) -> None:
    reply = await press(router, token, lang)
    assert reply.kind is ReplyKind.TEXT
    assert reply.headline == t("action.invalid", lang)


async def test_non_string_tokens(router: Router) -> None:
    for token in (None, 12, b"s:1", ["s:1"]):
        reply = await router.handle_action(token, user=USER)  # type: ignore[arg-type]
        assert reply.kind is ReplyKind.TEXT


async def test_stale_tokens_get_a_friendly_reply(router: Router) -> None:
    expired = await press(router, "q:deadbeef0000:5", "en")
    assert expired.headline == t("action.expired", "en")
    gone = await press(router, "s:424242")
    assert gone.headline == t("review.not_found", "ko", id=424242)
    no_film = await press(router, "f:4242:0", "en")
    assert no_film.kind is ReplyKind.TEXT
    assert no_film.headline == "No reviews of a film called “4242”."
    another = await press(router, "x:deadbeef0000")
    assert another.headline == t("action.expired", "ko")


async def test_a_page_past_the_end_shows_the_last_page(router: Router) -> None:
    first = await ask(router, "/film 기생충")
    token = action(first, ActionKind.NEXT_PAGE).token
    assert token is not None
    key = token.split(":")[1]
    beyond = await press(router, f"q:{key}:500")
    assert [c.post_id for c in beyond.cards] == [6, 7]
    assert beyond.notes[0] == t("page.out_of_range", "ko")
    film_beyond = await press(router, "f:1:100")
    assert [c.post_id for c in film_beyond.cards] == [6, 7]


async def test_tokens_stay_short_for_long_korean_queries(lookups: FakeLookups) -> None:
    router = Router(lookups)
    long_theme = "가족" * 80
    for id_ in range(1, 14):
        post = lookups.posts.get(id_)
        if post is not None:
            lookups.posts[id_] = type(post)(
                **{
                    **{f: getattr(post, f) for f in post.__slots__},
                    "themes": (long_theme,),
                }
            )
    reply = await ask(router, f"/theme {long_theme}")
    assert reply.kind is ReplyKind.CARDS
    next_token = action(reply, ActionKind.NEXT_PAGE).token
    assert next_token is not None and len(next_token.encode()) <= 64
    random_reply = await ask(router, f"/random theme:{long_theme}")
    another = action(random_reply, ActionKind.ANOTHER).token
    assert another is not None and len(another.encode()) <= 64


# ---------------------------------------------------------------------- failures


@pytest.mark.parametrize("lang", ["ko", "en"])
async def test_a_failing_lookup_becomes_an_apology(
    lookups: FakeLookups, caplog: pytest.LogCaptureFixture, lang: str
) -> None:
    lookups.fail = True
    router = Router(lookups)
    with caplog.at_level(logging.ERROR, logger="bot.router"):
        reply = await router.handle("/film 기생충", user=USER, lang_hint=lang)
        pressed = await router.handle_action("s:1", user=USER, lang_hint=lang)
    for answer in (reply, pressed):
        assert answer.kind is ReplyKind.ERROR
        assert answer.headline == t("error.sorry", lang)
        assert "\n" not in answer.headline
    assert "database on fire" in caplog.text


async def test_a_failing_language_store_does_not_stop_the_answer(lookups: FakeLookups) -> None:
    lookups.fail_lang = True
    reply = await Router(lookups).handle("/film 기생충", user=USER, lang_hint="en")
    assert reply.kind is ReplyKind.CARDS and reply.lang == "en"


async def test_every_reply_is_in_the_users_language(router: Router) -> None:
    """No Korean text in an English reply except data (titles, queries)."""
    for text in ["/help", "/film", "/lang xx", "/foo", "/sections 11", "/related 11", "/film 괴물"]:
        reply = await ask(router, text, "en")
        data = {c.label for c in reply.choices} | {"괴물"}
        headline = reply.headline
        for word in data:
            headline = headline.replace(word, "")
        assert not re.search("[가-힣]", headline), (text, reply.headline)
        for note in reply.notes:
            assert not re.search("[가-힣]", note), (text, note)
        for offer in reply.all_actions():
            if isinstance(offer, Action):
                assert not re.search("[가-힣]", offer.label)
        for choice in reply.choices:
            assert isinstance(choice, Choice)


# ---------------------------------------------------------------------- contract variants


class NamingLookups(FakeLookups):
    """Film results that name their film in ``choices`` (next to hits, or instead of them),
    and theme misses with suggestions — shapes the protocol allows."""

    def __init__(self, *, hits_with_choice: bool) -> None:
        super().__init__()
        self.hits_with_choice = hits_with_choice

    async def by_film(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult:
        result = await super().by_film(query, limit=limit, offset=offset)
        if not result.hits:
            return result
        film_id = result.hits[0].post.film_id
        assert film_id is not None
        title, year, _ = FILMS[film_id]
        choice = FilmChoice(film_id, title, year, result.total)
        if self.hits_with_choice:
            return dataclasses.replace(result, choices=(choice,))
        return LookupResult(LookupKind.FILM, query, choices=(choice,), message="film.choose")

    async def by_theme(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult:
        result = await super().by_theme(query, limit=limit, offset=offset)
        if query == "가죽":
            return dataclasses.replace(result, suggestions=("가족",))
        return result


@pytest.mark.parametrize("hits_with_choice", [True, False])
async def test_a_single_named_film_shows_its_reviews(hits_with_choice: bool) -> None:
    lookups = NamingLookups(hits_with_choice=hits_with_choice)
    router = Router(lookups)
    reply = await ask(router, "/film Parasite")
    assert reply.kind is ReplyKind.CARDS
    assert reply.headline == "‘기생충’ 리뷰 7편"
    next_token = action(reply, ActionKind.NEXT_PAGE).token
    assert next_token == "f:1:5"  # paged by the film's id
    assert [c.post_id for c in (await press(router, next_token)).cards] == [6, 7]


async def test_theme_suggestions_run_a_theme_lookup() -> None:
    router = Router(NamingLookups(hits_with_choice=True))
    reply = await ask(router, "/theme 가죽")
    assert reply.kind is ReplyKind.TEXT
    assert reply.notes == (t("suggest.did_you_mean", "ko"),)
    followed = await press(router, reply.suggestions[0].token)
    assert followed.headline == "‘가족’ 주제 리뷰 8편"


# ---------------------------------------------------------------------- inline queries


async def test_inline_pages_by_offset(router: Router) -> None:
    first = tokens_ok(await router.inline("기생충", user=USER, limit=5))
    assert first.kind is ReplyKind.CARDS and len(first.cards) == 5
    assert first.page is not None and first.page.next_offset == 5
    rest = await router.inline("기생충", user=USER, limit=5, offset=first.page.next_offset)
    assert [c.post_id for c in rest.cards] == [6, 7]
    assert rest.page is not None and rest.page.next_offset is None


async def test_inline_searches_when_several_or_no_films_match(router: Router) -> None:
    several = await router.inline("괴물", user=USER, lang_hint="en")
    assert several.kind is ReplyKind.CARDS  # reviews, never a film picker
    assert {c.post_id for c in several.cards} == {9, 10}
    nothing = await router.inline("우주선", user=USER, lang_hint="en")
    assert nothing.kind is ReplyKind.TEXT
    empty = await router.inline("\x00 ", user=USER)
    assert empty.headline == t("query.empty", "ko")


async def test_inline_survives_failures_and_huge_input(lookups: FakeLookups) -> None:
    router = Router(lookups)
    huge = await router.inline("가" * 10_000, user=USER, offset=10**9, limit=10**6)
    assert huge.kind is not ReplyKind.ERROR
    assert all(len(str(q)) <= MAX_QUERY_CHARS for q in lookups.queried("by_film"))
    lookups.fail = True
    failed = await router.inline("기생충", user=USER, lang_hint="en")
    assert failed.kind is ReplyKind.ERROR and failed.lang == "en"
