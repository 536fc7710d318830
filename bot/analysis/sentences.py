"""Sentence splitting for Korean, English and mixed review text.

Paragraphs (lines) are split separately, because a line break in a blog post always ends a
sentence (headings, list items, captions) even without punctuation. Each paragraph then goes to
the splitter that suits its dominant script:

* Korean: Kiwi's ``split_into_sents``, which finds sentence ends without punctuation
  (``정말 좋았다 너무 슬펐다``) from the morphemes. It is one analysis pass that also yields the
  morphemes, which the post analyser reuses for the terms (no second Kiwi pass).
* English: pysbd (rule-based, knows ``Dr.``, ``e.g.``), since Kiwi does not split English.

A sentence Kiwi found that holds English and a sentence end is split again with pysbd, and an
English paragraph's Korean-dominant segment again with Kiwi, so mixed paragraphs work either way
round.
Long paragraphs are cut into chunks of about :data:`CHUNK_CHARS` at a sentence end first: pysbd
is superlinear (100,000 characters take 5 s in one piece, 0.2 s in chunks).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import pysbd

from bot.analysis import kiwi
from bot.analysis.kiwi import Morph
from bot.analysis.terms import is_hangul_dominant

CHUNK_CHARS = 2_000

_SYLLABLE = re.compile("[\uac00-\ud7a3]")
_SENTENCE_END = re.compile(r"[.!?…。！？]+[\"'”’)\]」』]*\s+")
_INNER_SENTENCE_END = re.compile(r"[.!?…]\s+\S")
_SURROGATES = re.compile("[\ud800-\udfff]")
_LATIN_LETTER = re.compile("[A-Za-z]")
_MIN_ENGLISH_LETTERS = 8
_LETTER = re.compile(r"[^\W\d_]")
_JUNK_MIN_CHARS = 200
_JUNK_MAX_RATIO = 0.04


class Segment(NamedTuple):
    """One sentence and Kiwi's morphemes of it (offsets relative to ``text``; empty if the
    sentence holds no Hangul)."""

    text: str
    morphs: tuple[Morph, ...]


def paragraphs(text: str) -> list[str]:
    """The non-empty lines of ``text``, stripped, long ones cut into chunks."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            out.extend(_chunks(line))
    return out


def _chunks(line: str) -> Iterator[str]:
    """Cut ``line`` into pieces of at most :data:`CHUNK_CHARS`, preferably at a sentence end,
    else at a space, else anywhere (a 10 MB run without spaces must still be cut)."""
    while len(line) > CHUNK_CHARS:
        window = line[:CHUNK_CHARS]
        cut = 0
        for match in _SENTENCE_END.finditer(window):
            cut = match.end()
        if cut < CHUNK_CHARS // 2:
            space = window.rfind(" ")
            cut = space + 1 if space >= CHUNK_CHARS // 2 else CHUNK_CHARS
        piece = line[:cut].strip()
        if piece:
            yield piece
        line = line[cut:].lstrip()
    if line:
        yield line


def _pysbd_split(text: str) -> list[tuple[str, int]]:
    """pysbd's sentences of ``text`` with their offsets in it (pysbd's own spans are unreliable,
    so each sentence is found in the text from where the previous one ended)."""
    # A Segmenter keeps the text it works on as state: one per call (creating one takes ~1 µs).
    try:
        pieces: list[str] = pysbd.Segmenter(language="en", clean=False).segment(text)
    except Exception:  # a rule-engine bug on odd input must not lose the text
        pieces = [text]
    out: list[tuple[str, int]] = []
    cursor = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        found = text.find(piece, cursor)
        if found < 0:  # pysbd changed the text: keep what it gave, best-effort offset
            out.append((piece, cursor))
            continue
        out.append((piece, found))
        cursor = found + len(piece)
    if not out and text.strip():
        out.append((text.strip(), len(text) - len(text.lstrip())))
    return out


def _strip(text: str, morphs: Sequence[Morph]) -> Segment | None:
    stripped = text.strip()
    if not stripped:
        return None
    lead = len(text) - len(text.lstrip())
    if lead:
        morphs = [m._replace(start=m.start - lead) for m in morphs]
    return Segment(stripped, tuple(morphs))


def _holds_english_sentences(text: str) -> bool:
    """Whether a sentence from Kiwi holds English with a sentence end inside it: Kiwi does not
    split English (``It was great. I loved it.`` stays one), nor Korean right after English."""
    return (
        _INNER_SENTENCE_END.search(text) is not None
        and len(_LATIN_LETTER.findall(text)) >= _MIN_ENGLISH_LETTERS
    )


def _kiwi_segments(paragraph: str, *, resplit_english: bool) -> Iterator[Segment]:
    for sent in kiwi.split_into_sents(paragraph):
        text = sent.text
        if resplit_english and _holds_english_sentences(text):
            for piece, offset in _pysbd_split(text):
                end = offset + len(piece)
                morphs = [
                    m._replace(start=m.start - offset)
                    for m in sent.morphs
                    if offset <= m.start < end
                ]
                segment = _strip(piece, morphs)
                if segment:
                    yield segment
        else:
            segment = _strip(text, sent.morphs)
            if segment:
                yield segment


def _english_segments(paragraph: str) -> Iterator[Segment]:
    for piece, _ in _pysbd_split(paragraph):
        if is_hangul_dominant(piece):
            yield from _kiwi_segments(piece, resplit_english=False)
        elif _SYLLABLE.search(piece):
            segment = _strip(piece, kiwi.tokenize(piece))
            if segment:
                yield segment
        else:
            yield Segment(piece, ())


def is_junk(paragraph: str) -> bool:
    """Whether a (chunk of a) paragraph is machine-made filler not worth analysing.

    Kiwi is ~10 times slower on repetitive junk (``가가가…``, ``가나다라 가나다라 …``) than on
    prose, so a hostile 200,000-character post of it would take most of a minute. Such text
    compresses to almost nothing (< 4 % with zlib), prose to 20-60 %, lists and a paragraph
    pasted ten times to 7 % and more; short pieces are never junk.
    """
    if len(paragraph) < _JUNK_MIN_CHARS:
        return False
    data = paragraph.encode("utf-8", "replace")
    return len(zlib.compress(data, 1)) < _JUNK_MAX_RATIO * len(data)


def segments(text: str, *, skip_junk: bool = False) -> list[Segment]:
    """The sentences of ``text`` with their morphemes (see the module docstring).

    ``skip_junk`` leaves out paragraph chunks that :func:`is_junk` flags (the post analyser
    does; :func:`split_sentences` keeps everything).
    """
    text = _SURROGATES.sub("\ufffd", text)  # Kiwi cannot encode lone surrogates
    out: list[Segment] = []
    for paragraph in paragraphs(text):
        if skip_junk and is_junk(paragraph):
            continue
        if _LETTER.search(paragraph) is None:
            out.append(Segment(paragraph, ()))  # nothing to split or analyse (only symbols)
        elif is_hangul_dominant(paragraph):
            out.extend(_kiwi_segments(paragraph, resplit_english=True))
        else:
            out.extend(_english_segments(paragraph))
    return out


def kiwi_paragraphs(text: str, *, skip_junk: bool = False) -> list[str]:
    """The paragraphs :func:`segments` will hand to Kiwi whole, for a batch to analyse them
    ahead (:func:`bot.analysis.kiwi.prefetch_sentences`)."""
    text = _SURROGATES.sub("\ufffd", text)
    return [
        paragraph
        for paragraph in paragraphs(text)
        if not (skip_junk and is_junk(paragraph))
        and _LETTER.search(paragraph) is not None
        and is_hangul_dominant(paragraph)
    ]


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, each stripped, never empty, in order.

    The sentence text is the original text (not normalised), so it can be shown as written.
    """
    return [segment.text for segment in segments(text)]
