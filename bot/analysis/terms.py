"""The normalised content-term stream: one function for indexing posts and analysing queries.

Posts are indexed with :func:`term_hits` over Kiwi's morphemes of each sentence and queries are
analysed with :func:`query_terms`; both map morphemes to terms the same way, so that an inflected
or differently spaced query finds the text (``외로운``, ``외로움`` and ``외롭다`` all give
``외롭다``; ``청춘의목소리`` and ``청춘의 목소리`` both give ``청춘``, ``목소리``).

What becomes a term, and why:

* Korean nouns (NNG, NNP) as written. Dependent nouns (것, 수, 등 …), pronouns and a few
  one-syllable generic nouns (때, 중, 점 …) are dropped: they are in nearly every sentence, so
  they only make AND queries fail. Meaningful one-syllable nouns (꿈, 밤, 집, 봄) are kept.
  ``영화``, ``리뷰``, ``후기`` are kept in the stream (a user may search for ``영화 음악``); they
  are only kept out of mined themes (:mod:`bot.analysis.keywords`), where they say nothing.
* Verbs and adjectives as Kiwi's lemma (``외로워서`` → ``외롭다``), with Kiwi's ``split_complex``
  so that nominalised forms it knows (``외로움``, ``그리움``, ``아름다움``) give the same lemma.
  ``X하다`` predicates give their root (``따뜻하다`` → ``따뜻``), the same term as the root
  (XR) Kiwi gives for ``따뜻한``/``따뜻함`` and as the noun for ``행복한`` (``행복``). Light and
  auxiliary verbs (하다, 되다, 있다, 없다, 보다 …) are dropped.
* Guessed (out-of-vocabulary) long nouns are split into two known nouns where possible
  (``콘크리트유토피아`` → ``콘크리트``, ``유토피아``): Kiwi glues an unknown compound into one
  noun in some contexts and splits it in others, and the spaced spelling always splits.
  Multi-word tokens (user-dictionary entries with spaces) are split into their words.
* Latin (and other non-Hangul) words are found by a regular expression, not by Kiwi: Kiwi 0.24
  cuts English words before a full stop (``world.`` → ``wo``, ``rld.``). They are casefolded,
  stripped of possessives and contractions and lightly singularised (``memories`` → ``memory``,
  ``nights`` → ``night``; ``loneliness`` stays); common English stopwords are dropped.
* Numbers are kept (``듄 2`` must not find ``듄``'s review first); ``2,000`` → ``2000``.

Terms never contain spaces, punctuation or FTS syntax (only letters and digits), are at most
:data:`MAX_TERM_CHARS` long, and the analysis is deterministic for a given Kiwi dictionary.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from bot.analysis import kiwi
from bot.analysis.kiwi import Morph
from bot.textnorm import nfkc

MAX_QUERY_CHARS = 500
"""Queries are analysed up to this length: nobody types more, and a pasted novel must stay cheap."""

MAX_TEXT_CHARS = 200_000
"""Any one text given to :func:`terms` is analysed up to this length (~4 s of Kiwi)."""

MAX_TERM_CHARS = 40
"""Longer "words" are junk (hashes, runs of one letter) and are dropped."""

_DECOMPOUND_MAX_SYLLABLES = 12


class TermKind(enum.Enum):
    NOUN = "noun"  # NNG, NNP
    ROOT = "root"  # XR, and the root of an X하다 predicate
    PREDICATE = "predicate"  # verb or adjective lemma (외롭다)
    FOREIGN = "foreign"  # a non-Hangul word (Latin, Hanja, kana …)
    NUMBER = "number"


class TermHit(NamedTuple):
    """One term where it occurs. ``nominal`` marks a noun-like use (a keyword candidate):

    nouns, foreign words, and predicates or roots used as nouns (``외로움``, ``쓸쓸함``).
    """

    term: str
    kind: TermKind
    start: int
    nominal: bool


# ---------------------------------------------------------------------------------------------
# Character classes

_HANGUL_RANGES = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff\uffa0-\uffdc"
_SYLLABLE = re.compile("[\uac00-\ud7a3]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")
_LETTERS = f"[^\\W\\d_{_HANGUL_RANGES}]+"
_FOREIGN_OR_NUMBER = re.compile(
    f"(?P<word>{_LETTERS}(?:['’]{_LETTERS})*)|(?P<number>[0-9]+(?:,[0-9]{{3}})*)"
)
# Control characters (newlines and tabs included: they only separate words here), lone
# surrogates (Kiwi cannot encode them) and noncharacters become spaces.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_NOT_TERM_CHAR = re.compile(r"[\W_]+")
# Zero-width characters inside a word (외로\u200b움) are dropped, as ``bot.textnorm`` does.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def prepare(text: str) -> str:
    """The text as the analyser sees it: NFKC (keeping compatibility jamo), no control or
    zero-width characters.

    Posts are already NFKC from the parsers (``bot.textnorm.clean_text``), so this only changes
    queries, which may be typed with full-width letters or pasted with control characters.
    """
    return _UNSAFE.sub(" ", nfkc(text).translate(_INVISIBLE))


def is_hangul_dominant(text: str) -> bool:
    """Whether ``text`` is mostly Korean: Hangul syllables count three Latin letters each.

    A Korean syllable carries about as much as three English letters, so a Korean sentence that
    names a film in English (``Aftersun을 보고 한참 울었다``) stays Korean, and an English sentence
    that names a Korean film stays English. Text with neither script is not Hangul-dominant.
    """
    hangul = len(_SYLLABLE.findall(text))
    if not hangul:
        return False
    latin = len(_LATIN_LETTER.findall(text))
    return 3 * hangul >= latin


# ---------------------------------------------------------------------------------------------
# Korean


def wordset(text: str) -> frozenset[str]:
    """A word list written as one string (long stopword lists stay readable)."""
    return frozenset(text.split())


# Dropped everywhere (also when Kiwi tags them NNG): generic one-syllable nouns and a few
# discourse nouns that appear in nearly every sentence.
KOREAN_STOP_NOUNS = wordset(
    "것 수 등 때 거 게 데 중 번 분 편 듯 뿐 줄 채 척 점 안 위 뒤 앞 속 외 내 간 측 식 "
    "이것 그것 저것 이거 그거 저거 여기 거기 저기 무엇 뭐 누구 자기 자신"
)
# Light and auxiliary predicates: they carry no theme and would make AND queries fail.
STOP_PREDICATES = wordset(
    "하다 되다 있다 없다 같다 않다 이다 아니다 싶다 말다 지다 버리다 주다 보다 가다 오다 "
    "나다 대하다 위하다 통하다 못하다 그렇다 이렇다 저렇다 어떻다 아니하다"
)
# Nominalised predicates that Kiwi keeps as plain nouns (it splits 외로움, 그리움, 기쁨, 설렘 …
# itself): mapped to the predicate's lemma so that 슬픔 ~ 슬픈 ~ 슬프다. Only unambiguous pairs;
# 꿈, 잠, 그림, 느낌 stay nouns.
NOMINALISED_NOUNS = {
    "슬픔": "슬프다",
    "죽음": "죽다",
    "웃음": "웃다",
    "믿음": "믿다",
    "어둠": "어둡다",
    "만남": "만나다",
    "싸움": "싸우다",
}
_NOUN_TAGS = frozenset({"NNG", "NNP"})
# Roots of 좋아하다, 싫어하다, 슬퍼하다 … end in a connective vowel: keep the whole lemma there.
_CONNECTIVE_SYLLABLES = frozenset("아어여워와해러라")


def _has_syllable(text: str) -> bool:
    return _SYLLABLE.search(text) is not None


def _clean(term: str) -> str:
    if _NOT_TERM_CHAR.search(term):
        term = _NOT_TERM_CHAR.sub("", term)
    return term if 0 < len(term) <= MAX_TERM_CHARS else ""


def _is_nominalising(morphs: Sequence[Morph], i: int) -> bool:
    """Whether the ending at ``i`` turns the predicate before it into a noun (외로*움*이)."""
    if i >= len(morphs):
        return False
    m = morphs[i]
    if m.tag == "ETN":
        return True
    # Kiwi tags a word-final 음/ㅁ as a sentence ending when nothing follows in the text.
    return (
        m.tag == "EF"
        and m.form in ("음", "ᆷ")
        and (i + 1 == len(morphs) or morphs[i + 1].tag[0] in "JS")
    )


def _predicate_term(lemma: str) -> tuple[str, TermKind] | None:
    if lemma in STOP_PREDICATES or not _has_syllable(lemma):
        return None
    if lemma.endswith("하다") and len(lemma) >= 4 and lemma[-3] not in _CONNECTIVE_SYLLABLES:
        return lemma[:-2], TermKind.ROOT
    return lemma, TermKind.PREDICATE


def _hangul_hits(morphs: Sequence[Morph], depth: int = 0) -> list[TermHit]:
    """Terms from Kiwi's morphemes; only Hangul morphemes count (see the regex path)."""
    hits: list[TermHit] = []
    n = len(morphs)
    for i, m in enumerate(morphs):
        tag = m.tag
        if tag in _NOUN_TAGS:
            form = m.form
            if not _has_syllable(form):
                continue
            if " " in form or (m.oov and len(form) >= 4):
                hits.extend(h._replace(start=m.start) for h in _split_noun_token(form, depth))
            elif form in NOMINALISED_NOUNS:
                hits.append(TermHit(NOMINALISED_NOUNS[form], TermKind.PREDICATE, m.start, True))
            elif form not in KOREAN_STOP_NOUNS:
                term = _clean(form)
                if term:
                    hits.append(TermHit(term, TermKind.NOUN, m.start, True))
        elif tag == "W_HASHTAG":
            # Kiwi keeps "#성장영화" as one token: analyse what follows the "#".
            if depth < 2 and _has_syllable(m.form):
                inner = kiwi.tokenize(m.form.lstrip("#"))
                hits.extend(h._replace(start=m.start) for h in _hangul_hits(inner, depth + 1))
        elif tag == "XR":
            term = _clean(m.form)
            if term and _has_syllable(term):
                nominal = (
                    i + 1 < n
                    and morphs[i + 1].tag.startswith("XSA")
                    and _is_nominalising(morphs, i + 2)
                )
                hits.append(TermHit(term, TermKind.ROOT, m.start, nominal))
        elif tag.startswith(("VV", "VA")):
            found = _predicate_term(m.lemma)
            if found is not None:
                term = _clean(found[0])
                if term:
                    hits.append(TermHit(term, found[1], m.start, _is_nominalising(morphs, i + 1)))
    return hits


@lru_cache(maxsize=65536)
def _split_noun_cached(form: str, depth: int, generation: int) -> tuple[TermHit, ...]:
    del generation  # only part of the cache key: user words change the analysis
    if " " in form:
        # A multi-word entry: each word analysed on its own, as if it were not in the dictionary.
        hits: list[TermHit] = []
        if depth < 2:
            for word in form.split():
                hits.extend(_hangul_hits(kiwi.tokenize(word), depth + 1))
        return tuple(hits)
    parts = _decompound(form) if depth < 2 else None
    if parts is None:
        term = _clean(form)
        if not term or term in KOREAN_STOP_NOUNS:
            return ()
        return (TermHit(term, TermKind.NOUN, 0, True),)
    return tuple(TermHit(part, TermKind.NOUN, 0, True) for part in parts)


def _split_noun_token(form: str, depth: int) -> tuple[TermHit, ...]:
    return _split_noun_cached(form, depth, kiwi.dictionary_generation())


def _single_noun(word: str) -> bool | None:
    """``None`` if Kiwi does not read ``word`` alone as one noun, else whether it guessed it."""
    morphs = kiwi.tokenize(word)
    if len(morphs) != 1:
        return None
    m = morphs[0]
    if m.tag not in _NOUN_TAGS or m.form != word:
        return None
    return m.oov


def _decompound(word: str) -> tuple[str, ...] | None:
    """Split a guessed long noun into known nouns of ≥ 2 syllables, or ``None`` if it is not one.

    The best split has both halves known to Kiwi (else one known, one guessed), then the most
    balanced halves; a guessed half of ≥ 4 syllables is split again. Deterministic, and each
    distinct word costs a few dozen microseconds once (cached).
    """
    n = len(word)
    if n < 4 or n > _DECOMPOUND_MAX_SYLLABLES or not all(_SYLLABLE.match(c) for c in word):
        return None
    best: tuple[int, int, int] | None = None
    best_parts: tuple[tuple[str, bool], tuple[str, bool]] | None = None
    for i in range(2, n - 1):
        left, right = word[:i], word[i:]
        left_oov = _single_noun(left)
        if left_oov is None:
            continue
        right_oov = _single_noun(right)
        if right_oov is None:
            continue
        known = (not left_oov) + (not right_oov)
        if known == 0:
            continue
        score = (known, -abs(len(left) - len(right)), -i)
        if best is None or score > best:
            best, best_parts = score, ((left, left_oov), (right, right_oov))
    if best_parts is None:
        return None
    out: list[str] = []
    for part, oov in best_parts:
        sub = _decompound(part) if oov else None
        out.extend(sub if sub else (part,))
    return tuple(p for p in out if p not in KOREAN_STOP_NOUNS)


def is_decomposable(word: str) -> bool:
    """Whether :func:`terms` would split ``word`` (if Kiwi guessed it) into known nouns."""
    return _decompound(word) is not None


# ---------------------------------------------------------------------------------------------
# Foreign words and numbers

ENGLISH_STOPWORDS = wordset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each else even ever
    few for from further get got had has have having he her here hers herself him himself his how
    i if in into is it its itself just let like may me might more most much must my myself no nor
    not now of off on once only or other our ours ourselves out over own quite rather really
    same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up upon us very was we were what when where which while
    who whom whose why will with would yet you your yours yourself yourselves
    """
)
_CONTRACTIONS = {"can't": "can", "won't": "will", "shan't": "shall", "ain't": "am"}
# Plurals the suffix rules below would get wrong, and words that only look plural.
_SINGULAR_EXCEPTIONS = {
    "movies": "movie",
    "cookies": "cookie",
    "zombies": "zombie",
    "indies": "indie",
    "rookies": "rookie",
    "selfies": "selfie",
    "hippies": "hippie",
    "goodies": "goodie",
    "species": "species",
    "series": "series",
    "news": "news",
    "lens": "lens",
    "christmas": "christmas",
    "chaos": "chaos",
    "always": "always",
    "perhaps": "perhaps",
    "headaches": "headache",
    "aches": "ache",
    "clichés": "cliché",
    "niches": "niche",
    "physics": "physics",
    "mathematics": "mathematics",
    "politics": "politics",
    "whereas": "whereas",
    "yes": "yes",
    "thus": "thus",
}


def singular(word: str) -> str:
    """A light, plural-only English stemmer: ``memories`` → ``memory``, ``boxes`` → ``box``.

    Deliberately conservative (no ``-ing``/``-ed``/``-ness`` stripping): a wrong merge makes
    unrelated reviews match, while a missed one only loses a weak match that BM25 over the other
    query words usually recovers.
    """
    if len(word) <= 3 or not word.isascii():
        return _SINGULAR_EXCEPTIONS.get(word, word)
    if word in _SINGULAR_EXCEPTIONS:
        return _SINGULAR_EXCEPTIONS[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("s"):
        return word[:-1]
    return word


def english_term(word: str) -> str:
    """A foreign word as a term (``""`` if it is not one): casefolded, possessive and
    contraction dropped, singular; one-letter Latin words and stopwords give ``""``."""
    word = word.casefold().replace("’", "'")
    if "'" in word:
        word = _CONTRACTIONS.get(word, word)
        head, _, tail = word.partition("'")
        word = head[:-1] if tail == "t" and head.endswith("n") and len(head) > 2 else head
    if word in ENGLISH_STOPWORDS or (len(word) == 1 and word.isascii()):
        return ""
    word = singular(word)
    if word in ENGLISH_STOPWORDS:
        return ""
    return _clean(word)


_LINKS = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


def _blank_links(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _foreign_hits(text: str) -> list[TermHit]:
    """Non-Hangul words and numbers, links and e-mail addresses left out (``http``, ``com``
    would otherwise be in every post that links somewhere)."""
    if "@" in text or "://" in text or "www." in text.lower():
        text = _LINKS.sub(_blank_links, text)  # same length: offsets stay valid
    hits: list[TermHit] = []
    for match in _FOREIGN_OR_NUMBER.finditer(text):
        word = match.group("word")
        if word is not None:
            term = english_term(word)
            if term:
                hits.append(TermHit(term, TermKind.FOREIGN, match.start(), True))
        else:
            number = match.group("number").replace(",", "")
            if len(number) <= MAX_TERM_CHARS:
                hits.append(TermHit(number, TermKind.NUMBER, match.start(), False))
    return hits


# ---------------------------------------------------------------------------------------------
# Public API


def term_hits(text: str, morphs: Sequence[Morph] | None = None) -> list[TermHit]:
    """The terms of an already prepared ``text`` in text order, with kinds and positions.

    ``morphs`` are Kiwi's morphemes of exactly this text (offsets relative to it), when the
    caller has them already (the post analyser gets them from sentence splitting); otherwise the
    text is analysed here, and only if it holds Hangul (English text never reaches Kiwi).
    """
    if morphs is None:
        morphs = kiwi.tokenize(text) if _has_syllable(text) else ()
    hangul = _hangul_hits(morphs) if morphs else []
    foreign = _foreign_hits(text)
    if not hangul:
        return foreign
    if not foreign:
        return hangul
    return sorted(hangul + foreign, key=lambda h: h.start)


def terms(text: str) -> list[str]:
    """The normalised content terms of ``text``, in order, repeats kept (for indexing).

    Analyses at most :data:`MAX_TEXT_CHARS` characters.
    """
    if not text:
        return []
    return [h.term for h in term_hits(prepare(text[:MAX_TEXT_CHARS]))]


def query_terms(text: str) -> list[str]:
    """The terms of a user query: the first :data:`MAX_QUERY_CHARS` characters, deduplicated.

    Never raises on hostile input (control characters, only punctuation, FTS syntax such as
    ``" * NEAR OR``): the result is a possibly empty list of plain letter/digit terms.
    """
    if not text:
        return []
    return list(dict.fromkeys(h.term for h in term_hits(prepare(text[:MAX_QUERY_CHARS]))))
