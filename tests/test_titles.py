import html

import pytest

from bot.titles import (
    TitleInfo,
    film_from_text,
    looks_like_review_title,
    merge_themes,
    parse_title,
)

# (title, film, year, themes) — the ways Korean and English bloggers write review titles.
REQUIRED = [
    ("영화 <괴물> 리뷰 (가족, 재난, 침묵)", "괴물", None, ("가족", "재난", "침묵")),
    (
        "<영화리뷰> 미션 임파서블: 데드 레코닝 (액션, 신뢰)",
        "미션 임파서블: 데드 레코닝",
        None,
        ("액션", "신뢰"),
    ),
    ("헤어질 결심 (집착, 안개)", "헤어질 결심", None, ("집착", "안개")),
    ("《살인의 추억》 후기", "살인의 추억", None, ()),
    ("[영화] 버닝(2018) 리뷰", "버닝", 2018, ()),
    ("Past Lives (2023) review", "Past Lives", 2023, ()),
    ("내부자들(2015) / 우민호", "내부자들", 2015, ()),
    ("올드보이 리뷰 복수, 감금, 진실", "올드보이", None, ("복수", "감금", "진실")),
    ("영화 <기생충> 리뷰 (반지하, 계단, 냄새)", "기생충", None, ("반지하", "계단", "냄새")),
    ("듄: 파트 2 리뷰", "듄: 파트 2", None, ()),
    ("Dune: Part Two (2024) — review", "Dune: Part Two", 2024, ()),
    ("[리뷰] 죽은 시인의 사회", "죽은 시인의 사회", None, ()),
    ("영화 '벌새' 감상", "벌새", None, ()),
    ("“Aftersun” review: memory", "Aftersun", None, ("memory",)),
    (
        "Everything Everywhere All at Once 후기 (가족, 멀티버스)",
        "Everything Everywhere All at Once",
        None,
        ("가족", "멀티버스"),
    ),
]


@pytest.mark.parametrize(("title", "film", "year", "themes"), REQUIRED)
def test_required_titles(title: str, film: str, year: int | None, themes: tuple[str, ...]) -> None:
    info = parse_title(title)
    assert (info.film, info.year, info.themes) == (film, year, themes)


MORE = [
    # labels and generic words around the film, never inside it
    ("넷플릭스 영화 길복순 리뷰 결말 해석 및 쿠키 정보", "길복순"),
    ("오펜하이머 솔직후기 (스포X)", "오펜하이머"),
    ("Film review - Past Lives (2023)", "Past Lives"),
    ("Review: Past Lives", "Past Lives"),
    ("The Lego Movie review", "The Lego Movie"),
    ("Movie 43 review", "Movie 43"),
    ("영화는 영화다 리뷰", "영화는 영화다"),
    # punctuation that belongs to the film
    ("(500)일의 썸머 리뷰", "(500)일의 썸머"),
    ("Schindler's List review", "Schindler's List"),
    ("안녕, 헤이즐 후기", "안녕, 헤이즐"),
    ("Crazy, Stupid, Love review", "Crazy, Stupid, Love"),
    ("Tom & Jerry 리뷰", "Tom & Jerry"),
    ("블레이드 러너 2049 리뷰", "블레이드 러너 2049"),
    # a square bracket names the film only when nothing else does
    ("[기생충] 리뷰", "기생충"),
    ("[넷플릭스] 서울의 봄 후기", "서울의 봄"),
    ("(넷플릭스) 길복순 리뷰", "길복순"),
    ("본 얼티메이텀 후기", "본 얼티메이텀"),
    ("리뷰 | 괴물 (2006)", "괴물"),
    ("괴물 리뷰 :: 나의 영화 일기", "괴물"),
    ("🎬 영화 <괴물> 리뷰", "괴물"),
    ("<괴물>과 <기생충> 비교", "괴물"),
    ("범죄도시 2편 리뷰", "범죄도시 2편"),
    # a quotation after the film is a subtitle
    ('괴물 리뷰 - "가족을 지킨다는 것"', "괴물"),
]


@pytest.mark.parametrize(("title", "film"), MORE)
def test_film_is_found_by_structure(title: str, film: str) -> None:
    assert parse_title(title).film == film


@pytest.mark.parametrize(
    "title", ["이번 주에 본 영화들", "영화 리뷰 모음", "영화 리뷰", "2025년 상반기 결산", "", "   "]
)
def test_titles_that_name_no_film(title: str) -> None:
    assert parse_title(title).film is None


def test_parenthesised_year_theme_list_and_spoiler_note() -> None:
    assert parse_title("버닝 (2018)").year == 2018
    assert parse_title("버닝 (2018년 개봉)").year == 2018
    assert parse_title("괴물 (가족, 재난)").themes == ("가족", "재난")
    assert parse_title("괴물 (스포 있음)") == TitleInfo("괴물", None, ())
    assert parse_title("괴물 (스포일러)") == TitleInfo("괴물", None, ())
    assert parse_title("괴물 리뷰 (★★★★☆)").themes == ()


def test_parenthesised_original_title_is_an_alias() -> None:
    info = parse_title("괴물 (The Host, 2006)")
    assert (info.film, info.year, info.aliases, info.themes) == ("괴물", 2006, ("The Host",), ())
    assert parse_title("Past Lives (패스트 라이브즈, 2023)").aliases == ("패스트 라이브즈",)
    assert parse_title("기생충 (Parasite) 리뷰").aliases == ("Parasite",)


def test_same_script_single_word_is_not_a_theme_nor_an_alias() -> None:
    # Usually a director or a platform, not a theme.
    info = parse_title("헤어질 결심 (박찬욱)")
    assert (info.themes, info.aliases) == ((), ())


def test_themes_are_normalised_and_deduplicated_by_key() -> None:
    info = parse_title("청춘 리뷰 (청춘의 목소리, 청춘의목소리, #여름.)")
    assert info.themes == ("청춘의 목소리", "여름")


def test_keyword_list_after_a_separator_and_hashtags() -> None:
    assert parse_title("영화 헤어질 결심 리뷰 - 사랑, 붕괴").themes == ("사랑", "붕괴")
    assert parse_title("괴물 리뷰 #가족 #재난").themes == ("가족", "재난")
    assert parse_title("영화 <괴물> 리뷰: 가족, 재난").themes == ("가족", "재난")


def test_a_lone_phrase_after_the_film_is_not_a_theme() -> None:
    # Without a colon or a list, trailing words are a director or a blog name.
    assert parse_title("내부자들(2015) / 우민호").themes == ()
    assert parse_title("괴물 리뷰 봉준호").themes == ()


def test_title_with_entities_unescaped_by_the_caller() -> None:
    raw = "영화 &lt;괴물&gt; 리뷰 (가족, 재난)"
    info = parse_title(html.unescape(raw))
    assert (info.film, info.themes) == ("괴물", ("가족", "재난"))
    assert parse_title(html.unescape("&quot;Aftersun&quot; review")).film == "Aftersun"


def test_fullwidth_brackets_and_spacing() -> None:
    info = parse_title("괴물（2006） 리뷰")
    assert (info.film, info.year) == ("괴물", 2006)
    assert parse_title("영화  <괴물>\u00a0리뷰").film == "괴물"


def test_film_from_text_skips_html_and_labels() -> None:
    assert film_from_text("오늘은 <br> 그리고 <괴물>을 봤다") == "괴물"
    assert film_from_text("<a href='x'>링크</a> 《살인의 추억》") == "살인의 추억"
    assert film_from_text("<영화리뷰> 그리고 〈벌새〉") == "벌새"
    assert film_from_text("「괴물」과 『마더』") == "괴물"
    assert film_from_text("<p>텍스트</p> <!-- 주석 -->") is None
    assert film_from_text("괄호 없는 글") is None


def test_film_from_text_ignores_long_or_multiline_brackets() -> None:
    long = "<" + "가" * 70 + ">"
    assert film_from_text(f"{long} 그리고 <버닝>") == "버닝"
    assert film_from_text("<여러\n줄>") is None


def test_merge_themes_drops_generic_words_and_years() -> None:
    assert merge_themes(["가족", "리뷰"], ["#가족", "2018", "재난 "]) == ("가족", "재난")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("영화 <괴물> 리뷰", True),
        ("헤어질 결심 (집착, 안개)", True),
        ("Past Lives (2023)", True),
        ("[영화] 버닝", True),
        ("들어가며", False),
        ("왜 괴물인가?", False),
        ("줄거리", False),
    ],
)
def test_looks_like_review_title(line: str, expected: bool) -> None:
    assert looks_like_review_title(line) is expected


@pytest.mark.parametrize(
    ("title", "film"),
    [
        ("인터스텔라 재개봉 후기", "인터스텔라"),
        ("죽은 시인의 사회 재관람 후기", "죽은 시인의 사회"),
        ("헤어질 결심 시사회 후기", "헤어질 결심"),
    ],
)
def test_watching_occasions_are_not_part_of_the_film(title: str, film: str) -> None:
    assert parse_title(title).film == film


# A dash between two runs of English title words is the film's own; the words on each side
# decide, not the dash.
@pytest.mark.parametrize(
    ("title", "film"),
    [
        ("Mission: Impossible - Dead Reckoning", "Mission: Impossible - Dead Reckoning"),
        (
            "Mission: Impossible - Dead Reckoning Part One review",
            "Mission: Impossible - Dead Reckoning Part One",
        ),
        ("Spider-Man: Across the Spider-Verse review", "Spider-Man: Across the Spider-Verse"),
        ("Star Wars: Episode IV - A New Hope - review", "Star Wars: Episode IV - A New Hope"),
        (
            "Harry Potter and the Deathly Hallows – Part 2 review",
            "Harry Potter and the Deathly Hallows – Part 2",
        ),
        # a Korean label before the film and Korean generic words after it
        (
            "영화 Mission: Impossible - Dead Reckoning 영화 리뷰",
            "Mission: Impossible - Dead Reckoning",
        ),
        ("Review: Mission: Impossible - Fallout", "Mission: Impossible - Fallout"),
    ],
)
def test_dash_between_title_words_stays_in_the_film(title: str, film: str) -> None:
    assert parse_title(title).film == film


def test_dash_in_film_with_year_and_keywords() -> None:
    info = parse_title("Mission: Impossible – Dead Reckoning Part One (2023) 리뷰 (액션, 신뢰)")
    assert (info.film, info.year, info.themes) == (
        "Mission: Impossible – Dead Reckoning Part One",
        2023,
        ("액션", "신뢰"),
    )
    info = parse_title("Film review - Mission: Impossible - Fallout (2018)")
    assert (info.film, info.year) == ("Mission: Impossible - Fallout", 2018)


@pytest.mark.parametrize(
    ("title", "film"),
    [
        # generic or label words after the dash
        ("Past Lives - review", "Past Lives"),
        ("Past Lives - 리뷰", "Past Lives"),
        ("괴물 - 스포 있음", "괴물"),
        ("Past Lives - My Honest Review", "Past Lives"),
        ("Anatomy of a Fall - Spoiler-Free Review", "Anatomy of a Fall"),
        ("Killers of the Flower Moon - My Thoughts", "Killers of the Flower Moon"),
        ("Past Lives - Movie Review", "Past Lives"),
        # a blog, a platform or a director
        ("Past Lives | My Film Blog", "Past Lives"),
        ("Past Lives - My Film Blog", "Past Lives"),
        ("Glass Onion: A Knives Out Mystery - Netflix review", "Glass Onion: A Knives Out Mystery"),
        ("Past Lives / Celine Song", "Past Lives"),
        # a sentence, a year, a dash after the generic words or after a parenthesis
        ("Past Lives – the weight of twenty-four years", "Past Lives"),
        ("Past Lives - 2023", "Past Lives"),
        ("Past Lives review - Love Story", "Past Lives"),
        (
            "Everything Everywhere All at Once (2022) - Multiverse Blues",
            "Everything Everywhere All at Once",
        ),
        # Korean titles have no case to tell a subtitle from a comment: a dash always ends them
        ("[넷플릭스] 길복순 - 킬러도 엄마다", "길복순"),
        ("미나리 - Lee Isaac Chung", "미나리"),
    ],
)
def test_dash_before_labels_comments_and_names_ends_the_film(title: str, film: str) -> None:
    assert parse_title(title).film == film


def test_keyword_list_after_a_dash_is_not_a_subtitle() -> None:
    info = parse_title("Past Lives - Love, Fate, Time")
    assert (info.film, info.themes) == ("Past Lives", ("Love", "Fate", "Time"))


def test_title_case_name_after_a_dash_stays_in_the_film() -> None:
    # The accepted cost of reading structure: "Celine Song" looks like "Dead Reckoning".
    assert parse_title("Past Lives - Celine Song").film == "Past Lives - Celine Song"


# "Movie"/"Film" before a review word: a label or part of the name (see _movie_is_label).
@pytest.mark.parametrize(
    ("title", "film"),
    [
        # a label: Title Case heading, or a Korean review word, with two words or more left
        ("Past Lives Movie Review", "Past Lives"),
        ("Past Lives Film Review", "Past Lives"),
        ("PAST LIVES MOVIE REVIEW", "PAST LIVES"),
        ("Past Lives Movie 리뷰", "Past Lives"),
        ("Decision to Leave Movie Review - Park Chan-wook's fog", "Decision to Leave"),
        ("Past Lives movie review", "Past Lives"),
        ("패스트 라이브즈 영화 리뷰", "패스트 라이브즈"),
        # a name: an article, a lower-case review word after a capital, or a word after it
        ("The Lego Movie review", "The Lego Movie"),
        ("The Lego Movie Review", "The Lego Movie"),
        ("The Lego Movie 후기", "The Lego Movie"),
        ("A Minecraft Movie Review", "A Minecraft Movie"),
        ("Jackass: The Movie Review", "Jackass: The Movie"),
        ("Super Mario Bros. Movie review", "Super Mario Bros. Movie"),
        ("Scary Movie 3 review", "Scary Movie 3"),
        ("Scary Movie 3 Review", "Scary Movie 3"),
        ("레고 무비 리뷰", "레고 무비"),
        ("무서운 영화 3 리뷰", "무서운 영화 3"),
        # ambiguous, kept: one word left is where "Bee Movie" and "Scary Movie" live, and
        # "Barbie Movie" still starts with the real name
        ("Bee Movie Review", "Bee Movie"),
        ("Scary Movie Review", "Scary Movie"),
        ("Barbie Movie Review", "Barbie Movie"),
        # ambiguous, kept: "The … Movie" is a name far more often than a label
        ("The Batman Movie Review", "The Batman Movie"),
    ],
)
def test_movie_before_a_review_word(title: str, film: str) -> None:
    assert parse_title(title).film == film


def test_film_review_label_keeps_year_and_keywords() -> None:
    info = parse_title("Past Lives Film Review (2023)")
    assert (info.film, info.year) == ("Past Lives", 2023)
    info = parse_title("Past Lives Movie 후기 (사랑, 인연)")
    assert (info.film, info.themes) == ("Past Lives", ("사랑", "인연"))


# Titles as bloggers write them, mixing brackets, dashes and languages.
@pytest.mark.parametrize(
    ("title", "film", "year", "themes"),
    [
        ("<헤어질 결심> 리뷰 - 박찬욱의 안개", "헤어질 결심", None, ()),
        (
            "Everything Everywhere All at Once (2022) - 리뷰",
            "Everything Everywhere All at Once",
            2022,
            (),
        ),
        ("[넷플릭스] 길복순 - 킬러도 엄마다", "길복순", None, ()),
        ("Dune: Part Two review — spice and sand", "Dune: Part Two", None, ()),
        (
            "Spider-Man: Across the Spider-Verse (2023) review: identity, canon",
            "Spider-Man: Across the Spider-Verse",
            2023,
            ("identity", "canon"),
        ),
        (
            "Mission: Impossible - Dead Reckoning Part One 영화 리뷰 (2023) - 톰 크루즈",
            "Mission: Impossible - Dead Reckoning Part One",
            2023,
            (),
        ),
        ("영화 헤어질 결심 리뷰 - 사랑, 붕괴", "헤어질 결심", None, ("사랑", "붕괴")),
    ],
)
def test_tricky_titles(title: str, film: str, year: int | None, themes: tuple[str, ...]) -> None:
    info = parse_title(title)
    assert (info.film, info.year, info.themes) == (film, year, themes)
