"""End to end: sources (files and URLs) through the pipeline into the real repository.

Every test that touches storage runs on SQLite and PostgreSQL (the ``repo`` fixture). Each bad
input of the issue's list is checked the same way: a good post is stored first, then the bad
source is ingested, and the good post must come out exactly as it was, with the library's size
unchanged; where the bad source can be read, its text must be right, where it cannot, its
report must carry one line saying why. Sources that fail before anything reaches storage
(unreadable files, HTTP errors) run on SQLite only, to keep the suite fast.
"""

from __future__ import annotations

import contextlib
import html
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from string import Template

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.analysis.terms import query_terms
from bot.config import FetchConfig
from bot.domain import (
    IngestStatus,
    ParsedPost,
    RelatedRef,
    Section,
    SourceKind,
    SourceReport,
    StoredPost,
)
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import ingest, parse_content
from bot.ports import StorageError
from storage.repository import SqlRepository, open_repository

E2E = Path(__file__).parent / "fixtures" / "e2e"
BLOG = "https://e2e-films.tistory.com"
ADDED, UPDATED, UNCHANGED = IngestStatus.ADDED, IngestStatus.UPDATED, IngestStatus.UNCHANGED

# --- building pages ---------------------------------------------------------------------------

# Intro, h2 (data-ke-size), h3, an empty h2 (&nbsp;), h2, then a link card: see the file.
GWOEMUL_BODY = (E2E / "gwoemul_body.html").read_text(encoding="utf-8")

GWOEMUL_HEADINGS = [None, "한강 매점의 가족", "재난보다 무서운 것", "총평"]


def body_of(*paragraphs: str, headings: Sequence[str] = ()) -> str:
    """A post body: an intro paragraph, then one heading with a paragraph per entry."""
    parts = [f"<p>{html.escape(paragraphs[0])}</p>"]
    for heading, text in zip(headings, paragraphs[1:], strict=False):
        parts.append(f"<h2>{html.escape(heading)}</h2><p>{html.escape(text)}</p>")
    return "\n".join(parts)


def tistory_page(
    post_id: int,
    title: str,
    body: str = GWOEMUL_BODY,
    *,
    blog: str = BLOG,
    category: Sequence[str] = ("리뷰", "한국영화"),
    related: Sequence[tuple[int, str, int, str]] = (),
    tags: Sequence[str] = ("봉준호", "가족"),
    published: str = "2024-02-03T11:20:05+09:00",
    og_type: str = "article",
) -> str:
    """A Tistory post page (see tests/fixtures/e2e/tistory_post.html) as a blog serves it.

    ``related`` rows are (post id, title, comment count, "YYYY.MM.DD") of the category box.
    """
    template = Template((E2E / "tistory_post.html").read_text(encoding="utf-8"))
    links = [
        f'<a href="/category/{html.escape("/".join(category[: n + 1]))}">{html.escape(name)}</a>'
        for n, name in enumerate(category)
    ]
    rows = "\n".join(
        f'<tr><th><a href="/{rid}">{html.escape(rtitle)}</a>&nbsp;&nbsp;<span>({comments})</span>'
        f"</th><td>{day}</td></tr>"
        for rid, rtitle, comments, day in related
    )
    tag_links = ", ".join(f'<a href="/tag/{html.escape(t)}" rel="tag">{t}</a>' for t in tags)
    return template.substitute(
        url=f"{blog}/{post_id}",
        post_id=post_id,
        title=html.escape(title),
        og_type=og_type,
        published=published,
        body=body,
        category_h4="'" + " &gt; ".join(links) + "'",
        rows=rows,
        tags=tag_links,
    )


def tistory_feed(items: Sequence[tuple[int, str, str]], *, blog: str = BLOG) -> str:
    """A Tistory RSS feed; items are (post id, title, description HTML)."""
    entries = "\n".join(
        f"<item><title>{html.escape(title)}</title><link>{blog}/{pid}</link>"
        f"<description>{html.escape(desc)}</description><category>한국영화</category>"
        f'<guid isPermaLink="true">{blog}/{pid}</guid>'
        f"<pubDate>Sat, 03 Feb 2024 11:20:05 +0900</pubDate></item>"
        for pid, title, desc in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>테스트 필름 블로그</title><link>{blog}/</link><generator>TISTORY</generator>"
        f"{entries}</channel></rss>"
    )


def write(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def one_line(report: SourceReport) -> str:
    assert not report.ok
    assert report.error, "a failed source must say why"
    assert "\n" not in report.error and len(report.error) < 300
    assert "Traceback" not in report.error
    return report.error


def fast(**overrides: object) -> FetchConfig:
    values: dict[str, object] = {"delay_seconds": 0, "timeout_seconds": 2, "retries": 2}
    values.update(overrides)
    return FetchConfig.model_validate(values)


@pytest.fixture(scope="module")
def http_server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    yield srv
    if srv.is_running():
        srv.stop()


@pytest.fixture
def server(http_server: HTTPServer) -> Iterator[HTTPServer]:
    """The module's local server, with no handlers but an empty robots.txt (404)."""
    http_server.clear()
    http_server.expect_request("/robots.txt").respond_with_data("", status=404)
    yield http_server
    http_server.clear()


# --- the good post every bad-input test starts from ---------------------------------------------


class Library:
    """A repository with one good post already in it, and what it looked like."""

    def __init__(self, repo: SqlRepository, folder: Path) -> None:
        self.repo = repo
        self.folder = folder
        self.good: StoredPost | None = None
        self.total = 0

    async def seed(self) -> StoredPost:
        page = tistory_page(
            105,
            "영화 <괴물> 리뷰 (가족, 재난, 침묵)",
            related=[(111, "영화 <기생충> 리뷰 (반지하, 계단)", 8, "2025.01.25")],
        )
        [report] = await ingest(self.repo, [write(self.folder, "good.html", page)])
        assert report.ok, report.error
        assert [p.status for p in report.posts] == [ADDED]
        self.good = await self.repo.get_post(report.posts[0].post_id)
        assert self.good is not None
        self.total = await self.repo.count_posts(include_stubs=True)
        return self.good

    async def assert_intact(self) -> None:
        await self.assert_intact_plus(0)

    async def assert_intact_plus(self, added: int) -> None:
        """The good post exactly as it was, and ``added`` more posts (stubs included)."""
        assert self.good is not None
        assert await self.repo.get_post(self.good.id) == self.good
        assert await self.repo.count_posts(include_stubs=True) == self.total + added


@pytest.fixture
async def lib(repo: SqlRepository, tmp_path: Path) -> Library:
    """A library with one good post, on SQLite and on PostgreSQL."""
    library = Library(repo, tmp_path)
    await library.seed()
    return library


@pytest.fixture
async def sqlite_lib(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Library]:
    """The same on SQLite only: for sources that fail before anything reaches storage."""
    repository = await open_repository(sqlite_url)
    try:
        library = Library(repository, tmp_path)
        await library.seed()
        yield library
    finally:
        await repository.close()


# --- the good path ----------------------------------------------------------------------------


async def test_good_page_is_stored_with_every_field(lib: Library) -> None:
    good = lib.good
    assert good is not None
    assert good.title == "영화 <괴물> 리뷰 (가족, 재난, 침묵)"
    assert good.url == f"{BLOG}/105"
    assert good.film == "괴물"
    assert good.category == ("리뷰", "한국영화")
    assert good.tags == ("봉준호", "가족")  # rel=tag only, not the sidebar's tag cloud
    assert {"가족", "재난", "침묵", "봉준호"} <= set(good.themes)
    assert [s.heading for s in good.sections] == GWOEMUL_HEADINGS
    text = "\n".join(s.text for s in good.sections)
    assert "\u200b" not in text and "\u00a0" not in text and "&nbsp;" not in text
    for noise in ("광고", "공유하기", "링크카드", "카테고리의 다른 글", "사이드바태그"):
        assert noise not in text
    assert good.sections[0].text.startswith("봉준호 감독의 <괴물>은 괴수 영화의 얼굴을 한")
    assert [(r.title, r.url, r.comments, r.stub) for r in good.related] == [
        ("영화 <기생충> 리뷰 (반지하, 계단)", f"{BLOG}/111", 8, True)
    ]
    assert good.related[0].film == "기생충"
    assert not good.stub and not good.teaser


async def test_a_stub_from_the_related_box_is_searchable_right_after_the_ingest(
    lib: Library,
) -> None:
    """No restart needed: the ingest analyses the stubs it made (their titles' words)."""
    stub_id = lib.good.related[0].post_id if lib.good else None
    assert stub_id is not None
    found, total = await lib.repo.search_text(query_terms("반지하 계단"), require_all=True, limit=5)
    assert total == 1 and [s.post_id for s in found] == [stub_id]
    stub = await lib.repo.get_post(stub_id)
    assert stub is not None and stub.stub and stub.analysed_version is not None


# --- bad files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("poster.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40, "binary"),
        ("random.dat", bytes(range(256)) * 40, "binary"),
        ("empty.html", b"", "empty"),
        ("blank.txt", b"  \n\r\n\t \n", "empty"),
        ("broken.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>x<item>'
         b"</channel></rss>", "malformed"),
        ("entity.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
         b"<item><title>&bogus;</item></channel>", "malformed feed: undefined entity"),
        ("feed.html", b"<html><body><p>" + "괴물".encode() + b"</p></body></html>", "not a post"),
    ],
)  # fmt: skip
async def test_unreadable_file_is_one_line_and_loses_nothing(
    sqlite_lib: Library, name: str, content: bytes, expected: str
) -> None:
    source = write(sqlite_lib.folder, name, content)
    [report] = await ingest(sqlite_lib.repo, [source])
    assert report.source == source
    if expected:
        assert expected in one_line(report)
        assert report.posts == []
        await sqlite_lib.assert_intact()


async def test_missing_file_is_one_line(sqlite_lib: Library) -> None:
    missing = str(sqlite_lib.folder / "nowhere.html")
    [report] = await ingest(sqlite_lib.repo, [missing])
    assert "no such file" in one_line(report)
    await sqlite_lib.assert_intact()


async def test_folder_with_nothing_to_read_is_one_line(sqlite_lib: Library) -> None:
    folder = sqlite_lib.folder / "images"
    (folder / ".git").mkdir(parents=True)
    write(folder, "poster.jpg", b"\xff\xd8\xff\xe0")
    write(folder / ".git", "HEAD", "ref: refs/heads/main\n")
    [report] = await ingest(sqlite_lib.repo, [str(folder)])
    assert report.source == str(folder)
    assert "no files to read" in one_line(report)
    await sqlite_lib.assert_intact()


async def test_truncated_html_keeps_what_it_has(lib: Library) -> None:
    page = tistory_page(106, "헤어질 결심 (집착, 안개)")
    cut = page[: page.index("재난보다 무서운 것")]  # ends inside the second section's heading
    [report] = await ingest(lib.repo, [write(lib.folder, "cut.html", cut)])
    assert report.ok, report.error
    [saved] = report.posts
    stored = await lib.repo.get_post(saved.post_id)
    assert stored is not None
    assert stored.title == "헤어질 결심 (집착, 안개)"
    assert stored.film == "헤어질 결심"
    assert [s.heading for s in stored.sections][:2] == [None, "한강 매점의 가족"]
    assert stored.sections[1].text.startswith("강두는 매점 계산대 앞에서")
    assert "재난보다" not in stored.sections[-1].text
    await lib.assert_intact_plus(1)


async def test_truncated_copy_of_a_stored_post_does_not_replace_its_text(lib: Library) -> None:
    """A cut-off download of a post already stored must not cut the stored post short."""
    assert lib.good is not None
    page = tistory_page(105, "영화 <괴물> 리뷰 (가족, 재난, 침묵)")
    cut = page[: page.index("재난보다 무서운 것")]
    [report] = await ingest(lib.repo, [write(lib.folder, "cut-105.html", cut)])
    assert report.ok, report.error
    assert [(p.post_id, p.status) for p in report.posts] == [(lib.good.id, UNCHANGED)]
    assert any("cut off" in note for note in report.notes)
    await lib.assert_intact()


async def test_truncated_page_of_a_new_post_is_a_teaser_completed_later(lib: Library) -> None:
    page = tistory_page(106, "헤어질 결심 (집착, 안개)")
    cut = page[: page.index("총평")]
    [first] = await ingest(lib.repo, [write(lib.folder, "cut.html", cut)])
    stored = await lib.repo.get_post(first.posts[0].post_id)
    assert stored is not None and stored.teaser
    [second] = await ingest(lib.repo, [write(lib.folder, "whole.html", page)])
    assert [(p.post_id, p.status) for p in second.posts] == [(stored.id, UPDATED)]
    whole = await lib.repo.get_post(stored.id)
    assert whole is not None and not whole.teaser
    assert [s.heading for s in whole.sections] == GWOEMUL_HEADINGS


async def test_malformed_xml_feed_is_one_line(sqlite_lib: Library) -> None:
    data = b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>x</title>\n<item></rss>'
    [report] = await ingest(sqlite_lib.repo, [write(sqlite_lib.folder, "feed.xml", data)])
    error = one_line(report)
    assert "feed" in error or "XML" in error
    await sqlite_lib.assert_intact()


async def test_feed_with_illegal_characters_keeps_every_item(lib: Library) -> None:
    long_text = "한강 둔치의 매점에서 시작하는 가족 이야기다. " * 12
    feed = tistory_feed(
        [
            (201, "영화 <괴물> 리뷰 (가족, 재난)", f"<p>{long_text}\x0b끝\x0c.</p>"),
            (202, "Tom & Jerry\x01 리뷰", f"<p>{long_text}</p>"),
        ]
    )
    # A raw "&" and an undefined entity make the XML ill-formed: feedparser's bozo path.
    data = feed.replace("Tom &amp; Jerry", "Tom & Jerry&nbsp;").encode()
    [report] = await ingest(lib.repo, [write(lib.folder, "illegal.xml", data)])
    assert report.ok, report.error
    assert [p.status for p in report.posts] == [ADDED, ADDED]
    assert any("not well-formed" in note for note in report.notes)
    first = await lib.repo.get_post(report.posts[0].post_id)
    second = await lib.repo.get_post(report.posts[1].post_id)
    assert first is not None and second is not None
    assert first.film == "괴물" and first.url == f"{BLOG}/201"
    assert first.sections[-1].text.endswith("끝.")
    assert not any(ch in s.text for s in first.sections for ch in "\x0b\x0c\x01")
    assert second.title == "Tom & Jerry 리뷰"
    assert "\x01" not in second.title
    await lib.assert_intact_plus(2)


def _ten_megabyte_page() -> bytes:
    """A real post buried in 10 MB of page weight: inline scripts, a data: image, a sidebar."""
    page = tistory_page(107, "Past Lives (2023) review (love, memory, in-yun)")
    script = "<script>var state = '" + "x" * 4_000_000 + "';</script>"
    image = '<img src="data:image/png;base64,' + "iVBORw0KGgo" * 400_000 + '">'
    sidebar = "<aside>" + "".join(f'<li><a href="/tag/{i}">태그{i}</a></li>' for i in range(40_000))
    page = page.replace("</head>", script + "</head>")
    page = page.replace("<!-- System - END -->", "<!-- System - END -->" + image)
    page = page.replace("</body>", sidebar + "</aside></body>")
    data = page.encode()
    assert len(data) >= 10_000_000
    return data


async def test_ten_megabyte_page_is_parsed_quickly(lib: Library) -> None:
    source = write(lib.folder, "huge.html", _ten_megabyte_page())
    started = time.monotonic()
    [report] = await ingest(lib.repo, [source])
    elapsed = time.monotonic() - started
    assert report.ok, report.error
    stored = await lib.repo.get_post(report.posts[0].post_id)
    assert stored is not None
    assert stored.film == "Past Lives" and stored.film_year == 2023
    assert [s.heading for s in stored.sections] == GWOEMUL_HEADINGS
    assert "xxxx" not in stored.sections[0].text and "iVBOR" not in stored.sections[0].text
    assert elapsed < 5, f"a 10 MB page took {elapsed:.1f}s"
    await lib.assert_intact_plus(1)


def test_megabytes_of_article_text_are_parsed_in_seconds() -> None:
    """The slow case: megabytes of article text (120 sections), not page furniture."""
    paragraph = "<p>" + "아주 긴 문단이다. 영화는 길고 리뷰는 더 길다. " * 20 + "</p>\n"
    body = "".join(f"<h2>장 {i}</h2>\n" + paragraph * 20 for i in range(120))
    data = tistory_page(108, "긴 글 (인내)", body).encode()
    assert len(data) >= 2_000_000
    started = time.monotonic()
    [post] = parse_content(data, path="long.html")
    elapsed = time.monotonic() - started
    assert len(post.sections) == 120 and post.sections[-1].heading == "장 119"
    assert elapsed < 5, f"2 MB of text took {elapsed:.1f}s"


async def test_euc_kr_page_without_charset_is_decoded(lib: Library) -> None:
    page = tistory_page(109, "살인의 추억 리뷰 (시대, 기억)", body_of(
        "1986년 경기도의 한 농촌 마을에서 연쇄 살인이 일어난다. 형사들은 범인을 잡지 못한다.",
        "마지막 장면에서 송강호는 화면 밖의 관객을 똑바로 바라본다. 그 눈빛은 오래 남는다.",
        headings=["마지막 장면"],
    ))  # fmt: skip
    page = page.replace('<meta charset="utf-8">', "")
    data = page.encode("euc-kr")
    assert b"charset" not in data.lower()
    [report] = await ingest(lib.repo, [write(lib.folder, "old.html", data)])
    assert report.ok, report.error
    stored = await lib.repo.get_post(report.posts[0].post_id)
    assert stored is not None
    assert stored.title == "살인의 추억 리뷰 (시대, 기억)"
    assert stored.film == "살인의 추억"
    assert stored.category == ("리뷰", "한국영화")
    assert stored.sections[1].heading == "마지막 장면"
    assert "송강호는 화면 밖의 관객을 똑바로 바라본다" in stored.sections[1].text
    await lib.assert_intact_plus(1)


@pytest.mark.parametrize(
    ("name", "data", "text"),
    [
        ("short.txt", "짧은 글".encode("euc-kr"), "짧은 글"),
        ("two-words.txt", "가족 영화".encode("euc-kr"), "가족 영화"),
        ("note.md", "# Café crème\n\nA naïve façade.".encode("cp1252"), "A naïve façade."),
    ],
)
async def test_short_legacy_encoded_files_are_decoded(
    sqlite_lib: Library, name: str, data: bytes, text: str
) -> None:
    """A few words give detection almost nothing: the Korean (or Western) reading must win."""
    [report] = await ingest(sqlite_lib.repo, [write(sqlite_lib.folder, name, data)])
    assert report.ok, report.error
    stored = await sqlite_lib.repo.get_post(report.posts[0].post_id)
    assert stored is not None
    assert stored.sections[-1].text == text


async def test_cp949_page_served_without_charset_over_http(
    lib: Library, server: HTTPServer
) -> None:
    page = tistory_page(
        110, "똠얌꿍 같은 영화 <버닝> 리뷰 (2018)", body_of("해미는 귤을 까는 흉내를 낸다.")
    )
    data = page.replace('<meta charset="utf-8">', "").encode("cp949")
    server.expect_request("/110").respond_with_data(data, content_type="text/html")
    async with Fetcher(fast()) as fetcher:
        [report] = await ingest(lib.repo, [server.url_for("/110")], fetcher=fetcher)
    assert report.ok, report.error
    stored = await lib.repo.get_post(report.posts[0].post_id)
    assert stored is not None
    assert stored.title.startswith("똠얌꿍 같은 영화")
    assert stored.film == "버닝"
    assert stored.sections[0].text == "해미는 귤을 까는 흉내를 낸다."
    await lib.assert_intact_plus(1)


async def test_non_post_page_says_so(sqlite_lib: Library) -> None:
    source = str(E2E / "home_page.html")
    [report] = await ingest(sqlite_lib.repo, [source])
    assert one_line(report).startswith("not a post")
    await sqlite_lib.assert_intact()


async def test_non_post_page_by_og_type_even_with_an_article_body(sqlite_lib: Library) -> None:
    page = tistory_page(111, "블로그 홈", og_type="website")
    [report] = await ingest(sqlite_lib.repo, [write(sqlite_lib.folder, "home.html", page)])
    assert "not a post" in one_line(report)
    await sqlite_lib.assert_intact()


async def test_post_without_headings_is_one_intro_section(lib: Library) -> None:
    body = (
        "<p>주말 오후에 오래 미뤄 둔 영화를 봤다.<br>여름 방학 남매의 이야기다.</p>"
        "<p>&nbsp;</p><p>큰 사건 없이 밥을 먹고 낮잠을 잔다.</p>"
    )
    page = tistory_page(112, "남매의 여름밤 (가족, 여름)", body)
    [report] = await ingest(lib.repo, [write(lib.folder, "plain.html", page)])
    assert report.ok, report.error
    stored = await lib.repo.get_post(report.posts[0].post_id)
    assert stored is not None
    assert len(stored.sections) == 1
    [intro] = stored.sections
    assert intro.heading is None
    assert intro.text == (
        "주말 오후에 오래 미뤄 둔 영화를 봤다.\n여름 방학 남매의 이야기다.\n\n"
        "큰 사건 없이 밥을 먹고 낮잠을 잔다."
    )
    await lib.assert_intact_plus(1)


async def test_title_with_html_entities(lib: Library) -> None:
    page = tistory_page(113, "영화 <괴물> 리뷰 & 후기 (가족)")
    assert "영화 &lt;괴물&gt; 리뷰 &amp; 후기" in page
    [report] = await ingest(lib.repo, [write(lib.folder, "entities.html", page)])
    assert report.ok, report.error
    stored = await lib.repo.get_post(report.posts[0].post_id)
    assert stored is not None
    assert stored.title == "영화 <괴물> 리뷰 & 후기 (가족)"
    assert stored.film == "괴물"
    assert report.posts[0].title == stored.title


async def test_feed_title_with_double_escaped_entities(lib: Library) -> None:
    text = "<p>" + "괴물이 한강에 나타난다. " * 20 + "</p>"
    feed = tistory_feed([(114, "placeholder", text)])
    feed = feed.replace("placeholder", "영화 &amp;lt;괴물&amp;gt; 다시 보기")
    [report] = await ingest(lib.repo, [write(lib.folder, "feed.xml", feed)])
    assert report.ok, report.error
    stored = await lib.repo.get_post(report.posts[0].post_id)
    assert stored is not None
    assert stored.title == "영화 <괴물> 다시 보기"
    assert stored.film == "괴물"


# --- bad URLs ---------------------------------------------------------------------------------


async def test_url_that_times_out(sqlite_lib: Library, server: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.4)
        return Response("late")

    server.expect_request("/slow").respond_with_handler(slow)
    url = server.url_for("/slow")
    async with Fetcher(fast(timeout_seconds=0.1, retries=0)) as fetcher:
        [report] = await ingest(sqlite_lib.repo, [url], fetcher=fetcher)
    assert report.source == url
    error = one_line(report)
    assert "timed out" in error and url in error
    await sqlite_lib.assert_intact()


async def test_url_404_is_not_retried(sqlite_lib: Library, server: HTTPServer) -> None:
    server.expect_request("/gone").respond_with_data("no such post", status=404)
    url = server.url_for("/gone")
    async with Fetcher(fast()) as fetcher:
        fetcher.backoff_base = 0.001
        [report] = await ingest(sqlite_lib.repo, [url], fetcher=fetcher)
    error = one_line(report)
    assert "404" in error and url in error
    assert sum(1 for r, _ in server.log if r.path == "/gone") == 1
    await sqlite_lib.assert_intact()


async def test_url_500_is_retried_then_one_line(sqlite_lib: Library, server: HTTPServer) -> None:
    server.expect_request("/broken").respond_with_data("<h1>error</h1>", status=500)
    url = server.url_for("/broken")
    async with Fetcher(fast(retries=2)) as fetcher:
        fetcher.backoff_base = 0.001
        [report] = await ingest(sqlite_lib.repo, [url], fetcher=fetcher)
    error = one_line(report)
    assert "500" in error and url in error and "3×" in error
    assert sum(1 for r, _ in server.log if r.path == "/broken") == 3
    await sqlite_lib.assert_intact()


async def test_url_500_then_success(lib: Library, server: HTTPServer) -> None:
    calls = {"n": 0}
    page = tistory_page(115, "미나리 (Minari, 2020) 리뷰 - 가족, 이민")

    def flaky(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return Response("busy", status=503)
        return Response(page.encode(), content_type="text/html; charset=utf-8")

    server.expect_request("/115").respond_with_handler(flaky)
    async with Fetcher(fast()) as fetcher:
        fetcher.backoff_base = 0.001
        [report] = await ingest(lib.repo, [server.url_for("/115")], fetcher=fetcher)
    assert report.ok, report.error
    assert calls["n"] == 2
    stored = await lib.repo.get_post(report.posts[0].post_id)
    assert stored is not None and stored.film == "미나리" and stored.url == f"{BLOG}/115"


async def test_url_of_a_binary_file(sqlite_lib: Library, server: HTTPServer) -> None:
    server.expect_request("/poster.jpg").respond_with_data(
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 20, content_type="image/jpeg"
    )
    [report] = await _fetch_one(sqlite_lib, server.url_for("/poster.jpg"))
    assert "binary" in one_line(report)
    await sqlite_lib.assert_intact()


async def test_url_of_a_ten_megabyte_page(sqlite_lib: Library, server: HTTPServer) -> None:
    server.expect_request("/107").respond_with_data(
        _ten_megabyte_page(), content_type="text/html; charset=utf-8"
    )
    [report] = await _fetch_one(sqlite_lib, server.url_for("/107"))
    assert report.ok, report.error
    stored = await sqlite_lib.repo.get_post(report.posts[0].post_id)
    assert stored is not None and stored.film == "Past Lives"


async def test_url_larger_than_the_cap_is_one_line(sqlite_lib: Library, server: HTTPServer) -> None:
    server.expect_request("/huge").respond_with_data(b"<p>" + b"a" * 5000 + b"</p>")
    async with Fetcher(fast(max_bytes=1000, retries=0)) as fetcher:
        [report] = await ingest(sqlite_lib.repo, [server.url_for("/huge")], fetcher=fetcher)
    assert "larger than" in one_line(report)
    await sqlite_lib.assert_intact()


async def test_unreachable_host_is_one_line(sqlite_lib: Library) -> None:
    async with Fetcher(fast(retries=0)) as fetcher:
        [report] = await ingest(sqlite_lib.repo, ["http://127.0.0.1:1/post/1"], fetcher=fetcher)
    assert "cannot connect" in one_line(report)
    await sqlite_lib.assert_intact()


async def _fetch_one(lib: Library, url: str) -> list[SourceReport]:
    async with Fetcher(fast()) as fetcher:
        fetcher.backoff_base = 0.001
        return await ingest(lib.repo, [url], fetcher=fetcher)


# --- batches ----------------------------------------------------------------------------------


async def test_one_bad_source_does_not_stop_the_batch(
    repo: SqlRepository, tmp_path: Path, server: HTTPServer
) -> None:
    server.expect_request("/gone").respond_with_data("", status=404)
    first = write(tmp_path, "a.html", tistory_page(301, "올드보이 리뷰 복수, 감금, 진실"))
    binary = write(tmp_path, "b.html", bytes(range(256)) * 10)
    empty = write(tmp_path, "c.md", "")
    last = write(tmp_path, "d.html", tistory_page(302, "[영화] 버닝(2018) 리뷰"))
    calls: list[tuple[str, int, int]] = []
    async with Fetcher(fast()) as fetcher:
        reports = await ingest(
            repo,
            [first, binary, server.url_for("/gone"), empty, last],
            fetcher=fetcher,
            progress=lambda label, done, total: calls.append((label, done, total)),
        )
    assert [r.ok for r in reports] == [True, False, False, False, True]
    assert [len(r.posts) for r in reports] == [1, 0, 0, 0, 1]
    for report in reports[1:4]:
        one_line(report)
    assert await repo.count_posts() == 2
    films = {p.film for p in await repo.list_posts() if not p.stub}
    assert films == {"올드보이", "버닝"}
    assert calls[0] == (first, 0, 5) and calls[-1] == ("", 5, 5)


async def test_folder_is_read_recursively_and_bad_files_reported(
    repo: SqlRepository, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    (folder / "2024" / ".hidden").mkdir(parents=True)
    write(folder, "b.html", tistory_page(401, "헤어질 결심 (집착, 안개)"))
    write(folder / "2024", "a.html", tistory_page(402, "영화 <괴물> 리뷰"))
    write(folder / "2024", "poster.png", b"\x89PNG\r\n\x1a\n\x00\x00")  # media: passed over
    write(folder / "2024" / ".hidden", "c.html", tistory_page(403, "숨은 글"))
    broken = write(folder, "notes.bin", bytes(range(256)) * 4)
    reports = await ingest(repo, [str(folder)])
    # Sorted, a folder's own files before its subfolders'; hidden entries and media skipped.
    assert [(Path(r.source).name, r.ok) for r in reports] == [
        ("b.html", True),
        ("notes.bin", False),
        ("a.html", True),
    ]
    assert reports[1].source == broken
    assert "binary" in one_line(reports[1])
    assert await repo.count_posts() == 2


async def test_impossible_values_are_dropped_not_fatal(repo: SqlRepository, tmp_path: Path) -> None:
    """Markup noise that would overflow a database column costs the value, not the post."""
    page = tistory_page(
        801,
        "영화 <괴물> 리뷰",
        related=[
            (802, "헤어질 결심 (집착, 안개)", 10**20, "2024.01.01"),
            (803, "[영화] 버닝(2018) 리뷰", 2**40, "0001.01.01"),
            (804, "올드보이 리뷰", 7, "2023.12.02"),
        ],
        published="0001-01-01T00:00:00+09:00",
    )
    after = write(tmp_path, "after.html", tistory_page(805, "미나리 리뷰"))
    reports = await ingest(repo, [write(tmp_path, "noise.html", page), after])
    assert [r.ok for r in reports] == [True, True], [r.error for r in reports]
    assert any("impossible" in note for note in reports[0].notes)
    stored = await repo.get_post(reports[0].posts[0].post_id)
    assert stored is not None
    assert stored.published is None
    assert [(r.title, r.comments, r.published) for r in stored.related][:2] == [
        ("헤어질 결심 (집착, 안개)", None, date(2024, 1, 1)),
        ("[영화] 버닝(2018) 리뷰", None, None),
    ]
    assert stored.related[2].comments == 7


# --- re-ingesting -----------------------------------------------------------------------------


async def test_reingest_is_idempotent_and_updates_in_place(
    repo: SqlRepository, tmp_path: Path
) -> None:
    page = tistory_page(501, "영화 <기생충> 리뷰 (반지하, 계단, 냄새)")
    source = write(tmp_path, "p.html", page)
    [first] = await ingest(repo, [source])
    [again] = await ingest(repo, [source])
    assert [p.status for p in first.posts] == [ADDED]
    assert [(p.post_id, p.status) for p in again.posts] == [(first.posts[0].post_id, UNCHANGED)]
    before = await repo.get_post(first.posts[0].post_id)

    write(tmp_path, "p.html", page.replace("괴수물의 쾌감과", "다시 보니 괴수물의 쾌감과"))
    [changed] = await ingest(repo, [source])
    assert [(p.post_id, p.status) for p in changed.posts] == [(first.posts[0].post_id, UPDATED)]
    after = await repo.get_post(first.posts[0].post_id)
    assert before is not None and after is not None
    assert after.sections[-1].text.startswith("다시 보니 괴수물의 쾌감과")
    assert before.sections[:-1] == after.sections[:-1]
    assert await repo.count_posts(include_stubs=True) == 1

    # The same post from another copy (a fetched page with tracking, mobile URL) is the same row.
    mobile = page.replace(f'href="{BLOG}/501"', f'href="{BLOG}/m/501?category=1"')
    [other] = await ingest(repo, [write(tmp_path, "mobile.html", mobile)])
    assert other.posts[0].post_id == first.posts[0].post_id
    assert await repo.count_posts(include_stubs=True) == 1


async def test_stub_becomes_full_post_without_duplicating(
    repo: SqlRepository, tmp_path: Path
) -> None:
    a = tistory_page(
        601,
        "영화 <괴물> 리뷰 (가족, 재난)",
        related=[
            (602, "헤어질 결심 (집착, 안개)", 12, "2024.10.05"),
            (603, "《박하사탕》 후기", 3, "2022.10.29"),
        ],
    )
    [ra] = await ingest(repo, [write(tmp_path, "601.html", a)])
    assert await repo.count_posts() == 1
    assert await repo.count_posts(include_stubs=True) == 3
    stubs = [p for p in await repo.list_posts() if p.stub]
    assert {(s.title, s.url, s.film) for s in stubs} == {
        ("헤어질 결심 (집착, 안개)", f"{BLOG}/602", "헤어질 결심"),
        ("《박하사탕》 후기", f"{BLOG}/603", "박하사탕"),
    }
    stub_id = next(s.id for s in stubs if s.url == f"{BLOG}/602")

    b = tistory_page(
        602,
        "헤어질 결심 (집착, 안개)",
        related=[(601, "영화 <괴물> 리뷰 (가족, 재난)", 5, "2024.02.03")],
    )
    [rb] = await ingest(repo, [write(tmp_path, "602.html", b)])
    assert [(p.post_id, p.status) for p in rb.posts] == [(stub_id, ADDED)]
    assert await repo.count_posts() == 2
    assert await repo.count_posts(include_stubs=True) == 3
    full = await repo.get_post(stub_id)
    assert full is not None and not full.stub
    assert [s.heading for s in full.sections] == GWOEMUL_HEADINGS
    assert [(r.post_id, r.stub) for r in full.related] == [(ra.posts[0].post_id, False)]
    back = await repo.get_post(ra.posts[0].post_id)
    assert back is not None
    first = back.related[0]
    assert (first.post_id, first.stub, first.comments) == (stub_id, False, 12)

    [again] = await ingest(repo, [write(tmp_path, "602.html", b)])
    assert [p.status for p in again.posts] == [UNCHANGED]


# --- teasers ----------------------------------------------------------------------------------

TEASER = "<p>봉준호 감독의 괴물은 괴수 영화의 얼굴을 한 가족 영화다. 다시 보니...</p>"


async def test_teaser_feed_item_is_completed_by_its_page(
    repo: SqlRepository, tmp_path: Path
) -> None:
    feed = tistory_feed([(701, "영화 <괴물> 리뷰 (가족, 재난)", TEASER)])
    [rf] = await ingest(repo, [write(tmp_path, "rss.xml", feed)])
    assert rf.ok, rf.error
    [saved] = rf.posts
    teaser = await repo.get_post(saved.post_id)
    assert teaser is not None
    assert teaser.teaser and not teaser.stub
    assert teaser.url == f"{BLOG}/701"
    assert teaser.category == ("한국영화",)

    page = tistory_page(701, "영화 <괴물> 리뷰 (가족, 재난)")
    [rp] = await ingest(repo, [write(tmp_path, "701.html", page)])
    assert [(p.post_id, p.status) for p in rp.posts] == [(saved.post_id, UPDATED)]
    full = await repo.get_post(saved.post_id)
    assert full is not None
    assert not full.teaser
    assert [s.heading for s in full.sections] == GWOEMUL_HEADINGS
    assert not any("다시 보니..." in s.text for s in full.sections)
    assert full.category == ("리뷰", "한국영화")
    assert await repo.count_posts(include_stubs=True) == 1

    # Reading the feed again must not bring the teaser back over the full text.
    [rf2] = await ingest(repo, [write(tmp_path, "rss.xml", feed)])
    assert [(p.post_id, p.status) for p in rf2.posts] == [(saved.post_id, UNCHANGED)]
    assert await repo.get_post(saved.post_id) == full


async def test_teaser_after_the_full_page_changes_nothing(
    repo: SqlRepository, tmp_path: Path
) -> None:
    page = tistory_page(702, "영화 <괴물> 리뷰 (가족, 재난)")
    [rp] = await ingest(repo, [write(tmp_path, "702.html", page)])
    full = await repo.get_post(rp.posts[0].post_id)
    assert full is not None
    feed = tistory_feed([(702, "영화 <괴물> 리뷰 (가족, 재난)", TEASER)])
    for _ in range(2):
        [rf] = await ingest(repo, [write(tmp_path, "rss.xml", feed)])
        # The first read may learn the feed's guid ("updated"); the text never changes.
        assert [p.post_id for p in rf.posts] == [full.id]
        after = await repo.get_post(full.id)
        assert after is not None
        assert (after.sections, after.teaser, after.title, after.category, after.related) == (
            full.sections,
            full.teaser,
            full.title,
            full.category,
            full.related,
        )
    assert [p.status for p in rf.posts] == [UNCHANGED]
    assert await repo.count_posts(include_stubs=True) == 1


async def test_teaser_completed_by_fetching_its_page(
    repo: SqlRepository, tmp_path: Path, server: HTTPServer
) -> None:
    blog = server.url_for("/").rstrip("/")
    feed = tistory_feed([(703, "미나리 (Minari, 2020) 리뷰", TEASER)], blog=blog)
    page = tistory_page(703, "미나리 (Minari, 2020) 리뷰", blog=blog)
    server.expect_request("/rss").respond_with_data(feed, content_type="application/rss+xml")
    server.expect_request("/703").respond_with_data(page, content_type="text/html; charset=utf-8")
    async with Fetcher(fast()) as fetcher:
        [rf] = await ingest(repo, [f"{blog}/rss"], fetcher=fetcher)
        stored = await repo.get_post(rf.posts[0].post_id)
        assert stored is not None and stored.teaser
        [rp] = await ingest(repo, [f"{blog}/703"], fetcher=fetcher)
    assert [(p.post_id, p.status) for p in rp.posts] == [(stored.id, UPDATED)]
    full = await repo.get_post(stored.id)
    assert full is not None and not full.teaser and full.url == f"{blog}/703"
    assert len(full.sections) == 4


async def test_get_post_with_an_id_out_of_range_is_none(repo: SqlRepository) -> None:
    assert await repo.get_post(2**31) is None
    assert await repo.get_post(10**20) is None


def _noisy(**changes: object) -> ParsedPost:
    post = ParsedPost(
        title="영화 <괴물> 리뷰",
        kind=SourceKind.TISTORY_PAGE,
        url="https://e2e-films.tistory.com/901",
        sections=(Section(None, "본문"),),
    )
    return replace(post, **changes)  # type: ignore[arg-type]


async def test_save_posts_with_an_overflowing_count_raises_storage_error(sqlite_url: str) -> None:
    """Storage itself refuses a value beyond SQLite's INTEGER in one line (the pipeline already
    drops such values; this guards other callers of save_posts)."""
    repo = await open_repository(sqlite_url)
    try:
        noisy = _noisy(related=(RelatedRef("헤어질 결심", f"{BLOG}/902", comments=10**20),))
        with pytest.raises(StorageError):
            await repo.save_posts([noisy], source="test")
    finally:
        await repo.close()


async def test_save_posts_with_an_extreme_date(repo: SqlRepository) -> None:
    """0001-01-01 east of UTC cannot be converted to UTC: refused or stored, never a crash."""
    kst = timezone(timedelta(hours=9))
    noisy = _noisy(published=datetime(1, 1, 1, tzinfo=kst))
    with contextlib.suppress(StorageError):  # refusing it is fine; crashing is not
        await repo.save_posts([noisy], source="test")
