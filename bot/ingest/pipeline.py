"""Ingest sources into the library: read, detect, parse, store — one transaction per source.

One bad source never stops the batch: its error is one line in its report and nothing it touched
is half-written, because the repository stores each source's posts all-or-nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from bot.analysis.kiwi import add_film_titles
from bot.domain import ParsedPost, SourceReport
from bot.ingest.decode import looks_binary
from bot.ingest.detect import ContentKind, detect
from bot.ingest.enrich import analyse, analyse_new_stubs
from bot.ingest.errors import IngestError
from bot.ingest.feeds import parse_feed
from bot.ingest.fetch import Fetcher
from bot.ingest.html_page import parse_html_page
from bot.ingest.markdown import parse_markdown
from bot.ingest.plaintext import parse_plain_text
from bot.ports import Repository, StorageError
from bot.textnorm import normalize_key

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50_000_000
# Inside a folder, files that are plainly media or archives are passed over quietly; a binary
# file named explicitly is an error, because the user asked for it.
SKIPPED_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico", ".pdf", ".zip", ".gz", ".css",
     ".js", ".woff", ".woff2", ".ttf", ".mp4", ".mp3", ".db", ".sqlite"}
)  # fmt: skip

# A whole document (not a fragment) starts with a doctype or <html> and, when it arrived whole,
# closes its body or html element; browsers and Tistory always write both end tags.
_DOCUMENT_START = re.compile(
    r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html)", re.I | re.S
)
_DOCUMENT_END = re.compile(r"</(?:body|html)\s*>", re.I)
CUT_OFF_NOTE = (
    "the page looks cut off (it never closes <body> or <html>): its text is kept as partial, "
    "and a whole copy of the page will replace it"
)

Progress = Callable[[str, int, int], None]
"""Called as ``progress(label, done, total)`` while a run goes on (for a progress bar)."""


@dataclass(frozen=True, slots=True)
class Source:
    """One thing to ingest: a local file or a URL (folders are expanded into files)."""

    ref: str
    is_url: bool


def is_url(ref: str) -> bool:
    return ref.startswith(("http://", "https://"))


def expand_sources(refs: Sequence[str]) -> Iterator[Source]:
    """Files and URLs in the order given; folders recursively, sorted, hidden entries skipped."""
    for ref in refs:
        if is_url(ref):
            yield Source(ref, True)
            continue
        path = Path(ref)
        found = False
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or Path(name).suffix.lower() in SKIPPED_SUFFIXES:
                        continue
                    found = True
                    yield Source(str(Path(root) / name), False)
        if not found:
            yield Source(ref, False)  # a file, or a folder with nothing to read: say so


def parse_content(
    data: bytes, *, url: str | None = None, path: str | None = None, content_type: str | None = None
) -> list[ParsedPost]:
    """Parse one document of any supported kind into posts (raises IngestError)."""
    if not data.strip():
        raise IngestError("empty file")
    if looks_binary(data):
        raise IngestError("not a text file (binary content)")
    kind, text = detect(data, content_type=content_type)
    if kind is ContentKind.FEED:
        return parse_feed(data, url=url)
    if kind is ContentKind.HTML:
        post = parse_html_page(text, url=url)
        if looks_cut_off(text):
            # Stored as a teaser: a cut-off download must never replace a whole stored post.
            post = replace(post, teaser=True, notes=(*post.notes, CUT_OFF_NOTE))
        return [post]
    if kind is ContentKind.MARKDOWN:
        return [parse_markdown(text, path=path)]
    return [parse_plain_text(text, path=path)]


def looks_cut_off(html: str) -> bool:
    """A whole HTML document that ends before its ``</body>``/``</html>``: a truncated copy."""
    return bool(_DOCUMENT_START.match(html[:4096])) and _DOCUMENT_END.search(html) is None


def read_file(path: str) -> bytes:
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise IngestError("no such file or folder") from None
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise IngestError(f"file too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
    try:
        return p.read_bytes()
    except IsADirectoryError:
        raise IngestError("a folder with no files to read") from None
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}") from None


async def load_source(source: Source, fetcher: Fetcher | None) -> list[ParsedPost]:
    if source.is_url:
        if fetcher is None:
            raise IngestError("fetching URLs is disabled here")
        fetched = await fetcher.get(source.ref)
        return parse_content(fetched.data, url=fetched.url, content_type=fetched.content_type)
    return parse_content(read_file(source.ref), path=source.ref)


# Values outside these ranges are markup noise ("(99999999999)" comments, a 0001-01-01 date from
# a broken skin) and would overflow the database's columns; they are dropped, not stored.
MAX_COUNT = 2**31 - 1
FIRST_YEAR, LAST_YEAR = 1900, 2200


def _sane_count(value: int | None) -> int | None:
    return value if value is None or 0 <= value <= MAX_COUNT else None


def _sane_day(value: date | None) -> date | None:
    return value if value is None or FIRST_YEAR <= value.year <= LAST_YEAR else None


def _sane_time(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        year = value.astimezone(UTC).year if value.tzinfo else value.year
    except (OverflowError, ValueError):
        return None
    return value if FIRST_YEAR <= year <= LAST_YEAR else None


def sanitize(post: ParsedPost) -> ParsedPost:
    """``post`` without values no real post has (impossible dates, counts or years)."""
    related = tuple(
        replace(ref, comments=_sane_count(ref.comments), published=_sane_day(ref.published))
        for ref in post.related
    )
    changes: dict[str, object] = {}
    if related != post.related:
        changes["related"] = related
    published, modified = _sane_time(post.published), _sane_time(post.modified)
    if published != post.published:
        changes["published"] = published
        changes["notes"] = (*post.notes, "the post's date is impossible; it is left out")
    if modified != post.modified:
        changes["modified"] = modified
    if post.film_year is not None and not 1870 <= post.film_year <= LAST_YEAR:
        changes["film_year"] = None
    lb = post.letterboxd
    if lb is not None:
        sane_lb = replace(lb, watched=_sane_day(lb.watched), tmdb_id=_sane_count(lb.tmdb_id))
        if sane_lb != lb:
            changes["letterboxd"] = sane_lb
    return replace(post, **changes) if changes else post  # type: ignore[arg-type]


async def complete_categories(
    repo: Repository, posts: Sequence[ParsedPost]
) -> Sequence[ParsedPost]:
    """Give a bare leaf category the blog's full path when the library already knows it.

    Feeds name only the leaf (``한국영화``) where the blog's pages show the path
    (``리뷰 > 한국영화``); without this, a parent category would miss the feed's posts. A leaf
    that ends several known paths is left alone rather than guessed.
    """
    leaves = {normalize_key(p.category[0]) for p in posts if len(p.category) == 1}
    if not leaves:
        return posts
    paths: dict[str, set[tuple[str, ...]]] = {}
    for entry in await repo.categories():
        if len(entry.path) > 1 and (leaf := normalize_key(entry.path[-1])) in leaves:
            paths.setdefault(leaf, set()).add(entry.path)
    completed: list[ParsedPost] = []
    for post in posts:
        found = (
            paths.get(normalize_key(post.category[0]), set()) if len(post.category) == 1 else set()
        )
        completed.append(replace(post, category=next(iter(found))) if len(found) == 1 else post)
    return completed


async def store(repo: Repository, source: str, posts: Sequence[ParsedPost]) -> SourceReport:
    """Save one source's posts in one transaction; any failure is the report's one line."""
    report = SourceReport(source=source)
    posts = [sanitize(post) for post in posts]
    for post in posts:
        report.notes.extend(post.notes)
    try:
        posts = await complete_categories(repo, posts)
        posts = await analyse(repo, posts)
        report.posts = await repo.save_posts(posts, source=source)
    except StorageError as exc:
        report.ok, report.error = False, str(exc)
        return report
    except Exception as exc:  # a storage bug must not stop the batch either
        log.debug("unexpected error while storing %s", source, exc_info=True)
        report.ok = False
        report.error = f"could not be stored ({type(exc).__name__}; -v shows details)"
        return report
    try:
        await analyse_new_stubs(repo)
    except Exception as exc:  # the posts are stored; this is only their related index
        # Their related stubs are analysed on the next ingest or start (reanalyse).
        log.warning("related posts of %s not indexed yet: %s", source, exc)
    return report


async def read_one(source: Source, fetcher: Fetcher | None) -> list[ParsedPost] | SourceReport:
    """A source's posts, or the failed report saying in one line why it cannot be read."""
    try:
        return await load_source(source, fetcher)
    except IngestError as exc:
        return SourceReport(source=source.ref, ok=False, error=str(exc))
    except Exception as exc:  # a parser bug must not stop the batch or lose other sources
        # The traceback is for -v only: the user sees the report's one line, never a traceback.
        log.debug("unexpected error while reading %s", source.ref, exc_info=True)
        return SourceReport(
            source=source.ref,
            ok=False,
            error=f"could not be parsed ({type(exc).__name__}; -v shows details)",
        )


async def ingest_one(repo: Repository, source: Source, fetcher: Fetcher | None) -> SourceReport:
    """Ingest a single source; every failure becomes the report's one-line error."""
    read = await read_one(source, fetcher)
    if isinstance(read, SourceReport):
        return read
    return await store(repo, source.ref, read)


# Sources are read this many at a time before any is analysed, so that the films they name are
# taught to Kiwi in one go: each dictionary change costs Kiwi a lexicon rebuild (~1 s).
READ_AHEAD = 64


async def ingest(
    repo: Repository,
    refs: Sequence[str],
    *,
    fetcher: Fetcher | None = None,
    progress: Progress | None = None,
) -> list[SourceReport]:
    sources = list(expand_sources(refs))
    reports: list[SourceReport] = []
    for start in range(0, len(sources), READ_AHEAD):
        chunk = sources[start : start + READ_AHEAD]
        read = [await read_one(source, fetcher) for source in chunk]
        films = [p.film for r in read if not isinstance(r, SourceReport) for p in r if p.film]
        if films:
            await asyncio.to_thread(add_film_titles, films)
        for offset, (source, result) in enumerate(zip(chunk, read, strict=True)):
            if progress is not None:
                progress(source.ref, start + offset, len(sources))
            if isinstance(result, SourceReport):
                reports.append(result)
            else:
                reports.append(await store(repo, source.ref, result))
    if progress is not None:
        progress("", len(sources), len(sources))
    return reports
