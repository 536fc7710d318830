"""Extractive summaries: central sentences, in order, within budget, never box or button text."""

from __future__ import annotations

import re

import pytest

from bot.domain import Sentence
from bot.excerpts import ELLIPSIS
from bot.summary import is_noise, rank_sentences, summarize


def s(text: str, terms: str = "", section: int = 0) -> Sentence:
    """A sentence whose content terms are given by hand (space-separated), as an analyser would."""
    return Sentence(text=text, section=section, terms=tuple(terms.split()))


# A Korean review written for these tests, with the content terms a morphological analyser
# would give (nouns and verb/adjective stems).
KOREAN = [
    s(
        "<겨울 정원>은 상실을 견디는 가족이 서로에게 돌아가는 길을 그린 조용한 영화다.",
        "겨울 정원 상실 견디 가족 서로 돌아가 길 그리 조용하 영화",
    ),
    s("솔직히 처음 삼십 분은 조금 지루했다.", "처음 삼십 분 지루하"),
    s(
        "어머니가 떠난 뒤 아버지와 딸은 같은 집에 살면서도 말을 거의 하지 않는다.",
        "어머니 떠나 아버지 딸 같 집 살 말 하",
        section=1,
    ),
    s(
        "감독은 그 침묵을 겨울 정원의 빈 화분과 얼어붙은 연못으로 보여준다.",
        "감독 침묵 겨울 정원 비 화분 얼어붙 연못 보여주",
        section=1,
    ),
    s(
        "상실을 겪은 가족이 다시 말을 꺼내기까지 얼마나 오래 걸리는지를 "
        "영화는 서두르지 않고 기다린다.",
        "상실 겪 가족 다시 말 꺼내 오래 걸리 영화 서두르 기다리",
        section=1,
    ),
    s("딸 역의 배우는 눈빛만으로 많은 것을 말한다.", "딸 역 배우 눈빛 말하", section=2),
    s("최고.", "최고", section=2),
    s(
        "봄이 오고 정원에 다시 싹이 트는 마지막 장면에서 가족은 처음으로 함께 웃는다.",
        "봄 오 정원 다시 싹 트 마지막 장면 가족 처음 함께 웃",
        section=3,
    ),
    s(
        "상실 이후의 가족을 이렇게 다정하게 그린 영화는 드물어서, 겨울이 오면 다시 보고 싶다.",
        "상실 이후 가족 다정하 그리 영화 드물 겨울 오 다시 보",
        section=3,
    ),
]

ENGLISH = [
    s(
        "Harbor Lights is a small film about a lighthouse keeper who cannot leave his island.",
        "harbor lights small film lighthouse keeper leave island",
    ),
    s("The opening is slow.", "opening slow"),
    s(
        "Every evening he climbs the tower, lights the lamp and writes a letter he never sends.",
        "evening climb tower light lamp write letter send",
        section=1,
    ),
    s(
        "The letters are addressed to his daughter, who left the island twenty years ago.",
        "letter address daughter leave island twenty year",
        section=1,
    ),
    s(
        "When she finally returns, the film becomes a quiet study of regret "
        "and of the island itself.",
        "finally return film quiet study regret island",
        section=2,
    ),
    s(
        "It is a patient, generous film about the islands we build around ourselves, "
        "and I loved it.",
        "patient generous film island build love",
        section=3,
    ),
]

BOX_AND_BUTTONS = [
    s(
        "'리뷰 > 한국영화' 카테고리의 다른 글 겨울 정원 상실 가족 영화 리뷰",
        "리뷰 한국영화 카테고리 다른 글 겨울 정원 상실 가족 영화",
    ),
    s("공감 12 댓글 3", "공감 댓글"),
    s("구독하기 겨울 정원 가족 영화 상실 블로그", "구독 겨울 정원 가족 영화 상실 블로그"),
    s("#가족 #상실 #겨울정원", "가족 상실 겨울 정원"),
    s("★★★★☆", ""),
]


def parts(summary: str, sentences: list[Sentence]) -> list[int]:
    """Indexes of the sentences the summary is made of, in the order they appear in it."""
    found = [(summary.find(x.text), i) for i, x in enumerate(sentences) if x.text in summary]
    return [i for _, i in sorted(found)]


def test_empty_input() -> None:
    assert summarize([]) == ""
    assert summarize([s("   ")]) == ""
    assert summarize(KOREAN, max_chars=0) == ""
    assert summarize(KOREAN, max_sentences=0) == ""


def test_only_box_and_buttons_gives_nothing() -> None:
    assert summarize(BOX_AND_BUTTONS) == ""


def test_single_sentence_is_returned() -> None:
    one = KOREAN[0]
    assert summarize([one]) == one.text


def test_single_long_sentence_is_cut_at_a_word_boundary() -> None:
    long = s(" ".join(x.text for x in KOREAN), "겨울 정원 상실 가족")
    summary = summarize([long], max_chars=120)
    assert len(summary) <= 120
    assert summary.endswith(ELLIPSIS)
    body = summary.removesuffix(ELLIPSIS)
    assert long.text.startswith(body)
    assert not long.text[len(body)].isalnum()


@pytest.mark.parametrize("sentences", [KOREAN, ENGLISH], ids=["ko", "en"])
def test_two_or_three_sentences_in_original_order(sentences: list[Sentence]) -> None:
    summary = summarize(sentences)
    chosen = parts(summary, sentences)
    assert 2 <= len(chosen) <= 3
    assert chosen == sorted(chosen)
    assert summary == " ".join(sentences[i].text for i in chosen)


@pytest.mark.parametrize("max_chars", [40, 60, 80, 100, 150, 200, 250, 350, 500])
@pytest.mark.parametrize("sentences", [KOREAN, ENGLISH], ids=["ko", "en"])
def test_never_longer_than_the_budget(sentences: list[Sentence], max_chars: int) -> None:
    summary = summarize(sentences, max_chars=max_chars)
    assert 0 < len(summary) <= max_chars


def test_max_sentences() -> None:
    assert len(parts(summarize(KOREAN, max_sentences=1), KOREAN)) == 1
    assert len(parts(summarize(KOREAN, max_sentences=2), KOREAN)) <= 2


def test_central_opening_and_verdict_are_chosen() -> None:
    chosen = parts(summarize(KOREAN), KOREAN)
    # the thesis and the verdict both talk about loss and family, the review's centre
    assert chosen[0] == 0
    assert chosen[-1] == len(KOREAN) - 1
    assert 1 not in chosen  # "처음 삼십 분은 지루했다": off-topic aside
    assert 6 not in chosen  # "최고.": too short to stand alone


def test_english_thesis_and_verdict() -> None:
    chosen = parts(summarize(ENGLISH), ENGLISH)
    assert chosen[0] == 0
    assert chosen[-1] == len(ENGLISH) - 1


def test_opening_and_closing_priors_break_even_centrality() -> None:
    # every sentence shares exactly one term with every other: the graph is flat, so only the
    # priors separate them — the first sentence and the last one must win
    body = [
        s(f"{n}번째 문단은 이 영화의 다른 장면을 차분하게 설명하고 있다.", f"영화 장면{n} 설명{n}")
        for n in range(1, 10)
    ]
    chosen = parts(summarize(body, max_sentences=2), body)
    assert chosen == [0, len(body) - 1]
    ranked = [i for i, _ in rank_sentences(body)]
    assert ranked[:3] == [0, len(body) - 1, 1]


def test_a_very_central_middle_sentence_beats_the_priors() -> None:
    hub_terms = "기억 바다 아버지 편지 등대 겨울"
    body = [
        s("첫 문장은 여행을 떠나기 전날의 짧은 풍경을 그린다.", "첫 여행 전날 풍경"),
        *[
            s(f"{w}에 관한 장면은 이야기의 다른 부분과 단단하게 이어진다.", f"{w} 장면{w}")
            for w in hub_terms.split()
        ],
        s("이 영화는 기억과 바다와 아버지와 편지와 등대와 겨울을 하나로 묶는다.", hub_terms),
        *[
            s(f"{w}은 결국 돌아오지 못한 사람에 대한 이야기로 남는다.", f"{w} 사람{w}")
            for w in hub_terms.split()
        ],
        s("마지막 문장은 극장을 나서며 본 하늘 이야기다.", "마지막 극장 하늘"),
    ]
    hub = 7
    assert rank_sentences(body)[0][0] == hub
    assert hub in parts(summarize(body), body)


def test_no_near_duplicates() -> None:
    thesis = "<겨울 정원>은 상실을 견디는 가족이 서로에게 돌아가는 길을 그린 조용한 영화다."
    echo = "<겨울 정원>은 상실을 견디는 가족이 서로에게 돌아가는 길을 그린 영화다."
    body = [
        KOREAN[0],
        s(echo, "겨울 정원 상실 견디 가족 서로 돌아가 길 그리 영화"),
        *KOREAN[1:],
        s(thesis, " ".join(KOREAN[0].terms)),  # the blogger repeats the thesis at the end
    ]
    summary = summarize(body)
    assert summary.count("<겨울 정원>은 상실을 견디는") == 1
    assert len(parts(summary, body)) >= 2


def test_box_and_button_lines_are_never_chosen() -> None:
    # the leftovers share the review's vocabulary, so only the filter keeps them out
    body = [*KOREAN[:4], *BOX_AND_BUTTONS, *KOREAN[4:], BOX_AND_BUTTONS[0]]
    summary = summarize(body)
    assert summary
    for line in BOX_AND_BUTTONS:
        assert line.text not in summary
    for max_chars in (30, 80, 200):
        assert "카테고리의 다른 글" not in summarize(body, max_chars=max_chars)


@pytest.mark.parametrize(
    ("text", "noise"),
    [
        ("'리뷰 > 한국영화' 카테고리의 다른 글", True),
        ("공감 3 댓글 0", True),
        ("구독하기", True),
        ("Like · Share · Subscribe", True),
        ("#가족 #재난", True),
        ("ㅡㅡㅡㅡ", True),
        ("★★★★☆ 4.0", True),
        ("관객의 공감을 얻기에는 이야기가 너무 급하다.", False),
        ("댓글로 추천해 주신 영화를 드디어 봤다.", False),
        ("I did not expect to like it this much.", False),
    ],
)
def test_is_noise(text: str, noise: bool) -> None:
    assert is_noise(text) is noise


def test_deterministic_with_ties_broken_by_position() -> None:
    twins = [
        s(f"이 문장은 {n}번째 장면을 적당한 길이로 설명하는 평범한 문장이다.", "장면 설명 문장")
        for n in range(5)
    ]
    # identical terms everywhere: all near-duplicates, so one sentence, and always the first
    assert summarize(twins) == twins[0].text
    first = [summarize(KOREAN) for _ in range(3)]
    assert len(set(first)) == 1
    assert summarize(list(KOREAN)) == summarize(tuple(KOREAN))


def test_whole_sentences_preferred_over_cutting() -> None:
    long_central = s(
        "이 영화는 " + "상실과 가족과 겨울과 정원에 대한 긴 이야기를 " * 8 + "들려준다.",
        "상실 가족 겨울 정원 이야기 영화",
    )
    body = [*KOREAN[:3], long_central, *KOREAN[3:]]
    summary = summarize(body, max_chars=200)
    assert ELLIPSIS not in summary
    assert len(summary) <= 200


def test_sentences_without_terms_still_work() -> None:
    plain = [Sentence(text=x.text, section=x.section) for x in ENGLISH]
    summary = summarize(plain)
    assert summary
    assert len(summary) <= 350
    assert not re.search(r"\s{2,}", summary)


def test_spacing_inside_a_sentence_is_normalised() -> None:
    messy = [s("  첫 문장은\n줄바꿈이 섞인 채로 들어온 평범한 문장이다.  ", "첫 문장 줄바꿈")]
    assert summarize(messy) == "첫 문장은 줄바꿈이 섞인 채로 들어온 평범한 문장이다."
