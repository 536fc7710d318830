from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain import ParsedPost, RelatedRef, Section, SourceKind
from bot.ingest import html_page
from bot.ingest.category_box import parse_category_box, same_post_path, tistory_post_url
from bot.ingest.errors import NotAPost
from bot.ingest.tistory import is_tistory_page, parse_tistory_page
from bot.titles import TitleInfo

FIXTURES = Path(__file__).parent / "fixtures" / "html"
KST = ZoneInfo("Asia/Seoul")
NOISE = (
    "728x90", "반응형", "공유하기", "게시글 관리", "저작자표시", "구독", "카테고리의 다른 글",
    "adsbygoogle", "window.", "링크카드", "영화 정보", "외부 영화 정보", "movies.example.com",
    "더보기", "예고편", "memo --save", "\u00a0", "\u200b", "&nbsp;", "넷플릭스", "관련글",
)  # fmt: skip


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parse(name: str, url: str | None = None) -> ParsedPost:
    return parse_tistory_page(fixture(name), url=url)


def assert_clean(post: ParsedPost) -> None:
    found = [noise for noise in NOISE if noise in post.text]
    assert found == []


# --- new editor (contents_style), Book Club-like skin -----------------------------------------


def test_new_editor_page_fields() -> None:
    post = parse("tistory_new_editor.html")
    assert post.kind is SourceKind.TISTORY_PAGE
    assert post.title == "영화 <괴물> 리뷰"
    assert post.url == "https://filmnote.tistory.com/101"
    assert post.published == datetime(2024, 3, 2, 21, 15, 7, tzinfo=KST)  # not og:regDate
    assert post.modified == datetime(2024, 3, 4, 8, 0, tzinfo=KST)
    assert post.author == "필름노트지기"
    assert post.film == "괴물"


def test_new_editor_sections() -> None:
    post = parse("tistory_new_editor.html")
    assert [(s.heading, s.level) for s in post.sections] == [
        (None, 0),
        ("🎬 줄거리", 2),
        ("가족이라는 괴물", 3),
        ("총평", 2),
    ]
    intro = post.sections[0].text
    assert intro.startswith(
        "한강 둔치에서 매점을 하는 가족이 있다. 아버지는 계산대 앞에서 졸고,\n딸은"
    )
    assert "다리 아래에서 처음 모습을 드러내는 장면" in intro  # the image caption
    assert post.sections[3].text.endswith("가족은 끝내 모두를 지키지는 못한다.")
    assert_clean(post)


def test_category_path_comes_from_the_box_not_article_section() -> None:
    post = parse("tistory_new_editor.html")
    assert post.category == ("영화", "한국 영화")


def test_tags_only_from_rel_tag_not_the_sidebar_cloud() -> None:
    post = parse("tistory_new_editor.html")
    assert post.tags == ("봉준호", "가족", "괴물")
    assert post.themes[-3:] == ("봉준호", "가족", "괴물")
    assert "넷플릭스" not in post.tags and "스릴러" not in post.tags


def test_related_rows_from_the_category_box() -> None:
    post = parse("tistory_new_editor.html")
    assert post.related == (
        RelatedRef("영화 <살인의 추억> 다시 보기", "https://filmnote.tistory.com/100",
                   date(2024, 2, 25), 2),
        RelatedRef("영화 <마더> 리뷰", "https://filmnote.tistory.com/98", date(2024, 2, 11), 0),
        RelatedRef("영화 <플란다스의 개> 리뷰", "https://filmnote.tistory.com/95",
                   date(2024, 1, 30), 12),
    )  # fmt: skip


# --- 2017 old editor, area_view skin, browser-saved -------------------------------------------


def test_old_editor_page() -> None:
    post = parse("tistory_old_2017.html")
    assert post.title == "살인의 추억 (2003) - 비 오는 논두렁의 기억"
    assert post.url == "https://oldreel.tistory.com/45"
    assert post.published == datetime(2017, 5, 14, 21, 45, 12, tzinfo=KST)  # JSON-LD, no dashes
    assert post.modified == datetime(2017, 5, 15, 8, 2, 40, tzinfo=KST)
    assert post.author == "낡은필름"
    assert post.category == ("영화",)
    assert post.tags == ("봉준호", "송강호", "스릴러")
    assert_clean(post)


def test_old_editor_inline_styled_headings_and_br_paragraphs() -> None:
    post = parse("tistory_old_2017.html")
    intro = (
        "1986년 경기도의 한 농촌 마을에서 이야기가 시작된다.\n\n"
        "형사 박두만은 증거보다 눈빛을 믿는 사람이고, 서울에서 내려온 서태윤은 서류만 믿는다."
    )
    interrogation = "밥은 먹고 다니냐는 대사가 왜 그렇게 오래 남는지, 다시 보니 조금 알 것 같다."
    ending = (
        "배수로를 들여다보던 형사가 카메라를 똑바로 바라본다.\n"
        "그 시선은 스크린 밖의 누군가를 찾고 있다."
    )
    assert post.sections == (
        Section(None, intro),
        Section("1. 두 형사", "두 사람은 처음에 서로를 비웃지만, 사건이 길어질수록 닮아 간다.", 2),
        Section("취조실 장면", interrogation, 3),
        Section("2. 마지막 장면", ending, 2),
    )


def test_old_category_box_drops_the_current_row_and_normalises_links() -> None:
    post = parse("tistory_old_2017.html")
    assert post.related == (
        RelatedRef("괴물 (2006) - 한강의 여름", "https://oldreel.tistory.com/47",
                   date(2017, 5, 28), 3),
        RelatedRef("플란다스의 개 (2000) - 아파트 복도", "https://oldreel.tistory.com/41",
                   date(2017, 4, 30), 1),
    )  # fmt: skip


# --- markdown-mode post, Magazine skin --------------------------------------------------------


def test_markdown_mode_h1_sections() -> None:
    post = parse("tistory_markdown_mode.html")
    assert [(s.heading, s.level) for s in post.sections] == [
        ("1. 산과 바다", 1),
        ("가. 잠복", 2),
        ("📱 번역기의 목소리", 3),
        ("2. 붕괴", 1),
        ("3. 총평", 1),
    ]
    assert post.sections[3].text == (
        "영화 속 대사를 메모해 두었다.\n\n"
        "단일한 결말 대신 파도 소리만 남기는 선택이 오래 여운을 준다."
    )
    assert_clean(post)


def test_markdown_mode_box_with_literal_nbsp_and_mobile_link() -> None:
    post = parse("tistory_markdown_mode.html")
    assert post.category == ("영화", "외국 영화")
    assert post.related == (
        RelatedRef(
            "영화 <애프터썬> 리뷰", "https://cinemadiary.tistory.com/211", date(2022, 7, 2), 4
        ),
        RelatedRef(
            "영화 <패터슨> 다시 보기", "https://cinemadiary.tistory.com/209", date(2022, 6, 20), 0
        ),
    )
    assert post.tags == ("박찬욱", "안개 속 사랑")
    assert post.author == "안개"  # quotes around meta[name=by] dropped


# --- custom skin wrapper, custom domain -------------------------------------------------------


def test_custom_skin_wrapper_and_fallbacks() -> None:
    post = parse("tistory_custom_skin.html")
    assert post.title == "영화 <벌새> 리뷰"  # <title> minus " :: 무비박스"
    assert post.url == "https://www.moviebox.kr/30"  # og:url, /m/ and ?category= dropped
    assert post.published == datetime(2019, 9, 12, 23, 21, 37, tzinfo=KST)  # 14 digits
    assert post.category == ("영화", "한국 영화")  # the skin's category link, split
    assert post.tags == ("김보라", "성장")
    assert [(s.heading, s.level) for s in post.sections] == [
        (None, 0),
        ("한문 선생님", 2),
        ("얼굴을 안다는 것", 4),
        ("총평", 2),
    ]
    assert "덧붙임\n\n성수대교" in post.sections[2].text  # h5 is text
    assert "무비박스" not in post.text


# --- fragments, lists, broken pages -----------------------------------------------------------


def test_fragment_without_head_or_headings() -> None:
    post = parse("tistory_fragment_no_headings.html")
    assert post.title == "주말 오후의 영화 일기"  # the share button's data-title
    assert post.url == "https://summerscreen.tistory.com/58"  # the share button's address
    assert post.author == "반딧불"
    assert post.category == ("영화 일기",)
    assert len(post.sections) == 1 and post.sections[0].heading is None
    assert post.sections[0].text.startswith(
        "주말 오후에 오래 미뤄 둔 영화를 한 편 봤다.\n여름 방학에"
    )
    assert post.related[0] == RelatedRef(
        "비 오는 날 다시 본 영화", "https://summerscreen.tistory.com/57", date(2025, 7, 30), 5
    )
    assert_clean(post)


def test_list_page_is_not_a_post() -> None:
    with pytest.raises(NotAPost, match="not a post: looks like a blog home or list page"):
        parse("tistory_list_page.html")


def test_list_page_showing_whole_posts_is_not_a_post() -> None:
    body = "<div class='tt_article_useless_p_margin contents_style'><p>글 {n}</p></div>"
    html = f"<html><body>{body.format(n=1)}{body.format(n=2)}</body></html>"
    with pytest.raises(NotAPost, match="list page"):
        parse_tistory_page(html)


def test_a_page_without_article_text_is_not_a_post() -> None:
    html = (
        "<div class='tt_article_useless_p_margin contents_style'><p>&nbsp;</p>"
        "<figure class='imageblock'><img src='a.png'></figure></div>"
    )
    with pytest.raises(NotAPost):
        parse_tistory_page(html)


def test_truncated_html_keeps_what_is_there() -> None:
    html = fixture("tistory_new_editor.html")
    cut = html[: html.index('<h2 data-ke-size="size26">총평') + 12]  # inside the tag
    post = parse_tistory_page(cut)
    assert post.title == "영화 <괴물> 리뷰"
    assert [s.heading for s in post.sections] == [None, "🎬 줄거리", "가족이라는 괴물"]
    assert post.related == () and post.tags == ()


def test_title_entities_are_unescaped_exactly_once() -> None:
    html = (
        '<html><head><meta property="og:title" content="&lt;괴물&gt; &amp;amp; &amp;lt;b&amp;gt;"/>'
        "</head><body><div class='tt_article_useless_p_margin'><p>본문.</p></div></body></html>"
    )
    assert parse_tistory_page(html).title == "<괴물> &amp; &lt;b&gt;"


def test_url_argument_is_used_when_the_page_names_none() -> None:
    html = "<div class='tt_article_useless_p_margin'><p>본문.</p></div>"
    post = parse_tistory_page(html, url="https://blog.tistory.com/m/7?category=3")
    assert post.url == "https://blog.tistory.com/7"


def test_relative_related_links_without_any_address_are_kept_without_url() -> None:
    html = (
        "<div class='tt_article_useless_p_margin'><p>본문.</p></div>"
        "<div class='another_category'><h4>'<a href='/category/x'>영화</a>' 카테고리의 다른 글</h4>"
        "<table><tr><th><a href='/3'>다른 글</a> <span>(1)</span></th><td>2020.01.02</td></tr>"
        "</table></div>"
    )
    post = parse_tistory_page(html)
    assert post.related == (RelatedRef("다른 글", None, date(2020, 1, 2), 1),)
    assert "the page has no address; related posts are kept without links" in post.notes


def test_film_falls_back_to_the_body_text(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def film_from_text(text: str) -> str | None:
        seen.append(text)
        return "남매의 여름밤"

    monkeypatch.setattr(html_page, "parse_title", lambda title: TitleInfo(None, None, ("여름",)))
    monkeypatch.setattr(html_page, "film_from_text", film_from_text)
    post = parse("tistory_fragment_no_headings.html")
    assert post.film == "남매의 여름밤"
    assert seen and seen[0].startswith("주말 오후에")
    assert post.themes == ("여름",)


def test_themes_join_title_themes_and_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    info = TitleInfo("괴물", 2006, ("가족", "#재난 "))
    monkeypatch.setattr(html_page, "parse_title", lambda title: info)
    post = parse("tistory_new_editor.html")
    assert (post.film, post.film_year) == ("괴물", 2006)
    assert post.themes == ("가족", "재난", "봉준호", "괴물")


# --- sniffing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<div class='tt_article_useless_p_margin'></div>",
        "<div class='another_category'></div>",
        "<script>window.TistoryBlog = {}</script>",
        "<p data-ke-size='size16'>x</p>",
        '<meta property="article:txid" content="1_2">',
        '<link rel="canonical" href="https://x.tistory.com/3">',
        '<meta content="https://x.tistory.com/3" property="og:url">',
    ],
)
def test_is_tistory_page(html: str) -> None:
    assert is_tistory_page(html)


@pytest.mark.parametrize(
    "name", ["wordpress_post.html", "naver_postview.html", "generic_article.html"]
)
def test_other_pages_are_not_tistory(name: str) -> None:
    assert not is_tistory_page(fixture(name))


def test_a_link_to_tistory_in_the_body_is_not_enough() -> None:
    assert not is_tistory_page("<p><a href='https://x.tistory.com/3'>글</a></p>")


# --- the category box on its own --------------------------------------------------------------

BOX_2025 = fixture("category_box_2025.html")  # &nbsp; and a literal U+00A0

BOX_2013 = fixture("category_box_2013.html")


def test_box_2025_relative_links() -> None:
    path, related = parse_category_box(BOX_2025, base_url="https://x.tistory.com/637")
    assert path == ("Film", "Korean Film")
    assert related == (
        RelatedRef("첫 글", "https://x.tistory.com/636", date(2025, 11, 2), 1),
        RelatedRef("둘째 글", "https://x.tistory.com/635", date(2025, 10, 30), 0),
    )


def test_box_2013_absolute_links_current_rows_and_nbsp_separator() -> None:
    path, related = parse_category_box(BOX_2013, base_url="http://www.example.kr/30")
    assert path == ("영화", "공포")
    assert related == (RelatedRef("옛 글", "http://example.tistory.com/28", date(2013, 10, 1), 15),)


def test_box_excludes_the_current_post_by_address_across_hosts() -> None:
    box = BOX_2013.replace(' class="current"', "")
    _, related = parse_category_box(box, current_url="https://example.tistory.com/30")
    assert [r.title for r in related] == ["표시만 현재", "옛 글"]


def test_box_heading_without_links() -> None:
    box = (
        "<div class='another_category'><h4>'영화 &gt; 한국 영화' 카테고리의 다른 글</h4>"
        "<table><tr><th>링크 없는 줄</th><td>2020.1.2</td></tr></table></div>"
    )
    assert parse_category_box(box) == (("영화", "한국 영화"), ())


def test_no_box() -> None:
    assert parse_category_box("<p>상자 없음</p>") == ((), ())


@pytest.mark.parametrize(
    ("href", "base", "expected"),
    [
        ("/636", "https://a.tistory.com/637", "https://a.tistory.com/636"),
        ("https://a.tistory.com/m/81?category=1", None, "https://a.tistory.com/81"),
        ("/m/entry/rss-만들기#comment", "https://a.tistory.com/", "https://a.tistory.com/entry/rss-만들기"),
        ("/category/x?category=1&page=2", "https://a.tistory.com/", "https://a.tistory.com/category/x?page=2"),
        ("/636", None, None),
        ("javascript:void(0)", "https://a.tistory.com/", None),
    ],
)  # fmt: skip
def test_tistory_post_url(href: str, base: str | None, expected: str | None) -> None:
    assert tistory_post_url(href, base) == expected


def test_same_post_path() -> None:
    assert same_post_path("https://www.example.kr/30", "https://example.tistory.com/30/")
    assert not same_post_path("https://a.tistory.com/30", "https://a.tistory.com/31")
    assert not same_post_path("https://a.tistory.com/", "https://b.tistory.com/")


def test_a_title_tag_that_is_only_the_blog_name_is_passed_over() -> None:
    html = (
        "<html><head><meta property='og:site_name' content='필름노트'><title>필름노트</title>"
        "</head><body><h3 class='tit_post'>영화 &lt;마더&gt; 리뷰</h3>"
        "<div class='tt_article_useless_p_margin'><p>본문.</p></div></body></html>"
    )
    assert parse_tistory_page(html).title == "영화 <마더> 리뷰"


def test_unknown_skin_on_a_tistory_served_page_keeps_tistory_metadata() -> None:
    html = (
        "<html><head><meta property='og:type' content='article'>"
        "<meta property='og:title' content='영화 &lt;마더&gt; 리뷰'>"
        "<meta property='article:txid' content='1_9'>"
        "<link rel='canonical' href='https://old.tistory.com/9'></head><body>"
        "<div class='menu'><p>홈</p></div><div class='odd-wrapper'><p>첫 문단.</p><p>둘째 문단.</p>"
        "<div class='another_category'><h4>'<a href='/category/a'>영화</a>' 카테고리의 다른 글</h4>"
        "</div></div></body></html>"
    )
    post = parse_tistory_page(html)
    assert post.kind is SourceKind.TISTORY_PAGE
    assert post.text == "첫 문단.\n\n둘째 문단."
    assert post.category == ("영화",)


def test_a_skin_template_is_not_a_post() -> None:
    html = (
        "<html><head><title>[##_page_title_##] :: [##_title_##]</title></head><body><s_article_rep>"
        "<h2 class='title-article'>[##_article_rep_title_##]</h2>"
        "<div class='article-view' id='article-view'>[##_article_rep_desc_##]</div>"
        "</s_article_rep></body></html>"
    )
    assert is_tistory_page(html)
    with pytest.raises(NotAPost, match="skin template"):
        parse_tistory_page(html)
