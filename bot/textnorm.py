"""Text clean-up shared by every parser, so that stored text looks the same whatever its source."""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\f\v\u00a0\u3000]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Emoji and pictographs: kept for display, dropped for matching keys.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\U000e0000-\U000e007f]"
)
_KEY_DROP = re.compile(r"[\W_]+", re.UNICODE)

# NFKC turns Hangul compatibility jamo (ㅋㅋ, ㅎㅇㅈ) into conjoining jamo, which then either
# render as broken glyphs or silently compose with a following vowel. Readers type
# compatibility jamo (initial-consonant queries, laughter), so runs of them are kept as they are,
# and halfwidth jamo are folded into them rather than into conjoining jamo.
_COMPAT_JAMO_RUNS = re.compile("([\u3131-\u318e]+)")
_CONJOINING_TO_COMPAT = {
    unicodedata.normalize("NFKC", chr(c)): chr(c)
    for c in range(0x3131, 0x318F)
    if len(unicodedata.normalize("NFKC", chr(c))) == 1
}
_HALFWIDTH_JAMO = {
    c: _CONJOINING_TO_COMPAT[n]
    for c in range(0xFFA1, 0xFFDD)
    if (n := unicodedata.normalize("NFKC", chr(c))) in _CONJOINING_TO_COMPAT
}


def nfkc(text: str) -> str:
    """NFKC that leaves Hangul compatibility jamo alone (see ``_COMPAT_JAMO_RUNS``)."""
    parts = _COMPAT_JAMO_RUNS.split(text.translate(_HALFWIDTH_JAMO))
    # split() with a capturing group puts the jamo runs at the odd indexes
    return "".join(
        part if i % 2 else unicodedata.normalize("NFKC", part) for i, part in enumerate(parts)
    )


def clean_text(text: str) -> str:
    """NFKC, no zero-width characters or NBSPs, runs of spaces collapsed, paragraphs kept.

    Newlines are kept (at most one blank line in a row) because they separate paragraphs, which
    later steps (sentence splitting, excerpts) rely on.
    """
    text = nfkc(text).translate(_INVISIBLE)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    joined = "\n".join(lines)
    return _MANY_NEWLINES.sub("\n\n", joined).strip()


def clean_line(text: str) -> str:
    """Like :func:`clean_text` but for one-line values (titles, headings, tags)."""
    return " ".join(clean_text(text).split())


def strip_emoji(text: str) -> str:
    return " ".join(_EMOJI.sub("", text).split())


def normalize_key(text: str) -> str:
    """A matching key: case, spacing, punctuation and emoji do not matter.

    ``<헤어질 결심>`` and ``헤어질결심`` give the same key; used for film titles, themes,
    categories and stub titles.
    """
    text = strip_emoji(clean_line(text)).casefold()
    return _KEY_DROP.sub("", text)


def normalize_theme(text: str) -> str:
    """A theme as shown: cleaned, one space between words, no surrounding punctuation or '#'."""
    text = strip_emoji(clean_line(text))
    return text.strip(" #.,;:!?·'\"“”‘’()[]{}<>")
