"""Turn a post's HTML body into clean sections split at its headings.

Shared by the Tistory page parser, the feed parser (Tistory RSS descriptions, WordPress
``content:encoded``) and the generic page parser, so that every source yields the same shape.
Headings are found anywhere in the body, not only among its direct children: re-serialised copies
of posts nest everything inside odd wrappers.

The body is walked once, iteratively (no recursion, so deeply nested markup cannot overflow the
stack), as a stream of events: text, line break (``<br>``), block boundary, table cell, heading.
A ``<br>`` is a line break inside a paragraph; two in a row, or a block boundary, end the
paragraph; paragraphs are joined by a blank line.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.domain import Section
from bot.textnorm import clean_line, clean_text, normalize_key

HEADING_LEVELS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}

# A "heading" longer than this is a paragraph an author styled big, not a section title.
MAX_HEADING_CHARS = 120

# Inside a post body these are never review text: ads, share/like buttons, the category box,
# link cards (text of another page), code, embedded media, forms and hidden elements.
BOILERPLATE_SELECTORS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "video",
    "audio",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "ins",
    "pre",
    "[hidden]",
    "[style*='display:none']",
    "[style*='display: none']",
    # Tistory
    ".revenue_unit_wrap",
    ".adsbygoogle",
    ".container_postbtn",
    ".postbtn_like",
    ".postbtn_ccl",
    ".another_category",
    ".btn-toggle-moreless",
    "figure[data-ke-type=opengraph]",
    "figure[data-ke-type=video]",
    "figure.fileblock",
    # Naver SmartEditor ONE
    ".se-oglink",
    ".se-code",
    ".se-video",
    ".se-map",
    ".se-placesMap",
    ".se-sticker",
    ".se-file",
    ".se-material",
    # WordPress
    ".sharedaddy",
    ".jp-relatedposts",
    ".wp-block-code",
    ".wp-block-embed",
    ".addtoany_share_save_container",
    ".yarpp-related",
)

BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "blockquote", "li", "ul", "ol", "dl", "dt", "dd",
        "table", "thead", "tbody", "tfoot", "tr", "figure", "figcaption", "hr", "h5", "h6",
        "header", "footer", "aside", "main", "nav", "details", "summary", "address", "center",
        "caption",
    }
)  # fmt: skip
CELL_TAGS = frozenset({"td", "th"})
# Never text, even when a caller walks a body it did not strip.
SILENT_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
CELL_SEPARATOR = " | "


def _unique_reversed(nodes: Iterable[LexborNode]) -> list[LexborNode]:
    """Matches deepest-last-first without duplicates, so that decomposing them is safe.

    Lexbor returns matches in document order (an ancestor before its descendants) and may list
    a node twice when several selectors match it; decomposing a descendant of an already
    destroyed node, or a node twice, would touch freed memory.
    """
    seen: set[int] = set()
    unique: list[LexborNode] = []
    for node in nodes:
        if node.mem_id not in seen:
            seen.add(node.mem_id)
            unique.append(node)
    unique.reverse()
    return unique


def strip_boilerplate(node: LexborNode, extra: Iterable[str] = ()) -> None:
    """Remove everything that is not review text from ``node`` (in place).

    ``extra`` adds selectors for one caller (the generic page parser drops ``header``/``nav``,
    which inside a Tistory body would be the author's own markup).
    """
    selector = ", ".join((*BOILERPLATE_SELECTORS, *extra))
    for bad in _unique_reversed(node.css(selector)):
        bad.decompose()


# --- the event stream -------------------------------------------------------------------------


class _Kind(enum.Enum):
    TEXT = enum.auto()
    LINE = enum.auto()
    BLOCK = enum.auto()
    CELL = enum.auto()
    HEADING = enum.auto()


_BLOCK_END = object()
_Event = tuple[_Kind, str, int]
_Item = LexborNode | object


def _is_markup(tag: str | None) -> bool:
    """Elements that may hold text (text nodes, comments and doctypes have ``-``/``_`` tags)."""
    return tag is not None and not tag.startswith(("-", "_", "!")) and tag not in SILENT_TAGS


def inline_text(node: LexborNode) -> str:
    """One-line text of ``node``: inline pieces joined as written, breaks and blocks as spaces.

    ``text(separator=" ")`` would split words around inline tags (``<b>괴</b>물`` → "괴 물").
    """
    parts: list[str] = []
    stack: list[LexborNode] = [node]
    while stack:
        current = stack.pop()
        tag = current.tag
        if tag == "-text":
            parts.append(current.text_content or "")
            continue
        if not _is_markup(tag):
            continue
        if tag == "br" or tag in BLOCK_TAGS or tag in CELL_TAGS:
            parts.append(" ")
        children = list(current.iter(include_text=True))
        children.reverse()
        stack.extend(children)
    return clean_line("".join(parts))


def _heading_level(node: LexborNode, tag: str, extra: dict[int, int]) -> int:
    return HEADING_LEVELS.get(tag) or extra.get(node.mem_id, 0)


def _events(root: LexborNode, extra_headings: dict[int, int]) -> Iterator[_Event]:
    stack: list[_Item] = list(root.iter(include_text=True))
    stack.reverse()
    while stack:
        item = stack.pop()
        if item is _BLOCK_END:
            yield (_Kind.BLOCK, "", 0)
            continue
        assert isinstance(item, LexborNode)
        tag = item.tag
        if tag == "-text":
            yield (_Kind.TEXT, item.text_content or "", 0)
            continue
        if not _is_markup(tag):
            continue
        assert tag is not None
        level = _heading_level(item, tag, extra_headings)
        if level:
            title = inline_text(item)
            if len(title) <= MAX_HEADING_CHARS:
                if normalize_key(title):
                    yield (_Kind.HEADING, title, level)
                else:  # no letters or digits (&nbsp;, "✨", "***"): decoration
                    yield (_Kind.BLOCK, "", 0)
                continue
        if tag == "br":
            yield (_Kind.LINE, "", 0)
            continue
        children: list[_Item] = list(item.iter(include_text=True))
        children.reverse()
        if tag in CELL_TAGS:
            yield (_Kind.CELL, "", 0)
        elif tag in BLOCK_TAGS or level:
            yield (_Kind.BLOCK, "", 0)
            children.insert(0, _BLOCK_END)
        stack.extend(children)


# --- building sections ------------------------------------------------------------------------


@dataclass(slots=True)
class _Builder:
    sections: list[Section] = field(default_factory=list)
    heading: str | None = None
    level: int = 0
    paragraphs: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    line: list[str] = field(default_factory=list)

    def _take_line(self) -> str:
        if not self.line:
            return ""
        raw = "".join(self.line)
        self.line.clear()
        # Most block boundaries close nothing but layout whitespace: skip the normalising.
        return clean_line(raw) if not raw.isspace() else ""

    def line_break(self) -> None:
        """A ``<br>``: ends the line, or the paragraph when the line is empty (``<br><br>``)."""
        text = self._take_line()
        if text:
            self.lines.append(text)
        else:
            self.end_paragraph()

    def cell(self) -> None:
        if "".join(self.line).strip():
            self.line.append(CELL_SEPARATOR)

    def end_paragraph(self) -> None:
        text = self._take_line()
        if text:
            self.lines.append(text)
        if self.lines:
            self.paragraphs.append("\n".join(self.lines))
            self.lines.clear()

    def end_section(self) -> None:
        self.end_paragraph()
        text = clean_text("\n\n".join(self.paragraphs))
        self.paragraphs.clear()
        if self.heading is not None or text:
            self.sections.append(Section(heading=self.heading, text=text, level=self.level))

    def start_section(self, heading: str, level: int) -> None:
        self.end_section()
        self.heading, self.level = heading, level


def node_to_sections(
    node: LexborNode, *, heading_selector: str | None = None, heading_level: int = 2
) -> tuple[Section, ...]:
    """Split a (boilerplate-free) body node into sections; empty headings are skipped.

    Text before the first heading becomes an intro section with ``heading=None``. A heading whose
    section has no text is kept (a blogger may end with a one-line heading), but headings with no
    visible text (``&nbsp;``, emoji only spacing) never start a section. Editors whose headings
    are not ``<h1>``–``<h4>`` (Naver's ``se-sectionTitle`` components) pass ``heading_selector``;
    those headings get ``heading_level``.
    """
    extra: dict[int, int] = {}
    if heading_selector:
        extra = {found.mem_id: heading_level for found in node.css(heading_selector)}
    builder = _Builder()
    for kind, value, level in _events(node, extra):
        if kind is _Kind.TEXT:
            builder.line.append(value)
        elif kind is _Kind.LINE:
            builder.line_break()
        elif kind is _Kind.BLOCK:
            builder.end_paragraph()
        elif kind is _Kind.CELL:
            builder.cell()
        else:
            builder.start_section(value, level)
    builder.end_section()
    return tuple(builder.sections)


def _fragment_root(fragment: str) -> LexborNode | None:
    tree = LexborHTMLParser(f"<div id='reviewbot-body'>{fragment}</div>")
    return tree.css_first("#reviewbot-body")


def html_to_sections(fragment: str) -> tuple[Section, ...]:
    """Sections of an HTML fragment (a feed item's content, a body saved on its own)."""
    body = _fragment_root(fragment)
    if body is None:
        return ()
    strip_boilerplate(body)
    return node_to_sections(body)


def html_to_text(fragment: str) -> str:
    """Plain text of a short HTML fragment (a title or summary that may carry entities or tags)."""
    if "<" not in fragment:
        return clean_line(html.unescape(fragment))
    body = _fragment_root(fragment)
    return inline_text(body) if body is not None else ""
