"""Reading a whole blog: find every post (sitemap, else RSS) and fetch them one by one.

The fetcher already spaces requests, obeys robots.txt and retries with backoff; this module only
decides *which* URLs are posts, so that category, tag and guestbook pages are never fetched.
"""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from urllib.parse import urljoin, urlsplit, urlunsplit

from bot.domain import SourceReport
from bot.ingest.errors import FetchError, IngestError
from bot.ingest.feeds import looks_like_feed, parse_feed
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import Progress, Source, ingest_one
from bot.ports import Repository

# Tistory post addresses: /123, /m/123, /entry/<slug>; everything else on a blog is navigation.
_POST_PATH = re.compile(r"^/(?:m/)?(?:\d+|entry/[^/]+)/?$")
_MAX_SITEMAPS = 50


def blog_root(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def is_post_url(url: str, root: str) -> bool:
    parts = urlsplit(url)
    return parts.netloc == urlsplit(root).netloc and bool(_POST_PATH.match(parts.path))


def canonical_post_url(url: str) -> str:
    """``/m/123`` (mobile) and ``/123?category=…`` are the same post as ``/123``."""
    parts = urlsplit(url)
    path = re.sub(r"^/m/", "/", parts.path).rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _locs(data: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) of a sitemap or sitemap index (gzipped or not)."""
    if data.startswith(b"\x1f\x8b"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise IngestError(f"malformed sitemap: {exc}") from None
    data = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise IngestError(f"malformed sitemap: {exc}") from None
    pages: list[str] = []
    nested: list[str] = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] != "loc" or not element.text:
            continue
        loc = element.text.strip()
        if root.tag.endswith("sitemapindex"):
            nested.append(loc)
        else:
            pages.append(loc)
    return pages, nested


async def post_urls_from_sitemap(fetcher: Fetcher, root: str) -> list[str]:
    """Post URLs of the blog's sitemap (following a sitemap index), in the sitemap's order.

    The top sitemap must be readable (IngestError otherwise); a nested one that is not is
    passed over, so that one broken part does not hide the rest of the blog.
    """
    top = urljoin(root, "/sitemap.xml")
    queue = [top]
    seen_maps: set[str] = set()
    found: dict[str, None] = {}
    while queue and len(seen_maps) < _MAX_SITEMAPS:
        sitemap = queue.pop(0)
        if sitemap in seen_maps:
            continue
        seen_maps.add(sitemap)
        try:
            fetched = await fetcher.get(sitemap)
            pages, nested = _locs(fetched.data)
        except IngestError:
            if sitemap == top:
                raise
            continue
        queue.extend(nested)
        for url in pages:
            if is_post_url(url, root):
                found.setdefault(canonical_post_url(url), None)
    return list(found)


async def discover_posts(fetcher: Fetcher, url: str) -> tuple[list[str], str]:
    """Post URLs of the blog at ``url`` and how they were found (for the report)."""
    root = blog_root(url)
    try:
        urls = await post_urls_from_sitemap(fetcher, root)
        if urls:
            return urls, "sitemap"
    except IngestError:
        pass  # no or broken sitemap: fall back to the feed
    fetched = await fetcher.get(urljoin(root, "/rss"))
    if not looks_like_feed(fetched.data):
        raise IngestError(f"{root}: found neither a sitemap nor an RSS feed")
    posts = parse_feed(fetched.data, url=fetched.url)
    urls = [canonical_post_url(p.url) for p in posts if p.url and is_post_url(p.url, root)]
    return list(dict.fromkeys(urls)), "rss"


async def ingest_blog(
    repo: Repository,
    url: str,
    fetcher: Fetcher,
    *,
    progress: Progress | None = None,
) -> list[SourceReport]:
    """Every post of a blog, each its own source (and transaction) in the result."""
    try:
        found, how = await discover_posts(fetcher, url)
    except (IngestError, FetchError) as exc:
        return [SourceReport(source=url, ok=False, error=str(exc))]
    # Posts robots.txt keeps us from are left alone quietly: not fetched, and not failures.
    urls = [u for u in found if await fetcher.allowed(u)]
    notes = [f"found {len(found)} posts via {how}"]
    if len(urls) < len(found):
        notes.append(f"skipped {len(found) - len(urls)} post(s) that robots.txt disallows")
    reports = [SourceReport(source=url, notes=notes)]
    for done, post_url in enumerate(urls):
        if progress is not None:
            progress(post_url, done, len(urls))
        reports.append(await ingest_one(repo, Source(post_url, True), fetcher))
    if progress is not None:
        progress("", len(urls), len(urls))
    return reports
