"""Which film of the library a reader means: exact names, 초성, prefixes, sequels and typos.

Readers name films loosely — ``헤어질결심``, ``<헤어질 결심> 리뷰``, ``ㅎㅇㅈ ㄱㅅ``, ``기생층``,
``parasite``, ``듄 2`` — and expect the film, or a short list to choose from when they were
ambiguous, and never a film they did not mean. :class:`FilmIndex` answers from memory:

* Every name of a film (its title and aliases) is indexed under its normalised key
  (``bot.textnorm.normalize_key``: case, spacing and punctuation do not matter), its *canonical*
  key (the sequel number as a plain integer: ``듄: 파트 2`` and ``Dune: Part Two`` become
  ``듄2`` and ``dune2``), its keystroke jamo (``bot.matching.hangul``) and its 초성.
* A query is cleaned the same way, loses the words that say "review" rather than name a film
  (영화, 리뷰, 후기, review, movie …), a year (``버닝 2018``, ``버닝(2018)``) and a sequel
  number (``2``, ``파트 2``, ``Part Two``, ``II``), then goes through tiers, best first; the
  first tier that finds anything answers:

  1. the exact key, or the canonical key, or base title + sequel number — ``exact``;
  2. a title whose sequels are the only films of that name (``범죄도시`` → its sequels);
  3. 초성 (exact initials before initials prefixes) when the query is only consonants;
  4. a prefix of a name, in keystrokes, so an unfinished syllable still counts;
  5. a name inside a chatty query (``기생충 리뷰 있어?``, ``기생충은``);
  6. a whole subtitle or later words of a name (``데드 레코닝``);
  7. a typo: edit distance (with transpositions) over keystroke jamo within a budget that grows
     with the name's length — one jamo in a three-syllable title, none in a one-syllable one.

* Numbers must agree: a query's sequel number must be the film's (``1`` also matches a film
  without a number); a query without one may find any. A year narrows to that year (a film with
  no known year passes; ±1 year is accepted when nothing else is, since release years differ by
  country).
* When nothing is found, "did you mean" suggestions come only from evidence of closeness: the
  same name with another year or number, a name inside the query next to words that are not
  chat, or an edit distance within a stricter budget. One shared syllable is no evidence, so
  ``아이언맨`` suggests nothing in a library without it.

Ties are broken by the number of posts about a film, then its title, year and id, so answers are
deterministic. The index is built once in O(total name length); lookups use dictionaries, sorted
lists with ``bisect`` for prefixes and ``rapidfuzz.process.extract`` with a distance cutoff for
typos, a few milliseconds for 20,000 films.
"""

from __future__ import annotations

import bisect
import heapq
import html
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.domain import FilmEntry
from bot.matching.hangul import decompose, has_hangul, initials, is_initials_query
from bot.textnorm import clean_line, strip_emoji

__all__ = ["MAX_CHOICES", "MAX_SUGGESTIONS", "FilmIndex", "FilmMatch"]

MAX_QUERY_CHARS = 200  # longer input is cut before any work: no title is that long
MAX_CHOICES = 25  # the most films offered to choose from (Discord's select and autocomplete cap)
MAX_SUGGESTIONS = 5
_MAX_TOKENS = 16  # words of a query looked at for a name inside it
_MAX_RUN = 8  # words in one such name
_SCAN_RANGE = 2000  # a prefix range larger than this is served by scanning films by popularity


@dataclass(frozen=True, slots=True)
class FilmMatch:
    """The answer to a film query.

    ``films``: one film = found; several = the reader must choose (best first); none = not in
    the library. ``suggestions`` ("did you mean") only when ``films`` is empty, and only close
    ones. ``exact``: the query named a film by one of its names (or name + sequel number).
    """

    films: tuple[FilmEntry, ...]
    suggestions: tuple[FilmEntry, ...]
    exact: bool


_NO_MATCH = FilmMatch(films=(), suggestions=(), exact=False)

# --- query vocabulary -------------------------------------------------------------------------

# Whole words that say "a review of" rather than name a film; stripped at the query's edges.
_NOISE_WORDS = frozenset(
    {
        "영화", "리뷰", "후기", "감상", "감상평", "감상문", "관람평", "관람후기", "영화리뷰",
        "영화후기", "영화감상", "줄거리", "결말", "해석", "결말해석", "스포", "스포일러",
        "노스포", "쿠키", "평점", "정보", "review", "reviews", "movie", "movies", "film",
        "films", "spoiler", "spoilers", "recap", "ending", "explained", "summary",
    }
)  # fmt: skip
# The same words glued to a title: 기생충리뷰, 영화기생충, 헤어질결심후기.
_NOISE_SUFFIXES = (
    "영화리뷰", "영화후기", "결말해석", "관람후기", "감상평", "감상문", "관람평", "리뷰",
    "후기", "감상", "줄거리", "결말", "해석", "평점",
)  # fmt: skip
_NOISE_PREFIXES = ("영화",)
# Words around a film's name in a chatty query that do not change which film is meant.
_CHAT_WORDS = _NOISE_WORDS | frozenset(
    {
        "보고", "봤어", "봤어요", "봤는데", "봤다", "본", "보고싶다", "보고싶어", "싶다", "싶어",
        "어때", "어때요", "어땠어", "어땠나요", "추천", "추천해줘", "해줘", "알려줘",
        "알려주세요", "있어", "있어요", "있나요", "있니", "찾아줘", "찾아", "좀", "뭐야", "뭐",
        "어떤가요", "궁금해", "궁금해요", "관련", "about", "of", "for", "the", "please", "show",
        "me", "find", "any", "is", "there", "a", "on",
    }
)  # fmt: skip
# Particles that may follow a film's name in a chatty query: 기생충은, 헤어질 결심을.
_JOSA = (
    "이랑", "에서", "으로", "하고", "이야", "이요", "은", "는", "이", "가", "을", "를", "도",
    "만", "에", "랑", "와", "과", "로", "요", "야",
)  # fmt: skip
_ARTICLES = ("the ", "a ", "an ")

_YEAR_IN_BRACKETS = re.compile(r"[(\[]\s*((?:18[89]|19\d|20\d)\d)\s*년?\s*(?:작|개봉)?\s*[)\]]")
_YEAR_AT_END = re.compile(r"(?<!\d)((?:18[89]|19\d|20\d)\d)\s*년?\s*(?:작|개봉)?\s*[)\]]?$")

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10,
}  # fmt: skip
_ROMAN = {
    "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
}  # fmt: skip
# Roman numerals that are a sequel number even without "part": Rocky II, but not Malcolm X.
_BARE_ROMAN = frozenset({"ii", "iii", "iv", "vi", "vii", "viii", "ix"})
# A sequel number ends the title or one of its parts (before ":", " - ", "(" …): "인사이드 아웃
# 2", "듄: 파트 2", "Dune: Part Two", "터미네이터 2: 심판의 날", "범죄도시2", "Kill Bill: Vol. 2".
# It never follows a Latin letter or digit directly, so "Se7en" and "1987" keep their digits.
_SEQUEL = re.compile(
    r"(?<![a-z0-9])"
    r"(?P<marker>(?:part|chapter|vol|volume|episode|season)\b\.?\s*|(?:파트|챕터|에피소드|시즌|제)\s*)?"
    r"(?P<num>\d{1,2}|[ivx]{1,4}|one|two|three|four|five|six|seven|eight|nine|ten)"
    r"(?:\s*(?:편|부|탄|장))?"
    r"(?=\s*(?:$|[:：(\[]|[-–—]))"
)
_WORD_SPLIT = re.compile(r"[\W_]+")
_KEY_DROP = re.compile(r"[\W_]+")
_HTML_TAG = re.compile(
    r"</?(?:a|abbr|b|big|blockquote|br|code|del|div|em|font|h[1-6]|hr|i|img|ins|li|mark|ol|p"
    r"|pre|q|s|script|small|span|strike|strong|style|sub|sup|table|td|th|tr|u|ul)\b[^<>]*>",
    re.IGNORECASE,
)
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")


def _prepare(text: str) -> str:
    """Text cleaned once, as ``normalize_key`` cleans it (NFKC, spaces, emoji), and casefolded."""
    return strip_emoji(clean_line(text[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS]).casefold()


def _prepare_query(text: str) -> str:
    """A reader's text prepared like a name, without HTML tags, entities or markdown links.

    Only known HTML tag names are removed: ``<헤어질 결심>`` is the film in brackets.
    """
    text = text[: MAX_QUERY_CHARS * 4]
    if "&" in text:
        text = html.unescape(text)
    text = _MD_LINK.sub(r"\1", _HTML_TAG.sub(" ", text))
    return _prepare(text)


def _key(prepared: str) -> str:
    """``normalize_key`` of text (or part of text) that went through :func:`_prepare`.

    The same result without cleaning every piece again: building an index of 20,000 films
    looks up hundreds of thousands of keys.
    """
    return _KEY_DROP.sub("", prepared)


# --- text helpers -----------------------------------------------------------------------------


def _split_number(text: str) -> tuple[str, int | None, str]:
    """``(before, number, after)`` around a sequel number in casefolded ``text``.

    The first number that has a name before it wins; a number with nothing before it is the
    title itself (``1987``, ``2046``), not a sequel. Without one: ``(text, None, "")``.
    """
    for m in _SEQUEL.finditer(text):
        before = text[: m.start()]
        if not _key(before):
            continue
        raw = m.group("num")
        marker = m.group("marker")
        if raw.isdigit():
            number = int(raw)
        elif raw in _WORD_NUMBERS:
            if not marker:
                continue
            number = _WORD_NUMBERS[raw]
        elif raw in _ROMAN:
            if not marker and raw not in _BARE_ROMAN:
                continue
            number = _ROMAN[raw]
        else:
            continue
        if number == 0:
            continue
        return before, number, text[m.end() :]
    return text, None, ""


def _split_year(text: str) -> tuple[str, int | None]:
    """The query without a year in brackets or at its end, and that year.

    A year that is all there is (``1987``, ``2046``) is the title, not a year.
    """
    for pattern in (_YEAR_IN_BRACKETS, _YEAR_AT_END):
        m = pattern.search(text)
        if m:
            rest = (text[: m.start()] + " " + text[m.end() :]).strip()
            if _key(rest):
                return rest, int(m.group(1))
    return text, None


def _strip_glued_noise(token: str) -> str:
    """``기생충리뷰`` → ``기생충``, ``영화기생충`` → ``기생충`` (Hangul only, never to nothing)."""
    changed = True
    while changed:
        changed = False
        for suffix in _NOISE_SUFFIXES:
            if token.endswith(suffix) and len(token) > len(suffix):
                token, changed = token[: -len(suffix)], True
        for prefix in _NOISE_PREFIXES:
            if token.startswith(prefix) and len(token) > len(prefix):
                token, changed = token[len(prefix) :], True
    return token


def _noise_variants(text: str) -> list[str]:
    """``text`` and, one step at a time, the same without noise words at its edges.

    Least stripped first, so a title that contains such a word (``The Lego Movie``,
    ``영화는 영화다``) is still found by its full name before the word is dropped.
    """
    variants = [text]
    tokens = text.split()
    while tokens:
        if _key(tokens[-1]) in _NOISE_WORDS or not _key(tokens[-1]):
            tokens = tokens[:-1]
        elif _key(tokens[0]) in _NOISE_WORDS or not _key(tokens[0]):
            tokens = tokens[1:]
        else:
            break
        if tokens:
            variants.append(" ".join(tokens))
    if tokens:
        first = _strip_glued_noise(tokens[0]) if has_hangul(tokens[0]) else tokens[0]
        last = _strip_glued_noise(tokens[-1]) if has_hangul(tokens[-1]) else tokens[-1]
        glued = [first, *tokens[1:-1], last] if len(tokens) > 1 else [_strip_glued_noise(first)]
        if glued != tokens:
            variants.append(" ".join(glued))
    return variants


def _weight(key: str) -> int:
    """How much of a name a key spells: a syllable counts two, any other character one."""
    return sum(2 if "\uac00" <= c <= "\ud7a3" else 1 for c in key)


def _accept_budget(length: int, hangul: bool) -> int:
    """Edits a typo may have and still *find* a film, for a name of ``length`` jamo/letters.

    Keystroke jamo: none up to 3 (``듄``), one up to 11 (``기생충`` is 8), then one more per 8.
    Latin letters carry more information each but random words are near short titles, so none
    up to 5 letters and one more per 6.
    """
    if hangul:
        return 0 if length <= 3 else (length + 4) // 8
    return length // 6


def _suggest_budget(length: int, hangul: bool) -> int:
    """Edits allowed for a "did you mean" suggestion: looser than finding, still close."""
    if hangul:
        return max(1, length // 4) if length >= 3 else 0
    return length // 5


def _josa_stripped(token: str) -> str | None:
    for josa in _JOSA:
        if token.endswith(josa) and len(token) > len(josa) and has_hangul(token):
            return token[: -len(josa)]
    return None


# --- the index --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Name:
    """One name of one film, in the forms the tiers look it up by."""

    film: int  # index into FilmIndex._films
    key: str  # normalize_key of the name
    base: str  # key of the part before the sequel number (the key itself when there is none)
    number: int | None  # the sequel number, if the name has one
    canonical: str  # base + number + the rest: "듄: 파트 2" and "Dune: Part Two" → 듄2, dune2


@dataclass(frozen=True, slots=True)
class _Query:
    """A query taken apart: the keys to try exactly, the year, and the core text."""

    raw_keys: tuple[str, ...]  # the whole query and its noise-stripped forms (a year kept in)
    year: int | None
    keys: tuple[str, ...]  # the same after a year was taken out
    text: str  # the most stripped form
    base_text: str  # its part before a sequel number
    base: str  # the key of base_text
    number: int | None
    canonical: str


@dataclass(frozen=True, slots=True)
class _Sorted:
    """Strings sorted for prefix search with ``bisect``, each pointing at a name."""

    keys: list[str]
    names: list[int]

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, int]]) -> _Sorted:
        ordered = sorted(dict.fromkeys(pairs), key=_first)  # stable: ties keep insertion order
        return cls([k for k, _ in ordered], [n for _, n in ordered])

    def range(self, prefix: str) -> tuple[int, int]:
        lo = bisect.bisect_left(self.keys, prefix)
        hi = bisect.bisect_left(self.keys, prefix + "\U0010ffff", lo)
        return lo, hi


@dataclass(frozen=True, slots=True)
class _Lengths:
    """Strings sorted by length, each pointing at a name, to slice out a length window."""

    lengths: list[int]
    keys: list[str]
    names: list[int]

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, int]]) -> _Lengths:
        ordered = sorted(pairs, key=lambda pair: len(pair[0]))
        return cls([len(k) for k, _ in ordered], [k for k, _ in ordered], [n for _, n in ordered])

    def window(self, low: int, high: int) -> tuple[int, int]:
        """The positions of the strings whose length is in ``low..high``."""
        return bisect.bisect_left(self.lengths, low), bisect.bisect_right(self.lengths, high)


def _first(pair: tuple[str, int]) -> str:
    return pair[0]


def _suggest(suggested: dict[int, float], film: int, closeness: float) -> None:
    """Keep the closest evidence for a suggestion, whatever order it was found in."""
    if closeness < suggested.get(film, math.inf):
        suggested[film] = closeness


# What a tier answers: films, best first, and whether later tiers may still try.
_Tier = tuple[list[int], bool]


class FilmIndex:
    """An in-memory index of the library's films for :meth:`match` and :meth:`complete`.

    Build it once per library version (O(total length of all names)); it never changes after.
    """

    def __init__(self, films: Sequence[FilmEntry]) -> None:
        self._films: tuple[FilmEntry, ...] = tuple(films)
        self._by_id = {f.id: i for i, f in reversed(list(enumerate(self._films)))}
        self._names: list[_Name] = []
        self._exact: dict[str, list[int]] = {}  # key or canonical key → names
        self._series: dict[str, list[int]] = {}  # base → names with that base
        self._film_heads: list[list[tuple[str, int]]] = [[] for _ in self._films]
        heads: list[tuple[str, int]] = []
        words: list[tuple[str, int]] = []
        inits: list[tuple[str, int]] = []
        fuzzy: dict[tuple[str, int], int] = {}  # (canonical jamo, film) → name
        title_keys: list[str] = []
        for index, film in enumerate(self._films):
            for number_of_name, raw in enumerate((film.title, *film.aliases)):
                text = _prepare(raw)
                if number_of_name == 0:
                    title_keys.append(_key(text))
                first: int | None = None
                for name in self._parse_name(index, text):
                    n = len(self._names)
                    first = n if first is None else first
                    self._names.append(name)
                    # the canonical key last, so that ``head`` is its jamo after the loop
                    keys = dict.fromkeys((name.key, name.canonical))
                    head = ""
                    for key in keys:
                        self._exact.setdefault(key, []).append(n)
                        head = decompose(key)
                        heads.append((head, n))
                        self._film_heads[index].append((head, n))
                        if has_hangul(key):
                            inits.append((initials(key), n))
                    self._series.setdefault(name.base, []).append(n)
                    fuzzy.setdefault((head, index), n)
                if first is not None:
                    words += [(decompose(s), first) for s in self._word_suffixes(text)]

        # The tie-breaker everywhere: more posts first, then title, year and id.
        order = sorted(
            range(len(self._films)),
            key=lambda i: (
                -self._films[i].posts,
                title_keys[i],
                self._films[i].year or 0,
                self._films[i].id,
            ),
        )
        self._rank = [0] * len(self._films)
        for position, film_index in enumerate(order):
            self._rank[film_index] = position
        self._popular: tuple[int, ...] = tuple(order)

        self._heads = _Sorted.build(heads)
        self._words = _Sorted.build(words)
        self._inits = _Sorted.build(inits)
        # Canonical jamo for typos, by script and length: a typo search hands rapidfuzz only the
        # names whose length is within its budget, in the query's script (ASCII or not), which
        # is several times faster than the whole list. The wider search for suggestions also
        # keeps to names with the query's first character: a suggestion two typos away, one of
        # them in the first letter, is rare enough to give up for a search ten times smaller.
        self._fuzzy = {
            ascii_only: _Lengths.build(
                (jamo, n) for (jamo, _), n in fuzzy.items() if jamo.isascii() == ascii_only
            )
            for ascii_only in (True, False)
        }
        by_first: dict[str, list[tuple[str, int]]] = {}
        for (jamo, _), n in fuzzy.items():
            by_first.setdefault(jamo[:1], []).append((jamo, n))
        self._fuzzy_by_first = {first: _Lengths.build(p) for first, p in by_first.items()}
        # Heads grouped by their first two jamo, for typos in an unfinished name.
        self._buckets: dict[str, list[int]] = {}
        for position, head in enumerate(self._heads.keys):
            self._buckets.setdefault(head[:2], []).append(position)

    def __len__(self) -> int:
        return len(self._films)

    @property
    def films(self) -> tuple[FilmEntry, ...]:
        """The indexed films, in the order given."""
        return self._films

    def get(self, film_id: int) -> FilmEntry | None:
        """The film with this id, if the library has it (O(1))."""
        index = self._by_id.get(film_id)
        return None if index is None else self._films[index]

    # --- building -----------------------------------------------------------------------------

    @staticmethod
    def _parse_name(index: int, text: str) -> list[_Name]:
        """A prepared name as looked up, and without a leading English article (``The Host``)."""
        forms = [text]
        forms += [text[len(a) :] for a in _ARTICLES if text.startswith(a) and text[len(a) :]]
        names: list[_Name] = []
        for form in forms:
            key = _key(form)
            if not key:
                continue
            before, number, after = _split_number(form)
            base = _key(before) if number is not None else key
            canonical = f"{base}{number}{_key(after)}" if number is not None else key
            names.append(_Name(index, key, base, number, canonical))
        return names

    @staticmethod
    def _word_suffixes(text: str) -> list[str]:
        """Keys of a prepared name from its second word on: ``시인의사회``, ``사회``."""
        parts = [p for p in _WORD_SPLIT.split(text) if p][:_MAX_RUN]
        return ["".join(parts[i:]) for i in range(1, len(parts))]

    # --- small helpers ------------------------------------------------------------------------

    def _entries(self, films: Iterable[int]) -> tuple[FilmEntry, ...]:
        return tuple(self._films[f] for f in films)

    def _by_rank(self, films: Iterable[int]) -> list[int]:
        return sorted(set(films), key=self._rank.__getitem__)

    def _best(self, scored: dict[int, float]) -> list[int]:
        """The films that share the best (lowest) score — they match equally well — by rank."""
        if not scored:
            return []
        best = min(scored.values())
        return self._by_rank(f for f, s in scored.items() if s <= best)

    @staticmethod
    def _number_ok(name: _Name, number: int | None) -> bool:
        """A query's sequel number agrees with a name's; ``1`` also means "no number"."""
        if number is None:
            return True
        return name.number == number or (number == 1 and name.number is None)

    def _by_year(self, films: list[int], year: int | None) -> tuple[list[int], list[int]]:
        """Films of that year, else of no known year, else ±1 year; and the films left out."""
        if year is None:
            return films, []
        same = [f for f in films if self._films[f].year == year]
        unknown = [f for f in films if self._films[f].year is None]
        near = [f for f in films if (y := self._films[f].year) is not None and abs(y - year) == 1]
        kept = same or unknown or near
        return kept, [f for f in films if f not in kept]

    # --- match --------------------------------------------------------------------------------

    def match(self, query: str) -> FilmMatch:
        """The film(s) ``query`` names; see the module docstring for the tiers."""
        q = _analyse(query)
        if q is None:
            return _NO_MATCH
        # film → closeness (lower first): the "did you mean" evidence gathered on the way
        suggested: dict[int, float] = {}

        # 1. The whole query names a film, a year kept in ("blade runner 2049", "1987").
        for key in q.raw_keys:
            if key in self._exact:
                return self._found(self._films_of(self._exact[key]), exact=True)
        # 1b. The same without the year, then narrowed by it; or base title + sequel number.
        hits: list[int] = []
        for key in (*q.keys, q.canonical):
            if key in self._exact:
                hits = self._films_of(self._exact[key])
                break
        if not hits and q.number is not None:
            same_base = [self._names[n] for n in self._series.get(q.base, [])]
            hits = self._by_rank(nm.film for nm in same_base if self._number_ok(nm, q.number))
            for nm in same_base:  # "듄 3": the same title under another number
                _suggest(suggested, nm.film, 1.0)
        if hits:
            kept, dropped = self._by_year(hits, q.year)
            if kept:
                return self._found(kept, exact=True)
            return self._not_found(dict.fromkeys(dropped, 0.0))

        tiers = (
            self._tier_series,
            self._tier_initials,
            self._tier_prefix,
            self._tier_inside,
            self._tier_subtitle,
            self._tier_typo,
        )
        for tier in tiers:
            films, final = tier(q, suggested)
            kept, dropped = self._by_year(films, q.year)
            if kept:
                return self._found(kept, exact=False)
            for f in dropped:
                _suggest(suggested, f, 0.5)
            if final:
                break
        return self._not_found(suggested)

    def _films_of(self, names: Iterable[int]) -> list[int]:
        return self._by_rank(self._names[n].film for n in names)

    def _found(self, films: list[int], *, exact: bool) -> FilmMatch:
        return FilmMatch(self._entries(films[:MAX_CHOICES]), (), exact)

    def _not_found(self, suggested: dict[int, float]) -> FilmMatch:
        ordered = sorted(suggested, key=lambda f: (suggested[f], self._rank[f]))
        return FilmMatch((), self._entries(ordered[:MAX_SUGGESTIONS]), False)

    # Each tier gets the analysed query and the suggestions so far (to add to), and answers
    # films, best first, and whether to stop after it.

    def _tier_series(self, q: _Query, suggested: dict[int, float]) -> _Tier:
        """A title without a number whose library films all have one (``범죄도시`` → 2, 3)."""
        if q.number is not None:
            return [], False
        names = [self._names[n] for n in self._series.get(q.canonical, [])]
        numbered = sorted((nm.number, self._rank[nm.film], nm.film) for nm in names if nm.number)
        return list(dict.fromkeys(f for _, _, f in numbered)), False

    def _tier_initials(self, q: _Query, suggested: dict[int, float]) -> _Tier:
        """초성: names whose initials are the query's, else begin with them (two at least).

        A consonant-only query is never a title or a typo of one, so nothing after this tier is
        tried for it.
        """
        if not is_initials_query(q.text):
            return [], False
        wanted = initials(q.text)
        lo, hi = self._inits.range(wanted)
        exact: list[int] = []
        prefix: dict[int, float] = {}
        for i in range(lo, min(hi, lo + _SCAN_RANGE)):
            key = self._inits.keys[i]
            film = self._names[self._inits.names[i]].film
            if key == wanted:
                exact.append(film)
            elif len(wanted) >= 2:
                prefix[film] = min(prefix.get(film, 1.0), 1.0 - len(wanted) / len(key))
        if exact:
            return self._by_rank(exact), True
        return sorted(prefix, key=lambda f: (prefix[f], self._rank[f])), True

    def _tier_prefix(self, q: _Query, suggested: dict[int, float]) -> _Tier:
        """Names that begin with the query, in keystrokes (``죽은 시인``, ``기생추``).

        All of them match equally well — the reader chooses — but those the query covers more
        of come first. A query must spell half the name, or three syllables (six letters), or
        two words of two syllables (four letters), so that one common word (``the``, ``house``,
        ``사랑``) does not offer every film that begins with it.
        """
        key = q.base if q.number is not None else q.canonical
        wanted = decompose(key)
        lo, hi = self._heads.range(wanted)
        if lo == hi:
            return [], False
        weight = _weight(key)
        long_enough = weight >= 6 or (weight >= 4 and len(q.base_text.split()) >= 2)
        if hi - lo > _SCAN_RANGE:
            if not long_enough:
                return [], False
            return self._scan_popular(wanted, MAX_CHOICES, q.number), False
        found: dict[int, float] = {}
        for i in range(lo, hi):
            name = self._names[self._heads.names[i]]
            head = self._heads.keys[i]
            if not (long_enough or 2 * len(wanted) >= len(head)):
                continue
            if not self._number_ok(name, q.number):
                _suggest(suggested, name.film, 2.0)
                continue
            score = 1.0 - len(wanted) / len(head)
            found[name.film] = min(found.get(name.film, 1.0), score)
        return sorted(found, key=lambda f: (found[f], self._rank[f])), False

    def _tier_inside(self, q: _Query, suggested: dict[int, float]) -> _Tier:
        """A film named among other words: ``기생충 리뷰 있어?``, ``기생충은``, ``기생충 Parasite``.

        Found when every word is part of one of the film's names (a particle may follow) or is
        chat (있어, 어때, 추천 …). Next to other words (``어벤져스 엔드게임``, ``기생충 봉준호``)
        the film is only a suggestion, since they may be its subtitle — and only when the name
        spells two syllables (four letters) and a third of the query, so that ``생`` inside
        ``추픢 생 사`` suggests nothing.
        """
        keys = [k for k in _WORD_SPLIT.split(q.base_text) if k][:_MAX_TOKENS]
        covered: dict[int, set[int]] = {}  # film → positions of the words its names cover
        weights: dict[int, int] = {}  # film → weight of its longest name found
        for start in range(len(keys)):
            for end in range(start + 1, min(len(keys), start + _MAX_RUN) + 1):
                if keys[start] in _NOISE_WORDS or keys[end - 1] in _NOISE_WORDS:
                    continue
                candidates = ["".join(keys[start:end])]
                if (stripped := _josa_stripped(keys[end - 1])) is not None:
                    candidates.append("".join([*keys[start : end - 1], stripped]))
                for key in candidates:
                    weight = _weight(key)
                    if weight < (2 if has_hangul(key) else 3):
                        continue
                    names = [self._names[n] for n in self._exact.get(key, [])]
                    for film in {nm.film for nm in names if self._number_ok(nm, q.number)}:
                        covered.setdefault(film, set()).update(range(start, end))
                        weights[film] = max(weights.get(film, 0), weight)
        chat = {i for i, k in enumerate(keys) if k in _CHAT_WORDS}
        everything = set(range(len(keys)))
        query_weight = _weight("".join(keys))
        found: dict[int, float] = {}
        for film, positions in covered.items():
            weight = weights[film]
            if positions | chat == everything:
                found[film] = -float(weight)  # the longest name wins ("살인의 추억" over "살인")
            elif weight >= 4 and 3 * weight >= query_weight:
                _suggest(suggested, film, 1.5)
        return self._best(found), False

    def _tier_subtitle(self, q: _Query, suggested: dict[int, float]) -> _Tier:
        """The later words of a name, whole (``데드 레코닝``, ``결심``): a subtitle or surname."""
        if _weight(q.canonical) < 4:
            return [], False
        wanted = decompose(q.canonical)
        lo = bisect.bisect_left(self._words.keys, wanted)
        hi = bisect.bisect_right(self._words.keys, wanted, lo)
        return self._by_rank(self._names[self._words.names[i]].film for i in range(lo, hi)), False

    def _tier_typo(self, q: _Query, suggested: dict[int, float]) -> _Tier:
        """The names nearest in edit distance over keystroke jamo, within the finding budget.

        When none is, names within the looser suggestion budget, or whose beginning is a typo
        away, are kept as suggestions (a second, wider search: only unknown films pay for it).
        """
        wanted = decompose(q.canonical)
        found: dict[int, float] = {}
        for name, distance, accept in self._typos(wanted, suggest=False):
            if accept and self._number_ok(name, q.number):
                found[name.film] = min(found.get(name.film, math.inf), float(distance))
            else:
                _suggest(suggested, name.film, 3.0 + distance)
        if not found:
            for name, distance, _ in self._typos(wanted, suggest=True):
                _suggest(suggested, name.film, 3.0 + distance)
            for film, distance in self._prefix_typos(wanted, q.number):
                _suggest(suggested, film, 4.0 + distance)
        return self._best(found), True

    def _typos(self, wanted: str, *, suggest: bool) -> list[tuple[_Name, int, bool]]:
        """Names within the finding (or suggestion) budget of ``wanted``.

        Each as (name, distance, within the finding budget?). Only names of a length within the
        budget, in the query's script, are handed to rapidfuzz.
        """
        if not wanted:
            return []
        hangul = has_hangul(wanted)
        budget = _suggest_budget if suggest else _accept_budget
        # A name longer than this is out of budget: its distance is at least the length gap.
        reach = math.ceil(len(wanted) * 4 / 3) + 1
        ascii_only = wanted.isascii()  # then every name it can be near is ASCII too
        cutoff = (
            budget(reach, False) if ascii_only else max(budget(reach, True), budget(reach, False))
        )
        if cutoff == 0:
            return []
        table = self._fuzzy_by_first.get(wanted[:1]) if suggest else self._fuzzy[ascii_only]
        if table is None:
            return []
        lo, hi = table.window(len(wanted) - cutoff, len(wanted) + cutoff)
        if lo >= hi:
            return []
        hits = process.extract(
            wanted, table.keys[lo:hi], scorer=OSA.distance, score_cutoff=cutoff, limit=None
        )
        out: list[tuple[_Name, int, bool]] = []
        for choice, distance, position in hits:
            if distance == 0:
                continue  # an exact key: tier 1 found or refused it (year, number)
            length = max(len(wanted), len(choice))
            script = hangul or has_hangul(choice)
            if distance <= budget(length, script):
                accept = distance <= _accept_budget(length, script)
                out.append((self._names[table.names[lo + position]], int(distance), accept))
        return out

    def _prefix_typos(self, wanted: str, number: int | None) -> list[tuple[int, int]]:
        """Films with a name whose *beginning* is a typo away from ``wanted``, nearest first.

        Only names sharing the first two jamo are compared (people rarely mistype the first
        letter), which keeps this to a few hundred comparisons in a large library.
        """
        if len(wanted) < 4:
            return []
        budget = _accept_budget(len(wanted), has_hangul(wanted))
        positions = self._buckets.get(wanted[:2], [])
        if budget == 0 or not positions:
            return []
        truncated = [self._heads.keys[p][: len(wanted)] for p in positions]
        hits = process.extract(
            wanted, truncated, scorer=OSA.distance, score_cutoff=budget, limit=None
        )
        best: dict[int, int] = {}
        for _, distance, i in hits:
            name = self._names[self._heads.names[positions[i]]]
            if self._number_ok(name, number):
                best[name.film] = min(best.get(name.film, budget), int(distance))
        return sorted(best.items(), key=lambda item: (item[1], self._rank[item[0]]))

    def _scan_popular(self, wanted: str, need: int, number: int | None = None) -> list[int]:
        """The most popular films with a name beginning with ``wanted``, scanning by popularity.

        Used when a short prefix covers thousands of names: the matches turn up early.
        """
        out: list[int] = []
        for film in self._popular:
            if any(
                head.startswith(wanted) and self._number_ok(self._names[n], number)
                for head, n in self._film_heads[film]
            ):
                out.append(film)
                if len(out) >= need:
                    break
        return out

    # --- complete -----------------------------------------------------------------------------

    def complete(self, prefix: str, *, limit: int = 25) -> list[FilmEntry]:
        """Films for what a reader has typed so far (Discord autocomplete), best first.

        In order: exact names; names beginning with the input in keystrokes (so ``헤어질 겨``
        and ``헤어질 ㄱ`` count); 초성 prefixes; names with a later word beginning with it; then
        typos, in whole names and in their beginnings. Within a group, popular films first.
        Empty input gives the most-reviewed films.
        """
        if limit <= 0:
            return []
        text = _prepare_query(prefix)
        tokens = text.split()
        while len(tokens) > 1 and _key(tokens[0]) in _NOISE_WORDS:
            tokens = tokens[1:]
        text = " ".join(tokens)
        key = _key(text)
        if not key:
            return list(self._entries(self._popular[:limit]))
        out: dict[int, None] = {}

        def add(films: Iterable[int]) -> bool:
            for film in films:
                out.setdefault(film, None)
                if len(out) >= limit:
                    return True
            return False

        before, number, after = _split_number(text)
        canonical = f"{_key(before)}{number}{_key(after)}" if number else key
        groups: list[Iterable[int]] = [
            self._films_of(self._exact.get(key, [])),
            self._films_of(self._exact.get(canonical, [])),
        ]
        groups.append(self._prefix_films(self._heads, decompose(key), limit))
        if canonical != key:
            groups.append(self._prefix_films(self._heads, decompose(canonical), limit))
        if is_initials_query(text):
            groups.append(self._prefix_films(self._inits, initials(text), limit))
        groups.append(self._prefix_films(self._words, decompose(key), limit))
        for group in groups:
            if add(group):
                return list(self._entries(out))
        wanted = decompose(canonical)
        typos = sorted(
            (d, self._rank[nm.film], nm.film)
            for nm, d, ok in self._typos(wanted, suggest=False)
            if ok and self._number_ok(nm, number)
        )
        if not add(film for _, _, film in typos):
            add(film for film, _ in self._prefix_typos(wanted, number))
        return list(self._entries(out))

    def _prefix_films(self, table: _Sorted, wanted: str, limit: int) -> list[int]:
        """Up to ``limit`` films with a string in ``table`` beginning with ``wanted``, by rank."""
        lo, hi = table.range(wanted)
        if hi - lo > _SCAN_RANGE and table is self._heads:
            return self._scan_popular(wanted, limit)
        films = {self._names[table.names[i]].film for i in range(lo, min(hi, lo + _SCAN_RANGE))}
        return heapq.nsmallest(limit, films, key=self._rank.__getitem__)


def _analyse(query: str) -> _Query | None:
    """Take a query apart: noise words, then a year, then a sequel number (None if empty)."""
    text = _prepare_query(query)
    if not _key(text):
        return None
    raw_variants = _noise_variants(text)
    rest, year = _split_year(raw_variants[-1])
    variants = _noise_variants(rest) if year is not None else raw_variants
    core = variants[-1]
    core_key = _key(core)
    if not core_key:
        return None
    before, number, after = _split_number(core)
    base = _key(before) if number is not None else core_key
    canonical = f"{base}{number}{_key(after)}" if number is not None else core_key
    return _Query(
        raw_keys=_keys(raw_variants),
        year=year,
        keys=_keys(variants),
        text=core,
        base_text=before if number is not None else core,
        base=base,
        number=number,
        canonical=canonical,
    )


def _keys(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for t in texts if (k := _key(t))))
