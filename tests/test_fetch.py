"""The fetcher against a real HTTP server on 127.0.0.1 (pytest-httpserver)."""

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.config import FetchConfig
from bot.ingest.errors import FetchError
from bot.ingest.fetch import Fetcher


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.clear()
    if srv.is_running():
        srv.stop()


def fast(**overrides: object) -> FetchConfig:
    values: dict[str, object] = {"delay_seconds": 0, "timeout_seconds": 2, "retries": 2}
    values.update(overrides)
    return FetchConfig.model_validate(values)


async def test_user_agent_and_body(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/1", headers={"User-Agent": "test-agent/1"}).respond_with_data(
        "<p>안녕</p>", content_type="text/html; charset=utf-8"
    )
    async with Fetcher(fast(user_agent="test-agent/1")) as fetcher:
        got = await fetcher.get(server.url_for("/1"))
    assert got.status == 200
    assert got.data.decode() == "<p>안녕</p>"
    assert got.content_type == "text/html; charset=utf-8"


async def test_retries_a_500_then_succeeds(server: HTTPServer) -> None:
    calls = {"n": 0}

    def flaky(request: Request) -> Response:
        calls["n"] += 1
        return Response("oops", status=500) if calls["n"] == 1 else Response("ok")

    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/flaky").respond_with_handler(flaky)
    async with Fetcher(fast()) as fetcher:
        fetcher.backoff_base = 0.01
        got = await fetcher.get(server.url_for("/flaky"))
    assert got.data == b"ok"
    assert calls["n"] == 2


async def test_404_is_one_line_error_without_retry(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/gone").respond_with_data("no", status=404)
    async with Fetcher(fast()) as fetcher:
        with pytest.raises(FetchError, match="HTTP 404") as err:
            await fetcher.get(server.url_for("/gone"))
    assert "\n" not in str(err.value)
    assert len([r for r, _ in server.log if r.path == "/gone"]) == 1


async def test_persistent_500_gives_up_after_retries(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/down").respond_with_data("no", status=503)
    async with Fetcher(fast(retries=1)) as fetcher:
        fetcher.backoff_base = 0.01
        with pytest.raises(FetchError, match=r"HTTP 503 \(tried 2×\)"):
            await fetcher.get(server.url_for("/down"))


async def test_timeout_is_reported(server: HTTPServer) -> None:
    import time

    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response("late")

    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/slow").respond_with_handler(slow)
    async with Fetcher(fast(timeout_seconds=0.2, retries=0)) as fetcher:
        with pytest.raises(FetchError, match="timed out"):
            await fetcher.get(server.url_for("/slow"))


async def test_connection_refused_is_reported() -> None:
    async with Fetcher(fast(retries=0)) as fetcher:
        with pytest.raises(FetchError, match="cannot connect"):
            await fetcher.get("http://127.0.0.1:1/x")


async def test_robots_txt_is_obeyed(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")
    server.expect_request("/private/1").respond_with_data("secret")
    async with Fetcher(fast()) as fetcher:
        with pytest.raises(FetchError, match=r"robots\.txt"):
            await fetcher.get(server.url_for("/private/1"))
    assert not any(r.path == "/private/1" for r, _ in server.log)


async def test_size_cap(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/big").respond_with_data(b"x" * 5000)
    async with Fetcher(fast(max_bytes=1000, retries=0)) as fetcher:
        with pytest.raises(FetchError, match="larger than"):
            await fetcher.get(server.url_for("/big"))


async def test_not_http_url() -> None:
    async with Fetcher(fast()) as fetcher:
        with pytest.raises(FetchError, match="not an http"):
            await fetcher.get("ftp://127.0.0.1/x")
