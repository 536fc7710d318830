"""The film matcher (bot.matching.FilmIndex): what readers type and which films they get."""

from __future__ import annotations

import random

import pytest

from bot.domain import FilmEntry
from bot.matching import FilmIndex, FilmMatch
from bot.matching.film_index import MAX_CHOICES, MAX_SUGGESTIONS, _key, _prepare
from bot.textnorm import normalize_key


def film(id: int, title: str, year: int | None, *aliases: str, posts: int = 1) -> FilmEntry:
    return FilmEntry(id=id, title=title, year=year, aliases=aliases, posts=posts)


# The sample library's films, and a remake pair that shares one title.
LIBRARY = (
    film(1, "기생충", 2019, "Parasite", posts=5),
    film(2, "헤어질 결심", 2022, "Decision to Leave", posts=3),
    film(3, "괴물", 2006, "The Host", posts=4),
    film(4, "듄", 2021, "Dune", posts=2),
    film(5, "듄: 파트 2", 2024, "Dune: Part Two", posts=2),
    film(6, "죽은 시인의 사회", 1989, "Dead Poets Society"),
    film(7, "인사이드 아웃", 2015, "Inside Out", posts=2),
    film(8, "인사이드 아웃 2", 2024, "Inside Out 2"),
    film(9, "버닝", 2018, "Burning", posts=2),
    film(10, "미션 임파서블: 데드 레코닝", 2023, "Mission: Impossible – Dead Reckoning"),
    film(11, "Past Lives", 2023, "패스트 라이브즈", posts=2),
    film(12, "아가씨", 2016, "The Handmaiden", posts=3),
    film(13, "살인의 추억", 2003, "Memories of Murder", posts=3),
    film(14, "벌새", 2018, "House of Hummingbird"),
    film(15, "1987", 2017),
    film(16, "부산행", 2016, "Train to Busan", posts=2),
    film(17, "서스페리아", 1977, "Suspiria"),
    film(18, "서스페리아", 2018, "Suspiria", posts=2),
)


@pytest.fixture(scope="module")
def index() -> FilmIndex:
    return FilmIndex(LIBRARY)


def titles(films: tuple[FilmEntry, ...] | list[FilmEntry]) -> list[str]:
    return [f"{f.title} ({f.year})" if f.year else f.title for f in films]


def found(index: FilmIndex, query: str) -> list[str]:
    return titles(index.match(query).films)


def suggested(index: FilmIndex, query: str) -> list[str]:
    m = index.match(query)
    assert m.films == (), f"{query!r} found {titles(m.films)}"
    return titles(m.suggestions)


# --- by name: case, spacing, punctuation and noise words do not matter -----------------------


@pytest.mark.parametrize(
    "query",
    [
        "헤어질 결심",
        "헤어질결심",
        "<헤어질 결심>",
        "《헤어질 결심》",
        "'헤어질 결심'",
        "[헤어질 결심]",
        "헤어질 결심 리뷰",
        "헤어질 결심 후기",
        "영화 헤어질 결심 감상",
        "<헤어질 결심> 리뷰",
        "헤어질결심리뷰",
        "  헤어질   결심  ",
        "DECISION TO LEAVE",
        "decision to leave review",
        "movie: Decision to Leave",
    ],
)
def test_names_ignore_case_spacing_punctuation_and_noise(index: FilmIndex, query: str) -> None:
    m = index.match(query)
    assert titles(m.films) == ["헤어질 결심 (2022)"]
    assert m.exact
    assert m.suggestions == ()


def test_a_title_that_holds_a_noise_word_is_found_by_its_full_name() -> None:
    idx = FilmIndex(
        [
            film(1, "영화는 영화다", 2008),
            film(2, "The Lego Movie", 2014, "레고 무비"),
            film(3, "The Lego Batman Movie", 2017),
        ]
    )
    assert found(idx, "영화는 영화다") == ["영화는 영화다 (2008)"]
    assert found(idx, "The Lego Movie") == ["The Lego Movie (2014)"]
    assert found(idx, "the lego movie review") == ["The Lego Movie (2014)"]
    assert idx.match("the lego movie").exact


def test_markup_in_a_query_is_ignored(index: FilmIndex) -> None:
    assert found(index, "<b>기생충</b>") == ["기생충 (2019)"]
    assert found(index, "**기생충**") == ["기생충 (2019)"]
    assert found(index, "[기생충](https://example.com/x)") == ["기생충 (2019)"]
    assert found(index, "&lt;헤어질 결심&gt;") == ["헤어질 결심 (2022)"]
    assert found(index, "기생충\x00\x07") == ["기생충 (2019)"]


# --- aliases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("The Host", "괴물 (2006)"),
        ("the host", "괴물 (2006)"),
        ("host", "괴물 (2006)"),  # a leading English article is optional
        ("parasite", "기생충 (2019)"),
        ("PARASITE", "기생충 (2019)"),
        ("Parasite (2019)", "기생충 (2019)"),
        ("Dead Poets Society", "죽은 시인의 사회 (1989)"),
        ("패스트 라이브즈", "Past Lives (2023)"),
        ("패스트라이브즈", "Past Lives (2023)"),
        ("past lives", "Past Lives (2023)"),
        ("The Handmaiden", "아가씨 (2016)"),
        ("handmaiden", "아가씨 (2016)"),
        ("Memories of Murder", "살인의 추억 (2003)"),
        ("Mission: Impossible – Dead Reckoning", "미션 임파서블: 데드 레코닝 (2023)"),
    ],
)
def test_aliases_in_other_languages(index: FilmIndex, query: str, expected: str) -> None:
    m = index.match(query)
    assert titles(m.films) == [expected]
    assert m.exact


def test_an_alias_tells_apart_films_that_share_a_korean_title() -> None:
    idx = FilmIndex(
        [
            film(1, "괴물", 2006, "The Host", posts=4),
            film(2, "괴물", 2023, "Monster", posts=1),
        ]
    )
    assert found(idx, "괴물") == ["괴물 (2006)", "괴물 (2023)"]
    assert found(idx, "The Host") == ["괴물 (2006)"]
    assert found(idx, "monster") == ["괴물 (2023)"]
    assert found(idx, "괴물 2023") == ["괴물 (2023)"]


# --- typos: one jamo off ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("기생층", "기생충 (2019)"),
        ("기샹충", "기생충 (2019)"),
        ("부산헹", "부산행 (2016)"),
        ("아가시", "아가씨 (2016)"),
        ("과물", "괴물 (2006)"),  # ㅘ vs ㅚ: one keystroke
        ("헤어질 결삼", "헤어질 결심 (2022)"),
        ("살인의 추엌", "살인의 추억 (2003)"),
        ("죽은 시인의 사희", "죽은 시인의 사회 (1989)"),
        ("parasitr", "기생충 (2019)"),
        ("prasite", "기생충 (2019)"),  # a transposition is one edit
        ("dead poet society", "죽은 시인의 사회 (1989)"),
        ("인사이드 아읏", "인사이드 아웃 (2015)"),  # not the sequel, one edit further away
        ("인사이드 아읏 2", "인사이드 아웃 2 (2024)"),
    ],
)
def test_a_one_jamo_typo_still_finds_the_film(index: FilmIndex, query: str, expected: str) -> None:
    m = index.match(query)
    assert titles(m.films) == [expected]
    assert not m.exact


def test_a_typo_in_a_one_syllable_title_is_only_a_suggestion(index: FilmIndex) -> None:
    # one jamo of three is too much to be sure of; it is still close enough to ask
    assert suggested(index, "둔") == ["듄 (2021)"]


# --- 초성 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ㅎㅇㅈ ㄱㅅ", ["헤어질 결심 (2022)"]),
        ("ㅎㅇㅈㄱㅅ", ["헤어질 결심 (2022)"]),
        ("ㅎㅇㅈ", ["헤어질 결심 (2022)"]),  # a prefix of the initials
        ("ㄱㅅㅊ", ["기생충 (2019)"]),
        ("ㅅㅇㅇ ㅊㅇ", ["살인의 추억 (2003)"]),
        ("ㅍㅅㅌ ㄹㅇㅂㅈ", ["Past Lives (2023)"]),  # an alias's initials
        ("ㅇㅅㅇㄷ ㅇㅇ", ["인사이드 아웃 (2015)"]),  # exact initials before longer ones
        ("ㅇㅅㅇㄷ ㅇㅇ 2", ["인사이드 아웃 2 (2024)"]),
        ("ㅂㄴ 2018", ["버닝 (2018)"]),
        ("ㅎㅇㅈㄱㅅ 리뷰", ["헤어질 결심 (2022)"]),
    ],
)
def test_initial_consonants(index: FilmIndex, query: str, expected: list[str]) -> None:
    m = index.match(query)
    assert titles(m.films) == expected
    assert not m.exact


def test_initials_that_match_nothing_suggest_nothing(index: FilmIndex) -> None:
    assert index.match("ㅋㅋㅋ") == FilmMatch((), (), False)
    assert index.match("ㅂ") == FilmMatch((), (), False)  # one consonant is not enough


# --- prefixes ---------------------------------------------------------------------------------


def test_a_prefix_finds_the_longer_title(index: FilmIndex) -> None:
    m = index.match("죽은 시인")
    assert titles(m.films) == ["죽은 시인의 사회 (1989)"]
    assert not m.exact
    assert found(index, "죽은 시인의") == ["죽은 시인의 사회 (1989)"]
    assert found(index, "미션 임파서블") == ["미션 임파서블: 데드 레코닝 (2023)"]
    assert found(index, "mission impossible") == ["미션 임파서블: 데드 레코닝 (2023)"]
    assert found(index, "dead poets") == ["죽은 시인의 사회 (1989)"]
    assert found(index, "헤어질 겨") == ["헤어질 결심 (2022)"]  # an unfinished syllable


def test_a_prefix_of_several_titles_offers_them_all(index: FilmIndex) -> None:
    m = index.match("인사이드")
    # the one the query covers more of first
    assert titles(m.films) == ["인사이드 아웃 (2015)", "인사이드 아웃 2 (2024)"]
    assert not m.exact


def test_a_too_short_prefix_finds_nothing(index: FilmIndex) -> None:
    assert index.match("the") == FilmMatch((), (), False)
    assert index.match("버").films == ()


def test_a_subtitle_finds_the_film(index: FilmIndex) -> None:
    assert found(index, "데드 레코닝") == ["미션 임파서블: 데드 레코닝 (2023)"]
    assert found(index, "결심") == ["헤어질 결심 (2022)"]


def test_exact_beats_prefix(index: FilmIndex) -> None:
    m = index.match("듄")
    assert titles(m.films) == ["듄 (2021)"]
    assert m.exact
    assert found(index, "Dune") == ["듄 (2021)"]
    assert found(index, "인사이드 아웃") == ["인사이드 아웃 (2015)"]


# --- sequels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "듄 2",
        "듄2",
        "듄: 파트 2",
        "듄 파트2",
        "듄 파트 2 리뷰",
        "Dune 2",
        "Dune: Part Two",
        "dune part 2",
    ],
)
def test_sequel_numbers_are_told_apart(index: FilmIndex, query: str) -> None:
    m = index.match(query)
    assert titles(m.films) == ["듄: 파트 2 (2024)"]
    assert m.exact


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("인사이드 아웃 2", "인사이드 아웃 2 (2024)"),
        ("인사이드아웃2", "인사이드 아웃 2 (2024)"),
        ("Inside Out 2", "인사이드 아웃 2 (2024)"),
        ("인사이드 아웃", "인사이드 아웃 (2015)"),
        ("inside out", "인사이드 아웃 (2015)"),
        ("인사이드 아웃 1", "인사이드 아웃 (2015)"),  # 1 = the film without a number
        ("듄 1", "듄 (2021)"),
        ("듄 파트 1", "듄 (2021)"),
    ],
)
def test_numbers_in_the_query_agree_with_the_title(
    index: FilmIndex, query: str, expected: str
) -> None:
    assert found(index, query) == [expected]


def test_a_sequel_the_library_lacks_is_not_another_part(index: FilmIndex) -> None:
    assert suggested(index, "듄 3") == ["듄 (2021)", "듄: 파트 2 (2024)"]
    assert suggested(index, "인사이드 아웃 3") == ["인사이드 아웃 (2015)", "인사이드 아웃 2 (2024)"]
    assert suggested(index, "Dune Part Three") == ["듄 (2021)", "듄: 파트 2 (2024)"]


def test_a_title_whose_films_are_all_sequels_offers_them() -> None:
    idx = FilmIndex(
        [
            film(1, "범죄도시 2", 2022, posts=1),
            film(2, "범죄도시 3", 2023, posts=3),
            film(3, "범죄와의 전쟁", 2012),
        ]
    )
    assert found(idx, "범죄도시") == ["범죄도시 2 (2022)", "범죄도시 3 (2023)"]
    assert found(idx, "범죄도시3") == ["범죄도시 3 (2023)"]
    assert found(idx, "범죄도시 파트 2") == ["범죄도시 2 (2022)"]


def test_numbers_that_are_not_sequel_numbers() -> None:
    idx = FilmIndex(
        [
            film(1, "1987", 2017),
            film(2, "2046", 2004),
            film(3, "Blade Runner", 1982),
            film(4, "Blade Runner 2049", 2017),
            film(5, "7번방의 선물", 2013),
            film(6, "Rocky II", 1979),
            film(7, "Malcolm X", 1992),
            film(8, "Se7en", 1995),
        ]
    )
    assert found(idx, "1987") == ["1987 (2017)"]
    assert found(idx, "2046") == ["2046 (2004)"]
    assert found(idx, "Blade Runner 2049") == ["Blade Runner 2049 (2017)"]
    assert found(idx, "blade runner") == ["Blade Runner (1982)"]
    assert found(idx, "7번방의 선물") == ["7번방의 선물 (2013)"]
    assert found(idx, "rocky 2") == ["Rocky II (1979)"]
    assert found(idx, "malcolm x") == ["Malcolm X (1992)"]
    assert found(idx, "se7en") == ["Se7en (1995)"]


# --- years ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["버닝 2018", "버닝(2018)", "버닝 (2018)", "버닝 2018년", "버닝 리뷰 2018"]
)
def test_a_year_in_the_query(index: FilmIndex, query: str) -> None:
    m = index.match(query)
    assert titles(m.films) == ["버닝 (2018)"]
    assert m.exact


def test_one_title_two_years_gives_both_and_a_year_picks_one(index: FilmIndex) -> None:
    m = index.match("서스페리아")
    assert titles(m.films) == ["서스페리아 (2018)", "서스페리아 (1977)"]  # more posts first
    assert m.exact
    assert found(index, "Suspiria") == ["서스페리아 (2018)", "서스페리아 (1977)"]
    assert found(index, "서스페리아 1977") == ["서스페리아 (1977)"]
    assert found(index, "suspiria (1977)") == ["서스페리아 (1977)"]
    assert found(index, "서스페리아 2019") == ["서스페리아 (2018)"]  # ±1: release years differ


def test_a_year_that_no_film_of_that_name_has(index: FilmIndex) -> None:
    assert suggested(index, "버닝 2010") == ["버닝 (2018)"]


def test_a_title_that_is_a_year(index: FilmIndex) -> None:
    assert found(index, "1987") == ["1987 (2017)"]
    assert found(index, "1987 2017") == ["1987 (2017)"]
    assert found(index, "1987 (2017)") == ["1987 (2017)"]


def test_a_year_narrows_prefixes_and_typos_too(index: FilmIndex) -> None:
    assert found(index, "죽은 시인 1989") == ["죽은 시인의 사회 (1989)"]
    assert found(index, "기생층 2019") == ["기생충 (2019)"]
    assert suggested(index, "기생층 2001") == ["기생충 (2019)"]


# --- a name inside a chatty query -------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("기생충은", "기생충 (2019)"),
        ("기생충 리뷰 있어?", "기생충 (2019)"),
        ("헤어질 결심을 봤는데", "헤어질 결심 (2022)"),
        ("살인의 추억 어때", "살인의 추억 (2003)"),
        ("any review of parasite", "기생충 (2019)"),
        ("parasite the movie", "기생충 (2019)"),
        ("기생충 Parasite", "기생충 (2019)"),  # two names of one film
        ("기생충 (Parasite, 2019)", "기생충 (2019)"),
        ("헤어질 결심(Decision to Leave)", "헤어질 결심 (2022)"),
    ],
)
def test_a_name_among_chat_words(index: FilmIndex, query: str, expected: str) -> None:
    assert found(index, query) == [expected]


def test_a_name_next_to_other_words_is_only_a_suggestion(index: FilmIndex) -> None:
    # "기생충 봉준호" may mean it; "어벤져스 엔드게임" must not find a film called 어벤져스
    assert suggested(index, "기생충 봉준호") == ["기생충 (2019)"]
    assert suggested(index, "기생충 괴물") == ["기생충 (2019)", "괴물 (2006)"]
    idx = FilmIndex([film(1, "어벤져스", 2012)])
    assert suggested(idx, "어벤져스 엔드게임") == ["어벤져스 (2012)"]


# --- not in the library: close suggestions only, never junk -----------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "아이언맨",  # shares 아 with 아가씨, and nothing else
        "올드보이",
        "어벤져스",
        "banana",
        "keyboard",
        "elephant",
        "done",
        "house",
        "괴담",  # shares 괴 with 괴물
        "벌레",  # shares 벌 with 벌새
    ],
)
def test_unknown_films_suggest_nothing_far(index: FilmIndex, query: str) -> None:
    assert index.match(query) == FilmMatch((), (), False)


def test_close_unknown_queries_suggest_close_films(index: FilmIndex) -> None:
    assert suggested(index, "죽은 시안") == ["죽은 시인의 사회 (1989)"]  # a typo'd prefix
    assert suggested(index, "dunes") == ["듄 (2021)", "듄: 파트 2 (2024)"]


def test_suggestions_are_capped() -> None:
    idx = FilmIndex([film(i, f"범죄도시 {i}", 2015 + i, posts=i) for i in range(2, 10)])
    m = idx.match("범죄도시 12")
    assert m.films == ()
    assert titles(m.suggestions) == [f"범죄도시 {i} ({2015 + i})" for i in (9, 8, 7, 6, 5)]
    assert len(m.suggestions) == MAX_SUGGESTIONS


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "!!!",
        "?!<>[](){}",
        "…",
        "😀😀",
        "x" * 10_000,
        "가" * 10_000,
        '"*NEAR OR',
        "* OR NEAR(a b)",
        "'; DROP TABLE films; --",
        "<script>alert(1)</script>",
        "\x00\x01\x02",
        "영화",
        "리뷰 후기",
        "2",
        "2018",
    ],
)
def test_bad_input_gives_an_empty_answer(index: FilmIndex, query: str) -> None:
    m = index.match(query)
    assert m.films == ()
    assert m.suggestions == ()
    assert not m.exact


def test_a_very_long_query_is_read_from_its_start(index: FilmIndex) -> None:
    assert found(index, "기생충 " * 2_000) == ["기생충 (2019)"]
    assert found(index, "헤어질 결심 " + "x" * 10_000) == []


def test_an_empty_library() -> None:
    idx = FilmIndex([])
    assert len(idx) == 0
    assert idx.match("기생충") == FilmMatch((), (), False)
    assert idx.complete("기") == []
    assert idx.complete("") == []


def test_a_film_with_an_unusable_name_is_kept_but_never_matched() -> None:
    idx = FilmIndex([film(1, "!!!", None), film(2, "기생충", 2019)])
    assert len(idx) == 2
    assert found(idx, "기생충") == ["기생충 (2019)"]
    assert idx.match("!!!").films == ()


# --- choices, order and determinism ----------------------------------------------------------


def test_choices_are_capped() -> None:
    idx = FilmIndex([film(i, "사랑", 1950 + i, posts=i % 7) for i in range(40)])
    m = idx.match("사랑")
    assert len(m.films) == MAX_CHOICES
    posts = [f.posts for f in m.films]
    assert posts == sorted(posts, reverse=True)


def test_a_film_found_by_several_names_is_listed_once(index: FilmIndex) -> None:
    # 서스페리아's title and alias both start with the query's keystrokes
    assert found(index, "서스페") == ["서스페리아 (2018)", "서스페리아 (1977)"]


def test_the_input_order_does_not_change_answers() -> None:
    shuffled = list(LIBRARY)
    random.Random(3).shuffle(shuffled)
    a, b = FilmIndex(LIBRARY), FilmIndex(shuffled)
    for query in ["서스페리아", "인사이드", "듄 3", "기생층", "ㅇㅅ", "ㅎㅇㅈ", "죽은 시안"]:
        assert a.match(query) == b.match(query), query
    for prefix in ["", "인", "ㅅ", "듄", "par", "서스"]:
        assert a.complete(prefix) == b.complete(prefix), prefix


def test_equal_posts_are_ordered_by_title_year_and_id() -> None:
    idx = FilmIndex(
        [
            film(3, "하녀", 2010),
            film(2, "하녀", 1960),
            film(1, "하녀", 1960),
            film(4, "하녀들", 2000),
        ]
    )
    assert [f.id for f in idx.match("하녀").films] == [1, 2, 3]


def test_len_films_and_get(index: FilmIndex) -> None:
    assert len(index) == len(LIBRARY)
    assert index.films == LIBRARY
    assert index.get(9) == LIBRARY[8]
    assert index.get(999) is None


def test_keys_are_normalize_key() -> None:
    """The index's fast key must equal bot.textnorm.normalize_key (a key found must match)."""
    for text in [
        "<헤어질 결심>",
        "Dune: Part Two",
        "ＡＢＣ １２３",
        "Amélie (2001) 😀",
        "STRASSE straße",
        "ㅎㅇㅈ ㄱㅅ",
        "Mission: Impossible – Dead Reckoning",
    ]:
        assert _key(_prepare(text)) == normalize_key(text), text


# --- complete (autocomplete) ------------------------------------------------------------------


def completed(index: FilmIndex, prefix: str, limit: int = 25) -> list[str]:
    return titles(index.complete(prefix, limit=limit))


def test_complete_empty_input_gives_the_most_reviewed(index: FilmIndex) -> None:
    assert completed(index, "", limit=3) == ["기생충 (2019)", "괴물 (2006)", "살인의 추억 (2003)"]
    assert completed(index, "   ", limit=1) == ["기생충 (2019)"]
    assert len(index.complete("")) == len(LIBRARY)


@pytest.mark.parametrize(
    "prefix",
    ["헤", "헤어", "헤어질 겨", "헤어질 겴", "헤어질 결시", "헤어질 ㄱ", "ㅎㅇ", "ㅎㅇㅈ ㄱ"],
)
def test_complete_unfinished_input(index: FilmIndex, prefix: str) -> None:
    assert completed(index, prefix)[0] == "헤어질 결심 (2022)"


def test_complete_orders_by_closeness_then_posts(index: FilmIndex) -> None:
    assert completed(index, "인사") == ["인사이드 아웃 (2015)", "인사이드 아웃 2 (2024)"]
    assert completed(index, "듄") == ["듄 (2021)", "듄: 파트 2 (2024)"]
    assert completed(index, "듄 2") == ["듄: 파트 2 (2024)"]  # the number must agree
    assert completed(index, "dune") == ["듄 (2021)", "듄: 파트 2 (2024)"]


def test_complete_aliases_later_words_and_typos(index: FilmIndex) -> None:
    assert completed(index, "para")[0] == "기생충 (2019)"
    assert completed(index, "dead p") == ["죽은 시인의 사회 (1989)"]
    assert completed(index, "결심") == ["헤어질 결심 (2022)"]
    assert completed(index, "레코") == ["미션 임파서블: 데드 레코닝 (2023)"]
    assert completed(index, "기생층") == ["기생충 (2019)"]
    assert completed(index, "기샹") == ["기생충 (2019)"]
    assert completed(index, "영화 기생") == ["기생충 (2019)"]


def test_complete_limits_and_bad_input(index: FilmIndex) -> None:
    assert len(index.complete("", limit=5)) == 5
    assert index.complete("기생충", limit=0) == []
    assert len(index.complete("ㅅ", limit=2)) <= 2
    assert index.complete("xyzzy") == []
    assert index.complete("아이언맨") == []
    assert index.complete("x" * 10_000) == []
    assert index.complete('"*NEAR OR') == []
    assert index.complete("!!!")[:1] == [LIBRARY[0]]  # nothing typed yet: the most reviewed
