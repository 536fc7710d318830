"""Keystroke jamo and 초성 (bot.matching.hangul), checked against Unicode's own data."""

from __future__ import annotations

import unicodedata

import pytest

from bot.matching.hangul import decompose, has_hangul, initials, is_initials_query

# Compound jamo typed as two keys (test-local copy, so the table is checked, not reused).
_SPLIT = {
    "ㅘ": "ㅗㅏ", "ㅙ": "ㅗㅐ", "ㅚ": "ㅗㅣ", "ㅝ": "ㅜㅓ", "ㅞ": "ㅜㅔ", "ㅟ": "ㅜㅣ",
    "ㅢ": "ㅡㅣ", "ㄳ": "ㄱㅅ", "ㄵ": "ㄴㅈ", "ㄶ": "ㄴㅎ", "ㄺ": "ㄹㄱ", "ㄻ": "ㄹㅁ",
    "ㄼ": "ㄹㅂ", "ㄽ": "ㄹㅅ", "ㄾ": "ㄹㅌ", "ㄿ": "ㄹㅍ", "ㅀ": "ㄹㅎ", "ㅄ": "ㅂㅅ",
}  # fmt: skip


def _compat(conjoining: str) -> str:
    """The compatibility jamo of a conjoining one, by its Unicode name (an independent oracle)."""
    name = unicodedata.name(conjoining)
    for part in ("CHOSEONG", "JUNGSEONG", "JONGSEONG"):
        name = name.replace(part, "LETTER")
    return unicodedata.lookup(name)


def test_every_syllable_matches_unicode_decomposition() -> None:
    for code in range(0xAC00, 0xD7A4):
        syllable = chr(code)
        expected = "".join(
            _SPLIT.get(c, c) for c in map(_compat, unicodedata.normalize("NFD", syllable))
        )
        assert decompose(syllable) == expected, syllable


def test_output_is_compatibility_jamo_only() -> None:
    text = "".join(chr(c) for c in range(0xAC00, 0xD7A4))
    assert all("\u3131" <= c <= "\u318e" for c in decompose(text))


def test_one_jamo_typo_is_one_jamo_apart() -> None:
    a, b = decompose("기생충"), decompose("기생층")
    assert a == "ㄱㅣㅅㅐㅇㅊㅜㅇ"
    assert len(a) == len(b) == 8
    assert sum(x != y for x, y in zip(a, b, strict=True)) == 1


def test_compound_vowels_and_clusters_are_keystrokes() -> None:
    assert decompose("과") == "ㄱㅗㅏ"
    assert decompose("의") == "ㅇㅡㅣ"
    assert decompose("닭") == "ㄷㅏㄹㄱ"
    assert decompose("ㄺ") == "ㄹㄱ"  # a stray compatibility cluster is split too
    assert decompose("ㄲ") == "ㄲ"  # a double consonant is one key (with shift)


@pytest.mark.parametrize(
    ("states", "word"),
    [
        (["ㄱ", "겨", "결", "겴", "결시", "결심"], "결심"),
        (["ㄱ", "고", "과", "관"], "관"),
        (["ㄷ", "다", "달", "닭"], "닭"),
        (["ㅎ", "헤", "헤어", "헤엊", "헤어지", "헤어질"], "헤어질"),
    ],
)
def test_every_input_method_state_is_a_prefix(states: list[str], word: str) -> None:
    """Why keystrokes: autocomplete sees the IME's states, e.g. 겴 on the way to 결심."""
    for state in states:
        assert decompose(word).startswith(decompose(state)), state


def test_other_characters_pass_through() -> None:
    assert decompose("Dune 2: Part Two!") == "Dune 2: Part Two!"
    assert decompose("") == ""
    assert decompose("헤어질 결심") == "ㅎㅔㅇㅓㅈㅣㄹ ㄱㅕㄹㅅㅣㅁ"


def test_conjoining_jamo_are_folded_to_compatibility_jamo() -> None:
    nfd = unicodedata.normalize("NFD", "기생충 괜찮아")
    assert nfd != "기생충 괜찮아"
    assert decompose(nfd) == decompose("기생충 괜찮아")


def test_initials() -> None:
    assert initials("헤어질 결심") == "ㅎㅇㅈㄱㅅ"
    assert initials("헤어질결심") == "ㅎㅇㅈㄱㅅ"
    assert initials("죽은 시인의 사회") == "ㅈㅇㅅㅇㅇㅅㅎ"
    assert initials("인사이드 아웃 2") == "ㅇㅅㅇㄷㅇㅇ2"
    assert initials("ㅎㅇㅈ ㄱㅅ") == "ㅎㅇㅈㄱㅅ"  # typed initials stay as they are
    assert initials("꿈") == "ㄲ"
    assert initials("ㅏㅓ") == ""  # stray vowels are no initials
    assert initials("<듄: 파트 2>") == "ㄷㅍㅌ2"


def test_initials_are_compatibility_jamo() -> None:
    assert all("\u3131" <= c <= "\u314e" for c in initials("가나다라마바사아자차카타파하"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ㅎㅇㅈ ㄱㅅ", True),
        ("ㅎㅇㅈㄱㅅ", True),
        ("ㅇㅅㅇㄷㅇㅇ 2", True),
        ("  ㄱㅅㅊ!  ", True),
        ("ㅋㅋ", True),
        ("헤어질 ㄱㅅ", False),
        ("기생충", False),
        ("ㅏㅓ", False),
        ("ㄱㅏ", False),
        ("abc", False),
        ("2", False),
        ("", False),
        ("!!!", False),
    ],
)
def test_is_initials_query(text: str, expected: bool) -> None:
    assert is_initials_query(text) is expected


def test_has_hangul() -> None:
    assert has_hangul("Past Lives 패스트")
    assert has_hangul("ㅋ")
    assert not has_hangul("Past Lives 2023")
