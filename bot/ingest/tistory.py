"""Tistory post pages, whatever the skin: fetched live, saved by a browser, or backed up as a
fragment of the article only.

Skins differ in everything around the article, so the parser keys on what Tistory itself emits:
the editor's ``div.tt_article_useless_p_margin`` (``contents_style`` since the 2020s editor),
``#article-view``, the "'…' 카테고리의 다른 글" box, ``rel=tag`` links and the head's meta tags;
skin markup (title, category link) is only a fallback, tried through a list of known skins.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.domain import ParsedPost, RelatedRef, SourceKind
from bot.ingest.category_box import CATEGORY_BOX_SELECTOR, parse_category_box, tistory_post_url
from bot.ingest.errors import NotAPost
from bot.ingest.html_body import inline_text, node_to_sections, strip_boilerplate
from bot.ingest.html_page import (
    NOT_A_POST_LIST,
    PageFields,
    PageMeta,
    build_post,
    clean_author,
    densest_block,
    drop_title_heading,
    first_attr,
    first_text,
    page_url,
    rel_tags,
    strip_site_name,
    title_from_sections,
)
from bot.textnorm import clean_line, normalize_key

# Strings only Tistory pages (or fragments of them) contain.
_MARKERS = (
    "tt_article_useless_p_margin",
    "another_category",
    "TistoryBlog",
    "article:txid",
    "data-tistory-react-app",
    "tistory_admin/",
    "data-ke-size",
    "[##_article_rep_",
)
# Skin templates (skin.html) keep Tistory's placeholders: markup, not a post.
_SKIN_PLACEHOLDER = re.compile(r"\[##_[a-z0-9_]+_##\]|<s_article_rep>")
_HEAD_LINK = re.compile(r"<(?:link|meta)\b[^>]*(?:canonical|og:url)[^>]*>", re.IGNORECASE)
_SNIFF_CHARS = 200_000

# The article, most specific first. The first three are Tistory's own and appear once per post
# (several mean a list page that shows whole posts); the rest are skin wrappers.
_EDITOR_BODIES = ("div.tt_article_useless_p_margin", "div.contents_style", "#article-view")
_SKIN_BODIES = (
    "div.article-view",
    "div.article_view",
    "div.area_view",
    "div.entry-content",
    "div.article-content",
    "div.post-content",
    "[data-article=content]",
    "div.article",
)
_SKIN_TITLES = (
    "h2.title-article",
    "h3.tit_post",
    ".title-article",
    ".tit_post",
    "strong.title_post",
    ".title_post",
    "h1.article-title",
    ".article-title",
    ".entry-title",
)
_SKIN_CATEGORIES = (
    "p.category",
    ".tit_category a",
    "a.link_cate",
    ".category a",
    ".article-category",
    "span.category",
    ".post-category a",
)
# Skin category texts that mean "no category".
_NO_CATEGORY = frozenset({"카테고리없음", "분류없음", "분류전체보기", "uncategorized"})
_SIDEBAR_MARKS = ("sidebar", "tt_category", "category_list", "box-category", "menu")
_SHARE_BUTTON = "button.btn_share"

NOT_A_POST_SKIN = "not a post: a Tistory skin template (placeholders, no post)"
NOT_A_POST_NO_TEXT = "not a post: the article has no text (a protected or image-only post)"


class NoTistoryBody(NotAPost):
    """The page looks like Tistory's but holds no article body Tistory or a known skin makes."""


def is_tistory_page(html: str) -> bool:
    """Cheap content sniffing: Tistory's own class names, scripts, meta tags or address."""
    if any(marker in html for marker in _MARKERS):
        return True
    head = html[:_SNIFF_CHARS]
    return any("tistory.com" in tag.group(0) for tag in _HEAD_LINK.finditer(head))


def _is_inside(node: LexborNode, ancestor: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id == ancestor.mem_id:
            return True
        parent = parent.parent
    return False


def _find_body(tree: LexborHTMLParser, *, served_by_tistory: bool) -> LexborNode:
    """The article: Tistory's own wrappers, then known skins' ones.

    A page Tistory itself served (its head says so) but whose skin is unknown keeps the
    Tistory metadata and takes the block with the most paragraph text as its body; anything
    else without a known wrapper is left to the generic page reader.
    """
    for selector in _EDITOR_BODIES:
        bodies = tree.css(selector)
        if bodies:
            if any(not _is_inside(other, bodies[0]) for other in bodies[1:]):
                raise NotAPost(NOT_A_POST_LIST)
            return bodies[0]
    for selector in _SKIN_BODIES:
        body = tree.css_first(selector)
        if body is not None:
            return body
    body = densest_block(tree) if served_by_tistory else None
    if body is None:
        raise NoTistoryBody("not a post: no article body found on the Tistory page")
    return body


def _title(tree: LexborHTMLParser, meta: PageMeta) -> str:
    """The first usable title; a bare blog name (skins that title every page so) is not one."""
    blog = normalize_key(meta.get("og:site_name", "article:media_name") or "")
    candidates = (
        meta.get("og:title"),
        strip_site_name(meta.title_tag) if meta.title_tag else None,
        strip_site_name(meta.get("title") or ""),
        first_text(tree, _SKIN_TITLES),
        meta.ld_text("headline"),
        first_attr(tree, (f"{_SHARE_BUTTON}[data-title]",), "data-title"),
    )
    for candidate in candidates:
        title = clean_line(candidate or "")
        if title and normalize_key(title) != blog:
            return title
    return ""


def _in_sidebar(node: LexborNode) -> bool:
    parent: LexborNode | None = node
    while parent is not None:
        if parent.tag in {"aside", "nav"}:
            return True
        classes = parent.attributes.get("class") or ""
        if any(mark in classes for mark in _SIDEBAR_MARKS):
            return True
        parent = parent.parent
    return False


def _skin_category(tree: LexborHTMLParser) -> tuple[str, ...]:
    """The skin's category link (``[##_article_rep_category_##]``, rendered ``부모/자식``)."""
    for selector in _SKIN_CATEGORIES:
        for node in tree.css(selector):
            if len(node.css("a")) > 2 or _in_sidebar(node):
                continue
            text = inline_text(node)
            if not text or len(text) > 80:
                continue
            if normalize_key(text) in _NO_CATEGORY:
                return ()
            return tuple(part.strip() for part in text.split("/") if part.strip())
    return ()


def _author(tree: LexborHTMLParser, meta: PageMeta) -> str | None:
    return clean_author(
        meta.get("by", "og.article.author", "og:article:author", "article:author")
        or meta.ld_text("author")
        or first_attr(tree, (f"{_SHARE_BUTTON}[data-profile-name]",), "data-profile-name")
    )


def parse_tistory_page(html: str, *, url: str | None = None) -> ParsedPost:
    """One Tistory post page (kind ``tistory-page``); NotAPost for home and list pages.

    ``url`` is where the page came from; the page's own canonical link wins over it, and a
    fragment without a head falls back to the share button's address.
    """
    if _SKIN_PLACEHOLDER.search(html):
        raise NotAPost(NOT_A_POST_SKIN)
    tree = LexborHTMLParser(html)
    meta = PageMeta(tree)
    if meta.og_type == "website":
        raise NotAPost(NOT_A_POST_LIST)
    served = bool(meta.get("article:txid")) or "TistoryBlog" in html
    body = _find_body(tree, served_by_tistory=served)
    share_url = first_attr(tree, (f"{_SHARE_BUTTON}[data-pc-url]",), "data-pc-url")
    found_url = page_url(meta, url, extra=(share_url,))
    canonical = tistory_post_url(found_url) if found_url else None

    box = tree.css_first(CATEGORY_BOX_SELECTOR)
    category: tuple[str, ...] = ()
    related: tuple[RelatedRef, ...] = ()
    if box is not None:
        category, related = parse_category_box(box, base_url=canonical, current_url=canonical)
    title = _title(tree, meta)

    strip_boilerplate(body)
    sections = drop_title_heading(node_to_sections(body), title)
    if not sections:
        raise NotAPost(NOT_A_POST_NO_TEXT)
    notes: list[str] = []
    if not title:
        title = title_from_sections(sections)
        notes.append(f"no title on the page; using {title!r}")
    if any(ref.url is None for ref in related):
        notes.append("the page has no address; related posts are kept without links")
    return build_post(
        PageFields(
            title=title,
            kind=SourceKind.TISTORY_PAGE,
            sections=sections,
            url=canonical,
            published=meta.published(),
            modified=meta.modified(),
            author=_author(tree, meta),
            category=category or _skin_category(tree),
            tags=rel_tags(tree),
            related=related,
            notes=tuple(notes),
        )
    )
