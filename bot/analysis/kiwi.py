"""The one kiwipiepy ``Kiwi`` instance of the process, created lazily and used under a lock.

Why one instance: loading Kiwi's model is the slowest thing the bot does at start. Measured on the
2-core development machine (kiwipiepy 0.24.1, ``cong`` model, the default):

* ``Kiwi()`` with the default dictionaries: 1.4-1.6 s, then 2.2-2.6 s for the first tokenize
  (the model is loaded lazily), ~520 MB RSS;
* ``Kiwi(load_multi_dict=False)`` (what we use): 0.7-1.3 s, then 0.9-1.8 s for the first
  tokenize (1.6-3 s in all, the upper figures with the machine busy), ~335 MB RSS.

Throughput once loaded: ~45,000 Korean characters/s (~45 ms per 2,000-character review).

The multi-word dictionary (WikiData proper nouns such as ``헤어질 결심``) costs 2.3 s of start-up
and ~190 MB, and its multi-word tokens would be split back into words by
:mod:`bot.analysis.terms` anyway (terms never contain spaces, and a query typed without the
spaces must give the same terms), so it is not loaded.

Why a lock: the pipeline and the lookups call analysis from ``asyncio.to_thread`` workers, and
adding user words while another thread tokenizes is not safe. Tokenizing ~2,000 Korean characters
takes ~45 ms, so serialising calls costs little on a 2-core machine.

Kiwi is only ever touched here; the rest of the package sees :class:`Morph` values.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from kiwipiepy import Kiwi

_HANGUL_SYLLABLE_FIRST = 0xAC00
_HANGUL_SYLLABLE_LAST = 0xD7A3

# Rebuilding Kiwi's lexicon after user words were added takes ~0.9 s (on the next analysis call),
# whatever the number of words added, so titles are always added in one batch.
_lock = threading.RLock()
_kiwi: Any = None
_seen_titles: set[str] = set()
_prefetched: dict[str, list[KiwiSentence]] = {}
_generation = 0


class Morph(NamedTuple):
    """One morpheme as Kiwi found it. ``start`` is a character offset into the analysed text.

    ``lemma`` is only filled for verbs and adjectives (``외롭`` → ``외롭다``); ``oov`` marks a
    form Kiwi guessed (not in its dictionary), which :mod:`bot.analysis.terms` may decompound.
    """

    form: str
    tag: str
    start: int
    length: int
    lemma: str
    oov: bool


class KiwiSentence(NamedTuple):
    """A sentence from Kiwi's splitter: its text, offsets in the analysed text, its morphemes."""

    text: str
    start: int
    end: int
    morphs: tuple[Morph, ...]


KIWI_THREADS = 2
"""Kiwi's own worker threads, used by :func:`prefetch_sentences` (a batch of paragraphs at
once, outside the GIL): on this project's two-core machines one batch takes half the time of
the same paragraphs one by one. Single calls run on the caller's thread as before."""


def _create() -> Any:
    return Kiwi(load_multi_dict=False, num_workers=KIWI_THREADS)


def get_kiwi() -> Any:
    """The shared instance (created on first use). Callers must hold :data:`lock` while using it."""
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                _kiwi = _create()
    return _kiwi


def lock() -> threading.RLock:
    """The lock that guards the shared instance (re-entrant)."""
    return _lock


def _morphs(tokens: Iterable[Any], offset: int = 0) -> tuple[Morph, ...]:
    out: list[Morph] = []
    for t in tokens:
        tag = t.tag
        lemma = t.lemma if tag[0] == "V" else t.form
        out.append(Morph(t.form, tag, t.start - offset, t.len, lemma, bool(t.oov)))
    return tuple(out)


def tokenize(text: str) -> tuple[Morph, ...]:
    """Kiwi's morphemes for ``text`` (complex nouns split: ``외로움`` → ``외롭`` + ``음``).

    ``split_complex`` is what makes ``외로움``, ``외로운`` and ``외롭다`` share the lemma
    ``외롭다``: Kiwi's dictionary knows which nouns are nominalised adjectives, so no guessing
    rule is needed (a rule would wrongly turn ``이름`` into ``이르다``).
    """
    if not text:
        return ()
    kiwi = get_kiwi()
    with _lock:
        tokens = kiwi.tokenize(text, split_complex=True)
        return _morphs(tokens)


def split_into_sents(text: str) -> list[KiwiSentence]:
    """Kiwi's sentences for ``text`` with their morphemes, from one analysis pass.

    One pass matters: splitting and then tokenizing each sentence again would halve ingest
    throughput. Morpheme offsets are relative to the sentence's own text.
    """
    if not text:
        return []
    kiwi = get_kiwi()
    with _lock:
        ready = _prefetched.pop(text, None)
        if ready is not None:
            return ready
        sents = kiwi.split_into_sents(
            text, split_complex=True, return_tokens=True, return_sub_sents=False
        )
        return _sentences(text, sents)


def _sentences(text: str, sents: Iterable[Any]) -> list[KiwiSentence]:
    # The text is sliced from the input rather than taken from Kiwi: the original, always.
    return [
        KiwiSentence(text[s.start : s.end], s.start, s.end, _morphs(s.tokens, s.start))
        for s in sents
    ]


def prefetch_sentences(texts: Sequence[str]) -> int:
    """Analyse ``texts`` in one batch on Kiwi's threads, for the :func:`split_into_sents`
    calls about to ask for them (each answer is handed out once). Returns how many.

    Why: ingest spends most of its time in Kiwi, one paragraph at a time on one core; a batch
    uses both. Texts not asked for afterwards are dropped by :func:`clear_prefetched`.
    """
    wanted = [t for t in dict.fromkeys(texts) if t and t not in _prefetched]
    if not wanted:
        return 0
    kiwi = get_kiwi()
    with _lock:
        results = kiwi.split_into_sents(
            iter(wanted), split_complex=True, return_tokens=True, return_sub_sents=False
        )
        for text, sents in zip(wanted, results, strict=True):
            _prefetched[text] = _sentences(text, sents)
    return len(wanted)


def clear_prefetched() -> None:
    with _lock:
        _prefetched.clear()


def warm_up() -> float:
    """Create the instance and run one small analysis (the first one loads the model).

    Returns the seconds it took, for start-up logs. Call it at start, off the event loop, so that
    the first user query does not wait for the model.
    """
    started = time.perf_counter()
    tokenize("영화를 보았다.")
    return time.perf_counter() - started


def dictionary_generation() -> int:
    """A number that changes whenever user words were added (for caches of analyses)."""
    return _generation


def _is_hangul_word(word: str) -> bool:
    return all(_HANGUL_SYLLABLE_FIRST <= ord(c) <= _HANGUL_SYLLABLE_LAST for c in word)


_SHRED_TAGS = frozenset({"NNG", "NNP", "NNB", "NR", "NP", "MM"})
_TITLE_STRIP = " \t\"'“”‘’<>《》〈〉「」『』()[]{}:;,.!?~-–—·…/\\"


def _title_words(title: str) -> list[str]:
    words = []
    for raw in title.split():
        word = raw.strip(_TITLE_STRIP)
        if len(word) >= 2 and _is_hangul_word(word):
            words.append(word)
    return words


def _needs_entry(word: str, morphs: Sequence[Morph], decomposable: bool) -> bool:
    """Whether adding ``word`` as a proper noun helps rather than hurts.

    * Kiwi already reads it as one noun: adding it keeps it whole in every context (Kiwi reads
      ``한공주`` alone as one noun but ``한/MM 공주`` inside a sentence), unless it is a guessed
      compound that :mod:`bot.analysis.terms` splits anyway (``콘크리트유토피아``): a user word
      would keep it whole and break the match with the spaced spelling.
    * Kiwi shreds it into nouns with one-syllable pieces (``은교`` → ``은`` + ``교``,
      ``위플래쉬`` → ``위`` + ``플래쉬``), or guesses a piece (``선샤인`` → ``선샤`` + ``이`` +
      ``ᆫ``): add it. A pronoun alone (``그녀``, the film *Her*) is not added: it would turn
      every "she" into a term.
    * Kiwi reads it as a phrase (``헤어질결심`` → ``헤어지`` + ``ᆯ`` + ``결심``): do not add it,
      or the unspaced title would give a term the spaced one never gives.
    """
    if len(morphs) == 1:
        m = morphs[0]
        return m.form == word and m.tag in ("NNG", "NNP") and not (m.oov and decomposable)
    if any(m.oov for m in morphs):
        return True  # Kiwi does not know it and guessed (선샤인 → 선샤 + 이 + ᆫ)
    if not all(m.tag in _SHRED_TAGS for m in morphs):
        return False
    return any(len(m.form) == 1 for m in morphs)


def add_film_titles(titles: Iterable[str]) -> int:
    """Teach Kiwi the library's film titles (as proper nouns, once each); returns words added.

    Idempotent: a title seen before is skipped without any work. Kiwi 0.24 does accept entries
    with spaces (and then matches them with or without the spaces), but the analyser splits any
    multi-word token back into words so that the term stream does not depend on what the
    dictionary held at the time, so a multi-word title contributes its single words instead, each
    judged on its own (see :func:`_needs_entry`). One-syllable and non-Hangul words are never
    added: a one-syllable proper noun would be matched inside ordinary words, and Latin words do
    not go through Kiwi's dictionary at all.

    Adding words makes Kiwi rebuild its lexicon (~0.9 s, whatever the count), so call this with
    all titles at start (and again after an ingest that brought new films), never per query.
    Terms of text analysed before a title was added may differ from those analysed after
    (rarely, and only for titles Kiwi shreds); the analyser version does not track this.
    """
    global _generation
    from bot.analysis.terms import is_decomposable  # late: terms imports this module

    with _lock:
        fresh = [t for t in titles if t and t not in _seen_titles]
        if not fresh:
            return 0
        candidates: list[str] = []
        for title in fresh:
            _seen_titles.add(title)
            candidates.extend(_title_words(title))
        # Judge every word before adding any: each addition invalidates Kiwi's lexicon and the
        # next analysis would rebuild it (~0.9 s) once per word.
        chosen: list[str] = []
        for word in dict.fromkeys(candidates):
            morphs = tokenize(word)
            if _needs_entry(word, morphs, is_decomposable(word)):
                chosen.append(word)
        kiwi = get_kiwi()
        added = sum(1 for word in chosen if kiwi.add_user_word(word, "NNP"))
        if added:
            _generation += 1
            tokenize("가")  # pay the lexicon rebuild here rather than in the next query
        return added
