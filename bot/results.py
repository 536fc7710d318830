"""What the core's lookups return, before any reply is built from it.

Lookups answer with data, not text: the router turns a :class:`LookupResult` into a reply in the
user's language, and the ``find`` command prints it as JSON. Message keys name entries of
:mod:`bot.i18n` so that no lookup ever picks a language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from bot.domain import CategoryCount, StoredPost


class LookupKind(enum.StrEnum):
    FILM = "film"
    THEME = "theme"
    CATEGORY = "category"
    TEXT = "text"
    RANDOM = "random"


@dataclass(frozen=True, slots=True)
class Hit:
    """One post in a result list, with the score it was ranked by."""

    post: StoredPost
    score: float


@dataclass(frozen=True, slots=True)
class FilmChoice:
    """A film the query may mean, offered when several match or for autocomplete."""

    film_id: int
    title: str
    year: int | None
    posts: int

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass(frozen=True, slots=True)
class LookupResult:
    """A page of results, or why there are none.

    For film lookups ``choices`` holds the films the query matched: one film alongside its
    hits, or several (and no hits) when the user must pick one. ``suggestions`` are "did you
    mean" strings, only when they are close. ``message`` is an i18n key for a note to show
    (e.g. ``film.not_found``, ``query.empty``, ``search.relaxed``); ``message_args`` fill it.
    """

    kind: LookupKind
    query: str
    hits: tuple[Hit, ...] = ()
    total: int = 0
    offset: int = 0
    limit: int = 5
    choices: tuple[FilmChoice, ...] = ()
    suggestions: tuple[str, ...] = ()
    message: str | None = None
    message_args: dict[str, str] = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.hits) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


class RelatedOrigin(enum.StrEnum):
    BLOG = "blog"  # the blog's own related list (category box), in its order
    SIMILAR = "similar"  # "more like this": shared film, themes and text


@dataclass(frozen=True, slots=True)
class RelatedItem:
    post_id: int | None
    title: str
    url: str | None
    published: date | None
    film: str | None
    stub: bool
    origin: RelatedOrigin


class LookupService(Protocol):
    """The core's lookups as the router sees them (implemented by :class:`bot.lookups.Lookups`).

    Every method is safe to call with any user input: empty, huge or hostile queries come back
    as a result with a message key, never as an exception.
    """

    async def by_film(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult: ...

    async def by_film_id(self, film_id: int, *, limit: int = 5, offset: int = 0) -> LookupResult:
        """The reviews of one film (after the user picked it from ``choices``)."""
        ...

    async def by_theme(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult: ...

    async def by_category(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult: ...

    async def categories(self) -> list[CategoryCount]: ...

    async def search(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult: ...

    async def random(
        self, *, film: str | None = None, theme: str | None = None, category: str | None = None
    ) -> LookupResult:
        """One good review (a single hit), optionally within a film, theme or category."""
        ...

    async def review(self, post_id: int) -> StoredPost | None:
        """A whole post (sections, excerpts, summary, related entries), or None."""
        ...

    async def related(self, post_id: int, *, limit: int = 8) -> list[RelatedItem]:
        """The blog's own related list first, then "more like this"; never the post itself."""
        ...

    async def film_choices(self, prefix: str, *, limit: int = 25) -> list[FilmChoice]: ...

    async def theme_choices(self, prefix: str, *, limit: int = 25) -> list[str]: ...

    async def category_choices(self, prefix: str, *, limit: int = 25) -> list[str]: ...

    async def remember_query(self, kind: str, query: str) -> str:
        """A short stable key for a query, for pagination buttons that survive restarts."""
        ...

    async def recall_query(self, key: str) -> tuple[str, str] | None: ...

    async def user_lang(self, user: str) -> str | None: ...

    async def set_user_lang(self, user: str, lang: str) -> None: ...
