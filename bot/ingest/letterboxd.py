"""Letterboxd RSS (``https://letterboxd.com/<user>/rss/``): the reviews, not the diary or lists.

A Letterboxd feed mixes three kinds of item, told apart by the guid: ``letterboxd-review-*``
(a written review), ``letterboxd-watch-*`` (a diary entry: poster plus "Watched on …" filler) and
``letterboxd-list-*`` (a list of films). Only reviews are posts for reviewbot; the others are
counted so that the user learns why a 72-item feed gave three posts.

The structured ``letterboxd:*`` / ``tmdb:*`` fields are trusted over the item title
(``Film, 2020 - ★★★½ (contains spoilers)``), because the title is built from them for display.
feedparser names those fields after the prefix the feed *declares*, so the prefix is looked up from
the namespace URI instead of assuming ``letterboxd_``.

Titles: a review has no title of its own, so the post is titled ``<Film> (<year>) review`` (plus
`` (contains spoilers)`` when Letterboxd says so), which reads well in a list of recommendations
and which :func:`bot.titles.parse_title` reads back as the same film and year. Items without a
``filmTitle`` keep their item title with the star rating cut off.

Film aliases stay empty: Letterboxd gives the film's display title only (English, or whatever
the member's language setting picked), never its original or Korean title; the TMDB id is the
reliable key that ties it to the same film reviewed elsewhere.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from bot.domain import LetterboxdInfo, ParsedPost, Section, SourceKind
from bot.ingest.feed_fields import _raw, _str
from bot.ingest.html_body import html_to_sections, html_to_text
from bot.textnorm import clean_line

LETTERBOXD_NS = "letterboxd.com"
TMDB_NS = "themoviedb.org"

_GUID_KIND = re.compile(r"^letterboxd-(?P<kind>[a-z]+)-", re.IGNORECASE)
# "Film, 2020 - ★★★½ (contains spoilers)": the rating and spoiler suffix of an item title.
_TITLE_SUFFIX = re.compile(r"\s*(?:-\s*[★½]+\s*)?(?:\(contains spoilers\))?\s*$", re.IGNORECASE)
_SPOILER_TITLE = re.compile(r"\(contains spoilers\)\s*$", re.IGNORECASE)
# The poster paragraph that opens every item, and the spoiler marker that may follow it.
_POSTER = re.compile(r"<p>\s*<img\b[^>]*>\s*</p>", re.IGNORECASE)
_SPOILER_MARK = re.compile(
    r"<p>\s*(?:<em>)?\s*This review may contain spoilers\.?\s*(?:</em>)?\s*</p>", re.IGNORECASE
)
_SPOILER_TEXT = "This review may contain spoilers."
# The filler text of a diary entry without a review: "Watched on Friday August 14, 2020."
_WATCHED_FILLER = re.compile(r"^(?:Watched|Rewatched) on \w+ \w+ \d{1,2}, \d{4}\.?$")


@dataclass(frozen=True, slots=True)
class LetterboxdFeed:
    """The reviews of one Letterboxd feed and how many items were not reviews."""

    reviews: tuple[ParsedPost, ...]
    watches: int = 0
    lists: int = 0
    other: int = 0

    @property
    def skipped(self) -> int:
        return self.watches + self.lists + self.other

    def _counts(self) -> str:
        parts = []
        if self.watches:
            parts.append(f"{self.watches} diary entr{'y' if self.watches == 1 else 'ies'}")
        if self.lists:
            parts.append(f"{self.lists} list{'' if self.lists == 1 else 's'}")
        if self.other:
            parts.append(f"{self.other} other item{'' if self.other == 1 else 's'}")
        return ", ".join(parts)

    def skipped_note(self) -> str | None:
        """One line for the user about the items that were not taken, or None if none were."""
        counts = self._counts()
        return f"Letterboxd: skipped {counts} without review text" if counts else None

    def no_reviews_message(self) -> str:
        counts = self._counts()
        return "no reviews in this Letterboxd feed" + (f" (only {counts})" if counts else "")


# --- typed access to feedparser's untyped dicts ------------------------------------------------


def _utc(struct: Any) -> datetime | None:
    """feedparser's ``*_parsed`` values are UTC ``struct_time``s; make them aware datetimes."""
    if not isinstance(struct, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _prefix(namespaces: Mapping[str, str], marker: str, default: str) -> str:
    for prefix, uri in namespaces.items():
        if prefix and marker in uri.casefold():
            return prefix.casefold()
    return default


@dataclass(frozen=True, slots=True)
class _Keys:
    """The entry keys feedparser made of this feed's declared prefixes."""

    lb: str
    tmdb: str

    def lb_field(self, entry: Any, name: str) -> str | None:
        return _str(entry, f"{self.lb}_{name}")

    def tmdb_field(self, entry: Any, name: str) -> str | None:
        return _str(entry, f"{self.tmdb}_{name}")


def _keys(parsed: Any) -> _Keys:
    namespaces = _raw(parsed, "namespaces")
    if not isinstance(namespaces, dict):
        namespaces = {}
    return _Keys(
        lb=_prefix(namespaces, LETTERBOXD_NS, "letterboxd"),
        tmdb=_prefix(namespaces, TMDB_NS, "tmdb"),
    )


def _entries(parsed: Any) -> list[Any]:
    entries = _raw(parsed, "entries")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


# --- detection --------------------------------------------------------------------------------


def is_letterboxd(parsed: Any) -> bool:
    """A feedparser result that declares the Letterboxd namespace or carries its items."""
    namespaces = _raw(parsed, "namespaces")
    if isinstance(namespaces, dict) and any(
        isinstance(uri, str) and LETTERBOXD_NS in uri.casefold() for uri in namespaces.values()
    ):
        return True
    keys = _keys(parsed)
    for entry in _entries(parsed):
        guid = _str(entry, "id") or ""
        if guid.startswith("letterboxd-") or keys.lb_field(entry, "filmtitle"):
            return True
    return False


# --- fields -----------------------------------------------------------------------------------


def _yes(value: str | None) -> bool:
    return value is not None and value.casefold() in {"yes", "true", "1"}


def _rating(value: str | None) -> float | None:
    """Letterboxd ratings are half stars from 0.5 to 5; anything else is not a rating."""
    if value is None:
        return None
    try:
        rating = float(value)
    except ValueError:
        return None
    return rating if 0.5 <= rating <= 5.0 and (rating * 2).is_integer() else None


def _int(value: str | None, *, low: int, high: int) -> int | None:
    if value is None or not value.isdigit():
        return None
    number = int(value)
    return number if low <= number <= high else None


def _date(value: str | None) -> date | None:
    """``watchedDate`` is the member's local calendar day, so it stays a date (no time zone)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _kind(entry: Any, keys: _Keys) -> str:
    """review | watch | list | other, from the guid; guessed from the content without one."""
    guid = _str(entry, "id") or ""
    m = _GUID_KIND.match(guid)
    if m:
        kind = m["kind"].casefold()
        return kind if kind in {"review", "watch", "list"} else "other"
    link = _str(entry, "link") or ""
    if "/list/" in urlsplit(link).path:
        return "list"
    if keys.lb_field(entry, "filmtitle") is None:
        return "other"
    return "review" if _review_sections(_str(entry, "summary") or "") else "watch"


def _review_sections(description: str) -> tuple[Section, ...]:
    """The review text without the poster, the spoiler marker or diary filler."""
    body = _SPOILER_MARK.sub("", _POSTER.sub("", description, count=1), count=1)
    sections: list[Section] = []
    for section in html_to_sections(body):
        paragraphs = [
            p
            for p in section.text.split("\n\n")
            if p != _SPOILER_TEXT and not _WATCHED_FILLER.match(p)
        ]
        text = "\n\n".join(paragraphs)
        if text or section.heading:
            sections.append(Section(heading=section.heading, text=text, level=section.level))
    return tuple(sections)


def _title(entry: Any, film: str | None, year: int | None, spoilers: bool) -> str:
    if film:
        title = f"{film} ({year}) review" if year else f"{film} review"
    else:
        raw = html_to_text(_str(entry, "title") or "")
        title = _TITLE_SUFFIX.sub("", raw) or "Letterboxd review"
    return f"{title} (contains spoilers)" if spoilers else title


def _review(entry: Any, keys: _Keys) -> ParsedPost | None:
    sections = _review_sections(_str(entry, "summary") or "")
    if not sections:
        return None
    raw_film = keys.lb_field(entry, "filmtitle")
    film = clean_line(raw_film) if raw_film else None  # feedparser decoded &#039; already
    year = _int(keys.lb_field(entry, "filmyear"), low=1870, high=2100)
    description = _str(entry, "summary") or ""
    spoilers = bool(
        _SPOILER_TITLE.search(_str(entry, "title") or "") or _SPOILER_MARK.search(description)
    )
    author = _str(entry, "author")
    info = LetterboxdInfo(
        rating=_rating(keys.lb_field(entry, "memberrating")),
        rewatch=_yes(keys.lb_field(entry, "rewatch")),
        liked=_yes(keys.lb_field(entry, "memberlike")),
        watched=_date(keys.lb_field(entry, "watcheddate")),
        # tmdb:tvId is another id space (series); only movie ids identify a film.
        tmdb_id=_int(keys.tmdb_field(entry, "movieid"), low=1, high=2**31 - 1),
    )
    return ParsedPost(
        title=_title(entry, film, year, spoilers),
        kind=SourceKind.LETTERBOXD,
        url=_str(entry, "link"),
        guid=_str(entry, "id"),
        film=film,
        film_year=year,
        published=_utc(_raw(entry, "published_parsed")),
        author=clean_line(author) if author else None,
        sections=sections,
        letterboxd=info,
    )


def read_letterboxd(parsed: Any) -> LetterboxdFeed:
    """The reviews of a feed feedparser has read (``feedparser.parse(...)``'s result)."""
    keys = _keys(parsed)
    reviews: list[ParsedPost] = []
    counts = {"watch": 0, "list": 0, "other": 0}
    for entry in _entries(parsed):
        kind = _kind(entry, keys)
        post = _review(entry, keys) if kind == "review" else None
        if post is not None:
            reviews.append(post)
        else:
            counts[kind if kind in counts else "other"] += 1
    return LetterboxdFeed(
        reviews=tuple(reviews), watches=counts["watch"], lists=counts["list"], other=counts["other"]
    )


def parse_letterboxd(data: bytes) -> LetterboxdFeed:
    """Read a Letterboxd feed on its own (``parse_feed`` reaches here for any Letterboxd feed)."""
    return read_letterboxd(feedparser.parse(data, sanitize_html=False))
