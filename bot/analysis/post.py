"""A parsed post turned into what the library stores for it: :class:`~bot.domain.PostAnalysis`.

Done once at ingest (the pipeline calls :func:`analyse_post` from a worker thread), so queries
never re-analyse stored text. The pipeline then fetches the library's document frequencies of
:func:`keyword_candidates` and calls :func:`with_mined_themes` before storing the post.

The analysis of a post is bounded: at most :data:`MAX_POST_CHARS` characters of body text are
analysed (≈ 100 reviews; ~5 s of Kiwi), titles, headings and themes are cut at
:data:`MAX_LINE_CHARS`, so a 10 MB page cannot hold the ingest up for minutes. Text past the
limit is not searchable and gives no sentences, and neither is repetitive filler (see
:func:`bot.analysis.sentences.is_junk`).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping

from bot.analysis.keywords import keyword_counts, mine_themes, theme_label
from bot.analysis.sentences import kiwi_paragraphs, segments
from bot.analysis.terms import prepare, query_terms, term_hits, terms
from bot.domain import IndexTerm, ParsedPost, PostAnalysis, Sentence, TermField
from bot.excerpts import section_excerpt
from bot.summary import summarize
from bot.textnorm import normalize_key

ANALYSER_VERSION = 1
"""Bump when the analysis changes (terms, sentences, keywords): older posts get re-analysed."""

MAX_POST_CHARS = 200_000
MAX_LINE_CHARS = 1_000
MAX_THEMES = 200
DEFAULT_THEME_COUNT = 8


class _FieldCounts:
    """Term counts per field, in first-seen order within each field."""

    def __init__(self) -> None:
        self._counts: dict[TermField, Counter[str]] = {f: Counter() for f in TermField}

    def add(self, field: TermField, items: Iterable[str]) -> None:
        self._counts[field].update(items)

    def set(self, field: TermField, counts: Mapping[str, int]) -> None:
        self._counts[field] = Counter(counts)

    def index_terms(self) -> tuple[IndexTerm, ...]:
        order = (
            TermField.TITLE,
            TermField.THEME,
            TermField.HEADING,
            TermField.KEYWORD,
            TermField.BODY,
        )
        return tuple(
            IndexTerm(term, field, float(count))
            for field in order
            for term, count in self._counts[field].items()
        )


def _explicit_themes(post: ParsedPost) -> list[str]:
    """Themes then tags, each once (compared by matching key), at most :data:`MAX_THEMES`."""
    seen: set[str] = set()
    out: list[str] = []
    for theme in (*post.themes, *post.tags):
        key = normalize_key(theme[:MAX_LINE_CHARS])
        if key and key not in seen:
            seen.add(key)
            out.append(theme[:MAX_LINE_CHARS])
            if len(out) >= MAX_THEMES:
                break
    return out


def analyse_post(post: ParsedPost) -> PostAnalysis:
    """Sentences, term stream, weighted index terms, summary and section excerpts of ``post``.

    * ``sentences``: body sentences only (headings never are), each with its section index and
      terms;
    * ``terms``: the title, explicit themes and tags, then each section's heading and body, in
      text order (the full-text index; query terms are made by the same code);
    * ``index_terms``: per (term, field) the number of occurrences — TITLE, THEME (themes and
      tags), HEADING, BODY — and KEYWORD: the body's keyword candidates with their frequency,
      which :func:`with_mined_themes` ranks against the library;
    * ``summary`` (``bot.summary``) and one excerpt per section, in section order (``""`` for a
      section without body sentences; ``bot.excerpts``).

    A post without text gives an analysis without sentences or terms.
    """
    fields = _FieldCounts()
    stream: list[str] = []

    title_terms = terms(post.title[:MAX_LINE_CHARS])
    stream.extend(title_terms)
    fields.add(TermField.TITLE, title_terms)
    for theme in _explicit_themes(post):
        theme_terms = terms(theme)
        stream.extend(theme_terms)
        fields.add(TermField.THEME, theme_terms)

    sentences: list[Sentence] = []
    by_section: list[list[str]] = [[] for _ in post.sections]
    keywords: Counter[str] = Counter()
    for index, (section, text) in enumerate(zip(post.sections, _bodies(post), strict=True)):
        if section.heading:
            heading_terms = terms(section.heading[:MAX_LINE_CHARS])
            stream.extend(heading_terms)
            fields.add(TermField.HEADING, heading_terms)
        if not text:
            continue
        for segment in segments(text, skip_junk=True):
            hits = term_hits(segment.text, segment.morphs)
            sentence_terms = tuple(hit.term for hit in hits)
            sentences.append(Sentence(segment.text, index, sentence_terms))
            by_section[index].append(segment.text)
            stream.extend(sentence_terms)
            fields.add(TermField.BODY, sentence_terms)
            keywords.update(keyword_counts(hits))
    fields.set(TermField.KEYWORD, keywords)

    return PostAnalysis(
        version=ANALYSER_VERSION,
        sentences=tuple(sentences),
        terms=tuple(stream),
        index_terms=fields.index_terms(),
        summary=summarize(sentences) if sentences else "",
        excerpts=tuple(section_excerpt(texts) if texts else "" for texts in by_section),
    )


def kiwi_inputs(post: ParsedPost) -> list[str]:
    """The paragraphs of ``post`` that :func:`analyse_post` will give Kiwi, in order."""
    return [
        paragraph
        for text in _bodies(post)
        if text
        for paragraph in kiwi_paragraphs(text, skip_junk=True)
    ]


def _bodies(post: ParsedPost) -> list[str]:
    """Each section's body as analysed, ``""`` past the :data:`MAX_POST_CHARS` budget."""
    out: list[str] = []
    budget = MAX_POST_CHARS
    for section in post.sections:
        text = prepare_body(section.text[:budget]) if budget > 0 and section.text else ""
        budget -= len(text)
        out.append(text)
    return out


def prepare_body(text: str) -> str:
    """Body text as the analyser sees it: :func:`~bot.analysis.terms.prepare` line by line.

    Line breaks are kept (they end paragraphs, see :mod:`bot.analysis.sentences`); the
    sentence texts stored are therefore NFKC, which parsed posts already are.
    """
    return "\n".join(prepare(line) for line in text.splitlines())


def keyword_candidates(analysis: PostAnalysis) -> list[str]:
    """The KEYWORD terms of ``analysis``: those whose library document frequency the pipeline
    must fetch before calling :func:`with_mined_themes`."""
    return [it.term for it in analysis.index_terms if it.field is TermField.KEYWORD]


def with_mined_themes(
    analysis: PostAnalysis,
    df: Mapping[str, int],
    n_docs: int,
    *,
    exclude: Iterable[str] = (),
    k: int = DEFAULT_THEME_COUNT,
) -> PostAnalysis:
    """``analysis`` with ``mined_themes`` set from its KEYWORD terms by TF-IDF.

    ``df``/``n_docs`` are the library's document frequencies and size (see
    :func:`bot.analysis.keywords.mine_themes`). Terms of the post's explicit themes (its THEME
    index terms) and of each text in ``exclude`` (pass the film's title and aliases) are not
    mined: they are shown already. The themes are display labels (:func:`theme_label`:
    ``외로움``, not the term ``외롭다``) with weights in (0, 1], best first; ``query_terms`` of a
    label gives its term back.

    The KEYWORD index terms (every candidate noun with its count) are replaced by the mined
    terms alone, weighted 1 + their theme weight: the candidates repeat the BODY terms, and
    storing them all roughly doubled the rows written per post for no lookup that needs them.
    """
    tf = {it.term: it.weight for it in analysis.index_terms if it.field is TermField.KEYWORD}
    excluded = {it.term for it in analysis.index_terms if it.field is TermField.THEME}
    for text in exclude:
        excluded.update(query_terms(text))
    mined = mine_themes(tf, df, n_docs, k=k, exclude=excluded)
    labelled: dict[str, float] = {}
    for term, weight in mined:
        labelled.setdefault(theme_label(term), weight)
    kept = tuple(it for it in analysis.index_terms if it.field is not TermField.KEYWORD)
    keywords = tuple(IndexTerm(term, TermField.KEYWORD, 1.0 + weight) for term, weight in mined)
    return dataclasses.replace(
        analysis, mined_themes=tuple(labelled.items()), index_terms=kept + keywords
    )
