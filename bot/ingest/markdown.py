"""Posts written or exported as Markdown, with or without YAML front matter.

Front matter says what the text cannot (date, category, tags, the film); the Markdown markup is
reduced to plain text so that stored text looks the same whatever the source, and headings
(``#``–``####`` and setext) split the sections.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from bot.domain import ParsedPost, Section, SourceKind
from bot.ingest.errors import IngestError, NotAPost
from bot.ingest.text_export import (
    as_kst,
    derived_title,
    drop_own_post,
    export_lines,
    parse_date_text,
    split_category_box,
    trim_tail,
    unique_tags,
)
from bot.textnorm import clean_line, clean_text, normalize_key
from bot.titles import film_from_text, merge_themes, parse_title

MAX_SECTION_LEVEL = 4  # deeper headings are emphasis in practice, kept as text

# --- detection --------------------------------------------------------------------------------

# "# 제목" … "###### 제목": up to 3 spaces of indent, then a space after the hashes, so that
# hashtag lines ("#가족 #재난") are not headings.
_ATX = re.compile(r"^ {0,3}(?P<marks>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
_ATX_ANYWHERE = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
# A setext heading: a short text line underlined with === or --- (the text not a sentence, so
# that a plain-text divider under a paragraph is not taken for one).
_SETEXT_ANYWHERE = re.compile(
    r"^ {0,3}[^\s#>*|=\-][^\n]{0,80}[^\s.。:,;!…\n]\n {0,3}(?:={3,}|-{3,})[ \t]*$", re.MULTILINE
)
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?P<mark>=+|-+)[ \t]*$")
_FENCE_LINE = re.compile(r"^-{3,}\s*$")
# "title:", "film_year :", "제목:" — the first line of YAML front matter.
_KEY_LINE = re.compile(r"^[^\W\d][\w-]*\s*:")


def _opens_front_matter(lines: Sequence[str]) -> bool:
    """A ``---`` first line followed by a ``key:`` line (or straight by the closing ``---``).

    Anything else after a leading ``---`` is a thematic break above ordinary text.
    """
    if not lines or not _FENCE_LINE.match(lines[0]):
        return False
    first = next((line for line in lines[1:] if line.strip() and not line.startswith("#")), "")
    return bool(_KEY_LINE.match(first) or _FENCE_LINE.match(first))


def _front_matter_end(lines: Sequence[str]) -> int | None:
    """Index of the closing ``---`` of a front matter block that opens on the first line."""
    if not _opens_front_matter(lines):
        return None
    return next((i for i in range(1, len(lines)) if _FENCE_LINE.match(lines[i])), None)


def looks_like_markdown(text: str) -> bool:
    """A front matter block, an ATX heading or a setext heading anywhere in the text."""
    text = text.lstrip("\ufeff")
    if _front_matter_end(text[:20_000].split("\n")) is not None:
        return True
    return bool(_ATX_ANYWHERE.search(text) or _SETEXT_ANYWHERE.search(text))


# --- front matter -----------------------------------------------------------------------------


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line naming the problem and its line in the file (line 1 is the opening ---)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        # The context ("while parsing a flow sequence") starts where the mistake is; the
        # problem mark is often only where the parser gave up (the closing ---).
        problem = " ".join(p for p in (exc.problem, exc.context) if p) or "not valid YAML"
        mark = exc.context_mark or exc.problem_mark
        where = f" (line {mark.line + 2})" if mark is not None else ""
        return f"invalid front matter: {clean_line(problem)}{where}"
    return f"invalid front matter: {clean_line(str(exc)) or 'not valid YAML'}"


def _front_matter(lines: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The front matter's keys (lower-cased) and the lines after it."""
    end = _front_matter_end(lines)
    if end is None:
        if _opens_front_matter(lines):
            raise IngestError("invalid front matter: no closing '---' line")
        return {}, lines
    try:
        data = YAMLHandler().load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        raise IngestError(_yaml_problem(exc)) from None
    if data is None:
        return {}, lines[end + 1 :]
    if not isinstance(data, dict):
        raise IngestError("invalid front matter: expected 'key: value' lines")
    return {str(k).strip().casefold(): v for k, v in data.items()}, lines[end + 1 :]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, tuple)):
        return None
    text = clean_line(str(value))
    return text or None


def _items(value: Any, *, split_commas: bool = True) -> list[str]:
    """A list value, or a comma-separated string, as clean non-empty strings."""
    if isinstance(value, (list, tuple, set)):
        raw: Iterable[Any] = value
    elif isinstance(value, str) and split_commas:
        raw = value.split(",")
    else:
        raw = [value]
    return [t for t in (_text(v) for v in raw) if t]


def _category(value: Any) -> tuple[str, ...]:
    """'리뷰 > 한국영화', '리뷰/한국영화' or a list, as a path."""
    if isinstance(value, str):
        separator = ">" if ">" in value else "/"
        return tuple(t for t in (clean_line(p) for p in value.split(separator)) if t)
    return tuple(part for item in _items(value) for part in _category(item))


def _year(value: Any) -> int | None:
    text = _text(value)
    if text is None or not re.fullmatch(r"\d{4}", text):
        return None
    year = int(text)
    return year if 1880 <= year <= 2100 else None


def _when(meta: dict[str, Any], keys: Iterable[str], notes: list[str]) -> datetime | None:
    for key in keys:
        value = meta.get(key)
        if value is None:
            continue
        if isinstance(value, (date, datetime)):
            return as_kst(value)
        parsed = parse_date_text(str(value))
        if parsed is None:
            notes.append(f"front matter '{key}' is not a date and was ignored: {value}")
        return parsed
    return None


@dataclass(frozen=True, slots=True)
class _Meta:
    title: str | None
    published: datetime | None
    modified: datetime | None
    author: str | None
    category: tuple[str, ...]
    tags: tuple[str, ...]
    themes: tuple[str, ...]
    film: str | None
    year: int | None
    aliases: tuple[str, ...]
    url: str | None


def _meta(data: dict[str, Any], notes: list[str]) -> _Meta:
    url = _text(data.get("url"))
    return _Meta(
        title=_text(data.get("title")),
        published=_when(data, ("date", "published"), notes),
        modified=_when(data, ("updated", "modified", "lastmod", "last_modified_at"), notes),
        author=_text(data.get("author")),
        category=_category(data.get("category") or data.get("categories") or ()),
        tags=tuple(_items(data.get("tags") or ())),
        themes=tuple(_items(data.get("themes") or ())),
        film=_text(data.get("film")),
        year=_year(data.get("film_year") or data.get("year")),
        aliases=tuple(_items(data.get("aliases") or (), split_commas=False)),
        url=url if url and url.startswith(("http://", "https://")) else None,
    )


# --- inline markup ----------------------------------------------------------------------------

# Spans below are bounded ({1,1000}) so that a long line full of unmatched markers stays linear.
_CODE_SPAN = re.compile(r"(`+)(?P<code>.{1,1000}?)\1")
# The target of a link or image: (url "title") — the URL may hold one level of parentheses —
# or a reference [ref].
_TARGET = r"(?:\((?:[^()\s]|\([^()\s]{0,200}\)){0,2000}(?:\s+\"[^\"]{0,200}\")?\)|\[[^\]]{0,200}\])"
# ![alt](src): images say nothing a reader of the text needs.
_IMAGE = re.compile(rf"!\[[^\]]{{0,500}}\]{_TARGET}")
# [text](url) → text.
_LINK = re.compile(rf"\[(?P<text>[^\]]{{0,500}})\]{_TARGET}")
# <script>…</script> or <style>…</style> on one line (multi-line ones are skipped as blocks).
_INLINE_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE)
_AUTOLINK = re.compile(r"<(?P<url>(?:https?|mailto):[^<>\s]+)>")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]")
# Raw HTML tags (not film marks such as <괴물>): known names only, attributes allowed.
_HTML_TAG = re.compile(
    r"</?(?:a|abbr|b|br|center|code|del|div|em|figure|figcaption|font|i|img|ins|kbd|mark|p|s"
    r"|small|span|strong|sub|sup|u|video|iframe|source|hr|details|summary)\b[^<>]*>",
    re.IGNORECASE,
)
# **strong**, __strong__, *em*, _em_ (not inside words), ~~strike~~.
_STRONG = re.compile(r"(\*\*|__)(?=\S)(?P<t>.{1,1000}?)(?<=\S)\1")
# A star may sit against a word on the outside ("*기울임*과": Korean particles follow it).
_EM_STAR = re.compile(r"(?<!\*)\*(?=[^\s*])(?P<t>.{1,1000}?)(?<=[^\s*])\*(?!\*)")
_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])(?P<t>.{1,1000}?)(?<=[^\s_])_(?![\w_])")
_STRIKE = re.compile(r"~~(?P<t>.{1,1000}?)~~")
_ESCAPE = re.compile(r"\\(?P<c>[\\`*_{}\[\]()#+\-.!<>|~])")


def inline_text(text: str) -> str:
    """One line of Markdown as plain text: link and emphasis text kept, images dropped.

    Code spans and backslash escapes are set aside first so that no later rule touches them.
    """
    spans: list[str] = []

    def keep(literal: str) -> str:
        spans.append(literal)
        return f"\x00{len(spans) - 1}\x00"

    text = _INLINE_SCRIPT.sub(" ", text)
    text = _CODE_SPAN.sub(lambda m: keep(m["code"].strip()), text)
    text = _ESCAPE.sub(lambda m: keep(m["c"]), text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\g<text>", text)
    text = _AUTOLINK.sub(r"\g<url>", text)
    text = _FOOTNOTE_REF.sub("", text)
    text = _HTML_TAG.sub(" ", text)
    for pattern in (_STRONG, _EM_STAR, _EM_UNDERSCORE, _STRIKE):
        text = pattern.sub(r"\g<t>", text)
    text = re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], text)
    return clean_line(html.unescape(text))


# --- blocks -----------------------------------------------------------------------------------

_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
_RULE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_BLOCKQUOTE = re.compile(r"^\s*(?:>\s?)+")
_LIST_ITEM = re.compile(r"^\s*(?P<marker>[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?(?P<text>.*)$")
_REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]^]+\]:\s*\S+")
_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^[^\]]+\]:\s*")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*\|?\s*$")
# Jekyll/Hugo template lines: {% include … %}, {{< figure … >}}.
_TEMPLATE = re.compile(r"^\s*\{[{%].*[}%]\}\s*$")
_HTML_COMMENT = re.compile(r"<!--.*?-->")
_INDENTED = re.compile(r"^(?: {4}|\t)")
_SCRIPT_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Heading:
    text: str
    level: int


_Block = _Heading | str  # a heading, or one line of text ("" separates paragraphs)


def _text_line(line: str) -> str:
    """A body line as plain text; list markers stay so that list items read as lines."""
    line = _BLOCKQUOTE.sub("", line)
    if _FOOTNOTE_DEF.match(line):
        line = _FOOTNOTE_DEF.sub("", line)
    if "|" in line and line.strip().startswith("|"):
        cells = [inline_text(c) for c in line.strip().strip("|").split("|")]
        return " | ".join(c for c in cells if c)
    m = _LIST_ITEM.match(line)
    if m is not None:
        marker = "-" if m["marker"] in "-*+" else m["marker"]
        text = inline_text(m["text"])
        return f"{marker} {text}" if text else ""
    return inline_text(line)


@dataclass(slots=True)
class _Reader:
    """State while walking Markdown lines once: code, comments and scripts are skipped."""

    fence: str | None = None
    in_comment: bool = False
    in_script: str | None = None
    in_list: bool = False
    previous_blank: bool = True

    def skipped(self, line: str) -> bool:
        """Whether ``line`` is inside (or opens or closes) code or a script: never review text."""
        if self.fence is not None:
            if line.strip().startswith(self.fence):
                self.fence = None
            return True
        if (m := _FENCE_OPEN.match(line)) is not None:
            self.fence = m["fence"]
            return True
        if self.in_script is not None:
            if f"</{self.in_script}" in line.lower():
                self.in_script = None
            return True
        if (m := _SCRIPT_OPEN.search(line)) is not None and f"</{m[1].lower()}" not in line.lower():
            self.in_script = m[1].lower()
            return True
        # An indented block after a blank line is code, unless it continues a list item.
        return bool(self.previous_blank and not self.in_list and _INDENTED.match(line))

    def uncomment(self, line: str) -> str:
        """``line`` without HTML comments, which may span lines (``<!-- … -->``)."""
        if self.in_comment:
            if "-->" not in line:
                return ""
            line, self.in_comment = line.split("-->", 1)[1], False
        line = _HTML_COMMENT.sub("", line)
        if "<!--" in line:
            line, self.in_comment = line.split("<!--", 1)[0], True
        return line


def _blocks(lines: Iterable[str]) -> list[_Block]:
    """Headings and text lines of a Markdown body, in order; "" marks a paragraph break.

    A setext underline turns the single text line above it into a heading; without one it is
    a thematic break, like ``***``.
    """
    reader = _Reader()
    out: list[_Block] = []
    setext_ok = False  # the last block is a one-line paragraph that an underline may promote
    for raw in lines:
        if not raw.strip():
            reader.previous_blank = True
            out.append("")
            setext_ok = False
            continue
        if reader.skipped(raw):
            continue
        line = reader.uncomment(raw)
        underline = _SETEXT_UNDERLINE.match(line)
        if underline is not None and setext_ok and isinstance(out[-1], str):
            out[-1] = _Heading(out[-1], 1 if underline["mark"][0] == "=" else 2)
            setext_ok, reader.previous_blank = False, False
            continue
        starts_paragraph = reader.previous_blank or not out or isinstance(out[-1], _Heading)
        block = _block(line, raw, reader)
        setext_ok = starts_paragraph and isinstance(block, str) and bool(block)
        setext_ok = setext_ok and not _LIST_ITEM.match(line) and not _BLOCKQUOTE.match(line)
        if block is not None:
            out.append(block)
    return out


def _block(line: str, raw: str, reader: _Reader) -> _Block | None:
    """One non-blank line as a block (None when it holds nothing to keep)."""
    if not line.strip() or _RULE.match(line) or _SETEXT_UNDERLINE.match(line):
        reader.previous_blank = True
        return ""
    if _REFERENCE_DEF.match(line) or _TEMPLATE.match(line) or _TABLE_SEPARATOR.match(line):
        return None
    reader.in_list = bool(_LIST_ITEM.match(line)) or (reader.in_list and raw[:1].isspace())
    reader.previous_blank = False
    if (m := _ATX.match(line)) is not None:
        text = inline_text(m["text"])
        if not text:
            return None
        return _Heading(text, len(m["marks"])) if len(m["marks"]) <= MAX_SECTION_LEVEL else text
    return _text_line(line) or None


def _sections(blocks: Sequence[_Block], skip_title: str | None) -> tuple[Section, ...]:
    """Sections split at headings; the first heading equal to the title is not a section."""
    sections: list[Section] = []
    heading: _Heading | None = None
    body: list[str] = []
    title_key = normalize_key(skip_title) if skip_title else None

    def close() -> None:
        text = clean_text("\n".join(body))
        if heading is not None or text:
            sections.append(
                Section(heading.text if heading else None, text, heading.level if heading else 0)
            )

    for block in blocks:
        if isinstance(block, _Heading):
            if title_key is not None and normalize_key(block.text) == title_key:
                title_key = None  # only once: a later heading of the same name is a section
                continue
            close()
            heading, body = block, []
        else:
            body.append(block)
    close()
    return tuple(sections)


def _title_heading(blocks: Sequence[_Block]) -> str | None:
    """The first ``# `` heading, if it heads the post: first thing in it, or its only h1.

    Posts written in Tistory's Markdown mode use several h1s as sections; then none is a title.
    """
    h1 = [b for b in blocks if isinstance(b, _Heading) and b.level == 1]
    if not h1:
        return None
    first_block = next((b for b in blocks if b != ""), None)
    return h1[0].text if first_block is h1[0] or len(h1) == 1 else None


# --- parse_markdown ---------------------------------------------------------------------------


def parse_markdown(text: str, *, path: str | None = None) -> ParsedPost:
    """Parse one Markdown post (raises IngestError for an empty file or bad front matter)."""
    lines = export_lines(text)
    if not any(line.strip() for line in lines):
        raise IngestError("empty file")
    data, lines = _front_matter(lines)
    notes: list[str] = []
    meta = _meta(data, notes)
    lines, box = split_category_box(lines)
    lines, tail_tags = trim_tail(lines)
    blocks = _blocks(lines)
    title = meta.title or _title_heading(blocks)
    sections = _sections(blocks, title)
    if not sections:
        raise NotAPost("no review text in the file")
    body = "\n\n".join(s.text for s in sections)
    info = parse_title(title or "")
    film = meta.film or info.film or film_from_text(body)
    if title is None:
        title, note = derived_title(film, path, body)
        notes.append(note)
        info = parse_title(title)
        film = film or info.film
    if box is not None:
        box = drop_own_post(box, title)
    tags = unique_tags([*meta.tags, *tail_tags])
    return ParsedPost(
        title=title,
        kind=SourceKind.MARKDOWN,
        url=meta.url,
        film=film,
        film_year=meta.year or info.year,
        film_aliases=tuple(dict.fromkeys([*meta.aliases, *info.aliases])),
        published=meta.published,
        modified=meta.modified,
        author=meta.author,
        category=meta.category or (box.category if box else ()),
        tags=tags,
        themes=merge_themes(meta.themes, info.themes, tags),
        sections=sections,
        related=box.related if box else (),
        notes=tuple(notes),
    )
