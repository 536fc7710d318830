"""What Markdown and plain-text exports of a blog post share: their lines, tail and title.

A Tistory page lists other posts of the same category under the article (the
``'리뷰 > 한국영화' 카테고리의 다른 글`` box). Copied from a browser or converted to Markdown it
becomes a heading line and a table, maybe with pipes, tabs or neither. It names the post's category
and its related posts, and it is not review text. The buttons and footer around it (공감,
구독하기, share lines, Copyright) are not review text either, but a trailing hashtag line is the
post's tags. An export often has no title at all, so one is derived and the user told so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import PurePath
from zoneinfo import ZoneInfo

from bot.domain import RelatedRef
from bot.textnorm import clean_line, nfkc, normalize_key


@dataclass(frozen=True, slots=True)
class CategoryBox:
    """The category path and the related posts, in the blog's order."""

    category: tuple[str, ...]
    related: tuple[RelatedRef, ...]


# Zero-width characters and the BOM; control characters except tab and newline.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def export_lines(text: str) -> list[str]:
    """Lines of an export, NFKC'd, without BOM or control characters, tabs and indents kept.

    Unlike ``clean_text`` this keeps tabs (they separate table cells) and leading spaces
    (Markdown and YAML need them); callers clean each line when they know what it is.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = nfkc(text).translate(_INVISIBLE)
    return _CONTROL.sub("", text).split("\n")


# --- the category box -------------------------------------------------------------------------

# "'리뷰 > 한국영화' 카테고리의 다른 글", maybe as a Markdown heading (#### …) or in bold.
_BOX_HEADING = re.compile(
    r"^[#>*_\s]*['‘\"“]?(?P<cat>.+?)['’\"”]?\s*카테고리의\s*다른\s*글[\s*_:]*$"
)
# [text](url) — Markdown links in the box (category names, related titles).
_MD_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\)")
# 2025.10.02, 2025. 10. 2., 2025-10-02, 2025/10/02
_DATE = r"(?P<y>\d{4})\s*[.\-/]\s*(?P<m>\d{1,2})\s*[.\-/]\s*(?P<d>\d{1,2})\.?"
_DATE_ONLY = re.compile(rf"^{_DATE}$")
# "<title> (3) 2025.10.02" — a row copied without pipes or tabs: the date ends it.
_TAIL_DATE = re.compile(rf"^(?P<title>.+?)\s+{_DATE}$")
# "<title> (3)" — the comment count Tistory shows after a related title.
_COMMENTS = re.compile(r"^(?P<title>.*?)\s*\((?P<n>\d{1,6})\)$")
# |---|---| or | :--- | ---: | — a Markdown table separator row.
_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
_CELL_SPLIT = re.compile(r"\s*[|\t]\s*")


def _box_heading(line: str) -> tuple[str, ...] | None:
    """The category path if ``line`` is the box's heading line, else None."""
    if "카테고리의" not in line:
        return None
    m = _BOX_HEADING.match(clean_line(_MD_LINK.sub(r"\g<text>", line)))
    if m is None:
        return None
    names = (clean_line(part).strip("'\"‘’“”*_ ") for part in re.split(r"[>›»]", m["cat"]))
    return tuple(name for name in names if name)


def _make_date(m: re.Match[str]) -> date | None:
    try:
        return date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None


def _title_cell(cell: str) -> tuple[str, str | None, int | None]:
    """Title, absolute URL and comment count of a cell such as ``[괴물 리뷰](https://…) (3)``."""
    url: str | None = None
    link = _MD_LINK.search(cell)
    if link is not None:
        if link["url"].startswith(("http://", "https://")):
            url = link["url"]  # a relative link has no base in an export: it would mislead
        cell = _MD_LINK.sub(r"\g<text>", cell)
    title = clean_line(cell).strip("*_ ")
    m = _COMMENTS.match(title)
    # "버닝 (2018)" is a title with its year, not 2018 comments.
    if m is not None and m["title"] and not 1880 <= int(m["n"]) <= 2100:
        return m["title"].strip(), url, int(m["n"])
    return title, url, None


def _row(line: str) -> tuple[str | None, date | None, bool]:
    """(title cell, date, whether it is a table row) of one line under the box heading.

    A comment count in a cell of its own (``| 괴물 | (3) | 2025.10.02 |``) joins the title back.
    """
    tabular = "|" in line or "\t" in line
    cells = [c for c in map(clean_line, _CELL_SPLIT.split(line.strip().strip("|"))) if c]
    if not cells:
        return None, None, tabular
    day: date | None = None
    if (m := _DATE_ONLY.match(cells[-1])) is not None:
        day, cells = _make_date(m), cells[:-1]
    elif len(cells) == 1 and (m := _TAIL_DATE.match(cells[0])) is not None:
        day, cells = _make_date(m), [m["title"]]
    return " ".join(cells) or None, day, tabular or day is not None


def _related(lines: list[str]) -> list[RelatedRef]:
    """The rows under the box heading, up to the first line that is not part of the table.

    A browser copy may put a row's title and date on two lines: a title-only line counts when
    the next non-blank line is a date on its own.
    """
    refs: list[RelatedRef] = []
    pending: str | None = None
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line or _SEPARATOR.match(line):
            continue
        title, day, is_row = _row(line)
        if pending is not None:
            refs.append(_ref(pending, day))  # _next_is_date promised this line is the date
            pending = None
        elif is_row and title:
            refs.append(_ref(title, day))
        elif title and _next_is_date(lines, index):
            pending = title
        elif title:
            break
    return refs


def _next_is_date(lines: list[str], index: int) -> bool:
    for line in lines[index + 1 :]:
        if line.strip():
            return _DATE_ONLY.match(clean_line(line)) is not None
    return False


def _ref(cell: str, day: date | None) -> RelatedRef:
    title, url, comments = _title_cell(cell)
    return RelatedRef(title=title, url=url, published=day, comments=comments)


def split_category_box(lines: list[str]) -> tuple[list[str], CategoryBox | None]:
    """Lines before the category box, and the box; nothing after its heading is review text.

    The last heading line wins: a review may quote the phrase, the box always comes last.
    Lines are those of :func:`export_lines` (tabs kept, they separate cells).
    """
    for index in range(len(lines) - 1, -1, -1):
        category = _box_heading(lines[index])
        if category is not None:
            related = tuple(r for r in _related(lines[index + 1 :]) if r.title)
            return lines[:index], CategoryBox(category=category, related=related)
    return lines, None


def drop_own_post(box: CategoryBox, title: str) -> CategoryBox:
    """Old Tistory boxes list the current post too; it is not related to itself."""
    key = normalize_key(title)
    related = tuple(r for r in box.related if normalize_key(r.title) != key)
    return CategoryBox(category=box.category, related=related)


# --- buttons, footer and tags -----------------------------------------------------------------

# Words that make up the share/like/subscribe/licence lines under a Tistory post.
_NOISE_WORDS = frozenset(
    {
        "공감", "공감하기", "구독", "구독하기", "구독중", "댓글", "댓글쓰기", "댓글수",
        "공유", "공유하기", "신고", "신고하기", "게시글", "관리", "이", "글", "카카오톡",
        "카카오스토리", "트위터", "페이스북",
        "url", "복사", "링크", "좋아요", "저작자표시", "저작자", "표시", "비영리", "변경금지",
        "동일조건", "변경허락", "like", "likes", "share", "subscribe", "comment", "comments",
        "facebook", "twitter", "kakao", "reply", "♡", "♥", "❤",
    }
)  # fmt: skip
# Footer lines whatever their words: copyright notices and "Posted by …". NFKC has turned
# "ⓒ 2025" into "c 2025" by the time lines are checked.
_FOOTER = re.compile(
    r"^(?:copyright\b|ⓒ|©|\(c\)\s*\d|c\s+\d{4}\b|posted\s+by\b)|all\s+rights\s+reserved",
    re.IGNORECASE,
)
_WORD_SPLIT = re.compile(r"[\s/|·•,:]+")
# "#가족 #재난" — a line of hashtags only.
_HASHTAG_LINE = re.compile(r"^(?:#[^\s#]+\s*)+$")
# "태그: 가족, 재난" / "Tags: family" / "TAG 가족".
_TAG_LINE = re.compile(r"^(?:태그|tags?)\s*[:：]?\s+(?P<tags>.+)$", re.IGNORECASE)
_TAG_LABEL = re.compile(r"^(?:태그|tags?)\s*[:：]?$", re.IGNORECASE)


def _is_noise(line: str) -> bool:
    if _FOOTER.search(line):
        return True
    words = [w for w in _WORD_SPLIT.split(line.casefold()) if w]
    return bool(words) and all(w in _NOISE_WORDS or w.isdigit() for w in words)


def _split_tags(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,#]+" if "#" in text else r"\s*,\s*", text) if t]


def unique_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags without '#', in order, once each ("청춘의 목소리" and "청춘의목소리" are one tag)."""
    seen: set[str] = set()
    unique: list[str] = []
    for tag in tags:
        tag = clean_line(tag).lstrip("#").strip()
        key = normalize_key(tag)
        if key and key not in seen:
            seen.add(key)
            unique.append(tag)
    return tuple(unique)


def _after_tag_label(lines: list[str], index: int) -> bool:
    """Whether the line at ``index`` follows a "태그" label line (a skin's tag box)."""
    previous = next((clean_line(x) for x in reversed(lines[:index]) if x.strip()), "")
    return _TAG_LABEL.match(previous) is not None


def trim_tail(lines: list[str]) -> tuple[list[str], list[str]]:
    """Review lines without the trailing buttons/footer, and the tags found there.

    Only the end is trimmed: the same words inside the review ("공감이 간다") stay.
    """
    end = len(lines)
    tags: list[str] = []
    while end > 0:
        line = clean_line(lines[end - 1])
        if not line or _is_noise(line) or _TAG_LABEL.match(line):
            pass
        elif _HASHTAG_LINE.match(line):
            tags = _split_tags(line) + tags
        elif (m := _TAG_LINE.match(line)) is not None:
            tags = _split_tags(m["tags"]) + tags
        elif len(line) <= 200 and _after_tag_label(lines, end - 1):
            tags = _split_tags(line) + tags
        else:
            break
        end -= 1
    return lines[:end], tags


# --- derived titles ---------------------------------------------------------------------------

_DERIVED_TITLE_CHARS = 50


def derived_title(film: str | None, path: str | None, text: str) -> tuple[str, str]:
    """A title for a post that has none, and the note telling the user where it came from.

    The film's name is the best guess (``<괴물> 리뷰``), then the file name (exports are often
    saved under the post's title), then the first words of the text.
    """
    if film:
        title = f"<{film}> 리뷰"
        return title, f"title derived from the film named in the text: {title}"
    stem = clean_line(PurePath(path).stem) if path else ""
    if stem and " " not in stem:
        stem = clean_line(re.sub(r"[_\-]+", " ", stem))
    if stem:
        return stem, f"title derived from the file name: {stem}"
    words = clean_line(text)
    if len(words) > _DERIVED_TITLE_CHARS:
        words = words[:_DERIVED_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    title = words or "제목 없음"
    return title, f"title derived from the first words of the text: {title}"


# --- dates ------------------------------------------------------------------------------------

KST = ZoneInfo("Asia/Seoul")

# "2025. 10. 2. 14:30", "2025.10.02", "2025-10-02 14:30:00", "2025-10-02T14:30:00+09:00",
# "2025년 10월 2일 오후 2:30" (the Korean blog styles; 오전/오후 = a.m./p.m.).
_DATE_TEXT = re.compile(
    r"^(?P<y>\d{4})\s*(?:[.\-/]|년)\s*(?P<m>\d{1,2})\s*(?:[.\-/]|월)\s*(?P<d>\d{1,2})\s*[.일]?"
    r"(?:[\sT]*(?P<ampm>오전|오후|am|pm)?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
    r"(?:\.\d+)?\s*(?P<ampm2>am|pm)?)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


def as_kst(value: date | datetime) -> datetime:
    """An aware datetime; naive values and bare dates are Korean time, as Tistory shows them."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo is not None else value.replace(tzinfo=KST)


def parse_date_text(text: str) -> datetime | None:
    """A date or date-time written by a blog or a person, as an aware datetime (None if not one)."""
    m = _DATE_TEXT.match(clean_line(text))
    if m is None:
        return None
    hour, minute, second = int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0)
    ampm = (m["ampm"] or m["ampm2"] or "").casefold()
    if ampm in {"오후", "pm"} and hour < 12:
        hour += 12
    elif ampm in {"오전", "am"} and hour == 12:
        hour = 0
    try:
        value = datetime(int(m["y"]), int(m["m"]), int(m["d"]), hour, minute, second)
    except ValueError:
        return None
    if m["tz"]:
        tz = m["tz"].replace("Z", "+00:00")
        minutes = int(tz[1:3]) * 60 + int(tz[-2:])
        offset = timedelta(minutes=minutes if tz[0] == "+" else -minutes)
        value = value.replace(tzinfo=timezone(offset))
    return as_kst(value)
