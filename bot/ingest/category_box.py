"""The Tistory "'<category>' 카테고리의 다른 글" box: the blog's category path and sibling posts.

The box is injected by Tistory's PostListinCategory plugin inside the article, whatever the
skin, so it is the most reliable source of the blog's own category (``article:section`` is
Tistory's global topic, not the blog's). Variants seen on real pages:

* 2025: relative hrefs (``/636``), the current post not listed, ``&nbsp;`` or a literal U+00A0
  before the comment count (scrapers re-serialise the entity);
* 2013–2017: absolute hrefs with ``?category=680971``, ``<tbody>``, newlines inside cells, the
  current post listed with ``class="current"`` on its link, ``&nbsp;&gt;&nbsp;`` between
  parent and child categories.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.domain import RelatedRef
from bot.ingest.html_body import inline_text

CATEGORY_BOX_SELECTOR = "div.another_category"

_COMMENTS = re.compile(r"\((\d+)\)")
_BOX_DATE = re.compile(r"(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})")
# "'영화 > 한국 영화' 카테고리의 다른 글" when the h4 has no links.
_H4_TEXT = re.compile(r"^['‘\"]?(?P<path>.+?)['’\"]?\s*카테고리의\s*다른\s*글")
_MOBILE = re.compile(r"^/m(?=/)")
# Tistory post paths: numeric ids or slugs; their queries are only navigation (?category=…).
_POST_PATH = re.compile(r"^/(?:\d+|entry/[^/]+)/?$")

CategoryBox = tuple[tuple[str, ...], tuple[RelatedRef, ...]]


def tistory_post_url(href: str, base: str | None = None) -> str | None:
    """The absolute, canonical form of a Tistory post link (None if it cannot be made absolute).

    ``/m/123`` (mobile) is ``/123``; ``?category=…`` and fragments are navigation, not identity.
    """
    href = href.strip()
    if not href:
        return None
    absolute = urljoin(base, href) if base else href
    parts = urlsplit(absolute)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    path = _MOBILE.sub("", parts.path) or "/"
    if _POST_PATH.match(path):
        query = ""
    else:
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "category"])
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def same_post_path(a: str | None, b: str | None) -> bool:
    """Whether two links of one blog name the same post, whatever host either uses.

    A box only lists posts of its own blog, so the path decides: a custom domain page
    (``www.example.kr/30``) lists ``example.tistory.com/30`` style links and the reverse.
    """
    if not a or not b:
        return False
    path_a = unquote(urlsplit(a).path).rstrip("/")
    path_b = unquote(urlsplit(b).path).rstrip("/")
    return bool(path_a) and path_a == path_b


def _category_path(box: LexborNode) -> tuple[str, ...]:
    heading = box.css_first("h4")
    if heading is None:
        return ()
    names = [inline_text(link) for link in heading.css("a")]
    names = [name for name in names if name]
    if names:
        return tuple(names)
    found = _H4_TEXT.match(inline_text(heading))
    if found is None:
        return ()
    parts = (part.strip() for part in found["path"].split(">"))
    return tuple(part for part in parts if part)


def _is_current(row: LexborNode, link: LexborNode) -> bool:
    classes = " ".join(
        (row.attributes.get("class") or "", link.attributes.get("class") or "")
    ).split()
    if "current" in classes:
        return True
    cell = link.parent
    return cell is not None and "current" in (cell.attributes.get("class") or "").split()


def _row(row: LexborNode, base: str | None, current: str | None) -> RelatedRef | None:
    link = row.css_first("th a") or row.css_first("a")
    if link is None:
        return None
    title = inline_text(link)
    href = link.attributes.get("href") or ""
    url = tistory_post_url(href, base)
    if not title or _is_current(row, link) or same_post_path(url, current):
        return None
    comments = None
    cell = row.css_first("th")
    counter = cell.css_first("span") if cell is not None else None
    if counter is not None and (found := _COMMENTS.search(inline_text(counter))):
        comments = int(found[1])
    published = None
    when = row.css_first("td")
    if when is not None and (found := _BOX_DATE.search(inline_text(when))):
        try:
            published = date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            published = None
    return RelatedRef(title=title, url=url, published=published, comments=comments)


def parse_category_box(
    box: LexborNode | str, *, base_url: str | None = None, current_url: str | None = None
) -> CategoryBox:
    """(category path, sibling posts in the box's order) of a box node or its HTML.

    ``box`` may be the ``div.another_category`` itself or anything containing it. Links are
    made absolute against ``base_url`` (the page's canonical URL; without one, relative links
    give ``url=None``); the current post (``class="current"`` or ``current_url``) is left out.
    """
    if isinstance(box, str):
        root = LexborHTMLParser(box).body
        if root is None:
            return (), ()
        box = root
    if not box.css_matches(CATEGORY_BOX_SELECTOR):
        found = box.css_first(CATEGORY_BOX_SELECTOR)
        if found is None:
            return (), ()
        box = found
    current = tistory_post_url(current_url, base_url) if current_url else None
    related = (_row(row, base_url, current) for row in box.css("table tr"))
    return _category_path(box), tuple(ref for ref in related if ref is not None)
