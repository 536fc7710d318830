"""Action tokens: short, ASCII, round-tripping, and decoding nothing but what they encode."""

from __future__ import annotations

import random
import string

import pytest

from bot.actions import (
    MAX_ID,
    MAX_OFFSET,
    AnotherToken,
    FilmPageToken,
    QueryPageToken,
    RelatedToken,
    ReviewToken,
    SectionsToken,
    SimilarToken,
    Token,
    decode_token,
    encode_token,
    parse_start_payload,
    start_payload,
)

LONGEST_KEY = "k" * 32

ROUND_TRIP: list[Token] = [
    ReviewToken(1),
    SectionsToken(123),
    RelatedToken(MAX_ID),
    SimilarToken(0),
    FilmPageToken(7, 0),
    FilmPageToken(MAX_ID, MAX_OFFSET),
    QueryPageToken("a1B2-_", 5),
    QueryPageToken(LONGEST_KEY, MAX_OFFSET),
    AnotherToken(None),
    AnotherToken(LONGEST_KEY),
]


@pytest.mark.parametrize("token", ROUND_TRIP)
def test_round_trip_and_size(token: Token) -> None:
    text = encode_token(token)
    assert text.isascii()
    assert len(text.encode("utf-8")) <= 64
    assert decode_token(text) == token


def test_the_documented_shapes() -> None:
    assert encode_token(SectionsToken(123)) == "s:123"
    assert encode_token(RelatedToken(123)) == "r:123"
    assert encode_token(ReviewToken(123)) == "v:123"
    assert encode_token(SimilarToken(123)) == "m:123"
    assert encode_token(FilmPageToken(9, 10)) == "f:9:10"
    assert encode_token(QueryPageToken("abc", 5)) == "q:abc:5"
    assert encode_token(AnotherToken()) == "x"
    assert encode_token(AnotherToken("abc")) == "x:abc"


def test_the_worst_case_fits_telegram() -> None:
    worst = [
        encode_token(FilmPageToken(MAX_ID, MAX_OFFSET)),
        encode_token(QueryPageToken(LONGEST_KEY, MAX_OFFSET)),
        encode_token(AnotherToken(LONGEST_KEY)),
        encode_token(ReviewToken(MAX_ID)),
    ]
    assert max(len(t.encode()) for t in worst) <= 64


@pytest.mark.parametrize(
    "token",
    [
        ReviewToken(-1),
        ReviewToken(MAX_ID + 1),
        ReviewToken(10**40),
        FilmPageToken(1, -1),
        FilmPageToken(1, MAX_OFFSET + 1),
        QueryPageToken("", 0),
        QueryPageToken("가족", 0),
        QueryPageToken("a" * 33, 0),
        QueryPageToken("a:b", 0),
        QueryPageToken("a b", 0),
        AnotherToken("기생충"),
        ReviewToken(True),
    ],
)
def test_encode_refuses_values_no_token_may_hold(token: Token) -> None:
    with pytest.raises(ValueError):
        encode_token(token)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "s",
        "s:",
        "s:abc",
        "s:-1",
        "s:+1",
        "s:01",
        "s: 1",
        "s:1 ",
        " s:1",
        "s:1\n",
        "s:１２",  # full-width digits are digits to Python, not to us
        "s:١٢",
        "S:1",
        "s:9223372036854775808",  # MAX_ID + 1
        "s:" + "9" * 19,
        "s:" + "1" * 62,
        "v:1:2",
        "f:1",
        "f:1:",
        "f:1:1000000",
        "f:1:100001",
        "f::0",
        "q:abc",
        "q::0",
        "q:a b:0",
        "q:가족:0",
        "q:" + "a" * 33 + ":0",
        "q:abc:0:0",
        "x:",
        "x:가",
        "x:a:b",
        "xx",
        "z:1",
        "a" * 65,
        "s:1" + " " * 62,
        "s:1\x00",
        "🎬",
    ],
)
def test_decode_rejects_garbage(text: str) -> None:
    assert decode_token(text) is None


@pytest.mark.parametrize("value", [None, 1, 1.5, b"s:1", ["s:1"], {"s": 1}, object()])
def test_decode_rejects_non_strings(value: object) -> None:
    assert decode_token(value) is None


def test_decode_never_raises_on_random_input() -> None:
    rng = random.Random(20240601)
    alphabet = string.printable + "가나다한글ㅎㅇ\x00\ud800🎬:"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        decoded = decode_token(text)
        if decoded is not None:
            assert encode_token(decoded) == text  # only canonical tokens decode
    for prefix in "vsrmfqx":
        for _ in range(300):
            text = prefix + ":" + "".join(rng.choice("0123456789:-abc") for _ in range(20))
            decoded = decode_token(text)
            if decoded is not None:
                assert encode_token(decoded) == text


def test_start_payload() -> None:
    assert start_payload(123) == "r123"
    assert parse_start_payload("r123") == 123
    assert parse_start_payload("r_123") == 123
    for bad in ("", "r", "123", "rabc", "r-1", "r" + "9" * 30, "s123", "r12 3", "가"):
        assert parse_start_payload(bad) is None
    with pytest.raises(ValueError):
        start_payload(-5)
