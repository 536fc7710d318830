"""Posts saved as plain text, usually copied from a browser: no markup and often no title line.

Structure is inferred from layout alone. A short line standing alone between paragraphs is a
heading; a short first line followed by a blank line that reads like a review title is the title;
the Tistory category box at the end gives the category and related posts and is cut off, like
the like/share buttons around it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bot.domain import ParsedPost, Section, SourceKind
from bot.ingest.errors import IngestError, NotAPost
from bot.ingest.text_export import (
    derived_title,
    drop_own_post,
    export_lines,
    parse_date_text,
    split_category_box,
    trim_tail,
    unique_tags,
)
from bot.textnorm import clean_line, clean_text
from bot.titles import film_from_text, looks_like_review_title, merge_themes, parse_title

HEADING_MAX_CHARS = 40
TITLE_MAX_CHARS = 100
HEADING_LEVEL = 2  # inferred headings sit where a blog's h2 would

# A line that ends a sentence: closing punctuation, or a Korean sentence ending (…다, …요,
# …죠) with or without a period, maybe followed by a closing quote or bracket.
_SENTENCE_END = re.compile(r"(?:[.。,;:…]|[다요죠])[\"'”’)\]]*$")
# List items and quotations start like this; they are never headings. "1. 줄거리" may be one.
_BULLET = re.compile(r"^(?:[-*•·▪◦–>]|\d+\)|[①-⑳])\s*")
_URL = re.compile(r"^(?:https?://|www\.)\S+$")
# A line that is a quotation from end to end: “대사”, '대사', 「대사」.
_QUOTED = re.compile(r"^[\"“'‘「『].*[\"”'’」』]$")


def _is_heading_like(line: str) -> bool:
    """Short, not a sentence, not a list item, quotation, link or date."""
    return (
        0 < len(line) <= HEADING_MAX_CHARS
        and _SENTENCE_END.search(line) is None
        and _BULLET.match(line) is None
        and _URL.match(line) is None
        and _QUOTED.match(line) is None
        and parse_date_text(line) is None
        and any(c.isalpha() for c in line)
    )


def _heading_flags(lines: Sequence[str]) -> list[bool]:
    """Which lines are headings: heading-like lines that stand alone between paragraphs.

    Before it: the start, a blank line or a paragraph line. After it: a paragraph line, right
    away or after blank lines. Two heading-like lines in a row are a list or verse, not headings.
    """
    like = [bool(line) and _is_heading_like(line) for line in lines]
    flags = [False] * len(lines)
    next_text: int | None = None  # the next non-blank line, scanning backwards
    for i in range(len(lines) - 1, -1, -1):
        if like[i] and next_text is not None and not like[next_text]:
            flags[i] = i == 0 or not lines[i - 1] or not like[i - 1]
        if lines[i]:
            next_text = i
    return flags


def text_sections(lines: Sequence[str]) -> tuple[Section, ...]:
    """Sections of cleaned lines split at inferred headings; text before the first is the intro."""
    sections: list[Section] = []
    heading: str | None = None
    body: list[str] = []

    def close() -> None:
        text = clean_text("\n".join(body))
        if heading is not None or text:
            sections.append(Section(heading, text, HEADING_LEVEL if heading else 0))

    for line, is_heading in zip(lines, _heading_flags(lines), strict=True):
        if is_heading:
            close()
            heading, body = line, []
        else:
            body.append(line)
    close()
    return tuple(sections)


def _first_text(lines: Sequence[str], start: int = 0) -> int | None:
    return next((i for i in range(start, len(lines)) if lines[i]), None)


def _take_title(lines: list[str]) -> tuple[str | None, list[str]]:
    """The first line as title if it is short, alone and reads like a review title.

    A date line may sit between the title and the text (Tistory shows the post date there).
    """
    first = _first_text(lines)
    if first is None:
        return None, lines
    line = lines[first]
    after = lines[first + 1] if first + 1 < len(lines) else None
    alone = after is not None and (not after or parse_date_text(after) is not None)
    short = len(line) <= TITLE_MAX_CHARS and _SENTENCE_END.search(line) is None
    if alone and short and looks_like_review_title(line):
        return line, lines[first + 1 :]
    return None, lines


def _take_date(lines: list[str]) -> tuple[datetime | None, list[str]]:
    """A post date standing on the first non-blank line, taken out of the text."""
    first = _first_text(lines)
    if first is None:
        return None, lines
    published = parse_date_text(lines[first])
    if published is None:
        return None, lines
    return published, lines[first + 1 :]


def parse_plain_text(text: str, *, path: str | None = None) -> ParsedPost:
    """Parse one post exported as plain text (raises IngestError when there is no post)."""
    raw = export_lines(text)
    if not any(line.strip() for line in raw):
        raise IngestError("empty file")
    raw, box = split_category_box(raw)
    lines, tags = trim_tail([clean_line(line) for line in raw])
    title, lines = _take_title(lines)
    published, lines = _take_date(lines)
    sections = text_sections(lines)
    if not sections:
        raise NotAPost("no review text in the file")
    body = "\n".join(lines)
    notes: list[str] = []
    info = parse_title(title or "")
    film = info.film or film_from_text(body)
    if title is None:
        title, note = derived_title(film, path, body)
        notes.append(note)
        info = parse_title(title)
        film = film or info.film
    if box is not None:
        box = drop_own_post(box, title)
    return ParsedPost(
        title=title,
        kind=SourceKind.PLAIN_TEXT,
        film=film,
        film_year=info.year,
        film_aliases=info.aliases,
        published=published,
        category=box.category if box else (),
        tags=unique_tags(tags),
        themes=merge_themes(info.themes, tags),
        sections=sections,
        related=box.related if box else (),
        notes=tuple(notes),
    )
