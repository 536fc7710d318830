"""Ingest sources into the library: read, detect, parse, store — one transaction per source.

One bad source never stops the batch: its error is one line in its report and nothing it touched
is half-written, because the repository stores each source's posts all-or-nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.domain import ParsedPost, SourceReport
from bot.ingest.decode import looks_binary
from bot.ingest.detect import ContentKind, detect
from bot.ingest.errors import IngestError
from bot.ingest.feeds import parse_feed
from bot.ingest.fetch import Fetcher
from bot.ingest.html_page import parse_html_page
from bot.ingest.markdown import parse_markdown
from bot.ingest.plaintext import parse_plain_text
from bot.ports import Repository, StorageError

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50_000_000
# Inside a folder, files that are plainly media or archives are passed over quietly; a binary
# file named explicitly is an error, because the user asked for it.
SKIPPED_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico", ".pdf", ".zip", ".gz", ".css",
     ".js", ".woff", ".woff2", ".ttf", ".mp4", ".mp3", ".db", ".sqlite"}
)  # fmt: skip

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
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or Path(name).suffix.lower() in SKIPPED_SUFFIXES:
                        continue
                    yield Source(str(Path(root) / name), False)
        else:
            yield Source(ref, False)


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
        return [parse_html_page(text, url=url)]
    if kind is ContentKind.MARKDOWN:
        return [parse_markdown(text, path=path)]
    return [parse_plain_text(text, path=path)]


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
        raise IngestError("is a folder") from None
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}") from None


async def load_source(source: Source, fetcher: Fetcher | None) -> list[ParsedPost]:
    if source.is_url:
        if fetcher is None:
            raise IngestError("fetching URLs is disabled here")
        fetched = await fetcher.get(source.ref)
        return parse_content(fetched.data, url=fetched.url, content_type=fetched.content_type)
    return parse_content(read_file(source.ref), path=source.ref)


async def store(repo: Repository, source: str, posts: Sequence[ParsedPost]) -> SourceReport:
    report = SourceReport(source=source)
    for post in posts:
        report.notes.extend(post.notes)
    try:
        report.posts = await repo.save_posts(posts, source=source)
    except StorageError as exc:
        report.ok, report.error = False, str(exc)
    return report


async def ingest_one(repo: Repository, source: Source, fetcher: Fetcher | None) -> SourceReport:
    """Ingest a single source; every failure becomes the report's one-line error."""
    try:
        posts = await load_source(source, fetcher)
    except IngestError as exc:
        return SourceReport(source=source.ref, ok=False, error=str(exc))
    except Exception as exc:  # a parser bug must not stop the batch or lose other sources
        log.exception("unexpected error while reading %s", source.ref)
        return SourceReport(
            source=source.ref, ok=False, error=f"could not be parsed ({type(exc).__name__})"
        )
    return await store(repo, source.ref, posts)


async def ingest(
    repo: Repository,
    refs: Sequence[str],
    *,
    fetcher: Fetcher | None = None,
    progress: Progress | None = None,
) -> list[SourceReport]:
    sources = list(expand_sources(refs))
    reports: list[SourceReport] = []
    for done, source in enumerate(sources):
        if progress is not None:
            progress(source.ref, done, len(sources))
        reports.append(await ingest_one(repo, source, fetcher))
    if progress is not None:
        progress("", len(sources), len(sources))
    return reports
