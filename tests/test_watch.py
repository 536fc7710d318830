"""Feed watching against a local HTTP server serving a changing feed: priming without a flood,
ETag 304s, new posts to "new" subscribers, backoff and disabling after failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.chat import ChatContext
from bot.config import DigestConfig, FetchConfig, SourceConfig
from bot.digest.clock import ManualClock
from bot.digest.model import Mode
from bot.digest.scheduler import DigestScheduler, router_render
from bot.digest.service import DigestService
from bot.digest.watch import FeedWatcher
from bot.i18n import t
from bot.lookups import Lookups
from bot.router import Router
from storage.repository import SqlRepository
from tests.test_digest_fakes import FakeChatAdapter

START = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)


def item(n: int) -> str:
    return f"""<item><title>&lt;영화{n}&gt; 리뷰</title>
<link>https://watched.example/{n}</link><guid>https://watched.example/{n}</guid>
<pubDate>Wed, {n:02d} Apr 2024 10:00:00 +0000</pubDate>
<description>영화{n}을 보고 쓴 리뷰입니다. 가족과 함께 본 따뜻한 영화였다.</description></item>"""


def feed(*numbers: int) -> str:
    items = "".join(item(n) for n in numbers)
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<title>watched</title><link>https://watched.example/</link>{items}</channel></rss>"""


class FeedServer:
    def __init__(self, httpserver: HTTPServer) -> None:
        self.body = feed(1, 2)
        self.etag = '"v1"'
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        httpserver.expect_request("/rss").respond_with_handler(self.handle)
        self.url = httpserver.url_for("/rss")

    def handle(self, request: Request) -> Response:
        self.requests.append(dict(request.headers))
        if self.status != 200:
            return Response("boom", status=self.status)
        if request.headers.get("If-None-Match") == self.etag:
            return Response(status=304)
        return Response(self.body, content_type="application/rss+xml", headers={"ETag": self.etag})


@pytest.fixture
def server(httpserver: HTTPServer) -> FeedServer:
    return FeedServer(httpserver)


def harness(
    repo: SqlRepository, url: str, config: DigestConfig | None = None
) -> tuple[DigestScheduler, FeedWatcher, FakeChatAdapter, ManualClock, DigestService]:
    clock = ManualClock(START)
    config = config or DigestConfig()
    sources = [SourceConfig(url=url, interval=30)]
    lookups = Lookups(repo)
    service = DigestService(repo, lookups, config, sources=sources, clock=clock)
    watcher = FeedWatcher(
        repo,
        sources,
        config,
        fetch_config=FetchConfig(delay_seconds=0, retries=0, respect_robots=False),
    )
    adapter = FakeChatAdapter("telegram", clock)
    scheduler = DigestScheduler(
        service,
        {"telegram": adapter},
        router_render(Router(lookups, digest=service)),
        clock=clock,
        watcher=watcher,
        limits={},
    )
    return scheduler, watcher, adapter, clock, service


async def test_a_new_feed_floods_nobody_then_new_posts_reach_new_subscribers(
    repo: SqlRepository, server: FeedServer
) -> None:
    scheduler, watcher, adapter, clock, service = harness(repo, server.url)
    try:
        new_chat = ChatContext("telegram", "new-sub", is_admin=True)
        await service.subscribe(new_chat, mode=Mode.NEW)
        clock.advance(minutes=1)
        first = await scheduler.tick()
        assert [w.status for w in first.watched] == ["primed"]
        assert await repo.count_posts() == 2
        assert adapter.sent == []  # the feed's existing items were stored as seen
        # before the interval: not fetched again
        clock.advance(minutes=10)
        assert (await scheduler.tick()).watched == []
        assert len(server.requests) == 1
        # unchanged: a conditional GET answered 304
        clock.advance(minutes=30)
        second = await scheduler.tick()
        assert [w.status for w in second.watched] == ["unchanged"]
        assert server.requests[-1].get("If-None-Match") == '"v1"'
        # a new post appears
        server.body, server.etag = feed(1, 2, 3), '"v2"'
        clock.advance(minutes=30)
        third = await scheduler.tick()
        assert [(w.status, w.new_posts) for w in third.watched] == [("changed", 1)]
        assert await repo.count_posts() == 3
        assert adapter.chats() == ["new-sub"]
        [(_, reply, _)] = adapter.sent
        assert reply.cards[0].url == "https://watched.example/3"
        # sent once: later ticks do not repeat it
        clock.advance(minutes=31)
        await scheduler.tick()
        assert adapter.chats() == ["new-sub"]
    finally:
        await watcher.aclose()


async def test_failing_source_backs_off_then_is_disabled_and_shown_by_status(
    repo: SqlRepository, server: FeedServer
) -> None:
    config = DigestConfig(watch_max_failures=3)
    scheduler, watcher, _, clock, service = harness(repo, server.url, config)
    try:
        server.status = 500
        results = []
        for _ in range(12):
            report = await scheduler.tick()
            results += [w.status for w in report.watched]
            clock.advance(minutes=30)
        # tried at 0, then after 60 (30·2), 120 (30·4) minutes: three failures, then disabled
        assert results == ["error", "error", "disabled"]
        assert len(server.requests) == 3
        [state] = await repo.watched_sources()
        assert state.disabled and state.consecutive_errors == 3 and state.total_errors == 3
        status = await service.status()
        assert status.sources[0].disabled
        router = Router(Lookups(repo), digest=service)
        reply = await router.handle("/status", user="admin", lang="en")
        assert any("DISABLED" in line for line in reply.notes)
        next_check = state.next_check_at
        assert next_check is not None and next_check > START + timedelta(minutes=200)
        # a group's admin may look but not turn it back on; the bot's admin may
        group_admin = ChatContext("telegram", "-1", is_group=True, is_admin=True)
        refused = await router.handle(
            f"/status enable {server.url}", user="u", lang="en", chat=group_admin
        )
        assert refused.headline == t("status.enable_operators_only", "en")
        unknown = await router.handle("/status enable https://nowhere.example/", user="a")
        assert "nowhere.example" in unknown.headline
        assert (await repo.watched_sources())[0].disabled
        usage = await router.handle("/상태 켜기", user="admin", lang="ko")
        assert usage.headline == t("status.enable_usage", "ko")
        done = await router.handle(f"/status enable {server.url}", user="admin", lang="en")
        assert done.headline == t("status.enabled", "en", url=server.url)
        [again] = await repo.watched_sources()
        assert not again.disabled and again.consecutive_errors == 0 and again.total_errors == 3
        # watched from the very next tick; a working feed is read and its posts stored
        server.status = 200
        report = await scheduler.tick()
        assert [w.status for w in report.watched] == ["primed"]
        assert len(server.requests) == 4
    finally:
        await watcher.aclose()
