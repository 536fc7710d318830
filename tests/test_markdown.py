import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain import RelatedRef, Section, SourceKind
from bot.ingest.errors import IngestError, NotAPost
from bot.ingest.markdown import inline_text, looks_like_markdown, parse_markdown

FIXTURES = Path(__file__).parent / "fixtures" / "text"
KST = ZoneInfo("Asia/Seoul")
BODY = "괴물은 다리 밑에서 나타나 사람들 사이를 가로지른다."


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# --- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: 괴물\n---\n본문",
        "\ufeff---\ntitle: 괴물\n---\n본문",
        f"{BODY}\n\n## 줄거리\n\n{BODY}",
        "괴물 리뷰\n=========\n\n본문",
        "괴물 리뷰\n---------\n\n본문",
    ],
)
def test_looks_like_markdown(text: str) -> None:
    assert looks_like_markdown(text)


@pytest.mark.parametrize(
    "text",
    [
        f"{BODY}\n\n#가족 #재난",  # hashtags are not headings
        f"{BODY}\n---\n{BODY}",  # a divider under a sentence is not a setext heading
        "'리뷰' 카테고리의 다른 글\n| 마더 | 2025.10.02 |\n|---|---|",
        fixture("gwoemul_no_title.txt"),
    ],
)
def test_plain_text_is_not_markdown(text: str) -> None:
    assert not looks_like_markdown(text)


# --- front matter -----------------------------------------------------------------------------


def test_front_matter_post() -> None:
    post = parse_markdown(fixture("decision_front_matter.md"), path="decision.md")
    assert post.kind is SourceKind.MARKDOWN
    assert post.title == "헤어질 결심 리뷰 (집착, 안개)"
    assert (post.film, post.film_year) == ("헤어질 결심", 2022)
    assert post.film_aliases == ("Decision to Leave",)
    assert post.url == "https://example-reviews.tistory.com/58"
    assert post.published == datetime(2025, 9, 3, 22, 10, tzinfo=KST)
    assert post.category == ("리뷰", "한국영화")
    assert post.tags == ("박찬욱", "청춘의 목소리")
    assert post.themes == ("안개", "붕괴", "집착", "박찬욱", "청춘의 목소리")
    assert post.notes == ()


def test_top_heading_equal_to_title_is_not_a_section() -> None:
    post = parse_markdown(fixture("decision_front_matter.md"))
    assert [(s.heading, s.level) for s in post.sections] == [
        (None, 0),
        ("안개 속의 대화", 2),
        ("좋았던 장면", 3),
    ]


def test_markup_is_stripped() -> None:
    post = parse_markdown(fixture("decision_front_matter.md"))
    intro, dialogue, scenes = post.sections
    assert intro.text == (
        "해준은 잠들지 못하는 형사다. 그는 사건을 보는 대신 지켜본다. "
        "그 시선이 서래에게 닿는 순간 수사는 조금씩 다른 것이 된다."
    )
    assert dialogue.text.startswith("서래는 한국어를 사전으로 배웠다.\n그래서")  # no "> "
    assert "붕괴라는 단어" in dialogue.text  # inline code kept as text
    assert "print" not in post.text  # code block dropped
    assert "poster.jpg" not in post.text and "포스터" not in post.text  # image dropped
    assert "나중에 더 쓸 것" not in post.text  # HTML comment dropped
    assert scenes.text.splitlines()[:3] == [
        "- 산 정상에서의 첫 번째 결말",
        "- 바닷가 모래사장",
        "1. 녹음기를 건네는 손",
    ]


def test_category_box_in_markdown() -> None:
    post = parse_markdown(fixture("decision_front_matter.md"))
    assert post.related == (
        RelatedRef(
            "박쥐 다시 읽기", "https://example-reviews.tistory.com/57", date(2025, 8, 20), 3
        ),
        RelatedRef("올드보이 리뷰", None, date(2025, 7, 1), None),  # relative link: no base
    )
    assert "카테고리의 다른 글" not in post.text


def test_bad_front_matter_is_one_line_naming_the_problem() -> None:
    with pytest.raises(IngestError) as caught:
        parse_markdown(fixture("bad_front_matter.md"))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("invalid front matter: ")
    assert "flow sequence" in message and "(line 3)" in message


def test_unclosed_front_matter() -> None:
    with pytest.raises(IngestError, match=r"^invalid front matter: no closing '---' line$"):
        parse_markdown(f"---\ntitle: 괴물\n\n{BODY}")


def test_leading_rule_is_not_front_matter() -> None:
    post = parse_markdown(f"---\n\n# 괴물 리뷰\n\n{BODY}\n\n---\n\n{BODY}")
    assert post.title == "괴물 리뷰"
    listed = parse_markdown(f"---\n- 괴물\n- 버닝\n---\n{BODY}", path="list.md")
    assert listed.sections[0].text.startswith("- 괴물\n- 버닝")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("리뷰 > 한국영화", ("리뷰", "한국영화")),
        ("리뷰/한국영화", ("리뷰", "한국영화")),
        ("[리뷰, 한국영화]", ("리뷰", "한국영화")),
        ("리뷰", ("리뷰",)),
    ],
)
def test_category_forms(value: str, expected: tuple[str, ...]) -> None:
    post = parse_markdown(f"---\ntitle: 괴물 리뷰\ncategory: {value}\n---\n{BODY}")
    assert post.category == expected


def test_tags_as_comma_string_and_dates_as_date_or_offset() -> None:
    post = parse_markdown(
        "---\ntitle: 괴물 리뷰\ntags: 가족, 재난 ,#침묵\ndate: 2025-10-02\n"
        "updated: 2025-10-03T01:00:00+00:00\n---\n" + BODY
    )
    assert post.tags == ("가족", "재난", "침묵")
    assert post.published == datetime(2025, 10, 2, tzinfo=KST)
    assert post.modified is not None and post.modified.utcoffset() is not None
    assert post.modified.isoformat() == "2025-10-03T01:00:00+00:00"


def test_unreadable_date_is_a_note() -> None:
    post = parse_markdown(f"---\ntitle: 괴물 리뷰\ndate: 지난 가을\n---\n{BODY}")
    assert post.published is None
    assert post.notes == ("front matter 'date' is not a date and was ignored: 지난 가을",)


def test_year_key_and_film_from_title() -> None:
    post = parse_markdown(f"---\ntitle: 영화 <괴물> 리뷰 (가족, 재난)\nyear: 2006\n---\n{BODY}")
    assert (post.film, post.film_year, post.themes) == ("괴물", 2006, ("가족", "재난"))


# --- without front matter ---------------------------------------------------------------------


def test_setext_headings_and_title_from_first_heading() -> None:
    post = parse_markdown(fixture("past_lives_setext.md"))
    assert (post.title, post.film, post.film_year) == (
        "Past Lives (2023) review",
        "Past Lives",
        2023,
    )
    assert [s.heading for s in post.sections] == [
        None,
        "Twelve years, then twelve more",
        "The last walk",
    ]
    assert "*" not in post.text and "inyeon" in post.text


def test_several_h1_sections_are_not_a_title() -> None:
    text = f"{BODY}\n\n# 줄거리\n\n{BODY}\n\n# 감상\n\n{BODY}"
    post = parse_markdown(text, path="notes/괴물 다시 보기.md")
    assert [s.heading for s in post.sections] == [None, "줄거리", "감상"]
    assert post.title == "괴물 다시 보기"
    assert post.notes == ("title derived from the file name: 괴물 다시 보기",)


def test_title_derived_from_the_film_named_in_the_text() -> None:
    post = parse_markdown(f"## 줄거리\n\n다시 본 <괴물>. {BODY}", path="notes/2025-10-02.md")
    assert (post.title, post.film) == ("<괴물> 리뷰", "괴물")
    assert post.notes == ("title derived from the film named in the text: <괴물> 리뷰",)


def test_title_derived_from_file_name_when_text_names_no_film() -> None:
    post = parse_markdown("## 줄거리\n\n비 오는 날 극장에서 본 영화.", path="reviews/past-lives.md")
    assert post.title == "past lives"
    assert post.film == "past lives"
    assert post.notes == ("title derived from the file name: past lives",)


def test_film_from_text_when_title_names_none() -> None:
    post = parse_markdown(f"# 이번 주에 본 영화들\n\n첫 번째는 《살인의 추억》이었다. {BODY}")
    assert post.film == "살인의 추억"
    assert post.notes == ()


def test_deep_headings_stay_text_and_empty_headings_are_skipped() -> None:
    post = parse_markdown(f"# 괴물 리뷰\n\n{BODY}\n\n##### 작은 제목\n\n## \n\n{BODY}")
    assert post.sections == (Section(None, f"{BODY}\n\n작은 제목\n\n{BODY}", 0),)


def test_indented_code_dropped_but_list_continuation_kept() -> None:
    text = f"# 괴물 리뷰\n\n{BODY}\n\n    print('코드')\n\n- 항목\n\n    이어지는 설명\n"
    post = parse_markdown(text)
    assert "print" not in post.text
    assert "이어지는 설명" in post.text


def test_scripts_and_templates_are_dropped() -> None:
    text = (
        f"# 괴물 리뷰\n\n{BODY}\n\n<script>\nvar tracker = 1;\n</script>\n"
        "<style>p { color: red }</style>\n{% include ad.html %}\n\n끝."
    )
    post = parse_markdown(text)
    assert post.text == f"{BODY}\n\n끝."


@pytest.mark.parametrize("text", ["", "  \n\n", "\ufeff", "\ufeff\x00\x01\n"])
def test_empty_text_is_an_error(text: str) -> None:
    with pytest.raises(IngestError, match=r"^empty file$"):
        parse_markdown(text)


def test_front_matter_without_body_is_not_a_post() -> None:
    with pytest.raises(NotAPost):
        parse_markdown("---\ntitle: 괴물 리뷰\n---\n")


def test_bom_control_characters_and_crlf_are_removed() -> None:
    post = parse_markdown(
        "\ufeff---\r\ntitle: 괴물 리뷰\r\n---\r\n\r\n본문\x0b에\x1f 제어 문자\u200b.\r\n"
    )
    assert post.title == "괴물 리뷰"
    assert post.text == "본문에 제어 문자."


def test_huge_post_parses_in_reasonable_time() -> None:
    paragraph = "**강물**은 천천히 흐르고 [가족](https://example.com)은 서로를 부른다. " * 8
    text = "---\ntitle: 괴물 리뷰\n---\n" + "".join(
        f"## 장면 {n}\n\n{paragraph}\n\n" for n in range(1800)
    )
    assert len(text.encode()) > 1_000_000
    started = time.perf_counter()
    post = parse_markdown(text)
    assert time.perf_counter() - started < 10
    assert len(post.sections) == 1800
    assert "**" not in post.sections[0].text


# --- inline markup ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("**굵게** 그리고 __굵게__", "굵게 그리고 굵게"),
        ("*기울임*과 _기울임_, ~~취소~~", "기울임과 기울임, 취소"),
        ("snake_case_name 그대로", "snake_case_name 그대로"),
        ("5 * 3 * 2 는 계산", "5 * 3 * 2 는 계산"),
        ("**굵게**는 *기울임*도", "굵게는 기울임도"),
        ("[링크 글자](https://example.com/a_(b)) 끝", "링크 글자 끝"),
        ("[참조 링크][1] 끝", "참조 링크 끝"),
        ("![그림](a.png)[![배지](b.png)](https://x.y) 끝", "끝"),
        ("`**코드**` 안은 그대로", "**코드** 안은 그대로"),
        ("<https://example.com> 주소", "https://example.com 주소"),
        ("영화 <괴물> 은 <b>굵게</b><br/>끝", "영화 <괴물> 은 굵게 끝"),
        (r"\*별표\* 그대로", "*별표* 그대로"),
        ("각주[^1] 표시", "각주 표시"),
        ("&lt;괴물&gt; &amp; 가족", "<괴물> & 가족"),
    ],
)
def test_inline_text(markdown: str, text: str) -> None:
    assert inline_text(markdown) == text
