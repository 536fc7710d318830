from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain import Section, SourceKind
from bot.ingest.errors import NotAPost
from bot.ingest.html_page import parse_datetime, parse_html_page, strip_site_name

FIXTURES = Path(__file__).parent / "fixtures" / "html"
KST = ZoneInfo("Asia/Seoul")
EST = timezone(-timedelta(hours=5))
LONG = "극장을 나서며 오래 생각했다. " * 10


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# --- dispatch ---------------------------------------------------------------------------------


def test_tistory_pages_go_to_the_tistory_parser() -> None:
    post = parse_html_page(fixture("tistory_new_editor.html"))
    assert post.kind is SourceKind.TISTORY_PAGE
    assert post.category == ("영화", "한국 영화")


def test_tistory_list_page_is_not_a_post() -> None:
    with pytest.raises(NotAPost, match="list page"):
        parse_html_page(fixture("tistory_list_page.html"))


def test_tistory_markup_quoted_elsewhere_falls_back_to_the_generic_reader() -> None:
    html = f"<article><h1>메모</h1><p data-ke-size='size16'>{LONG}</p></article>"
    post = parse_html_page(html)
    assert post.kind is SourceKind.HTML_PAGE
    assert post.title == "메모"


# --- WordPress --------------------------------------------------------------------------------


def test_wordpress_post() -> None:
    post = parse_html_page(fixture("wordpress_post.html"))
    assert post.kind is SourceKind.HTML_PAGE
    assert post.title == "Past Lives (2023): the space between two languages"
    assert post.url == "https://quietframes.example.org/2023/07/past-lives/"
    assert post.published == datetime(2023, 7, 18, 20, 30, tzinfo=UTC)
    assert post.modified == datetime(2023, 7, 20, 9, 10, tzinfo=UTC)
    assert post.author == "Mara Lind"
    assert post.category == ("Reviews",)
    assert post.tags == ("Celine Song", "memory")  # not "Reviews" (rel="category tag"), no cloud
    assert [s.heading for s in post.sections] == [
        None,
        "What the film leaves unsaid",
        "In-yeon",
    ]
    assert "The three of them at the bar." in post.sections[1].text
    for noise in ("Share this", "Related", "not review text", "drama", "Aftersun", "About"):
        assert noise not in post.text


# --- Naver ------------------------------------------------------------------------------------


def test_naver_smarteditor_post() -> None:
    post = parse_html_page(fixture("naver_postview.html"))
    assert post.kind is SourceKind.HTML_PAGE
    assert post.title == "[영화] 우리들 - 피구 시합의 기억"
    assert post.url == "https://blog.naver.com/moonriver/223001234567"
    assert post.published == datetime(2023, 2, 5, 14, 7, tzinfo=KST)
    assert post.category == ("영화 기록",)
    assert post.sections == (
        Section(None, "초등학교 4학년 선이는 피구 편을 나눌 때마다 마지막까지 남는 아이다.\n\n"
                      "여름 방학 첫날, 전학생 지아를 만나면서 선이의 여름이 달라진다.", 0),
        Section("아이들의 관계", "윤가은 감독은 아이들 사이의 작은 배신과 화해를 어른의 연애처럼 "
                             "진지하게 다룬다.\n\n운동장의 피구 장면", 2),
        Section("마무리", "마지막 피구 장면에서 선이가 입을 여는 순간, 숨을 참고 보게 된다.", 2),
    )  # fmt: skip
    assert "외부 사이트" not in post.text and "\u200b" not in post.text


def test_naver_postview_address_becomes_the_post_address() -> None:
    html = fixture("naver_postview.html").replace(
        '<meta property="og:url" content="https://blog.naver.com/moonriver/223001234567">', ""
    )
    url = "https://blog.naver.com/PostView.naver?blogId=moonriver&logNo=223001234567&fromRss=true"
    assert parse_html_page(html, url=url).url == "https://blog.naver.com/moonriver/223001234567"


# --- generic ----------------------------------------------------------------------------------


def test_generic_article_page() -> None:
    post = parse_html_page(
        fixture("generic_article.html"), url="https://notes.example.com/aftersun"
    )
    assert post.kind is SourceKind.HTML_PAGE
    assert post.title == "애프터썬 - 캠코더 속의 여름"  # the <h1>, before "<title> | site"
    assert post.url == "https://notes.example.com/aftersun"
    assert post.published == datetime(2023, 2, 11, 10, 20, tzinfo=KST)
    assert post.author == "정원"
    assert post.tags == ("샬롯 웰스", "기억")
    assert [s.heading for s in post.sections] == [None, "춤추는 장면"]  # repeated title dropped
    for noise in ("구독", "공유", "최근 글", "작은 극장 노트", "2023년 2월 11일"):
        assert noise not in post.text


def test_generic_page_without_article_uses_the_densest_block() -> None:
    html = (
        "<html><head><title>오래된 홈페이지의 감상문</title></head><body>"
        "<div id='menu'><p>홈</p><p>방명록</p></div>"
        f"<div id='text'><p>{LONG}</p><p>{LONG}</p></div>"
        "<div id='footer'><p>연락처</p></div></body></html>"
    )
    post = parse_html_page(html)
    assert post.title == "오래된 홈페이지의 감상문"
    assert post.text == f"{LONG.strip()}\n\n{LONG.strip()}"


def test_generic_page_title_drops_a_known_site_suffix() -> None:
    html = (
        "<html><head><meta property='og:site_name' content='Quiet Frames'>"
        "<title>Aftersun review – Quiet Frames</title></head>"
        f"<body><main><p>{LONG}</p></main></body></html>"
    )
    assert parse_html_page(html).title == "Aftersun review"


@pytest.mark.parametrize(
    "html",
    [
        f"<head><meta property='og:type' content='website'></head><body><p>{LONG}</p></body>",
        "<html><body><main><p>짧은 안내문.</p></main></body></html>",
        "<html><head><title>빈 페이지</title></head><body></body></html>",
        "".join(f"<article><h2>글 {n}</h2><p>{LONG}</p></article>" for n in range(4)),
        "<div class='entry-content'><p>a</p></div><article></article>"
        "<div class='entry-content'><p>b</p></div><article></article>",
    ],
)
def test_pages_without_a_post_are_not_posts(html: str) -> None:
    with pytest.raises(NotAPost, match=r"^not a post: "):
        parse_html_page(html)


# --- helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-17T17:38:48+09:00", datetime(2025, 10, 17, 17, 38, 48, tzinfo=KST)),
        ("20170710T21:30:38+09:00", datetime(2017, 7, 10, 21, 30, 38, tzinfo=KST)),
        ("20131026232137", datetime(2013, 10, 26, 23, 21, 37, tzinfo=KST)),
        ("2023-07-18T20:30:00Z", datetime(2023, 7, 18, 20, 30, tzinfo=UTC)),
        ("2022. 7. 18. 2:32", datetime(2022, 7, 18, 2, 32, tzinfo=KST)),
        ("2017.07.10 21:30", datetime(2017, 7, 10, 21, 30, tzinfo=KST)),
        ("2025년 10월 2일 오후 2:30", datetime(2025, 10, 2, 14, 30, tzinfo=KST)),
        ("2023-02-11", datetime(2023, 2, 11, tzinfo=KST)),
        ("2024-01-01T09:00:00-05:00", datetime(2024, 1, 1, 9, tzinfo=EST)),
        ("어제", None),
        ("", None),
        ("2025. 13. 40.", None),
    ],
)  # fmt: skip
def test_parse_datetime(text: str, expected: datetime | None) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("영화 <괴물> 리뷰 :: 필름노트", None, "영화 <괴물> 리뷰"),
        ("Aftersun – Quiet Frames", "Quiet Frames", "Aftersun"),
        (
            "Spider-Man - Into the Spider-Verse",
            "Quiet Frames",
            "Spider-Man - Into the Spider-Verse",
        ),
        ("제목만", None, "제목만"),
    ],
)
def test_strip_site_name(title: str, site: str | None, expected: str) -> None:
    assert strip_site_name(title, site) == expected
