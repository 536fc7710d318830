"""The platform-neutral reply model: what the router answers, before any adapter renders it.

Every chat adapter (console, Telegram, Discord) renders the same :class:`Reply`, so the answer a
user gets is decided once, in the core. Everything here is *plain text in the user's language*:
no HTML, Markdown or terminal markup, and user input is echoed verbatim. Renderers must escape
every string for their platform (Telegram HTML, Discord Markdown and mentions such as
``@everyone``, rich markup) — nothing here is pre-escaped, so nothing is escaped twice.

Buttons are :class:`Action` values carrying an opaque token (see :mod:`bot.actions`) that fits a
Telegram callback (≤ 64 bytes UTF-8) and means the same after a restart; "open post" carries the
post's URL instead, because a link button needs no round trip to the bot.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from bot.results import RelatedOrigin

MAX_TOKEN_BYTES = 64  # Telegram's limit for callback data


class ReplyKind(enum.StrEnum):
    CARDS = "cards"  # a page of results
    CARD = "card"  # one review
    SECTIONS = "sections"  # one review's section excerpts
    RELATED = "related"  # posts related to one review
    CHOICES = "choices"  # several films match: pick one
    CATEGORIES = "categories"  # the category list
    HELP = "help"
    TEXT = "text"  # a note or a usage line; nothing was wrong with the bot
    ERROR = "error"  # the bot failed; the headline is an apology


class ActionKind(enum.StrEnum):
    REVIEW = "review"  # show a review card
    SECTIONS = "sections"
    RELATED = "related"
    MORE_LIKE_THIS = "more_like_this"  # only the similar reviews ("more like this")
    NEXT_PAGE = "next_page"
    PREV_PAGE = "prev_page"
    OPEN_POST = "open_post"  # a link, not a callback
    PICK_FILM = "pick_film"
    PICK_CATEGORY = "pick_category"
    SUGGESTION = "suggestion"  # a "did you mean" entry: runs that query
    ANOTHER = "another"  # another random review with the same filter


@dataclass(frozen=True, slots=True)
class Action:
    """A button. ``label`` is already in the reply's language; ``label_key`` names its i18n
    entry so a renderer may pick an icon or a shorter text by key instead of parsing text.

    Exactly one of ``token`` (a callback, ≤ 64 bytes UTF-8) and ``url`` (OPEN_POST) is set;
    constructing anything else is a bug and raises at once, not in front of a Telegram user.
    """

    kind: ActionKind
    label_key: str
    label: str
    token: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if self.kind is ActionKind.OPEN_POST:
            if not self.url or self.token is not None:
                raise ValueError("an OPEN_POST action carries a URL and no token")
            return
        if self.url is not None or not self.token:
            raise ValueError(f"a {self.kind} action carries a token and no URL")
        if len(self.token.encode("utf-8")) > MAX_TOKEN_BYTES:
            raise ValueError(f"action token over {MAX_TOKEN_BYTES} bytes: {self.token!r}")


@dataclass(frozen=True, slots=True)
class Card:
    """One review as a result entry or on its own.

    ``summary`` is the extractive summary (or, for a post not yet analysed, its opening);
    empty for stubs, which only have a title and a link. ``themes`` are explicit themes first,
    then mined ones. ``score`` is the ranking score when the card is a search hit.
    """

    post_id: int
    title: str
    film: str | None = None
    film_year: int | None = None
    published: date | None = None
    category: tuple[str, ...] = ()
    summary: str = ""
    url: str | None = None
    stub: bool = False
    teaser: bool = False
    themes: tuple[str, ...] = ()
    score: float | None = None
    actions: tuple[Action, ...] = ()

    @property
    def film_label(self) -> str | None:
        if not self.film:
            return None
        return f"{self.film} ({self.film_year})" if self.film_year else self.film


@dataclass(frozen=True, slots=True)
class SectionBlock:
    """One section of a review: its heading (None for the intro) and a short excerpt."""

    heading: str | None
    excerpt: str


@dataclass(frozen=True, slots=True)
class RelatedBlock:
    """One related post. ``origin`` tells the blog's own list from "more like this".

    ``actions`` open it: its card when it is in the library, else its link (stubs).
    """

    title: str
    url: str | None
    post_id: int | None
    stub: bool
    origin: RelatedOrigin
    published: date | None = None
    film: str | None = None
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of a list to pick from: a film, a category or a "did you mean" suggestion.

    ``label`` is data (a film title, a category path joined with " > "), not an i18n text;
    ``count`` is how many reviews it leads to; ``depth`` indents nested categories.
    """

    kind: ActionKind
    label: str
    token: str
    count: int | None = None
    depth: int = 0

    def __post_init__(self) -> None:
        if not self.token or len(self.token.encode("utf-8")) > MAX_TOKEN_BYTES:
            raise ValueError(f"choice token missing or over {MAX_TOKEN_BYTES} bytes")


@dataclass(frozen=True, slots=True)
class CommandHelp:
    """One line of /help: the command (as typed), its argument hint and what it does."""

    command: str
    args: str
    description: str


@dataclass(frozen=True, slots=True)
class Page:
    """Where a page of results sits: ``number`` of ``total`` pages (1-based), ``items`` in all.

    ``next_offset`` is where the next page starts (None on the last page), for platforms that
    page by offset themselves (Telegram inline queries' ``next_offset``).
    """

    number: int
    total: int
    items: int
    next_offset: int | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer of the bot.

    ``headline`` is the first line (a title, a count, a usage line or an apology); ``notes``
    are further remarks (e.g. "showing reviews that match some of the words"). Lists a kind
    does not use are empty. ``actions`` are the reply's own buttons (pagination, "another
    one"); cards and related blocks carry their own.
    """

    kind: ReplyKind
    lang: str
    headline: str
    notes: tuple[str, ...] = ()
    cards: tuple[Card, ...] = ()
    sections: tuple[SectionBlock, ...] = ()
    related: tuple[RelatedBlock, ...] = ()
    choices: tuple[Choice, ...] = ()
    suggestions: tuple[Choice, ...] = ()
    commands: tuple[CommandHelp, ...] = ()
    actions: tuple[Action, ...] = ()
    page: Page | None = None

    def all_actions(self) -> Iterator[Action | Choice]:
        """Every button in display order: cards, related posts, choices, suggestions, then the
        reply's own. Adapters that number or lay out buttons use this one order."""
        for card in self.cards:
            yield from card.actions
        for block in self.related:
            yield from block.actions
        yield from self.choices
        yield from self.suggestions
        yield from self.actions
