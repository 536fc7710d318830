"""Polite HTTP fetching: one client, a clear User-Agent, robots.txt, a delay between requests,
retries with exponential backoff for transient failures, and a size cap so a huge or endless
response cannot exhaust memory."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import SplitResult, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from bot.config import FetchConfig
from bot.ingest.errors import FetchError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    data: bytes
    content_type: str | None
    status: int
    etag: str | None = None
    last_modified: str | None = None


def check_url(url: str) -> SplitResult:
    """The parts of an http(s) URL that can be requested; FetchError (one line) otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port out of range
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise FetchError(f"not a valid URL: {url} ({exc})") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url}")
    if port == 0:
        raise FetchError(f"not a valid URL: {url} (port 0)")
    return parts


class Fetcher:
    """An async context manager around one httpx client, shared by a whole ingest run."""

    backoff_base: float = 0.5
    """Seconds before the first retry; each further retry waits twice as long."""

    def __init__(
        self,
        config: FetchConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config or FetchConfig()
        self._client = httpx.AsyncClient(
            headers={"User-Agent": self.config.user_agent},
            timeout=httpx.Timeout(self.config.timeout_seconds),
            follow_redirects=True,
            transport=transport,
        )
        self._robots: dict[str, RobotFileParser | None] = {}
        self._last_request: dict[str, float] = {}
        self._host_locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _robots_for(self, url: str) -> RobotFileParser | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            parser: RobotFileParser | None = None
            try:
                response = await self._client.get(origin + "/robots.txt")
                if response.status_code == 200:
                    parser = RobotFileParser()
                    parser.parse(response.text.splitlines())
            except (httpx.HTTPError, httpx.InvalidURL, OSError):
                parser = None  # no robots.txt reachable: the site set no rules
            self._robots[origin] = parser
        return self._robots[origin]

    async def allowed(self, url: str) -> bool:
        if not self.config.respect_robots:
            return True
        robots = await self._robots_for(url)
        return robots is None or robots.can_fetch(self.config.user_agent, url)

    async def _wait_turn(self, host: str) -> None:
        """Pause until ``delay_seconds`` have passed since the host's last response ended.

        Counting from the end (not the start) of the previous request keeps the pause even when
        the server is slow to answer, which is when it needs it most.
        """
        last = self._last_request.get(host)
        if last is not None:
            pause = self.config.delay_seconds - (time.monotonic() - last)
            if pause > 0:
                await asyncio.sleep(pause)

    async def get(self, url: str, *, headers: dict[str, str] | None = None) -> Fetched:
        """Fetch ``url``; raise FetchError with one line when it cannot be had."""
        parts = check_url(url)
        if not await self.allowed(url):
            raise FetchError(f"robots.txt forbids fetching {url}")
        lock = self._host_locks.setdefault(parts.netloc, asyncio.Lock())
        attempts = self.config.retries + 1
        last_error = "unknown error"
        for attempt in range(attempts):
            async with lock:
                await self._wait_turn(parts.netloc)
                try:
                    result = await self._timed_get(parts.netloc, url, headers)
                except httpx.TimeoutException:
                    last_error = f"timed out after {self.config.timeout_seconds:g}s"
                except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
                    last_error = f"cannot connect ({type(exc).__name__})"
                else:
                    if result.status not in RETRY_STATUSES:
                        if result.status >= 400:
                            raise FetchError(f"HTTP {result.status} for {url}")
                        return result
                    last_error = f"HTTP {result.status}"
            if attempt + 1 < attempts:
                await asyncio.sleep(self.backoff_base * (2**attempt))
        raise FetchError(f"{url}: {last_error} (tried {attempts}×)")

    async def _timed_get(self, host: str, url: str, headers: dict[str, str] | None) -> Fetched:
        """One request; when it ends (however it ends) starts the host's next pause."""
        try:
            return await self._get_once(url, headers)
        finally:
            self._last_request[host] = time.monotonic()

    async def _get_once(self, url: str, headers: dict[str, str] | None) -> Fetched:
        async with self._client.stream("GET", url, headers=headers) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.config.max_bytes:
                    raise FetchError(f"{url}: response larger than {self.config.max_bytes:,} bytes")
                chunks.append(chunk)
            return Fetched(
                url=str(response.url),
                data=b"".join(chunks),
                content_type=response.headers.get("content-type"),
                status=response.status_code,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )
