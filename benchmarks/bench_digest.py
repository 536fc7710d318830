"""One daily digest to many Telegram chats: achieved rate against the limit, duplicates, misses,
and the same after a SIGKILL half-way and a restart.

Why: issue 6 promises that the digest is sent exactly once per chat and day, paced under
Telegram's limits, even when the process dies mid-send. The tests prove the logic on fakes of
the adapter; this runs the real thing — the real Telegram adapter (python-telegram-bot and its
rate limiter) talking HTTP to the fake Bot API of ``tests/fake_telegram``, the real scheduler and
a real SQLite library — in a separate process that can be killed.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_digest [--chats 10000] [--limit 200] [--concurrency 8]

``--chats 2000`` is a quick run. The limit is both ``[digest] telegram_per_second`` and the
adapter's ``[telegram] rate_limit_per_second``; Telegram's real 30/s would make 10,000 chats take
over five minutes, hence the higher default. Two runs, each on a fresh database and a fresh
fake server:

1. a child process (``--child``) ticks once at the due time and runs to completion;
2. a child is SIGKILLed once about half the messages reached the fake (plus a random delay
   of up to two send intervals, so that the kill lands at a different point of a send each
   time; ``--killed-runs N`` repeats this with N seeds), then a new child ticks
   ``stale_claim_minutes`` + 1 minutes later (same local day): claims the dead process left
   before their request are sent, those it left mid-request are reported "uncertain" and
   not sent again.

The fake records every ``sendMessage``: a duplicate is a chat that got more than one message, a
miss a subscribed chat that got none. "uncertain" counts the deliveries the bot itself reports
as perhaps delivered (they are misses only if the fake never got them). Nothing here asserts a
time; the exit status is 1 if any run has a duplicate or a miss.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.config import Config, DigestConfig, TelegramConfig
from bot.digest.clock import OffsetClock
from bot.digest.model import ChatKey, Mode, SubscriptionDraft
from bot.digest.scheduler import DigestScheduler, router_render
from bot.digest.service import DigestService
from bot.lookups import Lookups
from bot.router import Router
from storage.repository import open_repository
from tests.fake_telegram.server import TOKEN, FakeTelegram
from tests.test_digest_fakes import add_reviews, review

FIRST_CHAT = 1_000_000
DUE = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)  # subscriptions at 09:00 UTC
CREATED = DUE - timedelta(hours=1)
REVIEWS = 12


# ---------------------------------------------------------------------- the child


async def child(db_url: str, base_url: str, now: datetime, limit: float, concurrency: int) -> None:
    from adapters.telegram import create_adapter

    repo = await open_repository(db_url)
    config = Config(
        telegram=TelegramConfig(
            token=TOKEN,
            base_url=base_url,
            base_file_url=base_url.removesuffix("/bot") + "/file/bot",
            poll_timeout=1,
            rate_limit_per_second=limit,
        ),
        digest=DigestConfig(telegram_per_second=limit, concurrency=concurrency),
    )
    clock = OffsetClock(now)
    lookups = Lookups(repo)
    service = DigestService(repo, lookups, config.digest, clock=clock)
    router = Router(lookups, digest=service, default_lang="ko")
    adapter = create_adapter(config, router, lookups)
    if adapter is None:
        raise SystemExit("no Telegram adapter (token?)")
    await adapter.start()
    try:
        scheduler = DigestScheduler(
            service, {"telegram": adapter}, router_render(router), clock=clock
        )
        report = await scheduler.tick(now)
    finally:
        await adapter.stop()
        await repo.close()
    print(json.dumps(report.summary()), flush=True)


# ---------------------------------------------------------------------- the parent


@dataclass(slots=True)
class Result:
    name: str
    chats: int
    sends: int
    duplicates: int
    misses: int
    seconds: float
    rate: float
    steady_rate: float
    peak_1s: int
    peak_1s_tail: int
    kills: str
    summary: str
    uncertain: int = 0
    unfinished: int = 0


async def build_db(url: str, chats: int) -> None:
    repo = await open_repository(url)
    try:
        await add_reviews(repo, [review(n, day=n) for n in range(1, REVIEWS + 1)])
        for i in range(chats):
            draft = SubscriptionDraft(
                chat=ChatKey("telegram", str(FIRST_CHAT + i)),
                mode=Mode.DAILY,
                at="09:00",
                timezone="UTC",
                lang="ko",
            )
            await repo.save_subscription(draft, now=CREATED)
    finally:
        await repo.close()


async def delivery_states(url: str) -> Counter[str]:
    repo = await open_repository(url)
    try:
        return Counter(await repo.delivery_counts(DUE - timedelta(days=1)))
    finally:
        await repo.close()


def start_fake(chats: int) -> FakeTelegram:
    fake = FakeTelegram().start()
    fake.poll_wait = 1.0
    for i in range(chats):
        fake.private_chat(fake.user(FIRST_CHAT + i))
    return fake


def spawn(
    db_url: str, fake: FakeTelegram, now: datetime, args: argparse.Namespace
) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.bench_digest",
        "--child",
        db_url,
        fake.base_url,
        now.isoformat(),
        "--limit",
        str(args.limit),
        "--concurrency",
        str(args.concurrency),
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def sent_times(fake: FakeTelegram) -> list[tuple[int, float]]:
    return [
        (int(c.params["chat_id"]), c.at)
        for c in list(fake.calls)
        if c.method == "sendMessage" and c.ok
    ]


def count_sends(fake: FakeTelegram) -> int:
    return sum(1 for c in list(fake.calls) if c.method == "sendMessage" and c.ok)


def peak_1s(times: list[float]) -> int:
    """The most sends in any one-second window of sorted ``times``."""
    peak, j = 0, 0
    for i, at in enumerate(times):
        while times[j] <= at - 1.0:
            j += 1
        peak = max(peak, i - j + 1)
    return peak


def measure(
    name: str, fake: FakeTelegram, chats: int, limit: float, kills: str, summary: str
) -> Result:
    sends = sent_times(fake)
    per_chat = Counter(chat for chat, _ in sends)
    expected = {FIRST_CHAT + i for i in range(chats)}
    times = sorted(at for _, at in sends)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span > 0 else 0.0
    # after the first second's worth of sends (the window starts empty)
    burst = int(limit)
    tail = times[burst:]
    steady = (len(tail) - 1) / (tail[-1] - tail[0]) if len(tail) > 1 and tail[-1] > tail[0] else 0.0
    start = times[0] if times else 0.0
    peak, peak_tail = peak_1s(times), peak_1s([at for at in times if at >= start + 1.0])
    return Result(
        name=name,
        chats=chats,
        sends=len(sends),
        duplicates=sum(1 for n in per_chat.values() if n > 1),
        misses=len(expected - per_chat.keys()),
        seconds=span,
        rate=rate,
        steady_rate=steady,
        peak_1s=peak,
        peak_1s_tail=peak_tail,
        kills=kills,
        summary=summary,
    )


def run_once(args: argparse.Namespace, workdir: Path, *, kill: int | None) -> Result:
    """One run; ``kill`` is the seed of a killed run's delay (None: not killed)."""
    name = "one run" if kill is None else f"killed + restarted #{kill + 1}"
    db = workdir / ("clean.db" if kill is None else f"killed-{kill}.db")
    db_url = f"sqlite+aiosqlite:///{db}"
    asyncio.run(build_db(db_url, args.chats))
    fake = start_fake(args.chats)
    try:
        started = time.monotonic()
        proc = spawn(db_url, fake, DUE, args)
        kills = "-"
        if kill is not None:
            half = args.chats // 2
            while count_sends(fake) < half and proc.poll() is None:
                time.sleep(0.002)
            time.sleep(random.Random(kill).uniform(0.0, 2.0 / args.limit))
            at_kill = count_sends(fake)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed_after = time.monotonic() - started
            kills = f"SIGKILL after {at_kill:,} sends"
            # The restarted bot's first tick once the dead one's claims have grown stale (the
            # child's clock started at DUE, so its last claims are from DUE + killed_after).
            stale = DigestConfig().stale_claim_minutes
            later = DUE + timedelta(seconds=killed_after, minutes=stale + 1)
            proc = spawn(db_url, fake, later, args)
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"child failed ({proc.returncode}): {out}")
        last = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        summary = ", ".join(f"{k} {v}" for k, v in last.items() if k != "at")
        result = measure(name, fake, args.chats, args.limit, kills, summary)
        states = asyncio.run(delivery_states(db_url))
        result.uncertain = states["uncertain"]
        result.unfinished = states["claimed"] + states["sending"]
        return result
    finally:
        fake.stop()


def table(results: list[Result], limit: float) -> Table:
    out = Table(title=f"Daily digest through the fake Telegram API, limit {limit:g}/s")
    for column in (
        "run",
        "chats",
        "sends",
        "duplicates",
        "misses",
        "uncertain",
        "left claimed",
        "send span s",
        "sends/s",
        "sends/s after 1st second's worth",
        "peak in 1 s",
        "peak in 1 s after 1st s",
        "kill",
        "last tick outcomes",
    ):
        out.add_column(column)
    for r in results:
        out.add_row(
            r.name,
            f"{r.chats:,}",
            f"{r.sends:,}",
            str(r.duplicates),
            str(r.misses),
            str(r.uncertain),
            str(r.unfinished),
            f"{r.seconds:.1f}",
            f"{r.rate:.1f}",
            f"{r.steady_rate:.1f}",
            str(r.peak_1s),
            str(r.peak_1s_tail),
            r.kills,
            r.summary,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=200.0, help="messages per second")
    parser.add_argument("--concurrency", type=int, default=DigestConfig().concurrency)
    parser.add_argument("--db-dir", type=Path, default=None)
    parser.add_argument("--killed-runs", type=int, default=1, help="killed runs, each a seed")
    parser.add_argument("--child", nargs=3, metavar=("DBURL", "BASEURL", "NOW"), default=None)
    args = parser.parse_args(argv)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    if args.child:
        db_url, base_url, now = args.child
        asyncio.run(
            child(db_url, base_url, datetime.fromisoformat(now), args.limit, args.concurrency)
        )
        return 0
    with tempfile.TemporaryDirectory(dir=args.db_dir) as tmp:
        results = [run_once(args, Path(tmp), kill=None)]
        for seed in range(args.killed_runs):
            results.append(run_once(args, Path(tmp), kill=seed))
    Console(width=220).print(table(results, args.limit))
    return 1 if any(r.duplicates or r.misses for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
