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


def clean_text(text: str) -> str:
    """NFKC, no zero-width characters or NBSPs, runs of spaces collapsed, paragraphs kept.

    Newlines are kept (at most one blank line in a row) because they separate paragraphs, which
    later steps (sentence splitting, excerpts) rely on.
    """
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
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
