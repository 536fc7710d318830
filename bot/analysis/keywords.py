"""Keyword candidates of a text and themes mined from them by TF-IDF against the library.

Candidates are noun-like uses only: Korean nouns of at least two syllables, predicates and roots
used as nouns (``외로움`` → term ``외롭다``, ``쓸쓸함`` → term ``쓸쓸``) and English words of at
least three letters that are not stopwords. Words that are in nearly every film review
(``영화``, ``감독``, ``장면``, ``film``, ``scene`` …) are never candidates: they are still
searchable (they stay in the term stream), but as a theme they say nothing about the review.

Themes carry display labels (:func:`theme_label`): a mined ``외롭다`` is shown as ``외로움``, like
an explicit theme would be written, and analysing the label gives the term back.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

from bot.analysis import kiwi
from bot.analysis.terms import ENGLISH_STOPWORDS, NOMINALISED_NOUNS, TermHit, TermKind, wordset

# Generic in this domain: about films or reviewing in general, or discourse filler.
KOREAN_DOMAIN_STOPWORDS = wordset(
    """
    영화 리뷰 후기 감상 관람 작품 감독 배우 장면 연기 관객 개봉 스포일러 스포 줄거리 결말 평점 별점
    포스터 예고편 러닝타임 상영 극장 주인공 인물 캐릭터 이야기 내용 부분 정도 생각 느낌 사람 모습
    자체 경우 때문 이번 오늘 하나 처음 마지막 최근 동안 이후 이전 다음 시작 시간 정말 그냥
    전개 연출 스토리 시리즈 버전 작가 원작 영상 화면 대사 관련 이유 사실 의미 문제 방식 과정 결과
    """
)
ENGLISH_DOMAIN_STOPWORDS = wordset(
    """
    film movie review cinema scene story character director actor actress watch plot ending
    time way thing one two first last lot bit kind sort part end something everything nothing
    anything make made also see seen feel felt think thought know get going say said still
    """
)
# Predicates that are evaluations rather than themes, even when used as nouns (좋음, 재밌음).
STOP_NOMINAL_PREDICATES = wordset(
    "좋다 싫다 나쁘다 많다 적다 크다 작다 재밌다 재미있다 재미없다 새롭다 어렵다 쉽다"
)


def is_candidate(hit: TermHit) -> bool:
    """Whether a term occurrence counts towards the keyword candidates (see module docstring)."""
    if not hit.nominal:
        return False
    term = hit.term
    if hit.kind is TermKind.NOUN:
        return len(term) >= 2 and term not in KOREAN_DOMAIN_STOPWORDS
    if hit.kind is TermKind.ROOT:
        return len(term) >= 2 and term not in KOREAN_DOMAIN_STOPWORDS
    if hit.kind is TermKind.PREDICATE:
        return len(term) >= 3 and term not in STOP_NOMINAL_PREDICATES
    if hit.kind is TermKind.FOREIGN:
        return (
            len(term) >= 3
            and term.isascii()
            and term.isalpha()
            and term not in ENGLISH_STOPWORDS
            and term not in ENGLISH_DOMAIN_STOPWORDS
        )
    return False


def keyword_counts(hits: Iterable[TermHit]) -> Counter[str]:
    """Term frequencies of the keyword candidates among ``hits`` (first-seen order)."""
    return Counter(hit.term for hit in hits if is_candidate(hit))


def idf(df: int, n_docs: int) -> float:
    """Smoothed inverse document frequency, ``ln((1 + N) / (1 + df)) + 1``.

    Always ≥ 1 for ``df ≤ N``, so that with an empty or tiny library the ranking falls back to
    term frequency instead of collapsing to zero; a ``df`` above ``N`` (the caller counted the
    post itself, or a race) is treated as ``N``.
    """
    n_docs = max(n_docs, 0)
    df = min(max(df, 0), n_docs)
    return math.log((1 + n_docs) / (1 + df)) + 1.0


def mine_themes(
    tf: Mapping[str, float],
    df: Mapping[str, int],
    n_docs: int,
    *,
    k: int = 8,
    exclude: Iterable[str] = (),
) -> list[tuple[str, float]]:
    """The ``k`` best keyword terms by TF-IDF, best first, weights scaled so the best is 1.0.

    The score is ``(1 + ln tf) × idf``: sublinear term frequency, so that a generic word
    repeated often (``사랑`` ten times) does not outrank a distinctive one used a few times.

    ``tf`` holds the candidates' counts in this post, ``df`` how many library posts hold each
    term (missing means 0), ``n_docs`` the library's size. ``exclude`` are terms already shown
    (the film's title, the explicit themes), compared exactly.

    A term used only once is a theme only when fewer than three candidates are used more often
    (short posts): in a 2,000-character review a single mention is rarely what it is about, and
    TF-IDF would otherwise favour one-off names and typos, whose idf is highest.
    Ties are broken by term, so the result is deterministic.
    """
    if k <= 0:
        return []
    excluded = set(exclude)
    pool = {t: f for t, f in tf.items() if f > 0 and t not in excluded}
    if sum(1 for f in pool.values() if f >= 2) >= 3:
        pool = {t: f for t, f in pool.items() if f >= 2}
    scored = sorted(
        ((t, (1.0 + math.log(f)) * idf(df.get(t, 0), n_docs)) for t, f in pool.items()),
        key=lambda item: (-item[1], item[0]),
    )[:k]
    if not scored:
        return []
    top = scored[0][1]
    return [(t, s / top) for t, s in scored]


# ---------------------------------------------------------------------------------------------
# Display labels

_NOUN_OF_LEMMA = {lemma: noun for noun, lemma in NOMINALISED_NOUNS.items()}
_SYLLABLE_BASE = 0xAC00
_FINAL_NONE, _FINAL_D, _FINAL_L, _FINAL_LM, _FINAL_M, _FINAL_B, _FINAL_S = 0, 7, 8, 10, 16, 17, 19


def _with_final(syllable: str, final: int) -> str:
    code = ord(syllable) - _SYLLABLE_BASE
    return chr(_SYLLABLE_BASE + code - code % 28 + final)


def nominal_form(lemma: str, irregular: bool) -> str:
    """The ``-(으)ㅁ`` noun of a verb or adjective lemma: ``외롭다`` → ``외로움``, ``슬프다`` →
    ``슬픔``, ``살다`` → ``삶``, ``믿다`` → ``믿음``, ``걷다`` (irregular) → ``걸음``."""
    if not lemma.endswith("다") or len(lemma) < 2:
        return lemma
    stem = lemma[:-1]
    last = stem[-1]
    code = ord(last) - _SYLLABLE_BASE
    if not 0 <= code < 11172:
        return lemma
    final = code % 28
    head = stem[:-1]
    if final == _FINAL_NONE:
        return head + _with_final(last, _FINAL_M)
    if final == _FINAL_L:
        return head + _with_final(last, _FINAL_LM)
    if irregular and final == _FINAL_B:
        return head + _with_final(last, _FINAL_NONE) + "움"
    if irregular and final == _FINAL_D:
        return head + _with_final(last, _FINAL_L) + "음"
    if irregular and final == _FINAL_S:
        return head + _with_final(last, _FINAL_NONE) + "음"
    return stem + "음"


@lru_cache(maxsize=8192)
def theme_label(term: str) -> str:
    """How a mined theme term is shown: nouns and English words as they are, a predicate's
    lemma as its noun (``외롭다`` → ``외로움``), a root with ``함`` (``쓸쓸`` → ``쓸쓸함``)."""
    if not any("\uac00" <= c <= "\ud7a3" for c in term):
        return term
    if term in _NOUN_OF_LEMMA:
        return _NOUN_OF_LEMMA[term]
    morphs = kiwi.tokenize(term)
    if not morphs:
        return term
    first = morphs[0]
    if len(morphs) == 1 and first.tag == "XR":
        return term + "함"
    if first.tag.startswith(("VV", "VA")) and first.lemma == term:
        return nominal_form(term, first.tag.endswith("-I"))
    return term
