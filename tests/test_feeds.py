from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain import SourceKind
from bot.ingest.errors import IngestError, NotAPost
from bot.ingest.feeds import looks_like_feed, looks_truncated, parse_feed, strip_tracking

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rss(
    items: str, *, channel: str = "<title>t</title><link>https://blog.example/</link>"
) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rss version="2.0"><channel>{channel}{items}</channel></rss>'
    ).encode()


LONG_KO = "한강 둔치의 매점 가족이 사라진 딸을 찾아 나서는 이야기를 다시 보았다. " * 6


# --- sniffing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- generator: x -->\n<rss version="2.0"/>',
        b'<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="/s.xsl"?><rss>',
        b'  <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>',
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
        "<?xml version='1.0' encoding='euc-kr'?>\n<rss version='2.0'>",
        '<?xml version="1.0"?><rss version="2.0"/>'.encode("utf-16"),
    ],
)
def test_looks_like_feed(data: bytes | str) -> None:
    assert looks_like_feed(data)


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body><p>rss</p></body></html>",
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
        b"<feedback>not a feed</feedback>",
        b"# <rss> in a markdown heading",
        b"",
        "영화 <괴물> 리뷰",
    ],
)
def test_not_a_feed(data: bytes | str) -> None:
    assert not looks_like_feed(data)


def test_all_fixtures_look_like_feeds() -> None:
    for path in FIXTURES.glob("*.xml"):
        assert looks_like_feed(path.read_bytes()), path.name


# --- Tistory ----------------------------------------------------------------------------------


def test_tistory_escaped_html_split_at_headings() -> None:
    first, second = parse_feed(fixture("tistory_rss.xml"))
    assert first.kind is SourceKind.TISTORY_RSS
    assert first.title == "영화 <괴물> 리뷰"
    assert first.film == "괴물"
    assert first.url == first.guid == "https://nightcinema.tistory.com/42"
    assert first.author == "밤손님"
    assert first.category == ("한국영화",)
    assert first.published == datetime(2024, 9, 14, 12, 10, 5, tzinfo=UTC)
    assert first.published is not None and first.published.utcoffset() is not None
    assert [(s.heading, s.level) for s in first.sections] == [
        (None, 0),
        ("줄거리", 2),
        ("가족이라는 이름의 구조대", 3),
    ]
    assert first.sections[0].text.startswith("비 오는 주말에")
    assert "광고 영역" not in first.text  # the ad block is boilerplate
    assert "눈 내리는 매점" in first.sections[-1].text
    assert not first.teaser
    assert second.teaser  # ends with "..."


def test_double_escaped_title_is_unescaped_once() -> None:
    second = parse_feed(fixture("tistory_rss.xml"))[1]
    assert second.title == "영화 <살인의 추억> 리뷰 & 메모"


def test_html_title_with_triple_escape_keeps_one_level() -> None:
    title = "<title>&amp;amp;lt;b&amp;amp;gt; 영화</title>"
    (post,) = parse_feed(rss(f"<item>{title}<description>{LONG_KO}</description></item>"))
    assert post.title == "&lt;b&gt; 영화"


def test_html_title_with_real_tags() -> None:
    title = "<title>&lt;b&gt;굵은&lt;/b&gt; 제목</title>"
    (post,) = parse_feed(rss(f"<item>{title}<description>{LONG_KO}</description></item>"))
    assert post.title == "굵은 제목"


def test_html_title_with_an_english_film_in_brackets() -> None:
    title = "<title>&amp;lt;I Saw the TV Glow&amp;gt; review &amp;amp; notes</title>"
    (post,) = parse_feed(rss(f"<item>{title}<description>{LONG_KO}</description></item>"))
    assert post.title == "<I Saw the TV Glow> review & notes"


def test_illegal_control_character_is_dropped() -> None:
    data = fixture("tistory_rss.xml").replace(
        "비 오는 주말에".encode(), "비 오는\x0b 주말에".encode()
    )
    posts = parse_feed(data)
    assert len(posts) == 2
    assert posts[0].sections[0].text.startswith("비 오는 주말에")
    assert [s.heading for s in posts[0].sections] == [None, "줄거리", "가족이라는 이름의 구조대"]


def test_bozo_feed_still_gives_its_items() -> None:
    # A bare "&" is not well-formed XML; feedparser's loose parser still reads the items.
    data = fixture("tistory_rss.xml").replace("<title>영화".encode(), "<title>Q & A 영화".encode())
    posts = parse_feed(data)
    assert len(posts) == 2
    assert posts[0].title == "Q & A 영화 <괴물> 리뷰"
    assert posts[0].film == "괴물"
    assert [s.heading for s in posts[0].sections] == [None, "줄거리", "가족이라는 이름의 구조대"]
    assert any("not well-formed" in note for note in posts[0].notes)


# --- WordPress --------------------------------------------------------------------------------


def test_wordpress_full_text() -> None:
    (post,) = parse_feed(fixture("wordpress_full.xml"))
    assert post.kind is SourceKind.WORDPRESS_FEED
    assert post.title == "Past Lives – the weight of twenty-four years"
    assert post.url == "https://secondscreening.example/2024/03/past-lives/"
    assert post.guid == "https://secondscreening.example/?p=678"
    assert post.author == "Mina Cho"
    assert post.category == ("Reviews",)
    assert post.tags == ("Reviews", "Celine Song", "immigration")
    assert "immigration" in post.themes
    assert [s.heading for s in post.sections] == [None, "The bar scene", "Why it stays with me"]
    assert "Share this" not in post.text
    assert "[…]" not in post.text  # the excerpt was not used
    assert not post.teaser


def test_wordpress_excerpt_only_is_a_teaser() -> None:
    (post,) = parse_feed(fixture("wordpress_excerpt.xml"))
    # No generator: recognised by its ?p= guid and wfw:commentRss.
    assert post.kind is SourceKind.WORDPRESS_FEED
    assert post.teaser
    assert post.text.endswith("[...]")  # "[&#8230;]", NFKC-normalised
    assert post.category == ("mystery",)  # "Uncategorized" is not a category
    assert post.tags == ("mystery",)


# --- Naver ------------------------------------------------------------------------------------


def test_naver_summary() -> None:
    first, second = parse_feed(fixture("naver_rss.xml"))
    assert first.kind is SourceKind.NAVER_FEED
    assert first.teaser and second.teaser
    assert first.url == first.guid == "https://blog.naver.com/slowtheater/222812345678"
    assert first.title == "영화 <헤어질 결심> 리뷰"
    assert first.film == "헤어질 결심"
    assert first.author == "slowtheater"
    assert first.category == ("영화 이야기",)
    assert first.tags == ("헤어질결심", "박찬욱", "탕웨이")
    assert "박찬욱" in first.themes
    assert first.published == datetime(2022, 7, 17, 17, 32, tzinfo=UTC)
    assert second.tags == ()


def test_strip_tracking() -> None:
    url = "https://blog.naver.com/a/1?fromRss=true&trackingCode=rss"
    assert strip_tracking(url) == "https://blog.naver.com/a/1"
    assert strip_tracking("https://x.example/?p=5&utm_source=rss") == "https://x.example/?p=5"
    assert strip_tracking("https://x.example/a") == "https://x.example/a"
    untouched = "https://x.example/search?q=%EA%B4%B4%EB%AC%BC+2006"
    assert strip_tracking(untouched) == untouched


# --- generic Atom / RSS -----------------------------------------------------------------------


def test_atom_content_and_summary_only() -> None:
    full, summary_only = parse_feed(fixture("atom_generic.xml"))
    assert full.kind is SourceKind.GENERIC_FEED
    assert full.url == "https://filmnote.example/posts/burning/"  # relative link resolved
    assert full.guid == "tag:filmnote.example,2024:burning"
    assert full.film == "버닝"
    assert [s.heading for s in full.sections] == [None, "비닐하우스"]
    assert not full.teaser
    assert full.published == datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
    assert full.modified == datetime(2024, 5, 2, 0, 0, tzinfo=UTC)
    assert full.category == ("이창동",)
    assert full.tags == ("이창동", "미스터리")  # label preferred over term

    assert summary_only.teaser  # Atom summary without content
    assert summary_only.title == "<살인의 추억> 다시 보기"
    assert summary_only.published == datetime(2024, 4, 20, 3, 30, tzinfo=UTC)  # from <updated>
    assert summary_only.modified is None
    assert summary_only.author == "윤서"  # inherited from the feed


def test_relative_links_resolve_against_the_feed_url() -> None:
    item = f"<item><title>a</title><link>/12</link><description>{LONG_KO}</description></item>"
    (post,) = parse_feed(rss(item, channel="<title>t</title>"), url="https://b.example/rss")
    assert post.url == "https://b.example/12"


def test_generic_rss_full_description_is_not_a_teaser() -> None:
    item = f"<item><title>영화 &lt;괴물&gt; 리뷰</title><description>{LONG_KO}</description></item>"
    (post,) = parse_feed(rss(item))
    assert post.kind is SourceKind.GENERIC_FEED
    assert not post.teaser


def test_uniform_length_descriptions_are_teasers() -> None:
    cut = "가" * 300
    items = "".join(
        f"<item><title>글 {n}</title><description>{cut[: 300 - n]}</description></item>"
        for n in range(3)
    )
    posts = parse_feed(rss(items))
    assert all(p.teaser for p in posts)


def test_untitled_item_gets_a_derived_title() -> None:
    item = f"<item><link>https://blog.example/1</link><description>{LONG_KO}</description></item>"
    (post,) = parse_feed(rss(item))
    assert post.title.startswith("한강 둔치의 매점 가족이")
    assert any("without a title" in note for note in post.notes)


@pytest.mark.parametrize(
    ("text", "truncated"),
    [
        ("마지막 장면이 ...", True),
        ("마지막 장면이…", True),
        ("and then [&#8230;]".replace("&#8230;", "…"), True),
        ("번역기 너머로 .......", True),
        ("본문 첫 줄\n\nRead more", True),
        ("끝까지 좋았다.", False),
        ("첫 문단\n\nMore than anything, the ending lands.", False),
        ("The end.", False),
    ],
)
def test_looks_truncated(text: str, truncated: bool) -> None:
    assert looks_truncated(text) is truncated


# --- encodings --------------------------------------------------------------------------------


def test_euc_kr_feed_with_declaration() -> None:
    text = (
        '<?xml version="1.0" encoding="euc-kr"?>\n'
        '<rss version="2.0"><channel><title>옛 블로그</title>'
        "<link>https://old.example/</link><item><title>영화 &lt;괴물&gt; 리뷰</title>"
        f"<link>https://old.example/1</link><description>{LONG_KO}</description></item>"
        "</channel></rss>"
    )
    (post,) = parse_feed(text.encode("euc-kr"))
    assert post.title == "영화 <괴물> 리뷰"
    assert post.film == "괴물"
    assert post.text.startswith("한강 둔치의 매점 가족이")


def test_euc_kr_declaration_with_cp949_only_syllables() -> None:
    # "똠" is outside EUC-KR proper; Korean sites that say euc-kr really mean CP949.
    body = "똠방각하를 보던 시절이 떠올랐다. " + LONG_KO
    text = (
        '<?xml version="1.0" encoding="EUC-KR"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>추억</title><description>{body}</description></item></channel></rss>"
    )
    (post,) = parse_feed(text.encode("cp949"))
    assert post.text.startswith("똠방각하를")


# --- failures ---------------------------------------------------------------------------------


def test_malformed_xml_with_nothing_usable() -> None:
    data = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>'
    with pytest.raises(IngestError) as info:
        parse_feed(data)
    assert not isinstance(info.value, NotAPost)
    message = str(info.value)
    assert message.startswith("malformed feed: ")
    assert "\n" not in message


def test_garbage_after_rss_root() -> None:
    with pytest.raises(IngestError, match=r"^malformed feed: ") as info:
        parse_feed(b'<rss version="2.0"><<<>>> &&& </foo>')
    assert str(info.value).endswith("at line 1, column 21")  # positions as in the input


@pytest.mark.parametrize("data", [b"", b"  \n\t "])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(IngestError, match="empty") as info:
        parse_feed(data)
    assert not isinstance(info.value, NotAPost)


def test_feed_without_items_is_not_a_post() -> None:
    with pytest.raises(NotAPost):
        parse_feed(rss(""))


def test_atom_without_entries_is_not_a_post() -> None:
    data = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>'
    with pytest.raises(NotAPost):
        parse_feed(data)


@pytest.mark.parametrize(
    "data", [b"<!DOCTYPE html><html><body><p>hello</p></body></html>", b"just some text"]
)
def test_other_documents_are_not_feeds(data: bytes) -> None:
    with pytest.raises(IngestError, match="not an RSS or Atom feed"):
        parse_feed(data)


def test_empty_items_are_skipped_with_a_note() -> None:
    items = f"<item></item><item><title>영화</title><description>{LONG_KO}</description></item>"
    (post,) = parse_feed(rss(items))
    assert any("skipped 1 feed item" in note for note in post.notes)


def test_items_without_anything_are_not_posts() -> None:
    with pytest.raises(NotAPost):
        parse_feed(rss("<item><link>https://blog.example/1</link></item>"))
