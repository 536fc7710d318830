"""Section excerpts: the opening of one section, short enough for a chat message.

A reader deciding whether a section is worth opening needs its first sentences, whole: an
excerpt therefore stops at a sentence end whenever one fits, and never cuts a word in half (a
half word reads like a typo and, in Korean, can change the meaning of the syllable left over).
The sentences come already split by the analyser, so nothing here knows about Kiwi or pysbd.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

ELLIPSIS = "…"

# A run without spaces that is longer than this share of the budget is not a word (a long Korean
# run written without spacing, a URL): cutting inside it beats an excerpt of two words.
_MIN_WORD_CUT_SHARE = 1 / 3
# Trailing characters that look wrong right before "…" ("영화는, …", "(…").
_DANGLING = " \t\n,;:·/-–—([{<«《〈「『'\"‘“"


def _is_mark(char: str) -> bool:
    """Whether ``char`` only makes sense attached to the character before it.

    Combining accents, conjoining Hangul vowels and finals (U+1160–U+11FF, what a decomposed
    syllable leaves after its initial), variation selectors and zero-width joiners.
    """
    return (
        unicodedata.combining(char) != 0
        or "\u1160" <= char <= "\u11ff"
        or "\ud7b0" <= char <= "\ud7ff"
        or "\ufe00" <= char <= "\ufe0f"
        or char == "\u200d"
    )


def truncate_words(text: str, max_chars: int) -> str:
    """``text`` if it fits in ``max_chars``, else its longest start that ends a word, plus "…".

    The result, ellipsis included, is never longer than ``max_chars``. Text is cut at the last
    space before the limit; when the only spaces are very early (or there are none, as in a long
    Korean run without spacing) it is cut between two characters instead — never inside a
    composed syllable or between a letter and its combining marks. Punctuation left dangling
    at the cut (a comma, an opening bracket) is dropped before the ellipsis.
    """
    text = text.strip()
    if len(text) <= max_chars:
        return text
    if max_chars <= 0:
        return ""
    budget = max_chars - len(ELLIPSIS)
    if budget <= 0:
        return ELLIPSIS[:max_chars]
    # A space right after the budget means the budget ends exactly on a word end.
    window = text[: budget + 1]
    space = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
    if space >= max(1, int(budget * _MIN_WORD_CUT_SHARE)):
        cut = text[:space]
    else:
        end = budget
        while end > 0 and _is_mark(text[end]):
            end -= 1
        cut = text[:end]
    cut = cut.rstrip(_DANGLING)
    if not cut:
        return ELLIPSIS
    return cut + ELLIPSIS


def section_excerpt(sentences: Sequence[str], *, max_chars: int = 400) -> str:
    """The section's first sentences joined with a space, as many as fit in ``max_chars``.

    The excerpt ends at a sentence end whenever at least the first sentence fits; a first
    sentence longer than the limit is cut at a word boundary with "…" (:func:`truncate_words`).
    Blank sentences are skipped; no sentences give "".
    """
    parts: list[str] = []
    used = 0
    for raw in sentences:
        sentence = " ".join(raw.split())
        if not sentence:
            continue
        extra = len(sentence) + (1 if parts else 0)
        if used + extra > max_chars:
            if not parts:
                return truncate_words(sentence, max_chars)
            break
        parts.append(sentence)
        used += extra
    return " ".join(parts)
