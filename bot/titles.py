"""Understanding post titles: which film a review is about, its year and its theme keywords.

(Interface placeholder: the full parser is being written; keep these signatures.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TitleInfo:
    film: str | None
    year: int | None
    themes: tuple[str, ...]


_BRACKET = re.compile(r"[<《〈「『]([^>》〉」』]+)[>》〉」』]")


def parse_title(title: str) -> TitleInfo:
    """Film, year and explicit themes as the blogger wrote them in the title."""
    m = _BRACKET.search(title)
    return TitleInfo(film=m.group(1).strip() if m else None, year=None, themes=())


def film_from_text(text: str) -> str | None:
    """The first bracketed film name in a post's text, for titles that name none."""
    m = _BRACKET.search(text)
    return m.group(1).strip() if m else None
