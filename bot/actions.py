"""Action tokens: what a button means, in a few ASCII bytes that survive a restart.

Telegram gives a button at most 64 bytes of callback data, and a button may be pressed days
after it was sent, by a process that has restarted since. So a token holds only ids and
offsets — never a query text, which could be long, Korean or hostile. A query is referred to by
the short key :meth:`LookupService.remember_query` stores for it, so the same page can be
rebuilt from the database later.

Grammar (every part ASCII; ids and offsets are canonical decimals, no leading zeros)::

    v:<post>            the review card of a post
    s:<post>            its section excerpts
    r:<post>            its related posts (the blog's own list, then similar reviews)
    m:<post>            only the similar reviews ("more like this")
    f:<film>:<offset>   a page of one film's reviews (after the user picked the film)
    q:<key>:<offset>    a page of a remembered query
    x  /  x:<key>       another random review (unfiltered / with a remembered filter)

Tokens are not signed: they name nothing secret, and a forged one can only ask for something
any user could type as a command. :func:`decode_token` turns anything malformed into None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.replies import MAX_TOKEN_BYTES

MAX_ID = 2**63 - 1  # ids are signed 64-bit integers in both databases
MAX_OFFSET = 100_000  # no result list is longer; bigger offsets are forged
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")

_ID = r"(0|[1-9][0-9]{0,18})"
_OFFSET = r"(0|[1-9][0-9]{0,5})"
_KEY = r"([A-Za-z0-9_-]{1,32})"
_POST_TOKEN = re.compile(rf"([vsrm]):{_ID}")
_FILM_TOKEN = re.compile(rf"f:{_ID}:{_OFFSET}")
_QUERY_TOKEN = re.compile(rf"q:{_KEY}:{_OFFSET}")
_ANOTHER_TOKEN = re.compile(rf"x(?::{_KEY})?")
_START_PAYLOAD = re.compile(rf"r_?{_ID}")


@dataclass(frozen=True, slots=True)
class ReviewToken:
    post_id: int


@dataclass(frozen=True, slots=True)
class SectionsToken:
    post_id: int


@dataclass(frozen=True, slots=True)
class RelatedToken:
    post_id: int


@dataclass(frozen=True, slots=True)
class SimilarToken:
    post_id: int


@dataclass(frozen=True, slots=True)
class FilmPageToken:
    film_id: int
    offset: int = 0


@dataclass(frozen=True, slots=True)
class QueryPageToken:
    key: str
    offset: int = 0


@dataclass(frozen=True, slots=True)
class AnotherToken:
    key: str | None = None


Token = (
    ReviewToken
    | SectionsToken
    | RelatedToken
    | SimilarToken
    | FilmPageToken
    | QueryPageToken
    | AnotherToken
)

_POST_PREFIX: dict[type, str] = {
    ReviewToken: "v",
    SectionsToken: "s",
    RelatedToken: "r",
    SimilarToken: "m",
}
_POST_CLASS: dict[str, type[ReviewToken | SectionsToken | RelatedToken | SimilarToken]] = {
    "v": ReviewToken,
    "s": SectionsToken,
    "r": RelatedToken,
    "m": SimilarToken,
}


def _check_id(value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise ValueError(f"id out of range: {value!r}")
    return str(value)


def _check_offset(value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_OFFSET:
        raise ValueError(f"offset out of range: {value!r}")
    return str(value)


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"not a query key: {key!r}")
    return key


def encode_token(token: Token) -> str:
    """The token's text; raises ValueError for values no valid token may hold (a bug).

    Every valid token is at most 2 + 19 + 1 + 32 = 54 bytes, well under the 64-byte limit.
    """
    match token:
        case (
            ReviewToken(post_id=i)
            | SectionsToken(post_id=i)
            | RelatedToken(post_id=i)
            | SimilarToken(post_id=i)
        ):
            text = f"{_POST_PREFIX[type(token)]}:{_check_id(i)}"
        case FilmPageToken(film_id=film_id, offset=offset):
            text = f"f:{_check_id(film_id)}:{_check_offset(offset)}"
        case QueryPageToken(key=key, offset=offset):
            text = f"q:{_check_key(key)}:{_check_offset(offset)}"
        case AnotherToken(key=None):
            text = "x"
        case AnotherToken(key=str() as key):
            text = f"x:{_check_key(key)}"
        case _:
            raise ValueError(f"not a token: {token!r}")
    assert len(text.encode("ascii")) <= MAX_TOKEN_BYTES
    return text


def decode_token(text: object) -> Token | None:
    """The token ``text`` encodes, or None for anything else — never an exception.

    Whatever a client sends as callback data ends up here: wrong types, overlong or non-ASCII
    strings, out-of-range numbers and unknown prefixes are all just None.
    """
    try:
        return _decode(text)
    except Exception:  # a decoder of untrusted input must not be a way to crash the bot
        return None


def _decode(text: object) -> Token | None:
    if not isinstance(text, str) or not text or len(text) > MAX_TOKEN_BYTES:
        return None
    if not text.isascii():
        return None
    if match := _POST_TOKEN.fullmatch(text):
        post_id = int(match.group(2))
        return _POST_CLASS[match.group(1)](post_id) if post_id <= MAX_ID else None
    if match := _FILM_TOKEN.fullmatch(text):
        film_id, offset = int(match.group(1)), int(match.group(2))
        if film_id > MAX_ID or offset > MAX_OFFSET:
            return None
        return FilmPageToken(film_id, offset)
    if match := _QUERY_TOKEN.fullmatch(text):
        offset = int(match.group(2))
        return QueryPageToken(match.group(1), offset) if offset <= MAX_OFFSET else None
    if match := _ANOTHER_TOKEN.fullmatch(text):
        return AnotherToken(match.group(1))
    return None


def start_payload(post_id: int) -> str:
    """The deep-link payload that opens a review (``t.me/<bot>?start=r123``)."""
    return f"r{_check_id(post_id)}"


def parse_start_payload(payload: str) -> int | None:
    """The post id of a ``/start`` payload (``r123`` or ``r_123``), or None."""
    if not isinstance(payload, str) or len(payload) > MAX_TOKEN_BYTES:
        return None
    match = _START_PAYLOAD.fullmatch(payload.strip())
    if not match:
        return None
    post_id = int(match.group(1))
    return post_id if post_id <= MAX_ID else None
