"""Lookup latency, ingest rate, memory and start-up time on synthetic libraries.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_lookups --sizes 1000,10000 [--db-dir DIR] [--pg URL]

For every size it builds a fresh SQLite database (or a fresh PostgreSQL schema with ``--pg``)
from ``benchmarks.synth``, ingesting through the same analysis and storage code as
``reviewbot ingest``, then runs every lookup kind on generated queries and prints one table.
Ingest rate is shown beside raw Kiwi tokenisation throughput measured on the same texts in the
same run, so the two can be compared on any machine. Numbers go to ``docs/benchmarks.md`` by
hand; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from itertools import islice
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from benchmarks.synth import generate_posts, generate_queries
from bot.analysis.kiwi import tokenize, warm_up
from bot.domain import ParsedPost
from bot.ingest.enrich import analyse
from bot.lookups import Lookups
from storage.repository import open_repository

BATCH = 100
QUERIES_PER_KIND = 200


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def kiwi_throughput(posts: Sequence[ParsedPost]) -> float:
    """Characters per second of bare Kiwi tokenisation over these posts' texts."""
    texts = [p.text for p in posts]
    start = time.perf_counter()
    for text in texts:
        tokenize(text)
    return sum(map(len, texts)) / (time.perf_counter() - start)


async def build(url: str, n: int, progress: Progress) -> tuple[float, float, int]:
    """Ingest ``n`` posts; returns (posts/s, chars/s, posts stored)."""
    repo = await open_repository(url)
    task = progress.add_task(f"ingest {n:,}", total=n)
    chars = 0
    start = time.perf_counter()
    try:
        posts = generate_posts(n)
        while batch := list(islice(posts, BATCH)):
            enriched = await analyse(repo, batch)
            await repo.save_posts(enriched, source=f"bench:{batch[0].url}")
            chars += sum(len(p.text) for p in batch)
            progress.advance(task, len(batch))
        elapsed = time.perf_counter() - start
        stored = await repo.count_posts()
    finally:
        await repo.close()
        progress.remove_task(task)
    return n / elapsed, chars / elapsed, stored


async def timed(
    calls: Sequence[Callable[[], Awaitable[object]]],
) -> list[float]:
    times: list[float] = []
    for call in calls:
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    return times


async def latencies(url: str) -> dict[str, list[float]]:
    repo = await open_repository(url)
    try:
        lookups = Lookups(repo)
        await lookups.warm_up()
        queries = generate_queries(QUERIES_PER_KIND)
        by_kind: dict[str, list[str]] = {}
        for q in queries:
            by_kind.setdefault(q.kind, []).append(q.text)
        ids = [p.id for p in await repo.list_posts(limit=QUERIES_PER_KIND, include_stubs=False)]
        plans: dict[str, list[Callable[[], Awaitable[object]]]] = {
            "film": [lambda q=q: lookups.by_film(q) for q in by_kind.get("film", [])],
            "theme": [lambda q=q: lookups.by_theme(q) for q in by_kind.get("theme", [])],
            "category": [lambda q=q: lookups.by_category(q) for q in by_kind.get("category", [])],
            "text": [lambda q=q: lookups.search(q) for q in by_kind.get("text", [])],
            "random": [lookups.random for _ in range(QUERIES_PER_KIND)],
            "review": [lambda i=i: lookups.review(i) for i in ids],
            "related": [lambda i=i: lookups.related(i) for i in ids],
            "film autocomplete": [
                lambda q=q: lookups.film_choices(q[:2]) for q in by_kind.get("film", [])
            ],
        }
        results: dict[str, list[float]] = {}
        for kind, calls in plans.items():
            await timed(calls[:10])  # warm caches the way a running bot has them warm
            results[kind] = await timed(calls)
        return results
    finally:
        await repo.close()


def first_answer_seconds(url: str) -> tuple[float, float]:
    """Wall time of a fresh process to answer one film query, and that process's peak RSS (MB)
    once it has also answered a theme and a text query (which load Kiwi and the catalogue)."""
    # As `reviewbot run` starts: Kiwi loads in the background while film lookups (which do not
    # need it) already answer.
    code = (
        "import asyncio,resource,sys\n"
        "from bot.lookups import Lookups\n"
        "from storage.repository import open_repository\n"
        "async def main():\n"
        "    repo = await open_repository(sys.argv[1])\n"
        "    lookups = Lookups(repo)\n"
        "    await lookups.warm_up()\n"
        "    await lookups.by_film('기생충')\n"
        "    print('answered', flush=True)\n"
        "    await lookups.by_theme('가족')\n"
        "    await lookups.search('계단 냄새')\n"
        "    await lookups.related(1)\n"
        "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, flush=True)\n"
        "    await repo.close()\n"
        "asyncio.run(main())\n"
    )
    start = time.perf_counter()
    with subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        proc.stdout.readline()  # the answer is there; the process goes on to measure memory
        first = time.perf_counter() - start
        serving_rss = float(proc.stdout.readline() or "nan")
        return first, serving_rss


async def stored_posts(url: str) -> int:
    """How many posts a library from an earlier run holds (0 when there is none)."""
    try:
        repo = await open_repository(url)
    except Exception:  # no usable library means "build one"
        return 0
    try:
        return await repo.count_posts()
    finally:
        await repo.close()


async def run(sizes: Sequence[int], db_dir: Path, pg: str | None, reuse: bool = False) -> None:
    console = Console()
    warm_up()
    sample = list(generate_posts(200, seed=1))
    kiwi_cps = kiwi_throughput(sample)
    table = Table(title="reviewbot lookups (ms) and ingest")
    for col in ("posts", "lookup", "p50", "p95", "p99", "max"):
        table.add_column(col, justify="right")
    notes: list[str] = [f"raw Kiwi tokenisation: {kiwi_cps:,.0f} chars/s"]
    for n in sizes:
        if pg:
            url = f"{pg}{'&' if '?' in pg else '?'}schema=bench_{n}"
        else:
            url = f"sqlite+aiosqlite:///{db_dir / f'bench-{n}.db'}"
        # Building 100k posts takes about an hour of Kiwi here; --reuse measures lookups on a
        # library an earlier run left behind, so a query change can be measured in minutes.
        stored = await stored_posts(url) if reuse else 0
        if stored >= n:
            posts_s = chars_s = float("nan")
        else:
            if pg:
                await _drop_schema(pg, f"bench_{n}")
            else:
                url = _fresh_sqlite(db_dir / f"bench-{n}.db")
            with Progress(console=console, transient=True) as progress:
                posts_s, chars_s, stored = await build(url, n, progress)
            if pg:
                # What autovacuum does to a library in use: planner statistics, and the
                # visibility map that lets the term index answer without the table.
                await _vacuum(pg, f"bench_{n}")
        gc.collect()
        lat = await latencies(url)
        for kind, values in lat.items():
            table.add_row(
                f"{n:,}",
                kind,
                f"{statistics.median(values):.2f}",
                f"{percentile(values, 95):.2f}",
                f"{percentile(values, 99):.2f}",
                f"{max(values):.2f}",
            )
        first, serving_rss = await asyncio.to_thread(first_answer_seconds, url)
        ingest = (
            "ingest not measured (library reused)"
            if posts_s != posts_s  # NaN: nothing was ingested in this run
            else f"ingest {posts_s:,.1f} posts/s, {chars_s:,.0f} chars/s = "
            f"{chars_s / kiwi_cps:.0%} of raw Kiwi"
        )
        notes.append(
            f"{n:,} posts ({stored:,} stored): {ingest}; first answer after start "
            f"{first:.2f} s; serving process peak RSS {serving_rss:,.0f} MB; "
            f"benchmark process peak RSS {rss_mb():,.0f} MB"
        )
    console.print(table)
    for note in notes:
        console.print(note)


def _fresh_sqlite(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite+aiosqlite:///{path}"


async def _drop_schema(pg: str, schema: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(pg)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


async def _vacuum(pg: str, schema: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(pg, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(sa.text(f'SET search_path TO "{schema}"'))
        await conn.execute(sa.text("VACUUM ANALYZE"))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated library sizes")
    parser.add_argument("--db-dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--pg", help="a PostgreSQL URL to benchmark instead of SQLite")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure lookups on a library an earlier run built, if it is complete",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    os.environ.setdefault("REVIEWBOT_SAMPLES", "0")
    asyncio.run(run(sizes, args.db_dir, args.pg, args.reuse))


if __name__ == "__main__":
    main()
