"""Post pages saved or fetched as HTML: Tistory (any skin), WordPress, Naver and anything else.

:func:`parse_html_page` sends Tistory pages to :mod:`bot.ingest.tistory` and reads the others
here. Both share the page-level helpers below (meta tags, JSON-LD, dates, canonical URL, building
the :class:`ParsedPost`), so that every HTML source fills the same fields the same way.

Non-Tistory pages are tried as WordPress (``.entry-content``), then Naver SmartEditor ONE
(``div.se-main-container``, headings are ``se-sectionTitle`` components, not ``<h2>``), then a
generic reader (``<article>``, ``<main>``, else the element holding the most paragraph text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.domain import ParsedPost, RelatedRef, Section, SourceKind
from bot.ingest.errors import NotAPost
from bot.ingest.html_body import inline_text, node_to_sections, strip_boilerplate
from bot.textnorm import clean_line, normalize_key
from bot.titles import film_from_text, merge_themes, parse_title

KST = ZoneInfo("Asia/Seoul")

NOT_A_POST_LIST = "not a post: looks like a blog home or list page"
NOT_A_POST_EMPTY = "not a post: no article text found on the page"

# A generic page with less text than this is a landing page, an error page or a stub.
MIN_GENERIC_CHARS = 100

# --- dates ------------------------------------------------------------------------------------

# 20131026232137 / 201310262321 / 20131026 (old Tistory article:published_time, og:regDate).
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$")
# "2025. 10. 17. 17:38", "2022. 7. 18. 2:32", "2017.07.10 21:30", "2025-10-02 14:30:00",
# "2025년 10월 2일 오후 2:30": how skins and Naver show dates (Korean time, no zone).
_SHOWN = re.compile(
    r"^(?P<y>\d{4})\s*(?:[.\-/]|년)\s*(?P<m>\d{1,2})\s*(?:[.\-/]|월)\s*(?P<d>\d{1,2})\s*[.일]?"
    r"(?:[\sT]*(?P<ampm>오전|오후|am|pm|AM|PM)?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)


def as_kst(value: datetime) -> datetime:
    """Naive times on Korean blogs are Korean time."""
    return value if value.tzinfo is not None else value.replace(tzinfo=KST)


def _shown_date(text: str) -> datetime | None:
    found = _SHOWN.match(text)
    if found is None:
        return None
    hour = int(found["H"] or 0)
    ampm = (found["ampm"] or "").casefold()
    if ampm in {"오후", "pm"} and hour < 12:
        hour += 12
    elif ampm in {"오전", "am"} and hour == 12:
        hour = 0
    return datetime(
        int(found["y"]), int(found["m"]), int(found["d"]),
        hour, int(found["M"] or 0), int(found["S"] or 0),
    )  # fmt: skip


def parse_datetime(text: str | None) -> datetime | None:
    """An aware datetime from the shapes blogs really use (None when it is none of them).

    ISO 8601 with or without dashes (``20170710T21:30:38+09:00``), compact digits
    (``20131026232137``) and displayed dates (``2022. 7. 18. 2:32``); no zone means KST.
    """
    if not text:
        return None
    text = clean_line(text)
    try:
        found = _COMPACT.match(text)
        if found:
            y, mo, d, h, mi, sec = (int(p) for p in found.groups(default="0"))
            return as_kst(datetime(y, mo, d, h, mi, sec))
        try:
            return as_kst(datetime.fromisoformat(text))
        except ValueError:
            shown = _shown_date(text)
            return as_kst(shown) if shown else None
    except ValueError:  # out-of-range fields (month 13, hour 25)
        return None


# --- page metadata ----------------------------------------------------------------------------


def _json_objects(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD document (top level, lists, ``@graph``), outermost first."""
    if depth > 4:
        return
    if isinstance(value, list):
        for item in value:
            yield from _json_objects(item, depth + 1)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _json_objects(value["@graph"], depth + 1)


def _is_posting(obj: dict[str, Any]) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and ("Posting" in k or "Article" in k) for k in kinds)


class PageMeta:
    """A page's ``<meta>`` tags, canonical link, ``<title>`` and JSON-LD, read once."""

    def __init__(self, tree: LexborHTMLParser) -> None:
        self._values: dict[str, str] = {}
        for node in tree.css("meta[content]"):
            attrs = node.attributes
            key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
            content = attrs.get("content")
            if key and content and content.strip():
                self._values.setdefault(key.strip().casefold(), content.strip())
        link = tree.css_first("link[rel~=canonical][href]")
        self.canonical = (link.attributes.get("href") or "").strip() or None if link else None
        title = tree.css_first("head > title")
        self.title_tag = clean_line(title.text()) if title is not None else None
        self.json_ld = self._read_json_ld(tree)

    @staticmethod
    def _read_json_ld(tree: LexborHTMLParser) -> list[dict[str, Any]]:
        objects: list[dict[str, Any]] = []
        for script in tree.css("script[type='application/ld+json']"):
            try:
                data = json.loads(script.text() or "null")
            except ValueError:
                continue
            objects.extend(_json_objects(data))
        objects.sort(key=lambda obj: not _is_posting(obj))  # postings first, order kept
        return objects

    def get(self, *keys: str) -> str | None:
        """The first present ``property``/``name`` among ``keys`` (case does not matter)."""
        for key in keys:
            value = self._values.get(key.casefold())
            if value:
                return value
        return None

    def ld(self, key: str) -> Any:
        """The first JSON-LD value for ``key``, a posting's before any other object's."""
        for obj in self.json_ld:
            value = obj.get(key)
            if value:
                return value
        return None

    def ld_text(self, key: str) -> str | None:
        """A JSON-LD value as text: strings as they are, ``{"name": …}`` objects by name."""
        value = self.ld(key)
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, dict):
            value = value.get("name")
        return clean_line(value) if isinstance(value, str) and value.strip() else None

    @property
    def og_type(self) -> str | None:
        value = self.get("og:type")
        return value.casefold() if value else None

    def published(self) -> datetime | None:
        """``article:published_time``, else JSON-LD; never ``og:regDate`` (a 12-hour clock)."""
        return parse_datetime(self.get("article:published_time")) or parse_datetime(
            self.ld_text("datePublished")
        )

    def modified(self) -> datetime | None:
        return parse_datetime(self.get("article:modified_time")) or parse_datetime(
            self.ld_text("dateModified")
        )


def strip_site_name(title: str, site_name: str | None = None) -> str:
    """``제목 :: 블로그명`` → ``제목``; ``제목 | Site`` only when Site is the known site name."""
    title = clean_line(title)
    head, sep, _ = title.rpartition(" :: ")
    if sep and head.strip():
        return head.strip()
    if site_name:
        for separator in (" | ", " - ", " – ", " — ", " « ", " » ", " · "):
            head, sep, tail = title.rpartition(separator)
            if sep and head.strip() and normalize_key(tail) == normalize_key(site_name):
                return head.strip()
    return title


def first_text(root: LexborNode | LexborHTMLParser, selectors: Iterable[str]) -> str | None:
    """Text of the first element matching one of ``selectors``, tried in order."""
    for selector in selectors:
        for node in root.css(selector):
            text = inline_text(node)
            if text:
                return text
    return None


def first_attr(
    root: LexborNode | LexborHTMLParser, selectors: Iterable[str], attr: str
) -> str | None:
    for selector in selectors:
        for node in root.css(selector):
            value = (node.attributes.get(attr) or "").strip()
            if value:
                return value
    return None


_TRACKING = re.compile(r"^(?:utm_\w+|fromRss|trackingCode|fbclid|gclid)$")


def absolute_url(href: str | None, base: str | None = None) -> str | None:
    """An absolute http(s) URL without fragment or tracking parameters (None if impossible)."""
    if not href or not href.strip():
        return None
    href = urljoin(base, href.strip()) if base else href.strip()
    parts = urlsplit(href)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(_TRACKING.match(key) for key, _ in pairs):  # re-encode only when something goes
        query = urlencode([(k, v) for k, v in pairs if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def page_url(meta: PageMeta, url: str | None, extra: Sequence[str | None] = ()) -> str | None:
    """Canonical link → og:url → the address the page came from → ``extra`` candidates.

    A canonical that points at the blog's root while og:url names a post (a skin mistake) loses.
    """
    candidates = [meta.canonical, meta.get("og:url"), url, *extra]
    resolved = [absolute_url(c, url) for c in candidates]
    found = [u for u in resolved if u]
    if not found:
        return None
    if urlsplit(found[0]).path in {"", "/"}:
        deeper = next((u for u in found[1:] if urlsplit(u).path not in {"", "/"}), None)
        return deeper or found[0]
    return found[0]


def rel_tags(root: LexborNode | LexborHTMLParser) -> tuple[str, ...]:
    """Post tags: links marked ``rel=tag`` (sidebar tag clouds carry no ``rel``).

    WordPress marks category links ``rel="category tag"``; those are categories, not tags.
    """
    tags: list[str] = []
    seen: set[str] = set()
    for link in root.css("a[rel~=tag]"):
        if "category" in (link.attributes.get("rel") or "").split():
            continue
        tag = inline_text(link).lstrip("#").strip()
        key = normalize_key(tag)
        if key and key not in seen:
            seen.add(key)
            tags.append(tag)
    return tuple(tags)


def drop_title_heading(sections: tuple[Section, ...], title: str) -> tuple[Section, ...]:
    """Drop a leading heading that repeats the post title (themes print it inside the body)."""
    if not sections or not title:
        return sections
    index = 1 if sections[0].heading is None and len(sections) > 1 else 0
    first = sections[index]
    if first.heading is None or normalize_key(first.heading) != normalize_key(title):
        return sections
    if index == 1:
        intro = sections[0]
        text = "\n\n".join(t for t in (intro.text, first.text) if t)
        merged = Section(heading=None, text=text, level=0)
        return (merged, *sections[2:])
    if not first.text:
        return sections[1:]
    return (Section(heading=None, text=first.text, level=0), *sections[1:])


@dataclass(frozen=True, slots=True)
class PageFields:
    """What a page parser found, before the film and themes are worked out."""

    title: str
    kind: SourceKind
    sections: tuple[Section, ...]
    url: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    author: str | None = None
    category: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    related: tuple[RelatedRef, ...] = ()
    notes: tuple[str, ...] = ()


def build_post(fields: PageFields) -> ParsedPost:
    """The :class:`ParsedPost`, with film and themes from the title (film from the text else)."""
    info = parse_title(fields.title)
    film = info.film
    if film is None:
        body = "\n\n".join(s.text for s in fields.sections if s.text)
        film = film_from_text(body)
    return ParsedPost(
        title=fields.title,
        kind=fields.kind,
        url=fields.url,
        film=film,
        film_year=info.year,
        film_aliases=info.aliases,
        published=fields.published,
        modified=fields.modified,
        author=fields.author,
        category=fields.category,
        tags=fields.tags,
        themes=merge_themes(info.themes, fields.tags),
        sections=fields.sections,
        related=fields.related,
        notes=fields.notes,
    )


def clean_author(value: str | None) -> str | None:
    """Authors come quoted on some Tistory pages (``'tired_i'``)."""
    if not value:
        return None
    value = clean_line(value).strip("'\"‘’“”")
    return value or None


def section_chars(sections: Iterable[Section]) -> int:
    return sum(len(s.text) + len(s.heading or "") for s in sections)


# --- generic pages ----------------------------------------------------------------------------

# Outside a Tistory body these are page furniture, never part of the post.
_GENERIC_FURNITURE = (
    "header",
    "footer",
    "nav",
    "aside",
    "#comments",
    ".comments",
    ".comment-respond",
    ".sidebar",
    "#sidebar",
    ".widget",
    ".breadcrumb",
    ".breadcrumbs",
    ".share",
    ".social-share",
    ".related-posts",
    ".post-navigation",
    ".navigation",
    ".entry-meta",
    ".entry-footer",
    ".screen-reader-text",
)


@dataclass(slots=True)
class _Found:
    """The body a page family located and the metadata only that family's markup gives."""

    body: LexborNode
    title: str | None = None  # from the family's own title markup, trusted over og:title
    heading_title: str | None = None  # the body's <h1>, a guess below og:title
    published: datetime | None = None
    modified: datetime | None = None
    author: str | None = None
    category: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    heading_selector: str | None = None
    strip: tuple[str, ...] = ()
    min_chars: int = 1


def _wordpress(tree: LexborHTMLParser) -> _Found | None:
    bodies = tree.css(".entry-content")
    if not bodies:
        return None
    if len(bodies) > 1 and len(tree.css("article")) > 1:
        raise NotAPost(NOT_A_POST_LIST)
    categories = [inline_text(a) for a in tree.css("a[rel~=category]")]
    return _Found(
        body=bodies[0],
        title=first_text(tree, ("h1.entry-title", ".entry-title", "h1.post-title")),
        published=parse_datetime(
            first_attr(tree, ("time.entry-date[datetime]", "time.published[datetime]"), "datetime")
        ),
        modified=parse_datetime(first_attr(tree, ("time.updated[datetime]",), "datetime")),
        author=first_text(tree, (".author.vcard a", ".byline .author", "a[rel~=author]")),
        category=tuple(c for c in categories[:1] if c),
        tags=rel_tags(tree),
        strip=(".sharedaddy", ".jp-relatedposts", ".wp-block-buttons"),
    )


def _naver(tree: LexborHTMLParser) -> _Found | None:
    body = tree.css_first("div.se-main-container") or tree.css_first("#postViewArea")
    if body is None:
        return None
    shown = first_text(tree, ("span.se_publishDate", ".se_publishDate", "p.date"))
    category = first_text(tree, ("div.blog2_series a", ".blog2_series a"))
    return _Found(
        body=body,
        title=first_text(
            tree, (".se-documentTitle .se-title-text", ".se-title-text", ".se_title .se_textarea")
        ),
        published=parse_datetime(shown),
        author=first_text(tree, (".se-documentTitle .nick", ".blog2_container .nick")),
        category=(category,) if category else (),
        tags=rel_tags(tree),
        heading_selector="div.se-component.se-sectionTitle",
        strip=(".se-documentTitle",),
    )


def _text_size(node: LexborNode) -> int:
    return len((node.text(deep=True) or "").strip())


def densest_block(tree: LexborHTMLParser) -> LexborNode | None:
    """The element whose own paragraphs hold the most text (one pass over the ``<p>``s)."""
    scores: dict[int, int] = {}
    parents: dict[int, LexborNode] = {}
    for paragraph in tree.css("p"):
        parent = paragraph.parent
        if parent is None:
            continue
        scores[parent.mem_id] = scores.get(parent.mem_id, 0) + _text_size(paragraph)
        parents[parent.mem_id] = parent
    if not scores:
        return None
    best = max(scores, key=lambda key: scores[key])
    return parents[best]


def _generic(tree: LexborHTMLParser, meta: PageMeta) -> _Found | None:
    articles = tree.css("article")
    if len(articles) >= 3 and meta.og_type != "article":
        raise NotAPost(NOT_A_POST_LIST)
    body: LexborNode | None = max(articles, key=_text_size) if articles else None
    if body is None or _text_size(body) < MIN_GENERIC_CHARS:
        body = tree.css_first("main") or tree.css_first("[role=main]") or body
    if body is None or _text_size(body) < MIN_GENERIC_CHARS:
        body = densest_block(tree) or body
    if body is None:
        return None
    return _Found(
        body=body,
        heading_title=first_text(body, ("h1",)),
        published=parse_datetime(first_attr(body, ("time[datetime]",), "datetime")),
        author=first_text(tree, ("[rel~=author]", ".author")),
        tags=rel_tags(tree),
        strip=_GENERIC_FURNITURE,
        min_chars=MIN_GENERIC_CHARS,
    )


def _naver_post_url(url: str | None) -> str | None:
    """``PostView.naver?blogId=x&logNo=1`` is ``https://blog.naver.com/x/1``."""
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.netloc.endswith("blog.naver.com") or "PostView" not in parts.path:
        return url
    query = dict(parse_qsl(parts.query))
    if query.get("blogId") and query.get("logNo"):
        return f"https://blog.naver.com/{query['blogId']}/{query['logNo']}"
    return url


def parse_generic_page(html: str, *, url: str | None = None) -> ParsedPost:
    """A post page that is not Tistory's (kind ``html-page``); NotAPost for lists and stubs."""
    tree = LexborHTMLParser(html)
    meta = PageMeta(tree)
    if meta.og_type == "website":
        raise NotAPost(NOT_A_POST_LIST)
    found = _wordpress(tree) or _naver(tree) or _generic(tree, meta)
    if found is None:
        raise NotAPost(NOT_A_POST_EMPTY)
    # Read before stripping: the title heading may sit in a <header> the generic reader drops.
    site = meta.get("og:site_name")
    title = clean_line(
        found.title
        or strip_site_name(meta.get("og:title") or "", site)
        or found.heading_title
        or strip_site_name(meta.title_tag or "", site)
        or meta.ld_text("headline")
        or ""
    )
    strip_boilerplate(found.body, found.strip)
    sections = node_to_sections(
        found.body, heading_selector=found.heading_selector, heading_level=2
    )
    sections = drop_title_heading(sections, title)
    if section_chars(sections) < found.min_chars:
        raise NotAPost(NOT_A_POST_EMPTY)
    notes: list[str] = []
    if not title:
        title = title_from_sections(sections)
        notes.append(f"no title on the page; using {title!r}")
    post_url = page_url(meta, url)
    if found.heading_selector:  # Naver
        post_url = _naver_post_url(post_url)
    return build_post(
        PageFields(
            title=title,
            kind=SourceKind.HTML_PAGE,
            sections=sections,
            url=post_url,
            published=meta.published() or found.published,
            modified=meta.modified() or found.modified,
            author=clean_author(
                meta.get("author", "article:author") or meta.ld_text("author") or found.author
            ),
            category=found.category,
            tags=found.tags or _meta_tags(tree),
            notes=tuple(notes),
        )
    )


def _meta_tags(tree: LexborHTMLParser) -> tuple[str, ...]:
    values = (
        node.attributes.get("content") or "" for node in tree.css("meta[property='article:tag']")
    )
    tags = [clean_line(v) for v in values]
    return tuple(dict.fromkeys(t for t in tags if t))


def title_from_sections(sections: Sequence[Section]) -> str:
    """A title for a page that has none: its first heading, else its first words."""
    for section in sections:
        if section.heading:
            return section.heading
    words = " ".join(sections[0].text.split()[:8]) if sections else ""
    return words or "(untitled)"


# --- dispatch ---------------------------------------------------------------------------------


def parse_html_page(html: str, *, url: str | None = None) -> ParsedPost:
    """One post page of any blog: Tistory pages by their own parser, the rest here."""
    # Imported here because the Tistory parser builds on this module's helpers.
    from bot.ingest.tistory import NoTistoryBody, is_tistory_page, parse_tistory_page

    if is_tistory_page(html):
        try:
            return parse_tistory_page(html, url=url)
        except NoTistoryBody:
            pass  # Tistory markup quoted on another site: read it as any page
    return parse_generic_page(html, url=url)
