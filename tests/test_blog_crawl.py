"""Reading a whole blog (``ingest <root> --all``) from a fake Tistory blog on 127.0.0.1.

The blog has a robots.txt that keeps one post private, a sitemap listing posts next to
navigation pages, post pages whose category boxes link each other, a post that fails once with
HTTP 500, and an RSS feed for blogs without a sitemap.
"""

from __future__ import annotations

import gzip
import html
import itertools
import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from string import Template

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.cli import main
from bot.config import FetchConfig
from bot.domain import IngestStatus
from bot.ingest.blog import discover_posts, ingest_blog
from bot.ingest.fetch import Fetcher
from storage.repository import SqlRepository

E2E = Path(__file__).parent / "fixtures" / "e2e"
AGENT = "reviewbot-test/1.0 (+https://example.invalid/bot)"
ROBOTS = "User-agent: *\nDisallow: /entry/secret\nDisallow: /guestbook\nDisallow: /manage\n"

# id → (title, film) of the blog's posts; /entry/secret-diary is the one robots.txt forbids.
POSTS = {
    "1": ("영화 <괴물> 리뷰 (가족, 재난, 침묵)", "괴물"),
    "2": ("헤어질 결심 (집착, 안개)", "헤어질 결심"),
    "3": ("Past Lives (2023) review (love, memory)", "Past Lives"),
    "4": ("[영화] 버닝(2018) 리뷰", "버닝"),
    "entry/secret-diary": ("비공개 일기", None),
}
ALLOWED = ("1", "2", "3", "4")
NAVIGATION = ("category/review", "tag/family", "guestbook", "notice/12", "m/entry/secret-diary")


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Fetcher, "backoff_base", 0.001)


def page(root: str, slug: str, *, box: Sequence[str] = ()) -> str:
    """A post page of the fake blog; ``box`` lists the slugs shown in its category box."""
    title, _ = POSTS[slug]
    rows = "\n".join(
        f'<tr><th><a href="/{other}">{html.escape(POSTS[other][0])}</a>&nbsp;<span>(2)</span>'
        f"</th><td>2024.01.0{n + 1}</td></tr>"
        for n, other in enumerate(box)
    )
    body = (
        f"<p>{html.escape(title)}에 대한 글이다. 처음 본 날의 기억부터 적는다.</p>"
        "<h2>줄거리</h2><p>이야기는 조용히 시작해서 조용히 끝난다.</p>"
        "<h2>총평</h2><p>다시 볼 만한 영화다.</p>"
    )
    return Template((E2E / "tistory_post.html").read_text(encoding="utf-8")).substitute(
        url=f"{root}/{slug}",
        post_id=slug.rsplit("/", 1)[-1],
        title=html.escape(title),
        og_type="article",
        published=f"2024-01-0{min(len(slug), 9)}T20:00:00+09:00",
        body=body,
        category_h4="'<a href=\"/category/review\">리뷰</a>'",
        rows=rows,
        tags='<a href="/tag/family" rel="tag">가족</a>',
    )


def sitemap(urls: Sequence[str]) -> str:
    locs = "".join(f"<url><loc>{u}</loc><lastmod>2024-01-01</lastmod></url>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
    )


def sitemap_index(urls: Sequence[str]) -> str:
    maps = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
    )


def rss(root: str, slugs: Sequence[str]) -> str:
    items = "".join(
        f"<item><title>{html.escape(POSTS[s][0])}</title><link>{root}/{s}</link>"
        f"<description>&lt;p&gt;요약&lt;/p&gt;</description></item>"
        for s in slugs
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>가짜 블로그</title><link>{root}/</link><generator>TISTORY</generator>{items}"
        "</channel></rss>"
    )


class FakeBlog:
    """The blog's handlers on a local server, and a log of what was requested, when and how."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.root = server.url_for("/").rstrip("/")
        self.requests: list[tuple[str, float, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.failures: dict[str, int] = {}

    def path_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for path, _, _ in self.requests:
            counts[path] = counts.get(path, 0) + 1
        return counts

    def serve(self, path: str, body: str | bytes, content_type: str, *, status: int = 200) -> None:
        def handler(request: Request) -> Response:
            with self._lock:
                self.requests.append(
                    (request.path, time.monotonic(), request.headers.get("User-Agent", ""))
                )
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                fail = self.failures.get(request.path, 0)
                if fail:
                    self.failures[request.path] = fail - 1
            try:
                if fail:
                    return Response("temporarily broken", status=500)
                return Response(body, status=status, content_type=content_type)
            finally:
                with self._lock:
                    self.in_flight -= 1

        self.server.expect_request(path).respond_with_handler(handler)

    def posts(self, *, with_boxes: bool = True) -> None:
        for slug in POSTS:
            box = [s for s in ALLOWED if s != slug][:2] if with_boxes else []
            self.serve(f"/{slug}", page(self.root, slug, box=box), "text/html; charset=utf-8")
        for nav in NAVIGATION:
            self.serve(f"/{nav}", "<html><body>navigation</body></html>", "text/html")

    def standard(self) -> None:
        """robots.txt, a sitemap with posts, duplicates and navigation, all posts, /4 fails once."""
        self.serve("/robots.txt", ROBOTS, "text/plain")
        urls = [f"{self.root}/{s}" for s in POSTS]
        urls += [f"{self.root}/{n}" for n in NAVIGATION]
        urls += [f"{self.root}/m/1", f"{self.root}/2?category=7"]  # the same posts again
        self.serve("/sitemap.xml", sitemap(urls), "application/xml")
        self.posts()
        self.failures["/4"] = 1


@pytest.fixture(scope="module")
def http_server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    yield srv
    if srv.is_running():
        srv.stop()


@pytest.fixture
def blog(http_server: HTTPServer) -> Iterator[FakeBlog]:
    http_server.clear()
    yield FakeBlog(http_server)
    http_server.clear()


def config(**overrides: object) -> FetchConfig:
    values: dict[str, object] = {
        "delay_seconds": 0,
        "timeout_seconds": 2,
        "retries": 2,
        "user_agent": AGENT,
    }
    values.update(overrides)
    return FetchConfig.model_validate(values)


# --- the whole crawl, through storage ---------------------------------------------------------


async def test_crawl_ingests_every_allowed_post_once(blog: FakeBlog, repo: SqlRepository) -> None:
    blog.standard()
    progress: list[tuple[str, int, int]] = []
    async with Fetcher(config()) as fetcher:
        reports = await ingest_blog(
            repo, blog.root + "/", fetcher, progress=lambda *call: progress.append(call)
        )

    head, *posts = reports
    assert head.ok and head.source == blog.root + "/"
    assert head.notes == [
        "found 5 posts via sitemap",
        "skipped 1 post(s) that robots.txt disallows",
    ]
    assert [r.source for r in posts] == [f"{blog.root}/{s}" for s in ALLOWED]
    assert all(r.ok for r in posts), [r.error for r in posts]
    assert [[p.status for p in r.posts] for r in posts] == [[IngestStatus.ADDED]] * 4

    counts = blog.path_counts()
    assert counts == {"/robots.txt": 1, "/sitemap.xml": 1, "/1": 1, "/2": 1, "/3": 1, "/4": 2}
    assert {agent for _, _, agent in blog.requests} == {AGENT}
    assert blog.max_in_flight == 1

    assert progress[0] == (f"{blog.root}/1", 0, 4)
    assert [done for _, done, _ in progress] == [0, 1, 2, 3, 4]
    assert progress[-1] == ("", 4, 4)

    # Boxes link the posts to each other: no stubs are left, nothing is duplicated.
    assert await repo.count_posts() == 4
    assert await repo.count_posts(include_stubs=True) == 4
    stored = [await repo.get_post(r.posts[0].post_id) for r in posts]
    assert [p.film if p else None for p in stored] == ["괴물", "헤어질 결심", "Past Lives", "버닝"]
    for post in stored:
        assert post is not None and post.category == ("리뷰",)
        assert len(post.related) == 2 and not any(r.stub for r in post.related)

    # A second run changes nothing and fetches each post once more.
    async with Fetcher(config()) as fetcher:
        again = await ingest_blog(repo, blog.root, fetcher)
    assert [[p.status for p in r.posts] for r in again[1:]] == [[IngestStatus.UNCHANGED]] * 4


async def test_crawl_falls_back_to_rss(blog: FakeBlog, repo: SqlRepository) -> None:
    blog.serve("/robots.txt", ROBOTS, "text/plain")
    blog.serve("/sitemap.xml", "not here", "text/plain", status=404)
    blog.serve("/rss", rss(blog.root, ["3", "1", "entry/secret-diary"]), "application/rss+xml")
    blog.posts()
    async with Fetcher(config()) as fetcher:
        head, *posts = await ingest_blog(repo, blog.root, fetcher)
    assert head.notes == ["found 3 posts via rss", "skipped 1 post(s) that robots.txt disallows"]
    assert [(r.source, r.ok) for r in posts] == [(f"{blog.root}/3", True), (f"{blog.root}/1", True)]
    assert "/entry/secret-diary" not in blog.path_counts()
    stored = await repo.get_post(posts[0].posts[0].post_id)
    assert stored is not None and not stored.teaser and len(stored.sections) == 3


# --- discovery --------------------------------------------------------------------------------


async def test_sitemap_index_with_nested_and_gzipped_sitemaps(blog: FakeBlog) -> None:
    blog.serve("/robots.txt", "", "text/plain", status=404)
    blog.serve(
        "/sitemap.xml",
        sitemap_index(
            [
                f"{blog.root}/sitemap-posts.xml",
                f"{blog.root}/sitemap-more.xml.gz",
                f"{blog.root}/sitemap-missing.xml",
                f"{blog.root}/sitemap-pages.xml",
            ]
        ),
        "application/xml",
    )
    blog.serve(
        "/sitemap-posts.xml",
        "\ufeff\n" + sitemap([f"{blog.root}/1", f"{blog.root}/m/2"]),
        "application/xml",
    )
    more = sitemap([f"{blog.root}/2", f"{blog.root}/entry/secret-diary", "https://else.where/5"])
    blog.serve("/sitemap-more.xml.gz", gzip.compress(more.encode()), "application/x-gzip")
    blog.serve("/sitemap-missing.xml", "gone", "text/plain", status=404)
    blog.serve(
        "/sitemap-pages.xml",
        sitemap([f"{blog.root}/{n}" for n in NAVIGATION]),
        "application/xml",
    )
    async with Fetcher(config()) as fetcher:
        urls, how = await discover_posts(fetcher, blog.root + "/category/review")
    assert how == "sitemap"
    assert urls == [f"{blog.root}/1", f"{blog.root}/2", f"{blog.root}/entry/secret-diary"]


async def test_broken_sitemap_falls_back_to_rss(blog: FakeBlog) -> None:
    blog.serve("/robots.txt", "", "text/plain", status=404)
    blog.serve("/sitemap.xml", "<urlset><url><loc>", "application/xml")
    blog.serve("/rss", rss(blog.root, ["1", "2"]), "application/rss+xml")
    async with Fetcher(config()) as fetcher:
        urls, how = await discover_posts(fetcher, blog.root)
    assert (urls, how) == ([f"{blog.root}/1", f"{blog.root}/2"], "rss")


async def test_blog_without_sitemap_or_feed_is_one_line(blog: FakeBlog) -> None:
    blog.serve("/robots.txt", "", "text/plain", status=404)
    blog.serve("/sitemap.xml", "no", "text/plain", status=404)
    blog.serve("/rss", "<html><body>not a feed</body></html>", "text/html")
    async with Fetcher(config()) as fetcher:
        [report] = await ingest_blog(_no_repo(), blog.root, fetcher)
    assert not report.ok and report.error is not None
    assert "neither a sitemap nor an RSS feed" in report.error and "\n" not in report.error


async def test_robots_txt_forbidding_everything(blog: FakeBlog) -> None:
    blog.serve("/robots.txt", "User-agent: *\nDisallow: /\n", "text/plain")
    blog.serve("/sitemap.xml", sitemap([f"{blog.root}/1"]), "application/xml")
    blog.posts()
    async with Fetcher(config()) as fetcher:
        [report] = await ingest_blog(_no_repo(), blog.root, fetcher)
    assert not report.ok and report.error is not None and "robots.txt" in report.error
    assert set(blog.path_counts()) == {"/robots.txt"}


async def test_requests_are_spaced_by_the_configured_delay(blog: FakeBlog) -> None:
    blog.serve("/robots.txt", "", "text/plain", status=404)
    blog.serve("/sitemap.xml", sitemap([f"{blog.root}/{s}" for s in ALLOWED]), "application/xml")
    blog.posts(with_boxes=False)
    delay = 0.05
    async with Fetcher(config(delay_seconds=delay)) as fetcher:
        reports = await ingest_blog(_no_repo(), blog.root, fetcher, progress=None)
    assert len(reports) == 5  # storage is not reached: _no_repo saves nothing
    times = [when for path, when, _ in blog.requests if path != "/robots.txt"]
    assert len(times) == 5
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= delay * 0.9, gaps


class _NoRepo:
    """Storage that accepts everything and keeps nothing (for crawl-only tests)."""

    async def save_posts(self, posts: Sequence[object], *, source: str) -> list[object]:
        return []


def _no_repo() -> SqlRepository:
    return _NoRepo()  # type: ignore[return-value]


# --- through the command line -----------------------------------------------------------------


def test_cli_ingest_all(
    blog: FakeBlog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blog.standard()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REVIEWBOT_SAMPLES", "0")
    monkeypatch.delenv("REVIEWBOT_DB_URL", raising=False)
    conf = tmp_path / "config.toml"
    conf.write_text(
        f'[fetch]\ndelay_seconds = 0\nretries = 1\nuser_agent = "{AGENT}"\n', encoding="utf-8"
    )
    db = f"sqlite+aiosqlite:///{tmp_path / 'lib.db'}"
    code = main(["--config", str(conf), "--db", db, "ingest", blog.root, "--all", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    reports = json.loads(out)
    assert [r["source"] for r in reports] == [blog.root] + [f"{blog.root}/{s}" for s in ALLOWED]
    assert all(r["ok"] for r in reports)
    assert [len(r["posts"]) for r in reports] == [0, 1, 1, 1, 1]
    assert "Traceback" not in err

    blog.failures["/2"] = 5  # now one post keeps failing: exit code 1, the rest unchanged
    code = main(["--config", str(conf), "--db", db, "ingest", blog.root, "--all", "--json"])
    out, _ = capsys.readouterr()
    assert code == 1
    by_source = {r["source"]: r for r in json.loads(out)}
    broken = by_source[f"{blog.root}/2"]
    assert (
        broken["ok"] is False and "HTTP 500" in broken["error"] and "(tried 2×)" in broken["error"]
    )
    assert by_source[f"{blog.root}/1"]["posts"][0]["status"] == "unchanged"
