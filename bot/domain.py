"""Domain types shared by every part of reviewbot.

They are plain frozen dataclasses so that parsers, storage and adapters can exchange them without
knowing about each other: a parser produces :class:`ParsedPost` values, the storage layer persists
them and hands back :class:`StoredPost` values, and nothing here imports a database or a chat
library.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


class SourceKind(enum.StrEnum):
    """Where a post came from; kept so that a later, richer source may complete a poorer one."""

    TISTORY_PAGE = "tistory-page"
    HTML_PAGE = "html-page"
    TISTORY_RSS = "tistory-rss"
    WORDPRESS_FEED = "wordpress-feed"
    NAVER_FEED = "naver-feed"
    GENERIC_FEED = "feed"
    LETTERBOXD = "letterboxd"
    MARKDOWN = "markdown"
    PLAIN_TEXT = "plain-text"
    STUB = "stub"


class IngestStatus(enum.StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Section:
    """One part of a post: the text under a heading (``heading`` is None for the intro)."""

    heading: str | None
    text: str
    level: int = 0


@dataclass(frozen=True, slots=True)
class RelatedRef:
    """A post the blog itself lists next to this one (the category box), in the blog's order."""

    title: str
    url: str | None = None
    published: date | None = None
    comments: int | None = None


@dataclass(frozen=True, slots=True)
class LetterboxdInfo:
    """The structured review fields that only Letterboxd gives."""

    rating: float | None = None
    rewatch: bool = False
    liked: bool = False
    watched: date | None = None
    tmdb_id: int | None = None


class TermField(enum.StrEnum):
    """Where in a post a term occurs; theme lookups weigh explicit fields above body text."""

    TITLE = "title"
    THEME = "theme"  # the title's keyword list and the post's tags (explicit themes)
    HEADING = "heading"
    KEYWORD = "keyword"  # mined from the body text (TF-IDF against the library)
    BODY = "body"


THEME_WEIGHTS: dict[str, float] = {
    TermField.THEME.value: 4.0,
    TermField.TITLE.value: 2.0,
    TermField.HEADING.value: 2.0,
    TermField.KEYWORD.value: 1.5,
    TermField.BODY.value: 0.4,
}
"""How much a theme word counts where it occurs: the blogger's own labels (title keyword list,
tags) say what a review is about more surely than a word in a heading, and a heading more surely
than a keyword mined from the body or a mention in passing.

Storage keeps each post's score per term under these weights, so that a theme lookup reads a
ranked index instead of scoring every review that holds the word: changing them means bumping
``bot.analysis.post.ANALYSER_VERSION`` so that stored scores are recomputed."""


@dataclass(frozen=True, slots=True)
class Sentence:
    """One body sentence (headings are never sentences) and the content terms it holds."""

    text: str
    section: int  # index into the post's sections
    terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IndexTerm:
    """One term of a post in one field, with its weight there (a count for body text)."""

    term: str
    field: TermField
    weight: float


@dataclass(frozen=True, slots=True)
class PostAnalysis:
    """What text analysis derived from a post at ingest; stored so queries never recompute it.

    ``terms`` is the searchable stream (title, themes, tags, headings, body) in text order, the
    same normalised terms that queries are analysed into, so the database's full-text index
    (SQLite FTS5, PostgreSQL tsvector) matches inflected forms. ``mined_themes`` are the body's
    best keywords by TF-IDF against the library at ingest time, best first. ``excerpts`` has one
    entry per section, in section order. ``version`` is the analyser's; a newer analyser
    re-analyses older posts.
    """

    version: int
    sentences: tuple[Sentence, ...] = ()
    terms: tuple[str, ...] = ()
    index_terms: tuple[IndexTerm, ...] = ()
    mined_themes: tuple[tuple[str, float], ...] = ()
    summary: str = ""
    excerpts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedPost:
    """What a parser understood of one post, before it is stored.

    ``film`` is the film title as the blogger wrote it (already stripped of brackets and labels);
    ``themes`` are the explicit themes (title keyword list and tags), already normalised.
    ``teaser`` marks text that is only the start of the post (a partial feed), to be completed
    from the post's page later. ``guid`` is the feed's id, used as identity when there is no URL.
    ``notes`` are things the parser guessed and the user should know (e.g. a derived title).
    """

    title: str
    kind: SourceKind
    url: str | None = None
    guid: str | None = None
    film: str | None = None
    film_year: int | None = None
    film_aliases: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    author: str | None = None
    category: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    related: tuple[RelatedRef, ...] = ()
    teaser: bool = False
    letterboxd: LetterboxdInfo | None = None
    notes: tuple[str, ...] = ()
    analysis: PostAnalysis | None = None

    @property
    def text(self) -> str:
        """The review text as one string (headings included), used for hashing and analysis."""
        parts: list[str] = []
        for section in self.sections:
            if section.heading:
                parts.append(section.heading)
            if section.text:
                parts.append(section.text)
        return "\n\n".join(parts)


@dataclass(frozen=True, slots=True)
class StoredRelated:
    """A related entry as stored: resolved to a library post (full or stub) where possible."""

    post_id: int | None
    title: str
    url: str | None
    published: date | None
    comments: int | None
    film: str | None
    themes: tuple[str, ...]
    stub: bool


@dataclass(frozen=True, slots=True)
class StoredPost:
    """A post as the library knows it, with its database id."""

    id: int
    title: str
    url: str | None
    guid: str | None
    kind: SourceKind
    film: str | None
    film_year: int | None
    published: datetime | None
    category: tuple[str, ...]
    tags: tuple[str, ...]
    themes: tuple[str, ...]
    stub: bool
    teaser: bool
    source: str | None
    sections: tuple[Section, ...] = ()
    related: tuple[StoredRelated, ...] = ()
    comments: int | None = None
    letterboxd: LetterboxdInfo | None = None
    film_id: int | None = None
    summary: str = ""
    excerpts: tuple[str, ...] = ()  # one per section, in section order ("" where none)
    mined_themes: tuple[str, ...] = ()
    analysed_version: int | None = None


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What storing one parsed post did."""

    post_id: int
    url: str | None
    title: str
    status: IngestStatus


@dataclass(slots=True)
class SourceReport:
    """The outcome of ingesting one source (file, folder entry or URL)."""

    source: str
    ok: bool = True
    error: str | None = None
    posts: list[SaveResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FilmEntry:
    """A film the library knows, with every name it goes by (for the film matcher)."""

    id: int
    title: str
    year: int | None
    aliases: tuple[str, ...]
    posts: int  # full posts and stubs about it


@dataclass(frozen=True, slots=True)
class ScoredId:
    """A post id with a ranking score (higher is better) from a database-side lookup."""

    post_id: int
    score: float


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """A category path and how many posts it holds, its sub-categories included."""

    path: tuple[str, ...]
    count: int
