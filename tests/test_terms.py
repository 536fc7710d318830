"""The term stream shared by indexing and queries (bot.analysis.terms) and the Kiwi wrapper.

All sample text is written for these tests. Kiwi is created once per session (the module keeps
one instance), so only the first test pays the ~1-3 s model load.
"""

from __future__ import annotations

import re
import threading

import pytest

from bot.analysis import kiwi
from bot.analysis.terms import (
    MAX_QUERY_CHARS,
    MAX_TERM_CHARS,
    english_term,
    is_hangul_dominant,
    query_terms,
    singular,
    terms,
)

TERM = re.compile(r"^[^\W_]+$")


# --- Korean inflection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["외로운 밤이었다", "외로움이 밀려온다", "그는 외롭다", "외로워서 울었다", "외롭다고 적었다"],
)
def test_inflections_of_lonely_share_a_term(text: str) -> None:
    assert "외롭다" in terms(text)


def test_nominalised_and_adjectival_forms_match() -> None:
    assert terms("그리움") == terms("그리운") == terms("그립다") == ["그립다"]
    # Kiwi keeps 슬픔 as a noun; the analyser maps it to the adjective's lemma.
    assert terms("슬픔") == terms("슬픈") == ["슬프다"]
    # X하다 adjectives give their root, whatever the ending.
    assert terms("따뜻한") == terms("따뜻함") == terms("따뜻하게") == ["따뜻"]
    assert terms("행복한") == terms("행복") == ["행복"]


def test_particles_endings_and_light_verbs_are_dropped() -> None:
    assert terms("바다를 보았다") == ["바다"]
    assert terms("그것은 할 수 있는 것이었다") == []


def test_domain_words_stay_searchable() -> None:
    assert terms("영화 리뷰 후기") == ["영화", "리뷰", "후기"]


# --- Compounds and spacing ---------------------------------------------------------------------


def test_compound_spacing_gives_the_same_terms() -> None:
    assert terms("청춘의목소리") == terms("청춘의 목소리") == ["청춘", "목소리"]
    assert terms("성장영화") == terms("성장 영화") == ["성장", "영화"]


def test_guessed_compounds_are_split_like_the_spaced_spelling() -> None:
    # Kiwi reads this unknown compound as one guessed noun when alone and as two nouns in a
    # sentence; both must give the spaced spelling's terms.
    spaced = terms("콘크리트 유토피아")
    assert spaced == ["콘크리트", "유토피아"]
    assert terms("콘크리트유토피아") == spaced
    assert terms("콘크리트유토피아를 보았다") == spaced


# --- English, numbers --------------------------------------------------------------------------


def test_english_is_casefolded_and_lightly_singularised() -> None:
    assert terms("Memories of the lonely Nights") == ["memory", "lonely", "night"]
    assert terms("Tom's diaries") == ["tom", "diary"]
    assert terms("loneliness") == ["loneliness"]


def test_english_words_before_a_full_stop_are_whole() -> None:
    # Kiwi 0.24 would cut "wide." into "w" + "ide."
    assert terms("The sea is wide. I saw the sea.") == ["sea", "wide", "saw", "sea"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("memories", "memory"),
        ("boxes", "box"),
        ("watches", "watch"),
        ("glasses", "glass"),
        ("movies", "movie"),
        ("series", "series"),
        ("analysis", "analysis"),
        ("bus", "bus"),
        ("ideas", "idea"),
        ("loneliness", "loneliness"),
        ("cat", "cat"),
    ],
)
def test_singular(word: str, expected: str) -> None:
    assert singular(word) == expected


def test_contractions_and_stopwords() -> None:
    assert english_term("Don't") == ""  # "do" is a stopword
    assert english_term("can't") == ""
    assert english_term("it’s") == ""
    assert english_term("x") == ""
    assert english_term("Café") == "café"


def test_numbers_are_kept_for_sequels() -> None:
    assert terms("듄 2") == ["듄", "2"]
    assert terms("듄 2는 더 좋았다") == ["듄", "2", "좋다"]
    assert "2000" in terms("2,000명의 관객")


def test_mixed_script_text_keeps_text_order() -> None:
    assert terms("Aftersun을 보고 아버지를 생각했다") == ["aftersun", "아버지", "생각"]


def test_hashtags_and_links() -> None:
    assert terms("#외로움 #성장영화") == ["외롭다", "성장", "영화"]
    assert terms("자세한 건 https://example.org/page?id=3 참고") == ["자세", "참고"]


# --- Queries and hostile input -----------------------------------------------------------------


def test_query_terms_dedupe_keeping_order() -> None:
    assert query_terms("외로운 밤, 외로움의 밤") == ["외롭다", "밤"]


def test_query_terms_equal_index_terms() -> None:
    text = "바닷가 마을의 외로운 노인과 그리운 가족"
    assert query_terms(text) == list(dict.fromkeys(terms(text)))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "!?.,;:'\"()[]{}*^~",
        '" * NEAR OR',
        '"외로움" OR title:* NEAR(a b) AND NOT -x',
        "'; DROP TABLE posts; --",
        "\x00\x01\x1b[31m외로\u200b움\x7f",
        "\ud800\udfff 깨진 surrogate",
        "<script>alert(1)</script> **굵게** [링크](http://a.b/c)",
        "ㅋㅋㅋㅋ ㅠㅠ 😭😭",
        "外로움 ＦＵＬＬ　ＷＩＤＴＨ",
    ],
)
def test_hostile_queries_give_plain_terms(query: str) -> None:
    result = query_terms(query)
    assert all(TERM.match(term) and len(term) <= MAX_TERM_CHARS for term in result)


def test_fts_syntax_never_survives() -> None:
    assert query_terms('" * NEAR OR') == ["near"]  # a lowercase word, not an operator
    assert query_terms("\x00\x01외로\u200b움") == ["외롭다"]
    assert query_terms("!?.,;:") == []


def test_long_queries_are_capped() -> None:
    query = "외로운 바다 " * 2000 + "마지막단어"
    assert len(query) > 10_000
    result = query_terms(query)
    assert result == ["외롭다", "바다"]
    assert len(query[:MAX_QUERY_CHARS]) == MAX_QUERY_CHARS


def test_terms_never_contain_spaces_or_symbols() -> None:
    text = "청춘의 목소리: <헤어질 결심> (2022) — \"사랑\"과 '붕괴'! C'est la vie, Amélie's café."
    result = terms(text)
    assert result
    assert all(TERM.match(term) for term in result)


def test_junk_words_are_dropped() -> None:
    assert terms("a" * 500) == []
    assert terms("1" * 100) == []


# --- Language detection ------------------------------------------------------------------------


def test_is_hangul_dominant() -> None:
    assert is_hangul_dominant("오늘 본 영화는 좋았다")
    assert is_hangul_dominant("Aftersun을 보고 한참 울었다")
    assert not is_hangul_dominant("I watched 기생충 yesterday and loved every minute of it")
    assert not is_hangul_dominant("12345 !!!")
    assert not is_hangul_dominant("")


# --- Kiwi wrapper ------------------------------------------------------------------------------


def test_warm_up_returns_seconds() -> None:
    assert kiwi.warm_up() >= 0.0


def test_film_titles_are_added_once_and_only_when_useful() -> None:
    # A title Kiwi guesses at: alone it is one unknown noun, in a sentence it loses a syllable.
    assert terms("해무리를 보았다") == ["무리"]
    generation = kiwi.dictionary_generation()
    assert kiwi.add_film_titles(["해무리", "헤어질결심", "그녀", "Her"]) == 1
    assert kiwi.dictionary_generation() == generation + 1
    assert kiwi.add_film_titles(["해무리", "그녀"]) == 0  # idempotent, no rebuild
    assert kiwi.dictionary_generation() == generation + 1
    assert terms("해무리를 보았다") == ["해무리"]
    # A title Kiwi reads as a phrase is not added: spaced and unspaced spellings still agree.
    assert terms("헤어질결심") == terms("헤어질 결심") == ["헤어지다", "결심"]
    # A pronoun title is not added: "she" must not become a term everywhere.
    assert terms("그녀는 웃었다") == ["웃다"]


def test_concurrent_analysis_is_consistent() -> None:
    texts = ["외로운 바닷가의 오후", "청춘의 목소리를 들었다", "The quiet nights were long."]
    expected = [terms(t) for t in texts]
    errors: list[str] = []

    def work() -> None:
        for _ in range(20):
            for text, want in zip(texts, expected, strict=True):
                if terms(text) != want:
                    errors.append(text)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
