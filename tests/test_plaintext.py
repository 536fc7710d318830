import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain import RelatedRef, SourceKind
from bot.ingest.errors import IngestError, NotAPost
from bot.ingest.plaintext import parse_plain_text
from bot.ingest.text_export import export_lines, split_category_box, trim_tail

FIXTURES = Path(__file__).parent / "fixtures" / "text"
KST = ZoneInfo("Asia/Seoul")


def fixture(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def box(text: str) -> tuple[tuple[str, ...], tuple[RelatedRef, ...]]:
    _, found = split_category_box(export_lines(text))
    assert found is not None
    return found.category, found.related


# --- whole exports ----------------------------------------------------------------------------


def test_export_without_title_line() -> None:
    post = parse_plain_text(fixture("gwoemul_no_title.txt"), path="exports/gwoemul.txt")
    assert post.kind is SourceKind.PLAIN_TEXT
    assert post.title == "<괴물> 리뷰"
    assert post.film == "괴물"
    assert post.notes == ("title derived from the film named in the text: <괴물> 리뷰",)
    assert [s.heading for s in post.sections] == [
        None,
        "한강에서 시작된 하루",
        "왜 아무도 듣지 않았을까?",
        "가족이라는 이름",
    ]
    assert post.sections[0].text.startswith("오랜만에 <괴물>을")
    assert post.sections[2].text.endswith("단단해 보였다.")  # a second line stays in its section


def test_category_box_and_trailing_noise_are_not_review_text() -> None:
    post = parse_plain_text(fixture("gwoemul_no_title.txt"))
    assert post.category == ("리뷰", "한국영화")
    assert post.related == (
        RelatedRef("살인의 추억 다시 보기", None, date(2025, 10, 2), 2),
        RelatedRef("마더, 엄마라는 미로", None, date(2025, 9, 21), 5),
        RelatedRef("플란다스의 개 짧은 후기", None, date(2025, 8, 30), None),
    )
    for word in ("카테고리의 다른 글", "공감", "구독하기", "변경금지", "Copyright", "2025.10.02"):
        assert word not in post.text


def test_export_with_title_date_tags_and_tab_table() -> None:
    post = parse_plain_text(fixture("burning_titled.txt"))
    assert (post.title, post.film, post.film_year) == ("[영화] 버닝(2018) 리뷰", "버닝", 2018)
    assert post.published == datetime(2025, 9, 14, 21, 5, tzinfo=KST)
    assert post.tags == ("청춘", "불안", "수수께끼")
    assert post.themes == ("청춘", "불안", "수수께끼")
    assert post.notes == ()
    assert [s.heading for s in post.sections] == [None, "해미의 춤", "사라진 사람은 어디로 갔나"]
    assert post.related == (
        RelatedRef("시(2010) 감상", None, date(2025, 8, 2), None),
        RelatedRef("박하사탕 리뷰", None, date(2025, 7, 11), 7),
        RelatedRef("초록물고기", None, date(2025, 6, 30), 1),
    )
    assert "좋은 글 잘 읽었습니다" not in post.text  # comments after the box


def test_bom_and_control_characters_are_removed() -> None:
    post = parse_plain_text(fixture("burning_titled.txt"))
    assert "\ufeff" not in post.title
    assert "\x07" not in post.text
    assert post.title.startswith("[영화]")


@pytest.mark.parametrize("text", ["", "   \n\n\t", "\ufeff", "\ufeff\n \x00\n"])
def test_empty_text_is_an_error(text: str) -> None:
    with pytest.raises(IngestError, match=r"^empty file$"):
        parse_plain_text(text)


def test_only_buttons_is_not_a_post() -> None:
    with pytest.raises(NotAPost):
        parse_plain_text("공감\n구독하기\n공유하기 게시글 관리\n")


def test_huge_post_parses_in_reasonable_time() -> None:
    paragraph = "강물은 천천히 흐르고 가족은 서로를 부른다. 목소리는 번번이 벽에 부딪힌다. " * 8
    text = "".join(f"장면 {n}\n\n{paragraph}\n\n" for n in range(1800))
    assert len(text.encode()) > 1_000_000
    started = time.perf_counter()
    post = parse_plain_text(text)
    assert time.perf_counter() - started < 10
    assert len(post.sections) == 1800
    assert post.sections[-1].heading == "장면 1799"


# --- headings ---------------------------------------------------------------------------------

BODY = "괴물은 다리 밑에서 나타나 사람들 사이를 가로지른다. 그 장면은 지금 봐도 숨이 막힌다."


def headings(text: str) -> list[str | None]:
    return [s.heading for s in parse_plain_text(text).sections]


def test_headings_end_in_question_mark_or_no_punctuation() -> None:
    text = f"{BODY}\n\n누가 현서를 찾았나?\n\n{BODY}\n\n매점의 밤\n\n{BODY}"
    assert headings(text) == [None, "누가 현서를 찾았나?", "매점의 밤"]


def test_sentences_are_not_headings() -> None:
    text = f"{BODY}\n\n정말 좋았다.\n\n{BODY}\n\n다시 보고 싶어요.\n\n{BODY}\n\n꼭 보세요\n\n{BODY}"
    assert headings(text) == [None]


def test_long_lines_are_paragraphs() -> None:
    long_line = "짧지 않은 문장이지만 마침표가 없는 줄 " * 4
    assert headings(f"{BODY}\n\n{long_line.strip()}\n\n{BODY}") == [None]


def test_headings_without_blank_lines_around_them() -> None:
    text = f"{BODY}\n괴물의 정체\n{BODY}\n마지막 장면\n{BODY}"
    assert headings(text) == [None, "괴물의 정체", "마지막 장면"]


def test_consecutive_short_lines_are_a_list_not_headings() -> None:
    text = f"{BODY}\n\n강두\n남일\n남주\n\n{BODY}"
    assert headings(text) == [None]
    assert "강두\n남일\n남주" in parse_plain_text(text).text


def test_bullets_and_quotations_are_not_headings() -> None:
    text = f"{BODY}\n\n- 한강 둔치\n\n{BODY}\n\n“아빠 여기야”\n\n{BODY}"
    assert headings(text) == [None]


# --- title line -------------------------------------------------------------------------------


def test_short_title_line_followed_by_blank_line() -> None:
    post = parse_plain_text(f"헤어질 결심 (집착, 안개)\n\n{BODY}")
    assert (post.title, post.film, post.themes) == (
        "헤어질 결심 (집착, 안개)",
        "헤어질 결심",
        ("집착", "안개"),
    )
    assert post.notes == ()


def test_first_line_that_is_a_heading_is_not_a_title() -> None:
    post = parse_plain_text(f"들어가며\n\n{BODY}", path="/tmp/memories_of_murder.txt")
    assert post.sections[0].heading == "들어가며"
    assert post.title == "memories of murder"
    assert post.notes == ("title derived from the file name: memories of murder",)


def test_title_line_must_be_followed_by_a_blank_line() -> None:
    post = parse_plain_text(f"영화 <괴물> 리뷰\n{BODY}")
    assert post.notes  # derived: the first line was read as text
    assert post.film == "괴물"


def test_title_derived_from_first_words_without_film_or_path() -> None:
    post = parse_plain_text(BODY)
    assert post.title.startswith("괴물은 다리 밑에서")
    assert post.notes[0].startswith("title derived from the first words of the text")


def test_own_post_is_dropped_from_related() -> None:
    text = (
        f"버닝 리뷰\n\n{BODY}\n\n'리뷰' 카테고리의 다른 글\n\n"
        "| 버닝 리뷰 | 2025.09.14 |\n| 시 감상 | 2025.08.02 |\n"
    )
    post = parse_plain_text(text)
    assert [r.title for r in post.related] == ["시 감상"]


# --- the category table -----------------------------------------------------------------------

HEADING = "'리뷰 > 한국영화' 카테고리의 다른 글"


def test_table_with_separator_and_comment_counts() -> None:
    category, related = box(f"{HEADING}\n\n| 마더 (3) | 2025.10.02 |\n|---|---|\n| 시 | 2025.9.1 |")
    assert category == ("리뷰", "한국영화")
    assert related == (
        RelatedRef("마더", None, date(2025, 10, 2), 3),
        RelatedRef("시", None, date(2025, 9, 1), None),
    )


def test_table_without_separator_or_counts() -> None:
    _, related = box(f"{HEADING}\n| 마더 | 2025.10.02 |\n| 시 | 2025.09.01 |\n")
    assert [(r.title, r.comments) for r in related] == [("마더", None), ("시", None)]


def test_table_with_tabs_without_pipes_and_split_rows() -> None:
    _, tabs = box(f"{HEADING}\n마더 (3)\t2025.10.02\n시\t2025.09.01")
    _, bare = box(f"{HEADING}\n마더 (3) 2025.10.02\n시 2025. 9. 1.")
    _, split = box(f"{HEADING}\n마더 (3)\n2025.10.02\n시\n2025.09.01")
    expected = (
        RelatedRef("마더", None, date(2025, 10, 2), 3),
        RelatedRef("시", None, date(2025, 9, 1), None),
    )
    assert tabs == bare == split == expected


def test_year_in_parentheses_is_not_a_comment_count() -> None:
    _, related = box(f"{HEADING}\n| 버닝 (2018) | 2025.10.02 |")
    assert related == (RelatedRef("버닝 (2018)", None, date(2025, 10, 2), None),)


def test_table_ends_at_the_first_line_that_is_not_a_row() -> None:
    _, related = box(f"{HEADING}\n| 마더 | 2025.10.02 |\n\n댓글 쓰기\n| 다른 표 | 2020.01.01 |")
    assert [r.title for r in related] == ["마더"]


def test_single_category_with_curly_quotes() -> None:
    category, _ = box("‘리뷰’ 카테고리의 다른 글\n| 마더 | 2025.10.02 |")
    assert category == ("리뷰",)


def test_trim_tail_keeps_words_inside_the_review() -> None:
    lines, tags = trim_tail(
        [
            "공감이 가는 장면이 많았다.",
            "",
            "공감",
            "댓글 3",
            "카카오톡 · 트위터 · 페이스북",
            "태그",
            "가족, 재난",
            "ⓒ 2025 나의 영화 일기",
        ]
    )
    assert lines == ["공감이 가는 장면이 많았다."]
    assert tags == ["가족", "재난"]
