"""Extractive summaries: the two or three most central sentences of a review, in their order.

Why extractive: a review's own sentences carry the blogger's voice and never invent a claim,
and the summary is computed once at ingest from the sentences and content terms the analyser
already produced (nothing here knows about Kiwi).

How (TextRank with priors):

* Sentences are nodes; two sentences are linked by how many content terms they share,
  normalised by the log of their lengths (Mihalcea & Tarau's TextRank similarity), so a long
  sentence does not win just by holding many words.
* Centrality is a personalised PageRank (power iteration, damping 0.85) whose teleport vector
  favours the opening thesis (the first sentences of the post) and the closing verdict (the
  last sentences): reviewers state their view up front and sum it up at the end, and the walk
  then also favours sentences that echo those two.
* The final score multiplies centrality by that positional prior and a length factor: very
  short sentences ("최고.") say little on their own, very long ones eat the whole budget.
* Sentences are then taken best first, skipping near-duplicates of one already taken and ones
  that no longer fit in ``max_chars``, and shown in their original order.
* Ties are broken by position (earlier first) after rounding, so the result never depends on
  floating-point noise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import Sentence
from bot.excerpts import truncate_words

DAMPING = 0.85
_ITERATIONS = 40
_TOLERANCE = 1e-5
# Shorter sentences are penalised, longer ones too (they leave no room for a second sentence).
MIN_CHARS = 15
_GOOD_MIN_CHARS = 40
_GOOD_MAX_CHARS = 180
# Term-set overlap above which a sentence repeats one already chosen.
_DUPLICATE_JACCARD = 0.6
_DUPLICATE_CONTAINMENT = 0.8
# A sentence is added to the first one only if it scores at least this share of the best score:
# a weak filler that happens to fit the budget ("I will not describe it further.") adds nothing.
_MIN_SHARE_OF_BEST = 0.3
# Beyond this many sentences only the first ones and the last few are ranked: keeps ingest
# cheap on very long posts, and a summary rarely lives in the 200th sentence.
_MAX_RANKED = 150
_KEEP_LAST = 40

# Leftovers of the Tistory category box, share buttons and comment widgets that a sloppy export
# can leave inside the body. Kept short on purpose: only phrases that never end a review
# sentence of their own. A sentence containing one of these phrases is never chosen.
_BOX_PHRASES = re.compile(
    r"카테고리의\s*다른\s*글|구독하기|공감하기|댓글\s*쓰기|all rights reserved", re.I
)
# A sentence made only of these words (and counts, separators) is a button row, not a sentence:
# "공감 3 댓글 2", "구독 · 공유", "Like Share".
_WIDGET_WORDS = frozenset(
    {
        "공감", "구독", "구독중", "댓글", "댓글수", "공유", "공유하기", "신고", "신고하기",
        "좋아요", "like", "likes", "share", "subscribe", "comment", "comments", "reply",
    }
)  # fmt: skip
_WIDGET_SPLIT = re.compile(r"[\s/|·•,:()\[\]]+")
_WORD = re.compile(r"\w{2,}")
# Letters, but not lone Hangul jamo ("ㅋㅋㅋ", "ㅡㅡㅡ" are laughter and rules, not text).
_HAS_LETTER = re.compile(r"[^\W\d_\u3131-\u318e]")


def is_noise(text: str) -> bool:
    """Whether a "sentence" is a leftover of the category box, buttons or comment widgets.

    Also true for text without a single letter (a row of emoji, "ㅡㅡㅡ", "★★★★☆ 4.0") and
    for lines of hashtags only, which are tags, not review text.
    """
    if _BOX_PHRASES.search(text) or not _HAS_LETTER.search(text):
        return True
    words = [w for w in _WIDGET_SPLIT.split(text.casefold()) if w]
    if words and all(w.startswith("#") for w in words):
        return True
    return bool(words) and all(w in _WIDGET_WORDS or w.isdigit() for w in words)


@dataclass(frozen=True, slots=True)
class _Candidate:
    index: int  # position among the post's sentences
    text: str
    terms: frozenset[str]


def _terms(sentence: Sentence, text: str) -> frozenset[str]:
    """The sentence's content terms; plain words when the caller gave none (defensive)."""
    if sentence.terms:
        return frozenset(sentence.terms)
    return frozenset(w.casefold() for w in _WORD.findall(text))


def _length_factor(length: int) -> float:
    if length < MIN_CHARS:
        return 0.05
    if length < _GOOD_MIN_CHARS:
        return 0.5 + 0.5 * (length - MIN_CHARS) / (_GOOD_MIN_CHARS - MIN_CHARS)
    if length <= _GOOD_MAX_CHARS:
        return 1.0
    return math.pow(_GOOD_MAX_CHARS / length, 1.5)


def _position_prior(rank: int, count: int, section: int, first_section: int) -> float:
    """The opening thesis and the closing verdict weigh more than the middle of a review.

    ``rank`` is the sentence's position among the ``count`` usable sentences. The boosts do not
    add up, so in a two-sentence post both sentences stay comparable.
    """
    opening = (1.0, 0.6, 0.3)
    closing = (0.8, 0.5, 0.25)
    if rank < len(opening):
        open_boost = opening[rank]
    elif section == first_section and rank < 6:
        open_boost = 0.15  # the rest of the intro still frames the review
    else:
        open_boost = 0.0
    from_end = count - 1 - rank
    close_boost = closing[from_end] if from_end < len(closing) else 0.0
    return 1.0 + max(open_boost, close_boost)


def _pagerank(weights: list[dict[int, float]], teleport: list[float]) -> list[float]:
    """Personalised PageRank by power iteration over a sparse symmetric graph.

    Stops when the scores move by less than ``_TOLERANCE`` in total (they sum to 1): only the
    order of the top few matters, and a post has tens of sentences, not millions of pages.
    """
    n = len(weights)
    # each row as (neighbour, transition probability) pairs, computed once
    rows: list[list[tuple[int, float]]] = []
    for row in weights:
        total = sum(row.values())
        rows.append([(j, w / total) for j, w in row.items()] if total else [])
    scores = list(teleport)
    keep = 1 - DAMPING
    for _ in range(_ITERATIONS):
        spread = [0.0] * n
        dangling = 0.0
        for i, links in enumerate(rows):
            mass = scores[i]
            if not links:
                dangling += mass
                continue
            for j, p in links:
                spread[j] += mass * p
        # a sentence linked to nothing gives its mass back to the prior, as in PageRank
        new = [
            (keep + DAMPING * dangling) * t + DAMPING * x
            for t, x in zip(teleport, spread, strict=True)
        ]
        delta = sum(abs(x - y) for x, y in zip(new, scores, strict=True))
        scores = new
        if delta < _TOLERANCE:
            break
    return scores


def _is_duplicate(terms: frozenset[str], text: str, chosen: list[_Candidate]) -> bool:
    key = "".join(text.casefold().split())
    for other in chosen:
        if key == "".join(other.text.casefold().split()):
            return True
        if not terms or not other.terms:
            continue
        shared = len(terms & other.terms)
        if shared / len(terms | other.terms) >= _DUPLICATE_JACCARD:
            return True
        smaller = min(len(terms), len(other.terms))
        if smaller >= 3 and shared / smaller >= _DUPLICATE_CONTAINMENT:
            return True
    return False


def rank_sentences(sentences: Sequence[Sentence]) -> list[tuple[int, float]]:
    """Each usable sentence's index and score, best first (ties: earlier first).

    Exposed for tests and tuning; :func:`summarize` is what callers want.
    """
    indexes: Sequence[int] = range(len(sentences))
    if len(sentences) > _MAX_RANKED:
        head = _MAX_RANKED - _KEEP_LAST
        indexes = [*range(head), *range(len(sentences) - _KEEP_LAST, len(sentences))]
    candidates: list[_Candidate] = []
    for index in indexes:
        sentence = sentences[index]
        text = " ".join(sentence.text.split())
        if text and not is_noise(text):
            candidates.append(_Candidate(index, text, _terms(sentence, text)))
    if not candidates:
        return []
    n = len(candidates)
    first_section = sentences[candidates[0].index].section
    priors = [
        _position_prior(rank, n, sentences[c.index].section, first_section)
        for rank, c in enumerate(candidates)
    ]
    lengths = [_length_factor(len(c.text)) for c in candidates]

    # Sparse similarity graph through an inverted index: only pairs sharing a term are visited.
    postings: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        for term in c.terms:
            postings.setdefault(term, []).append(i)
    shared: list[dict[int, int]] = [{} for _ in range(n)]
    for members in postings.values():
        for a_pos, a in enumerate(members):
            row = shared[a]
            for b in members[a_pos + 1 :]:
                row[b] = row.get(b, 0) + 1
    log_sizes = [math.log(1 + len(c.terms)) for c in candidates]
    weights: list[dict[int, float]] = [{} for _ in range(n)]
    for a, row in enumerate(shared):
        for b, count in row.items():
            w = count / (log_sizes[a] + log_sizes[b])
            weights[a][b] = w
            weights[b][a] = w

    teleport_raw = [p * f for p, f in zip(priors, lengths, strict=True)]
    total = sum(teleport_raw)
    teleport = [x / total for x in teleport_raw]
    centrality = _pagerank(weights, teleport)
    # centrality sums to 1; scale so that an average sentence scores about 1
    scored = [
        (c.index, round(centrality[i] * n * priors[i] * lengths[i], 9))
        for i, c in enumerate(candidates)
    ]
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored


def summarize(
    sentences: Sequence[Sentence], *, max_chars: int = 350, max_sentences: int = 3
) -> str:
    """The post's most central sentences, in their original order, at most ``max_chars`` long.

    Sentences are joined with a space. Whole sentences are preferred: a central sentence that
    does not fit in what is left of the budget is passed over for the next one. Only when no
    sentence fits at all is the best one cut at a word boundary, ending with "…". Sentences
    shorter than ``MIN_CHARS`` or scoring far below the best are never added to another one.
    Empty input, or input with only box/button leftovers, gives "".
    """
    if max_chars <= 0 or max_sentences <= 0:
        return ""
    ranked = rank_sentences(sentences)
    if not ranked:
        return ""
    by_index = {
        index: _Candidate(index, " ".join(sentences[index].text.split()), frozenset())
        for index, _ in ranked
    }
    chosen: list[_Candidate] = []
    used = 0
    floor = ranked[0][1] * _MIN_SHARE_OF_BEST
    for index, score in ranked:
        candidate = by_index[index]
        extra = len(candidate.text) + (1 if chosen else 0)
        if chosen and score < floor:
            break  # ranked best first: nothing after this one is worth adding either
        if used + extra > max_chars or (chosen and len(candidate.text) < MIN_CHARS):
            continue
        terms = _terms(sentences[index], candidate.text)
        if _is_duplicate(terms, candidate.text, chosen):
            continue
        chosen.append(_Candidate(index, candidate.text, terms))
        used += extra
        if len(chosen) >= max_sentences:
            break
    if not chosen:
        best = by_index[ranked[0][0]]
        return truncate_words(best.text, max_chars)
    chosen.sort(key=lambda c: c.index)
    return " ".join(c.text for c in chosen)
