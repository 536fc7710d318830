"""Turn a post's HTML body into clean sections split at its headings.

Shared by the Tistory page parser, the feed parser (Tistory RSS descriptions, WordPress
``content:encoded``) and the generic page parser, so that every source yields the same shape.
Headings are found anywhere in the body, not only among its direct children: re-serialised copies
of posts nest everything inside odd wrappers.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.domain import Section
from bot.textnorm import clean_line, clean_text

HEADING_LEVELS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}

# Inside a post body these are never review text: ads, share/like buttons, the category box,
# link cards (text of another page), code, embedded media and forms.
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
    ".revenue_unit_wrap",
    ".adsbygoogle",
    ".container_postbtn",
    ".postbtn_like",
    ".another_category",
    "figure[data-ke-type=opengraph]",
    "figure[data-ke-type=video]",
    "figure.fileblock",
    ".se-oglink",
    ".se-code",
    ".sharedaddy",
    ".jp-relatedposts",
    ".wp-block-code",
)

BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "blockquote", "li", "ul", "ol", "dl", "dt", "dd",
        "table", "thead", "tbody", "tfoot", "tr", "td", "th", "figure", "figcaption", "hr",
        "h5", "h6", "header", "footer", "aside", "main", "nav", "details", "summary",
        "address", "center",
    }
)  # fmt: skip


def strip_boilerplate(node: LexborNode) -> None:
    """Remove everything that is not review text from ``node`` (in place)."""
    for selector in BOILERPLATE_SELECTORS:
        for bad in node.css(selector):
            bad.decompose()


def _walk(node: LexborNode) -> Iterator[tuple[str, str, int]]:
    """Yield ("text", s, 0), ("break", "", 0) and ("heading", s, level) events in document order."""
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            yield ("text", child.text_content or "", 0)
        elif tag is None or tag.startswith("-"):
            continue
        elif tag in HEADING_LEVELS:
            yield ("heading", child.text(separator=" "), HEADING_LEVELS[tag])
        elif tag == "br":
            yield ("break", "", 0)
        elif tag in BLOCK_TAGS:
            yield ("break", "", 0)
            yield from _walk(child)
            yield ("break", "", 0)
        else:
            yield from _walk(child)


def node_to_sections(node: LexborNode) -> tuple[Section, ...]:
    """Split a (boilerplate-free) body node into sections; empty headings are skipped.

    Text before the first heading becomes an intro section with ``heading=None``. A heading whose
    section has no text is kept (a blogger may end with a one-line heading), but headings with no
    visible text (``&nbsp;``, emoji only spacing) never start a section.
    """
    sections: list[Section] = []
    heading: str | None = None
    level = 0
    paragraphs: list[str] = []
    current: list[str] = []

    def end_paragraph() -> None:
        text = clean_line("".join(current))
        current.clear()
        if text:
            paragraphs.append(text)

    def end_section() -> None:
        end_paragraph()
        text = clean_text("\n\n".join(paragraphs))
        paragraphs.clear()
        if heading is not None or text:
            sections.append(Section(heading=heading, text=text, level=level))

    for kind, value, lvl in _walk(node):
        if kind == "text":
            current.append(value)
        elif kind == "break":
            end_paragraph()
        else:
            title = clean_line(value)
            if not title:
                continue
            end_section()
            heading, level = title, lvl
    end_section()
    return tuple(sections)


def html_to_sections(fragment: str) -> tuple[Section, ...]:
    """Sections of an HTML fragment (a feed item's content, a body saved on its own)."""
    tree = LexborHTMLParser(f"<div id='reviewbot-body'>{fragment}</div>")
    body = tree.css_first("#reviewbot-body")
    if body is None:
        return ()
    strip_boilerplate(body)
    return node_to_sections(body)


def html_to_text(fragment: str) -> str:
    """Plain text of a short HTML fragment (a title or summary that may carry entities or tags)."""
    if "<" not in fragment:
        return clean_line(html.unescape(fragment))
    tree = LexborHTMLParser(f"<div id='reviewbot-body'>{fragment}</div>")
    body = tree.css_first("#reviewbot-body")
    return clean_line(body.text(separator=" ")) if body is not None else ""
