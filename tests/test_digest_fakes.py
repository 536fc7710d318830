"""Fakes for the digest tests (no tests here): a chat adapter that records sends and can be
told to raise RetryLater / ChatGone / a crash, and a small library builder."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.config import DigestConfig, SourceConfig
from bot.digest.clock import ManualClock
from bot.digest.service import DigestService
from bot.domain import ParsedPost, Section, SourceKind
from bot.lookups import Lookups
from bot.ports import BeforeSend, ChatGone, Repository, RetryLater
from bot.replies import Reply
from bot.router import Router


class Crash(BaseException):
    """A process dying mid-tick: not an Exception, so nothing in the core swallows it."""


class FakeChatAdapter:
    """Records ``(chat, reply, monotonic time)`` per send; ``script[chat]`` lists what the
    next sends to that chat raise (an exception instance) before succeeding."""

    def __init__(self, name: str = "telegram", clock: ManualClock | None = None) -> None:
        self.name = name
        self.clock = clock
        self.sent: list[tuple[str, Reply, float]] = []
        self.sent_at: list[datetime] = []
        self.script: dict[str, list[BaseException]] = defaultdict(list)
        self.gone: set[str] = set()
        self.attempts = 0
        self.keys: list[str | None] = []  # the idempotency key of every attempt

    async def start(self, *, receive: bool = True) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(
        self,
        chat: str,
        reply: Reply,
        *,
        key: str | None = None,
        before_send: BeforeSend | None = None,
    ) -> str:
        if before_send is not None:  # the request leaves now: scripted failures come after
            await before_send()
        self.attempts += 1
        self.keys.append(key)
        if self.script.get(chat):
            raise self.script[chat].pop(0)
        if chat in self.gone:
            raise ChatGone(f"{self.name}: chat {chat}: bot was blocked by the user")
        self.sent.append((chat, reply, self.clock.monotonic() if self.clock else 0.0))
        self.sent_at.append(self.clock.now() if self.clock else datetime.now(UTC))
        return f"m{len(self.sent)}"

    def chats(self) -> list[str]:
        return [chat for chat, _, _ in self.sent]

    def post_ids(self, chat: str | None = None) -> list[int]:
        return [reply.cards[0].post_id for c, reply, _ in self.sent if chat is None or c == chat]


def retry_later(seconds: float) -> RetryLater:
    return RetryLater(f"flood control, retry in {seconds:g} s", seconds)


def review(
    n: int,
    *,
    day: int = 1,
    month: int = 1,
    category: tuple[str, ...] = ("리뷰", "한국영화"),
    themes: tuple[str, ...] = (),
    film: str | None = None,
) -> ParsedPost:
    return ParsedPost(
        title=f"<영화{n}> 리뷰",
        kind=SourceKind.TISTORY_PAGE,
        url=f"https://films.example/{n}",
        film=film or f"영화{n}",
        published=datetime(2024, month, day, 12, 0, tzinfo=UTC),
        category=category,
        themes=themes,
        sections=(Section(None, f"영화{n}에 대한 긴 리뷰 본문입니다. 좋은 영화였다."),),
    )


async def add_reviews(repo: Repository, posts: list[ParsedPost]) -> list[int]:
    results = await repo.save_posts(posts, source="test")
    return [r.post_id for r in results]


async def digest_router(repo: Repository, *, sources: Sequence[SourceConfig] = ()) -> Router:
    """Three reviews and a router whose digest service defaults to 09:00 Asia/Seoul, on a
    clock stopped at 2024-03-01 (the chat adapters' digest tests drive it through this)."""
    await add_reviews(repo, [review(n, day=n) for n in range(1, 4)])
    lookups = Lookups(repo)
    service = DigestService(
        repo,
        lookups,
        DigestConfig(time="09:00", timezone="Asia/Seoul"),
        sources=list(sources),
        clock=ManualClock(datetime(2024, 3, 1, tzinfo=UTC)),
    )
    return Router(lookups, default_lang="ko", digest=service)
