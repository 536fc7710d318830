"""RSS and Atom feeds (Tistory, WordPress, Naver, any other blog, Letterboxd) into posts.

feedparser does the XML work because real feeds are often broken (an illegal character in one
post has made whole Tistory feeds invalid): it falls back to a forgiving parser and sets
``bozo``. A bozo feed is accepted as long as items come out of it; the user gets a note.

Each blog platform fills the same RSS elements differently, so the feed's flavour is decided
once per feed (generator, hosts) and decides where the text, category and tags are:

* Tistory: ``description`` is the post HTML, entity-escaped; one ``<category>`` (the leaf).
* WordPress: ``content:encoded`` is the full post; ``description`` only an excerpt ``[…]``;
  several ``<category>`` elements mix categories and tags.
* Naver: ``description`` is always a truncated summary; tags in a comma-separated ``<tag>``.
* Letterboxd: structured review fields; handled by :mod:`bot.ingest.letterboxd`.
* Anything else: RSS ``description`` / ``content:encoded`` or Atom ``content`` / ``summary``.

HTML is parsed with ``sanitize_html=False`` so that Tistory's ``data-ke-*`` heading markers
survive; :func:`bot.ingest.html_body.html_to_sections` strips scripts and boilerplate itself.
"""

from __future__ import annotations

import calendar
import codecs
import html
import re
import time
import xml.sax
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from bot.domain import ParsedPost, Section, SourceKind
from bot.ingest.decode import decode_bytes
from bot.ingest.errors import IngestError, NotAPost
from bot.ingest.feed_fields import _raw, _str
from bot.ingest.html_body import html_to_sections, html_to_text
from bot.ingest.letterboxd import is_letterboxd, read_letterboxd
from bot.textnorm import clean_line, clean_text, normalize_key
from bot.titles import film_from_text, merge_themes, parse_title

# --- sniffing ---------------------------------------------------------------------------------

_SNIFF_BYTES = 16_384
# Optional XML declaration, then comments, processing instructions (xml-stylesheet) and a
# doctype, then the root element: <rss>, <feed> (Atom) or <rdf:RDF> (RSS 1.0), any prefix.
_FEED_START = re.compile(
    r"""^\s*(?:<\?xml\b[^>]*\?>\s*)?
    (?:(?:<!--.*?-->|<\?[\w:.-]+\b.*?\?>|<!DOCTYPE\b[^>\[]*(?:\[.*?\])?\s*>)\s*)*
    <(?:[\w.-]+:)?(?:rss|feed|RDF)(?=[\s>/])""",
    re.DOTALL | re.IGNORECASE | re.VERBOSE,
)


def looks_like_feed(data: bytes | str) -> bool:
    """Whether the document's root element is ``rss``, ``feed`` or ``rdf:RDF``.

    Only the start is read: a feed says what it is before its first item, and the rest may be
    megabytes. Bytes are read as Latin-1 (markup is ASCII in every encoding feeds use) unless a
    UTF-16 byte order mark says otherwise.
    """
    if isinstance(data, bytes):
        head = data[:_SNIFF_BYTES]
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = head[: len(head) // 2 * 2].decode("utf-16", errors="ignore")
        else:
            text = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")
    else:
        text = data[:_SNIFF_BYTES]
    return bool(_FEED_START.match(text.lstrip("\ufeff")))


# --- typed access to feedparser's untyped dicts ------------------------------------------------


def _dicts(obj: Any, key: str) -> list[dict[str, Any]]:
    value = _raw(obj, key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _utc(struct: Any) -> datetime | None:
    """feedparser's ``*_parsed`` values are UTC ``struct_time``s; make them aware datetimes."""
    if not isinstance(struct, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


# --- reading the document ---------------------------------------------------------------------

# Characters XML 1.0 forbids; one of them in one post makes the whole feed invalid.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_DECL = re.compile(r"^<\?xml\b[^>]*\?>")
_UTF8_DECL = '<?xml version="1.0" encoding="utf-8"?>'


@dataclass(frozen=True, slots=True)
class _Document:
    """The bytes handed to feedparser and how to map its error positions back to the input."""

    data: bytes
    lines_removed: int  # blank lines cut before the declaration
    column_shift: int  # characters of a declaration we put in front of line 1


def _utf8_document(data: bytes) -> _Document:
    """The feed re-encoded as UTF-8 with a matching declaration and no illegal characters.

    Decoding is done the project's way (declared charset, EUC-KR read as its CP949 superset,
    then detection) rather than feedparser's, which falls back to windows-1252 mojibake when an
    old Korean feed's declaration and bytes disagree. Whitespace before the declaration (an XML
    error that some blog engines make) is cut; a declaration is always present so that feedparser
    does not insert one on a line of its own, which would shift every error's line number.
    """
    text = decode_bytes(data).lstrip("\ufeff")
    stripped = text.lstrip()
    lines_removed = text[: len(text) - len(stripped)].count("\n")
    text, declared = _XML_DECL.subn(_UTF8_DECL, stripped, count=1)
    shift = 0
    if not declared:
        text, shift = _UTF8_DECL + text, len(_UTF8_DECL)
    return _Document(_XML_ILLEGAL.sub("", text).encode("utf-8"), lines_removed, shift)


def _feedparse(data: bytes, url: str | None) -> tuple[Any, str | None]:
    """feedparser's result and, for a broken document, one line saying what is wrong."""
    doc = _utf8_document(data)
    headers = {"content-type": "application/xml; charset=utf-8"}
    if url:
        headers["content-location"] = url  # feedparser resolves relative links against it
    parsed = feedparser.parse(doc.data, sanitize_html=False, response_headers=headers)
    return parsed, _problem(parsed, doc)


def _problem(parsed: Any, doc: _Document) -> str | None:
    if not _raw(parsed, "bozo"):
        return None
    exc = _raw(parsed, "bozo_exception")
    if isinstance(exc, feedparser.CharacterEncodingOverride | feedparser.NonXMLContentType):
        return None  # we re-encode to UTF-8 ourselves; these say nothing about the content
    if isinstance(exc, xml.sax.SAXParseException):
        line, column = exc.getLineNumber() or 1, exc.getColumnNumber() or 0
        if line == 1:
            column = max(0, column - doc.column_shift)
        return f"{exc.getMessage()} at line {line + doc.lines_removed}, column {column + 1}"
    message = clean_line(str(exc)) if exc is not None else ""
    return (message or type(exc).__name__)[:200]


# --- flavours ---------------------------------------------------------------------------------

_NOISE_CATEGORIES = frozenset(
    normalize_key(c) for c in ("Uncategorized", "미분류", "분류없음", "카테고리 없음")
)
_WP_GUID = re.compile(r"[?&](?:p|page_id)=\d+$")
_NAVER_HOSTS = ("blog.naver.com", "rss.blog.naver.com", "m.blog.naver.com")


def _host(url: str | None) -> str:
    return (urlsplit(url).hostname or "") if url else ""


def _flavour(parsed: Any, url: str | None) -> SourceKind:
    """TISTORY_RSS, WORDPRESS_FEED, NAVER_FEED or GENERIC_FEED for the whole feed.

    The generator says it best; hosts cover feeds whose generator was removed. A WordPress feed
    without a generator still has ``?p=<id>`` guids or ``wfw:commentRss``. ``content:encoded``
    alone is *not* taken as WordPress (Ghost, Substack and Medium emit it too); such feeds are
    read the same way as generic ones.
    """
    feed = _raw(parsed, "feed")
    detail = _raw(feed, "generator_detail")
    generator = " ".join(
        s for s in (_str(feed, "generator"), _str(detail, "href"), _str(detail, "name")) if s
    ).casefold()
    entries = _dicts(parsed, "entries")[:20]
    hosts = {_host(url), _host(_str(feed, "link"))}
    hosts |= {_host(_str(e, "link")) for e in entries}
    if "tistory" in generator or any(
        h == "tistory.com" or h.endswith(".tistory.com") for h in hosts
    ):
        return SourceKind.TISTORY_RSS
    if "naver blog" in generator or any(h in _NAVER_HOSTS for h in hosts):
        return SourceKind.NAVER_FEED
    if "wordpress" in generator or any(
        _raw(e, "wfw_commentrss") or _WP_GUID.search(_str(e, "id") or "") for e in entries
    ):
        return SourceKind.WORDPRESS_FEED
    return SourceKind.GENERIC_FEED


# --- teasers ----------------------------------------------------------------------------------

MIN_FULL_CHARS = 200
"""A post with less text than this is taken for a summary (a film review is rarely shorter)."""

_ELLIPSIS_END = re.compile(r"(?:\.{3,}|…+|\[\s*(?:…|\.{3})\s*\]|\(\s*(?:…|\.{3})\s*\))\s*$")
_READ_MORE = re.compile(
    r"^(?:read more|continue reading|더\s*보기|계속\s*읽기|전체\s*보기|본문\s*보기)\b.{0,80}$",
    re.IGNORECASE,
)


def looks_truncated(text: str) -> bool:
    """Text that ends the way a cut-off summary ends: an ellipsis or a "read more" line."""
    text = text.rstrip()
    if _ELLIPSIS_END.search(text):
        return True
    last = text.rsplit("\n", 1)[-1].strip()
    return bool(_READ_MORE.match(last))


def _uniform_cut(lengths: Sequence[int]) -> bool:
    """Three or more items of (nearly) the same modest length: the feed cuts every post.

    A blog set to "partial feed" cuts each post at a fixed number of characters, with or
    without an ellipsis; real posts never agree on their length like that.
    """
    if len(lengths) < 3:
        return False
    longest = max(lengths)
    return longest <= 1500 and longest - min(lengths) <= max(10, longest // 20)


# --- items ------------------------------------------------------------------------------------

# Real inline markup in a title typed as HTML: a closing tag, <br> or <img>. An opening tag
# alone proves nothing: "<I Saw the TV Glow>" is a film in brackets, not an <i> element.
_TITLE_TAG = re.compile(
    r"</(?:a|abbr|b|cite|code|em|font|i|mark|q|s|small|span|strong|sub|sup|u)\s*>"
    r"|<br\s*/?>|<img\s[^<>]*>",
    re.IGNORECASE,
)
_TRACKING_PARAMS = frozenset({"fromrss", "trackingcode"})
_MAX_DERIVED_TITLE = 60


def _title(entry: Any) -> str:
    """The item title as plain text; HTML-typed titles are unescaped exactly once.

    feedparser has already undone the XML escaping, so ``&amp;lt;괴물&amp;gt;`` arrives as
    ``&lt;괴물&gt;`` typed ``text/html``; one more unescape gives ``<괴물>``, which must then
    not be parsed as a tag.
    """
    raw = _str(entry, "title") or ""
    kind = _str(_raw(entry, "title_detail"), "type") or "text/plain"
    if "html" in kind:
        raw = html_to_text(raw) if _TITLE_TAG.search(raw) else html.unescape(raw)
    return clean_line(raw)


def strip_tracking(url: str) -> str:
    """Drop feed tracking parameters (Naver's ``fromRss``/``trackingCode``, ``utm_*``)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [
        (k, v)
        for k, v in pairs
        if k.casefold() not in _TRACKING_PARAMS and not k.casefold().startswith("utm_")
    ]
    if len(kept) == len(pairs):
        return url  # untouched, so that its own encoding is kept
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _absolute(link: str | None, base: str | None) -> str | None:
    if not link:
        return None
    url = urljoin(base, link) if base else link
    if urlsplit(url).scheme not in {"http", "https"}:
        return None
    return strip_tracking(url)


def _guid(entry: Any) -> str | None:
    guid = _str(entry, "id")
    if guid and urlsplit(guid).scheme in {"http", "https"}:
        return strip_tracking(guid)
    return guid


def _sections(value: str, kind: str) -> tuple[Section, ...]:
    if "html" in kind:
        return html_to_sections(value)
    text = clean_text(value)
    return (Section(heading=None, text=text),) if text else ()


@dataclass(frozen=True, slots=True)
class _Body:
    sections: tuple[Section, ...]
    full: bool  # from content:encoded / Atom <content>, not from description / summary

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.sections if s.text)


def _body(entry: Any) -> _Body:
    """The longest-form text the item carries: its content if any, else its summary."""
    for content in _dicts(entry, "content"):
        value = _str(content, "value")
        if value:
            sections = _sections(value, _str(content, "type") or "text/html")
            if sections:
                return _Body(sections, full=True)
    summary = _str(entry, "summary")
    if summary:
        kind = _str(_raw(entry, "summary_detail"), "type") or "text/html"
        return _Body(_sections(summary, kind), full=False)
    return _Body((), full=False)


def _terms(entry: Any) -> list[str]:
    """Category terms in feed order, cleaned; "Uncategorized" and the like dropped."""
    terms: list[str] = []
    for tag in _dicts(entry, "tags"):
        term = _str(tag, "label") or _str(tag, "term")
        if not term:
            continue
        term = clean_line(html.unescape(term))
        if term and normalize_key(term) not in _NOISE_CATEGORIES:
            terms.append(term)
    return list(dict.fromkeys(terms))


def _naver_tags(entry: Any) -> list[str]:
    raw = _str(entry, "tag") or ""
    return [t for t in (clean_line(part).lstrip("#") for part in raw.split(",")) if t]


def _category_and_tags(entry: Any, flavour: SourceKind) -> tuple[tuple[str, ...], tuple[str, ...]]:
    terms = _terms(entry)
    category = tuple(terms[:1])
    if flavour is SourceKind.NAVER_FEED:
        return category, tuple(dict.fromkeys(_naver_tags(entry)))
    if flavour is SourceKind.TISTORY_RSS:
        # One <category> is the leaf category; any further ones can only be tags.
        return category, tuple(terms[1:])
    return category, tuple(terms)


def _author(entry: Any, feed: Any) -> str | None:
    """The item's author, else the feed's (Atom entries inherit it; Tistory's managingEditor)."""
    name = (
        _str(_raw(entry, "author_detail"), "name")
        or _str(entry, "author")
        or _str(_raw(feed, "author_detail"), "name")
        or _str(feed, "author")
    )
    if name is None:
        return None
    return clean_line(html.unescape(name)) or None


def _derived_title(text: str) -> str:
    first = clean_line(text.split("\n", 1)[0])
    if len(first) <= _MAX_DERIVED_TITLE:
        return first
    return first[:_MAX_DERIVED_TITLE].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True, slots=True)
class _Item:
    entry: Any
    title: str
    body: _Body


def _flavour_teaser(flavour: SourceKind, body: _Body, atom: bool) -> bool:
    """Feeds whose summary is never the whole post, whatever its length or ending."""
    if flavour is SourceKind.NAVER_FEED:
        return True
    if flavour is SourceKind.WORDPRESS_FEED or atom:
        return not body.full
    return False


def _post(
    item: _Item, flavour: SourceKind, *, feed: Any, base: str | None, atom: bool, cut: bool
) -> ParsedPost:
    """One item as a post.

    ``teaser`` is True when any of these holds (a false alarm only costs one page fetch later,
    a missed one stores a cut-off review as if whole):

    1. the platform never puts the whole post there (Naver's description, WordPress or Atom
       items without ``content:encoded`` / ``<content>``);
    2. the text ends like a cut-off summary: ``...``, ``…``, ``[…]``, ``.......`` or a
       "read more" / "더보기" line (:func:`looks_truncated`);
    3. the text comes from the description/summary (not from ``content:encoded`` or Atom
       ``<content>``, which publishers only fill with whole posts) and is shorter than
       :data:`MIN_FULL_CHARS` characters, or the feed cuts every such text at the same length
       (:func:`_uniform_cut`).
    """
    entry, body = item.entry, item.body
    text = body.text
    notes: list[str] = []
    title = item.title
    if not title:
        title = _derived_title(text)
        notes.append(f"feed item without a title; titled from its text: {title}")
    teaser = (
        _flavour_teaser(flavour, body, atom)
        or looks_truncated(text)
        or (not body.full and (len(text) < MIN_FULL_CHARS or cut))
    )
    category, tags = _category_and_tags(entry, flavour)
    info = parse_title(item.title) if item.title else None
    film = (info.film if info else None) or film_from_text(text)
    published = _utc(_raw(entry, "published_parsed"))
    updated = _utc(_raw(entry, "updated_parsed"))
    return ParsedPost(
        title=title,
        kind=flavour,
        url=_absolute(_str(entry, "link"), base),
        guid=_guid(entry),
        film=film,
        film_year=info.year if info else None,
        film_aliases=info.aliases if info else (),
        published=published or updated,
        modified=updated if published and updated and updated != published else None,
        author=_author(entry, feed),
        category=category,
        tags=tags,
        themes=merge_themes(info.themes if info else (), tags),
        sections=body.sections,
        teaser=teaser,
        notes=tuple(notes),
    )


def _with_notes(posts: list[ParsedPost], notes: Iterable[str]) -> list[ParsedPost]:
    """Feed-level notes go on the first post: the pipeline reports every post's notes."""
    extra = tuple(n for n in notes if n)
    if not posts or not extra:
        return posts
    return [replace(posts[0], notes=(*extra, *posts[0].notes)), *posts[1:]]


def _bozo_note(problem: str | None, count: int) -> str | None:
    if problem is None:
        return None
    return f"the feed is not well-formed XML ({problem}); {count} item(s) recovered"


def _letterboxd_posts(parsed: Any, problem: str | None) -> list[ParsedPost]:
    feed = read_letterboxd(parsed)
    skipped = feed.skipped_note()
    if not feed.reviews:
        if problem and not feed.skipped:
            raise IngestError(f"malformed feed: {problem}")
        raise NotAPost(feed.no_reviews_message())
    return _with_notes(
        list(feed.reviews), (_bozo_note(problem, len(feed.reviews)) or "", skipped or "")
    )


# --- entry point ------------------------------------------------------------------------------


def parse_feed(data: bytes, *, url: str | None = None) -> list[ParsedPost]:
    """Every usable item of an RSS/Atom feed as a post, in feed order.

    Raises IngestError (one line) when nothing usable can be read, NotAPost for a readable
    feed without items (or, for Letterboxd, without reviews). Items with neither a title nor
    any text are skipped with a note.
    """
    if not data.strip():
        raise IngestError("empty file")
    parsed, problem = _feedparse(data, url)
    entries = _dicts(parsed, "entries")
    if not entries:
        if not _str(parsed, "version"):
            raise IngestError("not an RSS or Atom feed")
        if problem:
            raise IngestError(f"malformed feed: {problem}")
        raise NotAPost("the feed has no items")
    if is_letterboxd(parsed):
        return _letterboxd_posts(parsed, problem)

    flavour = _flavour(parsed, url)
    atom = (_str(parsed, "version") or "").startswith("atom")
    feed = _raw(parsed, "feed")
    base = url or _str(feed, "link")
    items = [_Item(e, _title(e), _body(e)) for e in entries]
    usable = [i for i in items if i.title or i.body.text]
    if not usable:
        if problem:
            raise IngestError(f"malformed feed: {problem}")
        raise NotAPost("the feed's items have neither a title nor any text")
    # Posts cut by a "partial feed" setting lose their headings with the rest of the text;
    # items that keep several headed sections are whole, whatever their lengths.
    lengths = [
        len(i.body.text)
        for i in usable
        if i.body.text and not i.body.full and sum(1 for s in i.body.sections if s.heading) < 2
    ]
    cut = _uniform_cut(lengths)
    posts = [_post(i, flavour, feed=feed, base=base, atom=atom, cut=cut) for i in usable]
    dropped = len(items) - len(usable)
    return _with_notes(
        posts,
        (
            _bozo_note(problem, len(posts)) or "",
            f"skipped {dropped} feed item(s) with neither a title nor any text" if dropped else "",
        ),
    )
