"""Sentence splitting, keyword mining and the analysis of a whole post (bot.analysis).

All sample text is written for these tests.
"""

from __future__ import annotations

import pytest

from bot.analysis import post as post_analysis
from bot.analysis.keywords import (
    idf,
    is_candidate,
    keyword_counts,
    mine_themes,
    nominal_form,
    theme_label,
)
from bot.analysis.post import (
    ANALYSER_VERSION,
    analyse_post,
    keyword_candidates,
    with_mined_themes,
)
from bot.analysis.sentences import is_junk, split_sentences
from bot.analysis.terms import prepare, term_hits, terms
from bot.domain import ParsedPost, PostAnalysis, Section, SourceKind, TermField

# --- Sentences ---------------------------------------------------------------------------------


def test_korean_sentences_without_punctuation() -> None:
    text = "영화가 끝나고 한참을 앉아 있었다 이런 기분은 오랜만이다"
    assert split_sentences(text) == ["영화가 끝나고 한참을 앉아 있었다", "이런 기분은 오랜만이다"]


def test_korean_sentences_with_punctuation() -> None:
    text = "첫 장면부터 숨이 막혔다. 정말 그랬을까? 그렇다!"
    assert split_sentences(text) == ["첫 장면부터 숨이 막혔다.", "정말 그랬을까?", "그렇다!"]


def test_english_sentences_keep_abbreviations() -> None:
    text = "Dr. Kim said it was fine, e.g. the ending. I disagreed! Did you?"
    assert split_sentences(text) == [
        "Dr. Kim said it was fine, e.g. the ending.",
        "I disagreed!",
        "Did you?",
    ]


def test_mixed_paragraphs_either_way_round() -> None:
    korean_first = "첫 장면이 좋았다. The sea was loud. The boats were quiet. 그리고 끝났다."
    assert split_sentences(korean_first) == [
        "첫 장면이 좋았다.",
        "The sea was loud.",
        "The boats were quiet.",
        "그리고 끝났다.",
    ]
    english_first = "It was slow. I liked it anyway. 마지막 장면이 좋았다 음악도 좋았다"
    assert split_sentences(english_first) == [
        "It was slow.",
        "I liked it anyway.",
        "마지막 장면이 좋았다",
        "음악도 좋았다",
    ]


def test_lines_always_end_sentences_and_nothing_is_empty() -> None:
    text = "\n\n  첫 줄이다  \n\n\n두 번째 줄\n   \nthird line\n"
    assert split_sentences(text) == ["첫 줄이다", "두 번째 줄", "third line"]
    assert split_sentences("") == []
    assert split_sentences(" \n\t ") == []


def test_sentences_keep_the_original_text() -> None:
    text = "ＡＢＣ 전각 글자도 그대로다. 공백  두 칸도."
    assert "".join(split_sentences(text)).replace(" ", "") == text.replace(" ", "")
    assert split_sentences(text)[0].startswith("ＡＢＣ")


def test_long_paragraphs_are_chunked_without_losing_text() -> None:
    sentence = "바닷가의 아침은 {}번째로 조용했다. "
    text = "".join(sentence.format(i) for i in range(300))  # ~6,000 characters, one line
    result = split_sentences(text)
    assert len(result) == 300
    assert result[123] == "바닷가의 아침은 123번째로 조용했다."


def test_symbols_only_paragraph_is_one_sentence() -> None:
    assert split_sentences("★★★★☆") == ["★★★★☆"]


def test_is_junk() -> None:
    assert is_junk("가" * 1000)
    assert is_junk("가나다라 " * 200)
    assert not is_junk("짧은 글")
    prose = (
        "노인은 매일 아침 항구에 나가 그물을 손질했다. 손녀가 찾아온 날에는 빵을 두 개 샀다. "
        "바람이 거센 날에도 그는 같은 길을 걸었고, 돌아오는 길에는 늘 바다를 오래 바라보았다. "
        "영화는 그 반복 속에서 조금씩 달라지는 표정을 놓치지 않는다."
    )
    assert not is_junk(prose)
    assert not is_junk(" ".join([prose] * 5))


# --- Keywords and themes -----------------------------------------------------------------------


def test_keyword_candidates_are_noun_like() -> None:
    hits = term_hits(prepare("외로움은 깊었다. 외로운 노인과 바다, 그리고 영화. The quiet sea."))
    counts = keyword_counts(hits)
    assert counts["외롭다"] == 1  # only the nominal use (외로움) counts, not 외로운
    assert counts["노인"] == 1
    assert counts["바다"] == 1
    assert counts["quiet"] == 1
    assert counts["sea"] == 1
    assert "영화" not in counts  # too common in film reviews to be a theme
    assert "깊다" not in counts  # a predicate not used as a noun
    assert set(counts) == {h.term for h in hits if is_candidate(h)}


def test_idf_is_smoothed() -> None:
    assert idf(0, 0) == pytest.approx(1.0)
    assert idf(5, 5) == pytest.approx(1.0)
    assert idf(1, 100) > idf(50, 100) > 1.0
    assert idf(7, 3) == pytest.approx(1.0)  # df above N is clamped


def test_mine_themes_ranks_by_tf_idf() -> None:
    tf = {"항구": 4.0, "그물": 3.0, "사랑": 4.0, "노인": 2.0, "우연": 1.0}
    df = {"항구": 2, "그물": 1, "사랑": 90, "노인": 30}
    themes = mine_themes(tf, df, 100, k=3)
    assert [t for t, _ in themes] == ["항구", "그물", "노인"]
    assert themes[0][1] == 1.0
    assert all(0.0 < w <= 1.0 for _, w in themes)
    assert [w for _, w in themes] == sorted((w for _, w in themes), reverse=True)


def test_mine_themes_with_an_empty_library_ranks_by_frequency() -> None:
    tf = {"바다": 5.0, "노인": 3.0, "그물": 3.0, "우연": 1.0}
    themes = mine_themes(tf, {}, 0)
    assert [t for t, _ in themes] == ["바다", "그물", "노인"]  # ties by term
    assert themes[0][1] == 1.0
    assert themes[1][1] == pytest.approx(themes[2][1]) and themes[1][1] < 1.0


def test_mine_themes_keeps_single_mentions_for_short_posts() -> None:
    assert [t for t, _ in mine_themes({"바다": 2.0, "노인": 1.0}, {}, 0)] == ["바다", "노인"]


def test_mine_themes_excludes_shown_terms_and_handles_edges() -> None:
    tf = {"항구": 4.0, "그물": 3.0, "노인": 2.0}
    assert [t for t, _ in mine_themes(tf, {}, 10, exclude=["항구"])] == ["그물", "노인"]
    assert mine_themes({}, {}, 0) == []
    assert mine_themes(tf, {}, 10, k=0) == []
    assert mine_themes({"바다": 0.0}, {}, 0) == []


@pytest.mark.parametrize(
    ("lemma", "irregular", "noun"),
    [
        ("외롭다", True, "외로움"),
        ("슬프다", False, "슬픔"),
        ("살다", False, "삶"),
        ("믿다", False, "믿음"),
        ("걷다", True, "걸음"),
        ("설레다", False, "설렘"),
    ],
)
def test_nominal_form(lemma: str, irregular: bool, noun: str) -> None:
    assert nominal_form(lemma, irregular) == noun


def test_theme_labels_read_like_themes() -> None:
    assert theme_label("외롭다") == "외로움"
    assert theme_label("그립다") == "그리움"
    assert theme_label("쓸쓸") == "쓸쓸함"
    assert theme_label("슬프다") == "슬픔"
    assert theme_label("바다") == "바다"
    assert theme_label("memory") == "memory"
    for label in ("외로움", "그리움", "쓸쓸함", "슬픔"):
        assert len(terms(label)) == 1  # a label analyses back to one term


# --- Posts -------------------------------------------------------------------------------------


def _sample_post() -> ParsedPost:
    return ParsedPost(
        title="[리뷰] 바닷가의 노인 - 외로움에 대하여",
        kind=SourceKind.MARKDOWN,
        film="바닷가의 노인",
        themes=("외로움", "가족"),
        tags=("성장영화", "외로움", "바다"),
        sections=(
            Section(
                None,
                "이 영화는 바닷가 마을에 혼자 사는 노인의 하루를 따라간다. "
                "그의 외로움은 조용하지만 깊다.\n손녀가 찾아오면서 하루가 달라진다.",
            ),
            Section(
                "줄거리",
                "노인은 매일 항구에 나가 그물을 손질한다. 항구의 아침은 늘 같다. "
                "항구의 그물은 오래되었다.",
                2,
            ),
            Section("사진", "", 2),
            Section(
                "감상",
                "I loved the quiet rhythm. The harbour sounds carry it. "
                "마지막 장면의 피아노는 그리움을 남긴다. 그 그리움은 항구의 그물처럼 얽힌다.",
                2,
            ),
        ),
    )


@pytest.fixture(scope="module")
def analysis() -> PostAnalysis:
    return analyse_post(_sample_post())


def test_post_sentences_are_body_sentences_with_section_indexes(analysis: PostAnalysis) -> None:
    assert analysis.version == ANALYSER_VERSION
    assert [(s.section, s.text) for s in analysis.sentences] == [
        (0, "이 영화는 바닷가 마을에 혼자 사는 노인의 하루를 따라간다."),
        (0, "그의 외로움은 조용하지만 깊다."),
        (0, "손녀가 찾아오면서 하루가 달라진다."),
        (1, "노인은 매일 항구에 나가 그물을 손질한다."),
        (1, "항구의 아침은 늘 같다."),
        (1, "항구의 그물은 오래되었다."),
        (3, "I loved the quiet rhythm."),
        (3, "The harbour sounds carry it."),
        (3, "마지막 장면의 피아노는 그리움을 남긴다."),
        (3, "그 그리움은 항구의 그물처럼 얽힌다."),
    ]
    headings = {"줄거리", "사진", "감상"}
    assert not headings & {s.text for s in analysis.sentences}


def test_sentence_terms_equal_query_analysis(analysis: PostAnalysis) -> None:
    for sentence in analysis.sentences:
        assert sentence.terms == tuple(terms(sentence.text))


def test_post_term_stream_order(analysis: PostAnalysis) -> None:
    stream = list(analysis.terms)
    title = terms("[리뷰] 바닷가의 노인 - 외로움에 대하여")
    assert stream[: len(title)] == title
    # themes then tags (외로움 once: themes and tags are deduplicated), then headings and body
    rest = stream[len(title) :]
    assert rest[:5] == ["외롭다", "가족", "성장", "영화", "바다"]
    assert rest.index("줄거리") < rest.index("손질") < rest.index("감상") < rest.index("피아노")
    body = [t for s in analysis.sentences for t in s.terms]
    assert [t for t in rest[5:] if t not in {"줄거리", "사진", "감상"}] == body


def test_post_index_terms_by_field(analysis: PostAnalysis) -> None:
    by_field: dict[TermField, dict[str, float]] = {}
    for it in analysis.index_terms:
        assert it.term not in by_field.get(it.field, {})  # one entry per (term, field)
        by_field.setdefault(it.field, {})[it.term] = it.weight
    assert set(by_field[TermField.TITLE]) == set(terms("[리뷰] 바닷가의 노인 - 외로움에 대하여"))
    assert by_field[TermField.THEME] == {
        "외롭다": 1.0,
        "가족": 1.0,
        "성장": 1.0,
        "영화": 1.0,
        "바다": 1.0,
    }
    assert set(by_field[TermField.HEADING]) == {"줄거리", "사진", "감상"}
    assert by_field[TermField.BODY]["항구"] == 4.0
    assert by_field[TermField.BODY]["그물"] == 3.0
    assert by_field[TermField.KEYWORD]["항구"] == 4.0
    assert by_field[TermField.KEYWORD]["그립다"] == 2.0
    assert "영화" not in by_field[TermField.KEYWORD]
    assert "깊다" not in by_field[TermField.KEYWORD]


def test_post_summary_and_excerpts(analysis: PostAnalysis) -> None:
    assert len(analysis.excerpts) == 4
    assert analysis.excerpts[2] == ""  # the section without text
    assert analysis.excerpts[0].startswith("이 영화는")
    assert analysis.excerpts[1].startswith("노인은")
    assert analysis.summary
    assert len(analysis.summary) <= 350
    assert not {"줄거리", "사진", "감상"} & set(analysis.summary.split())


def test_mined_themes(analysis: PostAnalysis) -> None:
    candidates = keyword_candidates(analysis)
    assert "항구" in candidates and "그립다" in candidates
    df = {"항구": 3, "그물": 2, "노인": 40, "하루": 60, "그립다": 5}
    mined = with_mined_themes(analysis, df, 100, exclude=["바닷가의 노인"])
    labels = [label for label, _ in mined.mined_themes]
    assert labels[:3] == ["항구", "그물", "그리움"]
    assert "노인" not in labels and "바닷가" not in labels  # the film's title
    assert "외로움" not in labels and "바다" not in labels  # explicit themes
    assert mined.mined_themes[0][1] == 1.0
    assert all(0.0 < w <= 1.0 for _, w in mined.mined_themes)
    # the KEYWORD rows become the mined terms alone; every other field is kept as it was
    others = [it for it in analysis.index_terms if it.field is not TermField.KEYWORD]
    assert [it for it in mined.index_terms if it.field is not TermField.KEYWORD] == others
    keywords = {it.term: it.weight for it in mined.index_terms if it.field is TermField.KEYWORD}
    assert len(keywords) == len(mined.mined_themes)
    assert all(1.0 < w <= 2.0 for w in keywords.values())
    assert analysis.mined_themes == ()


def test_empty_post_gives_an_empty_analysis() -> None:
    empty = analyse_post(ParsedPost(title="", kind=SourceKind.MARKDOWN))
    assert empty == PostAnalysis(version=ANALYSER_VERSION)
    blank = analyse_post(
        ParsedPost(
            title="", kind=SourceKind.MARKDOWN, sections=(Section("", ""), Section(None, " "))
        )
    )
    assert blank.sentences == () and blank.terms == () and blank.summary == ""
    assert blank.excerpts == ("", "")
    assert with_mined_themes(empty, {}, 0).mined_themes == ()


def test_huge_posts_are_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post_analysis, "MAX_POST_CHARS", 300)
    paragraph = "노인은 {}번째 아침에도 항구에 나갔다. 그물은 {}번 찢어졌다."
    text = "\n".join(paragraph.format(i, i + 1) for i in range(200))
    result = analyse_post(
        ParsedPost(title="긴 글", kind=SourceKind.MARKDOWN, sections=(Section(None, text),))
    )
    assert 0 < sum(len(s.text) for s in result.sentences) <= 300


def test_junk_posts_are_skipped_quickly() -> None:
    result = analyse_post(
        ParsedPost(
            title="가" * 5_000,
            kind=SourceKind.MARKDOWN,
            sections=(Section("나" * 5_000, "다" * 50_000 + "\n" + "!?" * 20_000),),
        )
    )
    assert result.sentences == ()


def test_a_batch_analysed_on_kiwis_threads_equals_one_post_at_a_time() -> None:
    """Ingest hands a batch's paragraphs to Kiwi together (both cores); the analysis must not
    change by it, and nothing prefetched may linger for later calls."""
    from bot.analysis import kiwi
    from bot.ingest.enrich import _analyse_all

    posts = [
        ParsedPost(
            title=f"<영화{n}> 리뷰",
            kind=SourceKind.TISTORY_PAGE,
            sections=(
                Section(
                    None, f"반지하 집의 계단은 가족의 자리를 보여 준다. 영화{n}는 냄새로 끝난다."
                ),
                Section("결말", "비가 오던 밤, 모두가 아래로 내려갔다.\nIt ends in the rain."),
            ),
        )
        for n in range(3)
    ]
    one_by_one = [analyse_post(p) for p in posts]
    assert _analyse_all(posts) == one_by_one
    assert kiwi._prefetched == {}
    paragraph = "계단을 오르는 장면이 길다. 그리고 냄새가 남는다."
    assert kiwi.prefetch_sentences([paragraph, paragraph, ""]) == 1
    assert kiwi.split_into_sents(paragraph) == kiwi.split_into_sents(paragraph)  # once, then live
    kiwi.clear_prefetched()


def test_a_failing_batch_analysis_falls_back_to_one_paragraph_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.ingest import enrich

    def broken(texts: object) -> int:
        raise RuntimeError("kiwi thread pool gone")

    post = ParsedPost(
        title="<괴물> 리뷰",
        kind=SourceKind.TISTORY_PAGE,
        sections=(Section(None, "한강에서 괴물이 나온다. 가족이 딸을 찾아 나선다."),),
    )
    expected = analyse_post(post)
    monkeypatch.setattr(enrich, "prefetch_sentences", broken)
    assert enrich._analyse_all([post]) == [expected]
