"""The command router every text adapter shares: a chat message or a button in, a reply out.

Adapters only translate: they hand the router the user's text (or a button's token), the
user's id and the platform's language hint, and render the :class:`~bot.replies.Reply` they
get back. Everything a user can type is handled here — commands, their Korean aliases,
``/film@botname``, deep links, plain film titles — so Telegram, Discord and the console answer
alike.

Nothing a user sends can crash the router: input is cleaned and cut before any lookup, missing
or bad arguments get a usage line, and an unexpected exception becomes a one-line apology (the
details go to the log).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.actions import (
    MAX_ID,
    MAX_OFFSET,
    AnotherToken,
    FilmPageToken,
    QueryPageToken,
    RelatedToken,
    ReviewToken,
    SectionsToken,
    SimilarToken,
    Token,
    decode_token,
    encode_token,
    parse_start_payload,
)
from bot.chat import CONSOLE_CHAT, ChatContext
from bot.digest.model import DigestFilter, FilterKind, Mode, Subscription
from bot.digest.schedule import canonical_timezone, parse_hhmm
from bot.domain import StoredPost
from bot.i18n import LANGS, has, normalize_lang, t
from bot.ports import StorageError
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
from bot.results import LookupKind, LookupResult, LookupService, RelatedOrigin

if TYPE_CHECKING:  # the digest service is optional and only annotated here
    from bot.digest.service import DigestService

log = logging.getLogger(__name__)

PAGE_SIZE = 5
MAX_INPUT_CHARS = 1000  # a message is cut to this before it is parsed
MAX_QUERY_CHARS = 200  # a query is cut to this before it reaches a lookup
MAX_SHOWN_QUERY = 60  # how much of a query a headline echoes
MAX_SUMMARY_CHARS = 350
MAX_EXCERPT_CHARS = 400
MAX_SECTIONS = 20
MAX_CATEGORY_CHOICES = 50
MAX_THEMES = 6
RELATED_LIMIT = 8

# C0/C1 controls, lone surrogates (they cannot be encoded, so a database would choke on them),
# zero-width and bidirectional formatting characters (they hide or reorder text).
_UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_WHITESPACE = re.compile(r"\s+")
_COMMAND = re.compile(r"/([^\s@/]+)(?:@(\S*))?(?:\s+(.*))?", re.DOTALL)
_RANDOM_FILTER = re.compile(r"([^\s:：=]+)\s*(?:[:：=]\s*|\s+)(.*)", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?。？！…])\s")

Handler = Callable[["_Request", str], Awaitable[Reply]]


class PagedLookup(Protocol):
    def __call__(
        self, query: str, *, limit: int = ..., offset: int = ...
    ) -> Awaitable[LookupResult]: ...


@dataclass(slots=True)
class _Request:
    """What one message or button press is being answered with: who, in which language, and
    notes gathered on the way (e.g. that the query was cut)."""

    user: str
    lang: str
    notes: list[str] = field(default_factory=list)
    chat: ChatContext = CONSOLE_CHAT


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command: its name (Telegram's menu allows only a-z, 0-9 and _), aliases users may
    type instead (Korean ones included), and its help texts' i18n keys."""

    name: str
    aliases: tuple[str, ...]
    args_key: str | None
    description_key: str
    in_menu: bool = True
    admin: bool = False  # refused in a group to a sender the adapter does not report as admin


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("film", ("영화", "movie"), "args.title", "cmd.film"),
    CommandSpec("theme", ("주제", "테마"), "args.word", "cmd.theme"),
    CommandSpec("category", ("카테고리", "분류"), "args.name", "cmd.category"),
    CommandSpec("categories", ("카테고리목록", "분류목록"), None, "cmd.categories"),
    CommandSpec("search", ("검색", "찾기", "find"), "args.words", "cmd.search"),
    CommandSpec("review", ("리뷰", "글"), "args.number", "cmd.review"),
    CommandSpec("sections", ("섹션", "목차"), "args.number", "cmd.sections"),
    CommandSpec("related", ("관련", "관련글"), "args.number", "cmd.related"),
    CommandSpec("random", ("랜덤", "추천", "recommend"), "args.random", "cmd.random"),
    # the daily digest (bot/digest)
    CommandSpec("subscribe", ("구독",), "subscribe.args", "subscribe.cmd", admin=True),
    CommandSpec(
        "unsubscribe",
        ("구독취소", "구독해지"),
        "subscribe.args_unsubscribe",
        "subscribe.cmd_stop",
        admin=True,
    ),
    CommandSpec("subscriptions", ("구독목록",), None, "subscribe.cmd_list"),
    CommandSpec("digest", ("오늘의리뷰", "다이제스트"), None, "digest.cmd"),
    CommandSpec("status", ("상태",), "status.args", "status.cmd", admin=True),
    CommandSpec("lang", ("언어", "language"), "args.lang", "cmd.lang"),
    CommandSpec("help", ("도움말", "도움"), None, "cmd.help"),
    CommandSpec("start", ("시작",), None, "cmd.start", in_menu=False),
)
_NEW_WORDS = frozenset({"new", "새글", "새-글", "신규"})
_DAILY_WORDS = frozenset({"daily", "매일", "하루"})
_ALL_WORDS = frozenset({"all", "전체", "모두"})
_ENABLE_WORDS = frozenset({"enable", "resume", "켜기", "재개", "다시"})

_RANDOM_FILTER_NAMES = {
    "film": "film",
    "movie": "film",
    "영화": "film",
    "theme": "theme",
    "주제": "theme",
    "테마": "theme",
    "category": "category",
    "카테고리": "category",
    "분류": "category",
}
_LANG_NAMES = {
    "ko": "ko",
    "kr": "ko",
    "korean": "ko",
    "한국어": "ko",
    "한글": "ko",
    "en": "en",
    "english": "en",
    "영어": "en",
}
_NOT_FOUND = {
    LookupKind.FILM: "film.not_found",
    LookupKind.THEME: "theme.not_found",
    LookupKind.CATEGORY: "category.not_found",
    LookupKind.TEXT: "search.no_results",
    LookupKind.RANDOM: "library.empty",
}
# Messages that explain an empty result; any other message on a non-empty page is a note.
_EMPTY_MESSAGES = frozenset(
    {"query.empty", "library.empty", *_NOT_FOUND.values(), "film.choose", "film.did_you_mean"}
)


def clean_input(text: str, limit: int = MAX_INPUT_CHARS) -> tuple[str, bool]:
    """``text`` without control or invisible formatting characters, on one line, at most
    ``limit`` characters; and whether it had to be cut.

    Cutting happens before anything else looks at the text, so a 10,000-character message
    costs no more than a short one.
    """
    text = text[: limit * 4]  # bound the work below; the exact cut comes after cleaning
    text = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    text = _WHITESPACE.sub(" ", _UNWANTED.sub("", text)).strip()
    if text[:1] == "／":  # a full-width slash from a Korean or Japanese input method
        text = "/" + text[1:]
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ", limit - 30)
    return (cut[:space] if space > 0 else cut).rstrip(), True


def parse_command(text: str) -> tuple[str, str | None, str] | None:
    """``(command, bot mention or None, argument)`` of a slash command, or None for plain text.

    The command is lower-cased; ``/film@reviewbot 기생충`` gives ``("film", "reviewbot",
    "기생충")``. Adapters can use the mention to ignore commands addressed to other bots.
    """
    match = _COMMAND.fullmatch(text)
    if not match:
        return None
    name = unicodedata.normalize("NFKC", match.group(1)).casefold()
    return name, match.group(2) or None, (match.group(3) or "").strip()


def addressed_bot(text: str) -> str | None:
    """The bot a command is addressed to (``/film@other_bot``), or None."""
    parsed = parse_command(clean_input(text)[0]) if isinstance(text, str) else None
    return parsed[1] if parsed else None


def command_menu(lang: str) -> list[tuple[str, str]]:
    """``(command, description)`` pairs for a platform's command menu (Telegram
    ``set_my_commands``), in ``lang``."""
    return [(c.name, t(c.description_key, lang)) for c in COMMANDS if c.in_menu]


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a sentence end, else a word end, never mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    window = text[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if ends and ends[-1] >= limit // 3:
        return window[: ends[-1]].rstrip()
    space = window.rfind(" ")
    if space >= limit // 3:
        window = window[:space]
    return window.rstrip(" ,;:·-") + "…"


def _shown(query: str) -> str:
    """A query as echoed in a headline: whole if short, else its start with an ellipsis."""
    return query if len(query) <= MAX_SHOWN_QUERY else query[: MAX_SHOWN_QUERY - 1] + "…"


def _parse_id(arg: str) -> int | None:
    """A post id as users type it (``12``, ``#12``, ``no.12``); None when it is not one."""
    text = arg.strip().lstrip("#").removeprefix("no.").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 25:
        return None
    return int(text)


class Router:
    """Turns messages and button tokens into replies, using a :class:`LookupService`.

    ``default_lang`` answers users who never chose a language and whose platform gives no
    hint. The router keeps no per-user state itself: languages and remembered queries live
    behind the lookup service, so any number of adapters and restarts share them.
    """

    def __init__(
        self,
        lookups: LookupService,
        *,
        default_lang: str = "ko",
        page_size: int = PAGE_SIZE,
        digest: DigestService | None = None,
    ) -> None:
        self._lookups = lookups
        self._digest = digest
        self._default_lang = normalize_lang(default_lang)
        self._page_size = max(1, min(page_size, 20))
        handlers: dict[str, Handler] = {
            "film": self._cmd_film,
            "theme": self._cmd_theme,
            "category": self._cmd_category,
            "categories": self._cmd_categories,
            "search": self._cmd_search,
            "review": self._cmd_review,
            "sections": self._cmd_sections,
            "related": self._cmd_related,
            "random": self._cmd_random,
            "lang": self._cmd_lang,
            "help": self._cmd_help,
            "start": self._cmd_start,
            "subscribe": self._cmd_subscribe,
            "unsubscribe": self._cmd_unsubscribe,
            "subscriptions": self._cmd_subscriptions,
            "digest": self._cmd_digest,
            "status": self._cmd_status,
        }
        self._commands: dict[str, Handler] = {}
        for spec in COMMANDS:
            for name in (spec.name, *spec.aliases):
                self._commands[unicodedata.normalize("NFKC", name).casefold()] = handlers[spec.name]

    # ------------------------------------------------------------------ entry points

    async def handle(
        self,
        text: str,
        *,
        user: str,
        lang_hint: str | None = None,
        lang: str | None = None,
        chat: ChatContext | None = None,
    ) -> Reply:
        """The reply to a message: a command, or plain text (looked up as a film title).

        ``lang_hint`` is the platform's idea of the user's language (Telegram's
        ``language_code``); a language the user chose with ``/lang`` wins over it. ``lang``
        forces a language for this one reply (a command-line ``--lang``). ``chat`` is where
        the message was sent (for the digest commands); without it the message counts as the
        console's: a private chat whose user is its admin.
        """
        try:
            lang = await self._user_lang(user, lang_hint, lang)
            request = _Request(user=str(user), lang=lang, chat=chat or CONSOLE_CHAT)
            reply = await self._dispatch(request, text if isinstance(text, str) else "")
            return self._with_notes(reply, request)
        except StorageError as exc:  # the database is locked or gone: one line, no traceback
            log.error("could not answer %r from %r: %s", _preview(text), user, exc)
            return self._error(lang or self._default_lang)
        except Exception:
            log.exception("could not answer %r from %r", _preview(text), user)
            return self._error(lang or self._default_lang)

    async def handle_action(
        self, token: str, *, user: str, lang_hint: str | None = None, lang: str | None = None
    ) -> Reply:
        """The reply to a button press; unknown, forged and expired tokens get a friendly note."""
        try:
            lang = await self._user_lang(user, lang_hint, lang)
            request = _Request(user=str(user), lang=lang)
            decoded = decode_token(token)
            if decoded is None:
                return self._text(request, "action.invalid")
            return self._with_notes(await self._dispatch_token(request, decoded), request)
        except StorageError as exc:  # the database is locked or gone: one line, no traceback
            log.error("could not answer action %r from %r: %s", _preview(token), user, exc)
            return self._error(lang or self._default_lang)
        except Exception:
            log.exception("could not answer action %r from %r", _preview(token), user)
            return self._error(lang or self._default_lang)

    async def inline(
        self,
        query: str,
        *,
        user: str,
        lang_hint: str | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> Reply:
        """Review cards for an inline query (Telegram's ``@bot 기생충``): the film's reviews,
        else a text search; never a list of films to pick from, because an inline result
        must be a review. ``reply.page.next_offset`` continues the list (None at its end).
        """
        try:
            lang = await self._user_lang(user, lang_hint, None)
            request = _Request(user=str(user), lang=lang)
            text, _ = clean_input(query if isinstance(query, str) else "", MAX_QUERY_CHARS)
            limit = max(1, min(limit, 50))
            offset = max(0, min(offset, MAX_OFFSET))
            if not text:
                return self._text(request, "query.empty")
            result = await self._lookups.by_film(text, limit=limit, offset=offset)
            if not result.hits:
                result = await self._lookups.search(text, limit=limit, offset=offset)
            if not result.hits:
                return self._text(request, "search.no_results", query=_shown(text))
            cards = tuple(self._card(lang, hit.post, score=hit.score) for hit in result.hits)
            total = max(result.total, result.offset + len(result.hits))
            return Reply(
                kind=ReplyKind.CARDS,
                lang=lang,
                headline=t("results.text", lang, query=_shown(text), total=total),
                cards=cards,
                page=Page(
                    number=result.offset // limit + 1,
                    total=max(1, math.ceil(total / limit)),
                    items=total,
                    next_offset=result.offset + len(result.hits) if result.has_next else None,
                ),
            )
        except StorageError as exc:  # the database is locked or gone: one line, no traceback
            log.error("could not answer inline query %r from %r: %s", _preview(query), user, exc)
            return self._error(lang or self._default_lang)
        except Exception:
            log.exception("could not answer inline query %r from %r", _preview(query), user)
            return self._error(normalize_lang(lang_hint) if lang_hint else self._default_lang)

    # ------------------------------------------------------------------ dispatch

    async def _user_lang(self, user: str, lang_hint: str | None, forced: str | None) -> str:
        """A forced language, else the user's stored one, else the platform's hint, else the
        default. A storage hiccup here only costs the stored preference, not the answer."""
        if forced:
            return normalize_lang(forced)
        try:
            stored = await self._lookups.user_lang(str(user))
        except Exception:
            log.warning("could not read the language of %r", user, exc_info=True)
            stored = None
        code = (stored or "").replace("-", "_").split("_")[0].lower()
        if code in LANGS:
            return code
        if lang_hint:
            return normalize_lang(lang_hint)
        return self._default_lang

    async def _dispatch(self, request: _Request, text: str) -> Reply:
        clean, truncated = clean_input(text)
        if truncated:
            request.notes.append(t("query.truncated", request.lang, n=MAX_INPUT_CHARS))
        if not clean:
            return self._text(request, "query.empty")
        command = parse_command(clean)
        if command is None:
            return await self._plain(request, self._query(request, clean))
        name, _mention, arg = command
        handler = self._commands.get(name)
        if handler is None:
            return self._text(request, "command.unknown", command="/" + _shown(name))
        return await handler(request, arg)

    async def _dispatch_token(self, request: _Request, token: Token) -> Reply:
        match token:
            case ReviewToken(post_id=post_id):
                return await self._review(request, post_id)
            case SectionsToken(post_id=post_id):
                return await self._sections(request, post_id)
            case RelatedToken(post_id=post_id):
                return await self._related(request, post_id, similar_only=False)
            case SimilarToken(post_id=post_id):
                return await self._related(request, post_id, similar_only=True)
            case FilmPageToken(film_id=film_id, offset=offset):
                return await self._film_page(request, film_id, offset)
            case QueryPageToken(key=key, offset=offset):
                recalled = await self._lookups.recall_query(key)
                if recalled is None:
                    return self._text(request, "action.expired")
                kind, query = recalled
                return await self._query_page(request, kind, query, offset)
            case AnotherToken(key=None):
                return await self._random(request, None, "", key=None)
            case AnotherToken(key=str() as key):
                recalled = await self._lookups.recall_query(key)
                if recalled is None or recalled[0] != LookupKind.RANDOM:
                    return self._text(request, "action.expired")
                field_name, _, query = recalled[1].partition(":")
                if field_name not in ("film", "theme", "category") or not query:
                    return self._text(request, "action.expired")
                return await self._random(request, field_name, query, key=key)
        return self._text(request, "action.invalid")

    def _query(self, request: _Request, arg: str) -> str:
        """The argument as a lookup query: cut to a sane length (noting that it was cut)."""
        query, truncated = clean_input(arg, MAX_QUERY_CHARS)
        if truncated and not request.notes:
            request.notes.append(t("query.truncated", request.lang, n=MAX_QUERY_CHARS))
        return query

    # ------------------------------------------------------------------ commands

    async def _cmd_film(self, request: _Request, arg: str) -> Reply:
        if not arg:
            return self._text(request, "usage.film")
        query = self._query(request, arg)
        result = await self._lookups.by_film(query, limit=self._page_size)
        return await self._results(request, result, query)

    async def _cmd_theme(self, request: _Request, arg: str) -> Reply:
        if not arg:
            return self._text(request, "usage.theme")
        query = self._query(request, arg)
        result = await self._lookups.by_theme(query, limit=self._page_size)
        return await self._results(request, result, query)

    async def _cmd_category(self, request: _Request, arg: str) -> Reply:
        if not arg:
            return self._text(request, "usage.category")
        query = self._query(request, arg).replace(" > ", "/").replace(">", "/")
        result = await self._lookups.by_category(query, limit=self._page_size)
        return await self._results(request, result, query)

    async def _cmd_search(self, request: _Request, arg: str) -> Reply:
        if not arg:
            return self._text(request, "usage.search")
        query = self._query(request, arg)
        result = await self._lookups.search(query, limit=self._page_size)
        return await self._results(request, result, query)

    async def _cmd_categories(self, request: _Request, arg: str) -> Reply:
        lang = request.lang
        categories = await self._lookups.categories()
        if not categories:
            return self._text(request, "library.empty")
        choices: list[Choice] = []
        for entry in categories[:MAX_CATEGORY_CHOICES]:
            key = await self._lookups.remember_query(LookupKind.CATEGORY, "/".join(entry.path))
            token = self._encode(QueryPageToken(key, 0))
            if token is None:
                continue
            choices.append(
                Choice(
                    kind=ActionKind.PICK_CATEGORY,
                    label=" > ".join(entry.path),
                    token=token,
                    count=entry.count,
                    depth=max(0, len(entry.path) - 1),
                )
            )
        notes: tuple[str, ...] = ()
        if len(categories) > MAX_CATEGORY_CHOICES:
            more = len(categories) - MAX_CATEGORY_CHOICES
            notes = (t("categories.more", lang, count=more),)
        return Reply(
            kind=ReplyKind.CATEGORIES,
            lang=lang,
            headline=t("categories.title", lang, count=len(categories)),
            notes=notes,
            choices=tuple(choices),
        )

    async def _cmd_review(self, request: _Request, arg: str) -> Reply:
        post_id = _parse_id(arg)
        if post_id is None:
            return self._text(request, "usage.review")
        return await self._review(request, post_id)

    async def _cmd_sections(self, request: _Request, arg: str) -> Reply:
        post_id = _parse_id(arg)
        if post_id is None:
            return self._text(request, "usage.sections")
        return await self._sections(request, post_id)

    async def _cmd_related(self, request: _Request, arg: str) -> Reply:
        post_id = _parse_id(arg)
        if post_id is None:
            return self._text(request, "usage.related")
        return await self._related(request, post_id, similar_only=False)

    async def _cmd_random(self, request: _Request, arg: str) -> Reply:
        """``/random``, ``/random theme:가족`` (also ``theme 가족``, ``주제:가족``) or
        ``/random 가족`` — bare words are a theme, then a film if no theme matches."""
        if not arg:
            return await self._random(request, None, "", key=None)
        if arg.rstrip(":：= ").casefold() in _RANDOM_FILTER_NAMES:
            return self._text(request, "usage.random")  # "/random theme" with no theme
        match = _RANDOM_FILTER.fullmatch(arg)
        if match and match.group(1).casefold() in _RANDOM_FILTER_NAMES:
            field_name = _RANDOM_FILTER_NAMES[match.group(1).casefold()]
            query = self._query(request, match.group(2))
            if not query:
                return self._text(request, "usage.random")
            return await self._random(request, field_name, query)
        query = self._query(request, arg)
        reply = await self._random(request, "theme", query)
        if reply.kind is ReplyKind.CARD:
            return reply
        film_reply = await self._random(request, "film", query)
        return film_reply if film_reply.kind is ReplyKind.CARD else reply

    async def _cmd_lang(self, request: _Request, arg: str) -> Reply:
        choice = _LANG_NAMES.get(arg.strip().casefold())
        if choice is None:
            current = t("lang.name", request.lang)
            return self._text(request, "usage.lang", current=current)
        await self._lookups.set_user_lang(request.user, choice)
        request.lang = choice
        request.notes.clear()  # notes were written in the old language
        return self._text(request, "lang.set")

    async def _cmd_help(self, request: _Request, arg: str) -> Reply:
        return self._help(request, "help.title")

    async def _cmd_start(self, request: _Request, arg: str) -> Reply:
        post_id = parse_start_payload(arg) if arg else None
        if post_id is not None:
            return await self._review(request, post_id)
        return self._help(request, "start.welcome")

    # ------------------------------------------------------------------ the digest

    async def _cmd_subscribe(self, request: _Request, arg: str) -> Reply:
        """``/subscribe [HH:MM] [timezone] [new] [theme:…|category:…|film:…]``."""
        if self._digest is None:
            return self._text(request, "digest.unavailable")
        if request.chat.is_group and not request.chat.is_admin:
            return self._text(request, "subscribe.admins_only")
        parsed = self._parse_subscribe(request, arg)
        if isinstance(parsed, Reply):
            return parsed
        mode, at, zone, flt = parsed
        sub = await self._digest.subscribe(
            request.chat, mode=mode, at=at, timezone=zone, flt=flt, lang=request.lang,
            user=request.user,
        )  # fmt: skip
        key = "subscribe.done_new" if mode is Mode.NEW else "subscribe.done"
        return self._text(request, key, **self._sub_values(request.lang, sub))

    def _parse_subscribe(
        self, request: _Request, arg: str
    ) -> tuple[Mode, str | None, str | None, DigestFilter | None] | Reply:
        mode, at, zone, flt = Mode.DAILY, None, None, None
        tokens = arg.split()
        for index, token in enumerate(tokens):
            rest = " ".join(tokens[index:])
            match = _RANDOM_FILTER.fullmatch(rest)
            if match and match.group(1).casefold() in _RANDOM_FILTER_NAMES:
                value = self._query(request, match.group(2))
                if not value:
                    return self._text(request, "subscribe.usage")
                kind = FilterKind(_RANDOM_FILTER_NAMES[match.group(1).casefold()])
                flt = DigestFilter(kind, value)
                break
            word = token.casefold()
            if word in _NEW_WORDS:
                mode = Mode.NEW
            elif word in _DAILY_WORDS:
                mode = Mode.DAILY
            elif (hhmm := parse_hhmm(token)) is not None:
                at = hhmm
            elif (found := canonical_timezone(token)) is not None:
                zone = found
            else:
                key = "subscribe.bad_zone" if "/" in token else "subscribe.bad_arg"
                return self._text(request, key, arg=_shown(token))
        return mode, at, zone, flt

    async def _cmd_unsubscribe(self, request: _Request, arg: str) -> Reply:
        """``/unsubscribe`` (everything), ``/unsubscribe new`` or ``/unsubscribe daily``."""
        if self._digest is None:
            return self._text(request, "digest.unavailable")
        if request.chat.is_group and not request.chat.is_admin:
            return self._text(request, "subscribe.admins_only")
        word = arg.strip().casefold()
        mode: Mode | None = None
        if word in _NEW_WORDS:
            mode = Mode.NEW
        elif word in _DAILY_WORDS:
            mode = Mode.DAILY
        elif word and word not in _ALL_WORDS:
            return self._text(request, "subscribe.usage_stop")
        removed = await self._digest.unsubscribe(request.chat, mode)
        return self._text(request, "subscribe.stopped" if removed else "subscribe.none")

    async def _cmd_subscriptions(self, request: _Request, arg: str) -> Reply:
        if self._digest is None:
            return self._text(request, "digest.unavailable")
        subs = await self._digest.subscriptions(request.chat)
        if not subs:
            return self._text(request, "subscribe.none")
        lines = []
        for sub in subs:
            key = "subscribe.line_new" if sub.mode is Mode.NEW else "subscribe.line"
            line = t(key, request.lang, **self._sub_values(request.lang, sub))
            if sub.paused:
                line += " — " + t("subscribe.paused", request.lang)
            lines.append(line)
        return Reply(
            kind=ReplyKind.TEXT,
            lang=request.lang,
            headline=t("subscribe.list_title", request.lang, count=len(subs)),
            notes=tuple(lines),
        )

    async def _cmd_digest(self, request: _Request, arg: str) -> Reply:
        """Today's pick for this chat, now (nothing is recorded as sent)."""
        if self._digest is None:
            return self._text(request, "digest.unavailable")
        post_id = await self._digest.todays_pick(request.chat)
        reply = None if post_id is None else await self.digest_card(post_id, lang=request.lang)
        return reply or self._text(request, "library.empty")

    async def _cmd_status(self, request: _Request, arg: str) -> Reply:
        if self._digest is None:
            return self._text(request, "digest.unavailable")
        chat = request.chat
        # Bot-wide facts (source URLs and their errors): for the people who run the bot, and
        # for a group's admins; not for anyone who opens a private chat with it.
        if not (chat.is_operator or (chat.is_group and chat.is_admin)):
            if chat.user_id and not chat.is_group:
                return self._text(
                    request, "status.operators_only", platform=chat.platform, user=chat.user_id
                )
            return self._text(request, "status.admins_only")
        lang = request.lang
        words = arg.split(maxsplit=1)
        if words and words[0].casefold() in _ENABLE_WORDS:
            return await self._enable_source(request, words[1] if len(words) > 1 else "")
        status = await self._digest.status()
        counts = status.subscriptions
        lines = [
            t("status.library", lang, count=status.library_size),
            t(
                "status.subscriptions",
                lang,
                daily=counts.get("daily", 0),
                new=counts.get("new", 0),
                paused=counts.get("paused", 0),
            ),
        ]
        # which chats blocked the bot is the operators' business, not another group's admins'
        for sub in status.paused if chat.is_operator else ():
            reason = (sub.paused_reason or "").strip() or "-"
            lines.append(t("status.paused_chat", lang, chat=str(sub.chat), reason=reason[:200]))
        last = status.last_tick
        if last:
            at = str(last.get("at", ""))[:16].replace("T", " ")
            sent = last.get("sent", 0)
            failed = int(str(last.get("failed", 0))) + int(str(last.get("gone", 0)))
            lines.append(t("status.last_tick", lang, at=at, sent=sent, failed=failed))
        else:
            lines.append(t("status.never_ran", lang))
        if status.day:
            day = status.day
            lines.append(
                t(
                    "status.day",
                    lang,
                    sent=day.get("sent", 0),
                    failed=day.get("failed", 0),
                    gone=day.get("gone", 0),
                    pending=day.get("claimed", 0) + day.get("sending", 0),
                )
            )
            if day.get("uncertain"):
                lines.append(t("status.uncertain", lang, count=day["uncertain"]))
        known = {s.url: s for s in status.sources}
        for url in status.configured_sources or list(known):
            src = known.get(url)
            if src is None:
                lines.append(t("status.source_pending", lang, url=url))
                continue
            success = src.last_success_at.strftime("%Y-%m-%d %H:%M") if src.last_success_at else "—"
            key = "status.source_disabled" if src.disabled else "status.source"
            lines.append(
                t(
                    key,
                    lang,
                    url=url,
                    success=success,
                    errors=src.consecutive_errors,
                    total=src.total_errors,
                    error=_shown(src.last_error or ""),
                )
            )
        if not status.configured_sources and not known:
            lines.append(t("status.no_sources", lang))
        return Reply(
            kind=ReplyKind.TEXT, lang=lang, headline=t("status.title", lang), notes=tuple(lines)
        )

    async def _enable_source(self, request: _Request, url: str) -> Reply:
        """``/status enable URL``: watch a disabled source again. Only the people who run the
        bot: a source serves every chat, so a group's admins do not get to decide for all."""
        assert self._digest is not None
        if not request.chat.is_operator:
            return self._text(request, "status.enable_operators_only")
        if not url.strip():
            return self._text(request, "status.enable_usage")
        shown = _shown(url.strip())
        source = await self._digest.enable_source(url)
        if source is None:
            return self._text(request, "status.enable_unknown", url=shown)
        return self._text(request, "status.enabled", url=source.url)

    @staticmethod
    def _sub_values(lang: str, sub: Subscription) -> dict[str, object]:
        shown = ""
        if sub.filter is not None:
            shown = t("subscribe.filter", lang, filter=str(sub.filter))
        return {"time": sub.at, "zone": sub.timezone, "filter": shown}

    async def digest_card(
        self, post_id: int, *, lang: str, mode: Mode = Mode.DAILY
    ) -> Reply | None:
        """The message a digest sends: the review's card (as in lookups) and a "more like
        this" button; None when the post is gone or only a stub (nothing to recommend)."""
        lang = normalize_lang(lang)
        post = await self._post(post_id)
        if post is None or post.stub:
            return None
        actions: tuple[Action, ...] = ()
        token = self._encode(SimilarToken(post.id))
        if token is not None:
            actions = (
                self._action(lang, ActionKind.MORE_LIKE_THIS, "action.more_like_this", token),
            )
        headline = t("digest.new_post" if mode is Mode.NEW else "digest.headline", lang)
        return Reply(
            kind=ReplyKind.CARD,
            lang=lang,
            headline=headline,
            cards=(self._card(lang, post),),
            actions=actions,
        )

    # ------------------------------------------------------------------ answers

    async def _plain(self, request: _Request, query: str) -> Reply:
        """Plain text is a film title; when no film matches, the review texts are searched."""
        result = await self._lookups.by_film(query, limit=self._page_size)
        if result.hits or result.choices or result.message in ("query.empty", "library.empty"):
            return await self._results(request, result, query)
        found = await self._lookups.search(query, limit=self._page_size)
        if not found.hits:
            return await self._results(request, result, query)
        request.notes.insert(0, t("film.searched_text", request.lang, query=_shown(query)))
        return await self._results(request, found, query)

    async def _film_page(self, request: _Request, film_id: int, offset: int) -> Reply:
        result = await self._lookups.by_film_id(film_id, limit=self._page_size, offset=offset)
        result = await self._last_page_if_beyond(
            request,
            result,
            lambda last: self._lookups.by_film_id(film_id, limit=self._page_size, offset=last),
        )
        title = result.hits[0].post.film if result.hits and result.hits[0].post.film else None
        return await self._results(request, result, title or result.query, film_id=film_id)

    async def _query_page(self, request: _Request, kind: str, query: str, offset: int) -> Reply:
        """A page of a remembered query; a kind this version does not know counts as expired."""
        lookup = self._paged_lookups().get(str(kind))
        if lookup is None:
            return self._text(request, "action.expired")
        size = self._page_size

        def fetch(at: int) -> Awaitable[LookupResult]:
            return lookup(query, limit=size, offset=at)

        result = await self._last_page_if_beyond(request, await fetch(offset), fetch)
        return await self._results(request, result, query)

    def _paged_lookups(self) -> dict[str, PagedLookup]:
        return {
            LookupKind.FILM.value: self._lookups.by_film,
            LookupKind.THEME.value: self._lookups.by_theme,
            LookupKind.CATEGORY.value: self._lookups.by_category,
            LookupKind.TEXT.value: self._lookups.search,
        }

    async def _last_page_if_beyond(
        self,
        request: _Request,
        result: LookupResult,
        fetch: Callable[[int], Awaitable[LookupResult]],
    ) -> LookupResult:
        """A page past the end (the library shrank since the button was sent) becomes the
        last page, with a note, instead of an empty answer."""
        if result.hits or result.offset <= 0 or result.total <= 0:
            return result
        last = max(0, (result.total - 1) // self._page_size * self._page_size)
        if last >= result.offset:
            return result
        request.notes.append(t("page.out_of_range", request.lang))
        return await fetch(last)

    async def _random(
        self, request: _Request, field_name: str | None, query: str, key: str | None = None
    ) -> Reply:
        lang = request.lang
        if field_name == "film":
            result = await self._lookups.random(film=query)
        elif field_name == "theme":
            result = await self._lookups.random(theme=query)
        elif field_name == "category":
            result = await self._lookups.random(category=query)
        else:
            result = await self._lookups.random()
        if not result.hits:
            return await self._results(request, result, query)
        if field_name is not None and key is None:
            key = await self._lookups.remember_query(LookupKind.RANDOM, f"{field_name}:{query}")
        another = self._encode(AnotherToken(key))
        hit = result.hits[0]
        headline = (
            t("results.random_in", lang, query=_shown(query))
            if field_name
            else t("results.random", lang)
        )
        actions: tuple[Action, ...] = ()
        if another is not None:
            actions = (self._action(lang, ActionKind.ANOTHER, "action.another", another),)
        return Reply(
            kind=ReplyKind.CARD,
            lang=lang,
            headline=headline,
            notes=self._result_notes(lang, result, query),
            cards=(self._card(lang, hit.post, score=hit.score),),
            actions=actions,
        )

    async def _results(
        self, request: _Request, result: LookupResult, query: str, *, film_id: int | None = None
    ) -> Reply:
        """A reply for a page of results: film choices, cards with pagination, or why there
        are none (with clickable "did you mean" suggestions).

        A film result may name the one film it matched in ``choices`` next to its hits; the
        cards are then that film's, titled with its name and paged by its id.
        """
        lang = request.lang
        shown = _shown(query)
        if result.hits and result.kind is LookupKind.FILM and len(result.choices) == 1:
            film_id = result.choices[0].film_id if film_id is None else film_id
            shown = _shown(result.choices[0].title)
        if len(result.choices) == 1 and not result.hits and film_id is None:
            # one film to choose from is no choice: show its reviews straight away
            only = result.choices[0].film_id
            picked = await self._lookups.by_film_id(only, limit=self._page_size)
            if picked.hits:
                return await self._results(request, picked, result.choices[0].title, film_id=only)
        if result.choices and not result.hits:
            choices = []
            for film in result.choices:
                token = self._encode(FilmPageToken(film.film_id, 0))
                if token is not None:
                    choices.append(
                        Choice(ActionKind.PICK_FILM, film.label, token, count=film.posts)
                    )
            key = result.message if result.message and has(result.message) else "film.choose"
            return Reply(
                kind=ReplyKind.CHOICES,
                lang=lang,
                headline=self._message(lang, key, result, shown),
                choices=tuple(choices),
                suggestions=await self._suggestions(result),
            )
        if not result.hits:
            message = result.message
            if not message or message not in _EMPTY_MESSAGES or not has(message):
                message = _NOT_FOUND.get(result.kind, "search.no_results")
            suggestions = await self._suggestions(result)
            did_you_mean = (
                "film.did_you_mean" if result.kind is LookupKind.FILM else "suggest.did_you_mean"
            )
            notes = (t(did_you_mean, lang),) if suggestions else ()
            return Reply(
                kind=ReplyKind.TEXT,
                lang=lang,
                headline=self._message(lang, message, result, shown),
                notes=notes,
                suggestions=suggestions,
            )
        headline_key = {
            LookupKind.FILM: "results.film",
            LookupKind.THEME: "results.theme",
            LookupKind.CATEGORY: "results.category",
            LookupKind.TEXT: "results.text",
        }.get(result.kind, "results.text")
        cards = tuple(self._card(lang, hit.post, score=hit.score) for hit in result.hits)
        return Reply(
            kind=ReplyKind.CARDS,
            lang=lang,
            headline=t(headline_key, lang, query=shown, total=result.total),
            notes=self._result_notes(lang, result, query),
            cards=cards,
            actions=await self._page_actions(lang, result, query, film_id),
            page=self._page(result),
        )

    def _page(self, result: LookupResult) -> Page | None:
        limit = max(1, result.limit)
        total_pages = max(1, math.ceil(result.total / limit))
        if total_pages <= 1 and result.offset == 0:
            return None
        return Page(
            number=result.offset // limit + 1,
            total=total_pages,
            items=result.total,
            next_offset=result.offset + len(result.hits) if result.has_next else None,
        )

    async def _page_actions(
        self, lang: str, result: LookupResult, query: str, film_id: int | None
    ) -> tuple[Action, ...]:
        if not (result.has_previous or result.has_next):
            return ()
        limit = max(1, result.limit)
        key: str | None = None
        if film_id is None:
            key = await self._lookups.remember_query(result.kind.value, query)

        def token(offset: int) -> str | None:
            if film_id is not None:
                return self._encode(FilmPageToken(film_id, offset))
            assert key is not None
            return self._encode(QueryPageToken(key, offset))

        actions: list[Action] = []
        if result.has_previous:
            prev = token(max(0, result.offset - limit))
            if prev is not None:
                actions.append(self._action(lang, ActionKind.PREV_PAGE, "action.prev", prev))
        if result.has_next and result.offset + limit <= MAX_OFFSET:
            nxt = token(result.offset + limit)
            if nxt is not None:
                actions.append(self._action(lang, ActionKind.NEXT_PAGE, "action.next", nxt))
        return tuple(actions)

    async def _suggestions(self, result: LookupResult) -> tuple[Choice, ...]:
        """ "Did you mean" entries as buttons that run the same kind of lookup for the
        suggestion (a random pick's suggestions are themes: that is what bare words mean)."""
        kind = LookupKind.THEME if result.kind is LookupKind.RANDOM else result.kind
        choices: list[Choice] = []
        for suggestion in dict.fromkeys(result.suggestions):
            if not suggestion:
                continue
            key = await self._lookups.remember_query(kind.value, suggestion)
            token = self._encode(QueryPageToken(key, 0))
            if token is not None:
                choices.append(Choice(ActionKind.SUGGESTION, suggestion, token))
        return tuple(choices)

    def _result_notes(self, lang: str, result: LookupResult, query: str) -> tuple[str, ...]:
        """A lookup's message on a non-empty result is a remark (e.g. ``search.relaxed``)."""
        if not result.message or result.message in _EMPTY_MESSAGES or not has(result.message):
            return ()
        return (self._message(lang, result.message, result, _shown(query)),)

    def _message(self, lang: str, key: str, result: LookupResult, shown: str) -> str:
        values: dict[str, object] = {k: _shown(str(v)) for k, v in result.message_args.items()}
        values.update(query=shown, total=result.total)
        return t(key, lang, **values)

    async def _review(self, request: _Request, post_id: int) -> Reply:
        post = await self._post(post_id)
        if post is None:
            return self._text(request, "review.not_found", id=post_id)
        card = self._card(request.lang, post, review=True)
        return Reply(kind=ReplyKind.CARD, lang=request.lang, headline=post.title, cards=(card,))

    async def _sections(self, request: _Request, post_id: int) -> Reply:
        lang = request.lang
        post = await self._post(post_id)
        if post is None:
            return self._text(request, "review.not_found", id=post_id)
        blocks = self._section_blocks(post)
        notes: tuple[str, ...] = ()
        if post.stub:
            notes = (t("sections.stub", lang),)
        elif not blocks:
            notes = (t("sections.none", lang),)
        card = dataclasses.replace(
            self._card(lang, post, with_sections=False),
            summary="" if blocks else self._summary(post),
        )
        return Reply(
            kind=ReplyKind.SECTIONS,
            lang=lang,
            headline=t("sections.title", lang, title=post.title),
            notes=notes,
            cards=(card,),
            sections=blocks,
        )

    def _section_blocks(self, post: StoredPost) -> tuple[SectionBlock, ...]:
        """Each section's heading with its excerpt (the analysed one, else its opening)."""
        aligned = len(post.excerpts) == len(post.sections)
        blocks: list[SectionBlock] = []
        for index, section in enumerate(post.sections):
            excerpt = post.excerpts[index] if aligned else ""
            if not excerpt:
                excerpt = _shorten(section.text, MAX_EXCERPT_CHARS)
            heading = section.heading or None
            if heading or excerpt:
                blocks.append(SectionBlock(heading=heading, excerpt=excerpt))
        if len(blocks) == 1 and blocks[0].heading is None:
            return ()  # one untitled section is the whole post, not a section list
        return tuple(blocks[:MAX_SECTIONS])

    async def _related(self, request: _Request, post_id: int, *, similar_only: bool) -> Reply:
        lang = request.lang
        post = await self._post(post_id)
        if post is None:
            return self._text(request, "review.not_found", id=post_id)
        limit = RELATED_LIMIT * 2 if similar_only else RELATED_LIMIT
        items = [
            item
            for item in await self._lookups.related(post_id, limit=limit)
            if item.post_id != post_id
        ]
        if similar_only:
            items = [item for item in items if item.origin is RelatedOrigin.SIMILAR]
        items = items[:RELATED_LIMIT]
        blocks = []
        for item in items:
            actions: list[Action] = []
            token = self._encode(ReviewToken(item.post_id)) if item.post_id is not None else None
            if token is not None and not item.stub:
                actions.append(self._action(lang, ActionKind.REVIEW, "action.review", token))
            elif item.url:
                actions.append(self._open(lang, item.url))
            blocks.append(
                RelatedBlock(
                    title=item.title,
                    url=item.url,
                    post_id=item.post_id,
                    stub=item.stub,
                    origin=item.origin,
                    published=item.published,
                    film=item.film,
                    actions=tuple(actions),
                )
            )
        reply_actions: list[Action] = []
        if not similar_only and any(b.origin is RelatedOrigin.BLOG for b in blocks):
            token = self._encode(SimilarToken(post_id))
            if token is not None:
                reply_actions.append(
                    self._action(lang, ActionKind.MORE_LIKE_THIS, "action.more_like_this", token)
                )
        return Reply(
            kind=ReplyKind.RELATED,
            lang=lang,
            headline=t(
                "similar.title" if similar_only else "related.title", lang, title=post.title
            ),
            notes=() if blocks else (t("related.none", lang),),
            related=tuple(blocks),
            actions=tuple(reply_actions),
        )

    async def _post(self, post_id: int) -> StoredPost | None:
        if not 0 < post_id <= MAX_ID:
            return None  # the database could not even hold such an id
        return await self._lookups.review(post_id)

    # ------------------------------------------------------------------ building blocks

    def _card(
        self,
        lang: str,
        post: StoredPost,
        *,
        score: float | None = None,
        review: bool = False,
        with_sections: bool = True,
    ) -> Card:
        """A card for a post. Stubs only get their link: there is nothing else to show."""
        actions: list[Action] = []
        if not post.stub:
            if with_sections:
                token = self._encode(SectionsToken(post.id))
                if token and (not review or self._section_blocks(post)):
                    actions.append(
                        self._action(lang, ActionKind.SECTIONS, "action.sections", token)
                    )
            token = self._encode(RelatedToken(post.id))
            if token:
                actions.append(self._action(lang, ActionKind.RELATED, "action.related", token))
        if post.url:
            actions.append(self._open(lang, post.url))
        themes = list(dict.fromkeys([*post.themes, *post.mined_themes]))[:MAX_THEMES]
        return Card(
            post_id=post.id,
            title=post.title,
            film=post.film,
            film_year=post.film_year,
            published=post.published.date() if post.published else None,
            category=post.category,
            summary="" if post.stub else self._summary(post),
            url=post.url,
            stub=post.stub,
            teaser=post.teaser,
            themes=tuple(themes),
            score=score,
            actions=tuple(actions),
        )

    @staticmethod
    def _summary(post: StoredPost) -> str:
        """The analysed summary; for a post not analysed yet, its opening lines."""
        if post.summary:
            return _shorten(post.summary, MAX_SUMMARY_CHARS)
        for text in (*post.excerpts, *(s.text for s in post.sections)):
            if text.strip():
                return _shorten(text, MAX_SUMMARY_CHARS)
        return ""

    @staticmethod
    def _encode(token: Token) -> str | None:
        """A token's text, or None (and no button) when a value cannot be encoded."""
        try:
            return encode_token(token)
        except ValueError:
            log.warning("cannot encode %r as an action token", token)
            return None

    @staticmethod
    def _action(lang: str, kind: ActionKind, label_key: str, token: str) -> Action:
        return Action(kind=kind, label_key=label_key, label=t(label_key, lang), token=token)

    @staticmethod
    def _open(lang: str, url: str) -> Action:
        return Action(
            kind=ActionKind.OPEN_POST,
            label_key="action.open",
            label=t("action.open", lang),
            url=url,
        )

    def _help(self, request: _Request, headline_key: str) -> Reply:
        lang = request.lang
        commands = tuple(
            CommandHelp(
                command="/" + spec.name,
                args=t(spec.args_key, lang) if spec.args_key else "",
                description=t(spec.description_key, lang),
            )
            for spec in COMMANDS
            if spec.in_menu
        )
        notes = (t("help.title", lang),) if headline_key != "help.title" else ()
        return Reply(
            kind=ReplyKind.HELP,
            lang=lang,
            headline=t(headline_key, lang),
            notes=(*notes, t("help.plain", lang)),
            commands=commands,
        )

    @staticmethod
    def _text(request: _Request, key: str, **values: object) -> Reply:
        return Reply(
            kind=ReplyKind.TEXT, lang=request.lang, headline=t(key, request.lang, **values)
        )

    @staticmethod
    def _error(lang: str) -> Reply:
        return Reply(kind=ReplyKind.ERROR, lang=lang, headline=t("error.sorry", lang))

    @staticmethod
    def _with_notes(reply: Reply, request: _Request) -> Reply:
        """The reply with the notes gathered while answering (e.g. "your query was cut")."""
        if not request.notes:
            return reply
        return dataclasses.replace(reply, notes=(*request.notes, *reply.notes))


def _preview(value: object) -> str:
    """A short, safe rendering of user input for the log."""
    text = value if isinstance(value, str) else repr(value)
    return text[:200]


def known_commands() -> Sequence[str]:
    """Every command name and alias the router accepts (for adapters' command filters)."""
    return [name for spec in COMMANDS for name in (spec.name, *spec.aliases)]


def admin_commands() -> Sequence[str]:
    """The names and aliases of the commands that need the sender's admin status in a group,
    so that an adapter asks its platform about it (a round trip) only for these."""
    return [name for spec in COMMANDS if spec.admin for name in (spec.name, *spec.aliases)]
