"""Hangul jamo for the film matcher: keystroke decomposition and initial consonants (초성).

Why jamo: a typo changes one keystroke, not one syllable. ``기생층`` and ``기생충`` differ in one
of three syllables (a third of the string) but in one of eight jamo, so an edit distance over
jamo tells a typo from another title where an edit distance over syllables cannot.

Why keystrokes rather than the 19/21/27 syllable parts: on the standard (2-beolsik) keyboard
``ㅘ`` is typed ``ㅗ`` + ``ㅏ`` and the final cluster ``ㄺ`` is ``ㄹ`` + ``ㄱ``, so they are split
here too. Then a one-key slip is one edit, and — what autocomplete needs — every intermediate
state of an input method is a prefix of the finished word: typing ``결심`` passes through
``결`` and ``겴`` (ㄹ+ㅅ form a cluster until ``ㅣ`` arrives), and both decompose to prefixes of
``결심``'s ``ㄱㅕㄹㅅㅣㅁ``.

Why no library: decomposition is three integer divisions on the syllable's code point (Unicode
§3.12); the PyPI packages for it (``jamo``, ``hgtk``, ``hangul-jamo``) are small, mostly
unmaintained since 2017–2023, output conjoining jamo (U+1100…) or keep compound vowels whole,
so they would need this same table on top. Output is compatibility jamo (U+3131…), the
characters users type for 초성 queries such as ``ㅎㅇㅈ ㄱㅅ``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["decompose", "has_hangul", "initials", "is_initials_query"]

_SYLLABLE_FIRST = 0xAC00
_SYLLABLE_LAST = 0xD7A3
_VOWELS = 21
_FINALS = 28

# Initial consonants, vowels and finals in Unicode's syllable order, as compatibility jamo.
_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_MEDIALS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_FINAL_LIST = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")

# Compound jamo typed as two keys on a 2-beolsik keyboard. Double consonants (ㄲ, ㅆ) and
# ㅐ/ㅔ/ㅒ/ㅖ are one key (with or without shift), so they stay whole.
_KEYSTROKES = {
    "ㅘ": "ㅗㅏ",
    "ㅙ": "ㅗㅐ",
    "ㅚ": "ㅗㅣ",
    "ㅝ": "ㅜㅓ",
    "ㅞ": "ㅜㅔ",
    "ㅟ": "ㅜㅣ",
    "ㅢ": "ㅡㅣ",
    "ㄳ": "ㄱㅅ",
    "ㄵ": "ㄴㅈ",
    "ㄶ": "ㄴㅎ",
    "ㄺ": "ㄹㄱ",
    "ㄻ": "ㄹㅁ",
    "ㄼ": "ㄹㅂ",
    "ㄽ": "ㄹㅅ",
    "ㄾ": "ㄹㅌ",
    "ㄿ": "ㄹㅍ",
    "ㅀ": "ㄹㅎ",
    "ㅄ": "ㅂㅅ",
}


def _strokes(jamo: str) -> str:
    return _KEYSTROKES.get(jamo, jamo)


def _build_table() -> dict[str, str]:
    """Every Hangul syllable and stray jamo mapped to its keystrokes, built once at import.

    11,172 syllables plus the conjoining jamo (U+1100…, left by text that was not NFKC
    composed) make a table of about 11,400 short strings; ``str.translate`` with it is far faster
    than per-character arithmetic in Python when the index decomposes tens of thousands of names.
    """
    table: dict[str, str] = {}
    for code in range(_SYLLABLE_FIRST, _SYLLABLE_LAST + 1):
        offset = code - _SYLLABLE_FIRST
        first, rest = divmod(offset, _VOWELS * _FINALS)
        vowel, final = divmod(rest, _FINALS)
        table[chr(code)] = (
            _INITIALS[first] + _strokes(_MEDIALS[vowel]) + _strokes(_FINAL_LIST[final])
        )
    for compound, keys in _KEYSTROKES.items():
        table[compound] = keys
    # Conjoining jamo: leading consonants U+1100…, vowels U+1161…, trailing consonants U+11A8….
    for i, jamo in enumerate(_INITIALS):
        table[chr(0x1100 + i)] = jamo
    for i, jamo in enumerate(_MEDIALS):
        table[chr(0x1161 + i)] = _strokes(jamo)
    for i, jamo in enumerate(_FINAL_LIST[1:]):
        table[chr(0x11A8 + i)] = _strokes(jamo)
    return table


_DECOMPOSE = str.maketrans(_build_table())
_INITIALS_OF = str.maketrans(
    {
        chr(code): _INITIALS[(code - _SYLLABLE_FIRST) // (_VOWELS * _FINALS)]
        for code in range(_SYLLABLE_FIRST, _SYLLABLE_LAST + 1)
    }
)
_CONSONANTS = frozenset(_INITIALS) | frozenset(_FINAL_LIST[1:])
_HANGUL = re.compile("[\uac00-\ud7a3\u3131-\u318e]")


def decompose(text: str) -> str:
    """``text`` with every Hangul syllable replaced by its keystrokes as compatibility jamo.

    ``decompose("기생충") == "ㄱㅣㅅㅐㅇㅊㅜㅇ"``, ``decompose("과") == "ㄱㅗㅏ"``. Other
    characters (Latin letters, digits, spaces) are left as they are, so a normalised key can be
    decomposed as a whole.
    """
    return text.translate(_DECOMPOSE)


def initials(text: str) -> str:
    """The initial consonants of ``text``'s syllables: ``initials("헤어질 결심") == "ㅎㅇㅈㄱㅅ"``.

    Compatibility consonants the user typed stay as they are; letters of other scripts and digits
    are kept (``"인사이드 아웃 2"`` gives ``"ㅇㅅㅇㄷㅇㅇ2"``) so a sequel number still counts;
    spaces, punctuation and stray vowels are dropped, since 초성 queries are typed without them
    as often as with them.
    """
    out: list[str] = []
    for char in text.translate(_INITIALS_OF):
        if char in _CONSONANTS or (char.isalnum() and not _is_jamo(char)):
            out.append(char)
    return "".join(out)


def is_initials_query(text: str) -> bool:
    """Whether ``text`` is a 초성 query: consonant jamo only, apart from spaces, punctuation and
    digits (``"ㅎㅇㅈ ㄱㅅ"``, ``"ㅇㅅㅇㄷㅇㅇ 2"``).

    Any syllable, vowel or Latin letter makes it an ordinary query, so ``"헤어질 ㄱㅅ"`` is
    matched as text (its keystrokes are a prefix of the title's) rather than as initials.
    """
    text = unicodedata.normalize("NFC", text)
    seen = False
    for char in text:
        if char in _CONSONANTS:
            seen = True
        elif char.isalpha():
            return False
    return seen


def has_hangul(text: str) -> bool:
    """Whether ``text`` holds a Hangul syllable or compatibility jamo (picks the typo budget)."""
    return _HANGUL.search(text) is not None


def _is_jamo(char: str) -> bool:
    return "\u3131" <= char <= "\u318e" or "\u1100" <= char <= "\u11ff"
