"""Section excerpts: whole sentences when they fit, never a word cut in half."""

from __future__ import annotations

import unicodedata

import pytest

from bot.excerpts import ELLIPSIS, section_excerpt, truncate_words

KOREAN = [
    "이 영화의 진짜 주인공은 겨울의 바다다.",
    "감독은 파도 소리를 음악처럼 쓰면서 인물들이 말하지 못한 감정을 대신 들려준다.",
    "두 자매가 오래된 여관을 정리하는 사흘 동안 카메라는 거의 움직이지 않는다.",
    "그래서 작은 손짓 하나도 크게 보인다.",
]
ENGLISH = [
    "The first act is patient to a fault.",
    "Every scene in the old hotel lasts a beat longer than you expect, and then another beat.",
    "By the time the storm arrives, the waiting has become the point.",
]


def _is_word_prefix(excerpt: str, original: str) -> bool:
    """``excerpt`` without its ellipsis ends where a word of ``original`` ends."""
    body = excerpt.removesuffix(ELLIPSIS)
    if not original.startswith(body):
        return False
    rest = original[len(body) :]
    # the next character of the original is a space or punctuation dropped before the "…"
    return rest == "" or not rest[0].isalnum()


def test_empty_inputs() -> None:
    assert section_excerpt([]) == ""
    assert section_excerpt(["", "   ", "\n"]) == ""
    assert truncate_words("", 10) == ""
    assert truncate_words("아무 말", 0) == ""


def test_whole_section_when_it_fits() -> None:
    assert section_excerpt(KOREAN) == " ".join(KOREAN)
    assert section_excerpt(ENGLISH) == " ".join(ENGLISH)


def test_stops_at_a_sentence_end() -> None:
    budget = len(KOREAN[0]) + 1 + len(KOREAN[1]) + 5  # the third sentence does not fit
    excerpt = section_excerpt(KOREAN, max_chars=budget)
    assert excerpt == f"{KOREAN[0]} {KOREAN[1]}"
    assert excerpt.endswith(".")
    assert not excerpt.endswith(ELLIPSIS)


def test_exact_fit_keeps_the_sentence() -> None:
    budget = len(ENGLISH[0]) + 1 + len(ENGLISH[1])
    assert section_excerpt(ENGLISH, max_chars=budget) == f"{ENGLISH[0]} {ENGLISH[1]}"


def test_spacing_inside_sentences_is_normalised() -> None:
    assert (
        section_excerpt(["  한 문장이\n 있다. ", "두 번째 문장."])
        == "한 문장이 있다. 두 번째 문장."
    )


def test_long_first_sentence_is_cut_at_a_word_boundary() -> None:
    long = " ".join(KOREAN)  # one "sentence" longer than the budget
    for budget in range(12, len(long)):
        excerpt = section_excerpt([long, "다음 문장."], max_chars=budget)
        assert len(excerpt) <= budget
        assert excerpt.endswith(ELLIPSIS)
        assert _is_word_prefix(excerpt, long), (budget, excerpt)


def test_english_never_mid_word() -> None:
    text = " ".join(ENGLISH)
    for budget in range(10, len(text)):
        cut = truncate_words(text, budget)
        assert len(cut) <= budget
        assert _is_word_prefix(cut, text), (budget, cut)


def test_dangling_punctuation_is_dropped_before_the_ellipsis() -> None:
    text = "First, second, third and a very long tail of words"
    assert truncate_words(text, 16) == "First, second…"
    assert truncate_words("하나 둘, 셋넷다섯여섯", 8) == "하나 둘…"


def test_text_that_fits_is_unchanged() -> None:
    assert truncate_words("  짧은 문장.  ", 10) == "짧은 문장."
    assert truncate_words("exactly ten", 11) == "exactly ten"


def test_korean_run_without_spaces_is_cut_between_syllables() -> None:
    run = "띄어쓰기없이길게이어지는문장은단어경계가없어서글자사이에서자른다"
    cut = truncate_words(run, 10)
    assert cut == run[:9] + ELLIPSIS
    assert len(cut) == 10


def test_decomposed_hangul_is_never_split_inside_a_syllable() -> None:
    run = unicodedata.normalize("NFD", "겨울바다를보러갔다가길을잃었다")
    for budget in range(3, 20):
        cut = truncate_words(run, budget).removesuffix(ELLIPSIS)
        # composing what is left must give whole syllables of the original
        composed = unicodedata.normalize("NFC", cut)
        assert unicodedata.normalize("NFD", composed) == cut
        assert "겨울바다를보러갔다가길을잃었다".startswith(composed)


def test_a_late_space_is_preferred_but_an_early_one_is_not() -> None:
    # one space right at the start, then a long run: cutting at it would leave one syllable
    text = "아 " + "가나다라마바사아자차카타파하" * 4
    cut = truncate_words(text, 20)
    assert len(cut) == 20
    assert cut.startswith("아 가나다")


@pytest.mark.parametrize("budget", [1, 2])
def test_tiny_budgets(budget: int) -> None:
    cut = truncate_words("긴 문장은 잘린다", budget)
    assert len(cut) <= budget
