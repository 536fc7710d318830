"""Feed watching: ``[[sources]]`` read on schedule, politely and without floods.

* Conditional GET (``If-None-Match`` / ``If-Modified-Since``): an unchanged feed is one small
  304 answer.
* The first successful read of a source *primes* it: its items are ingested (the library wants
  them) but not announced, so adding a feed with 50 old posts sends nobody 50 cards.
* Errors back off exponentially (interval × 2^failures, capped) and a source failing
  ``watch_max_failures`` times in a row is disabled and shown by ``/status``.
* New posts of a primed source are recorded in the database (not in memory), so "new"
  subscribers get them even if the process dies right after the ingest.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import DigestConfig, FetchConfig, SourceConfig
from bot.digest.model import WatchedSource
from bot.domain import IngestStatus
from bot.ingest.errors import IngestError
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import parse_content, store
from bot.ports import Repository

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WatchResult:
    url: str
    status: str  # "primed", "changed", "unchanged", "error", "disabled"
    new_posts: int = 0
    error: str | None = None


class FeedWatcher:
    """Checks the configured sources that are due. Owns one :class:`Fetcher` (made lazily)."""

    def __init__(
        self,
        repo: Repository,
        sources: Sequence[SourceConfig],
        config: DigestConfig | None = None,
        *,
        fetch_config: FetchConfig | None = None,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.repo = repo
        self.sources = list(sources)
        self.config = config or DigestConfig()
        self._fetch_config = fetch_config
        self._fetcher = fetcher
        self._own_fetcher = fetcher is None

    async def aclose(self) -> None:
        if self._fetcher is not None and self._own_fetcher:
            await self._fetcher.aclose()
            self._fetcher = None

    def _client(self) -> Fetcher:
        if self._fetcher is None:
            self._fetcher = Fetcher(self._fetch_config)
        return self._fetcher

    async def run_due(self, now: datetime) -> list[WatchResult]:
        if not self.sources:
            return []
        stored = {s.url: s for s in await self.repo.watched_sources()}
        results = []
        for source in self.sources:
            state = stored.get(source.url) or WatchedSource(source.url, source.interval)
            if state.interval_minutes != source.interval:
                state = dataclasses.replace(state, interval_minutes=source.interval)
            if state.disabled:
                continue
            if state.next_check_at is not None and now < state.next_check_at:
                continue
            result, state = await self._check(state, now)
            await self.repo.save_watched_source(state)
            results.append(result)
        return results

    async def _check(
        self, state: WatchedSource, now: datetime
    ) -> tuple[WatchResult, WatchedSource]:
        headers: dict[str, str] = {}
        if state.primed and state.etag:
            headers["If-None-Match"] = state.etag
        if state.primed and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        try:
            fetched = await self._client().get(state.url, headers=headers or None)
            if fetched.status == 304:
                return WatchResult(state.url, "unchanged"), self._success(state, now)
            posts = parse_content(fetched.data, url=fetched.url, content_type=fetched.content_type)
        except IngestError as exc:  # FetchError is one
            return self._failure(state, now, str(exc))
        report = await store(self.repo, state.url, posts)
        if not report.ok:
            return self._failure(state, now, report.error or "could not be stored")
        added = [r.post_id for r in report.posts if r.status is IngestStatus.ADDED]
        new = 0
        if state.primed and added:
            new = await self.repo.record_new_posts(added, source=state.url, now=now)
        status = "changed" if state.primed else "primed"
        ok = dataclasses.replace(
            self._success(state, now),
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            primed=True,
        )
        return WatchResult(state.url, status, new_posts=new), ok

    def _success(self, state: WatchedSource, now: datetime) -> WatchedSource:
        return dataclasses.replace(
            state,
            last_checked_at=now,
            last_success_at=now,
            next_check_at=now + timedelta(minutes=state.interval_minutes),
            consecutive_errors=0,
            last_error=None,
        )

    def _failure(
        self, state: WatchedSource, now: datetime, error: str
    ) -> tuple[WatchResult, WatchedSource]:
        failures = state.consecutive_errors + 1
        backoff = min(state.interval_minutes * 2**failures, self.config.watch_max_backoff_minutes)
        disabled = failures >= self.config.watch_max_failures
        log.warning("watch: %s failed (%d in a row): %s", state.url, failures, error)
        failed = dataclasses.replace(
            state,
            last_checked_at=now,
            last_error=error,
            consecutive_errors=failures,
            total_errors=state.total_errors + 1,
            next_check_at=now + timedelta(minutes=backoff),
            disabled=disabled,
        )
        return WatchResult(state.url, "disabled" if disabled else "error", error=error), failed
