"""The ``reviewbot`` command line: ingest sources, show and list the library, ask the bot.

Every failure a user can cause (bad config, unreachable database, unreadable source) ends in one
line on stderr and a non-zero exit code, never a traceback; ``-v`` shows details in the log.

``chat`` and ``ask`` run the console bot. It lives in ``adapters/``, which the core must not
import, so it is found through the ``reviewbot.adapters`` entry point group (name ``console``),
the way storage is found through ``reviewbot.storage``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.config import Config, ConfigError, load_config
from bot.digest.clock import Clock
from bot.domain import SourceReport
from bot.i18n import normalize_lang, system_lang, t
from bot.ingest.blog import ingest_blog
from bot.ingest.category_box import tistory_post_url
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import ingest, is_url
from bot.library import open_library
from bot.ports import ChatAdapter, DeliveryError, Repository, StorageError, chat_adapters
from bot.render_terminal import print_post, print_post_list, print_reports, summary_counts
from bot.reply_json import find_json
from bot.results import LookupResult, LookupService
from bot.router import Router
from bot.serialize import post_json, post_summary_json, report_json

log = logging.getLogger("reviewbot")

CONSOLE_USER = "console"
FIND_MAX_LIMIT = 100
SHUTDOWN_GRACE = 20.0
"""Seconds ``reviewbot run`` waits, once told to stop, for digest sends under way: a Telegram
request waits at most ``[telegram] read_timeout`` (10 s) for its answer."""


class AdapterMissing(Exception):
    """No adapter of that name is installed (the entry point is not registered)."""


class ConsoleFrontend(Protocol):
    """What the command line needs from the console adapter (``adapters.console``)."""

    async def chat(
        self,
        router: Router,
        *,
        user: str = ...,
        lang_hint: str | None = ...,
        lang: str | None = ...,
    ) -> int: ...

    async def ask(
        self,
        router: Router,
        text: str,
        *,
        user: str = ...,
        lang_hint: str | None = ...,
        lang: str | None = ...,
        as_json: bool = ...,
        action: str | None = ...,
    ) -> int: ...


def load_adapter(name: str) -> Callable[[], Any]:
    """The adapter factory registered under ``name`` in the ``reviewbot.adapters`` group."""
    for ep in entry_points(group="reviewbot.adapters"):
        if ep.name == name:
            factory: Callable[[], Any] = ep.load()
            return factory
    raise AdapterMissing(name)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reviewbot", description="Film reviews from blogs, for chat (영화 리뷰 챗봇)."
    )
    parser.add_argument("--config", help="config file (default: $REVIEWBOT_CONFIG, ./config.toml)")
    parser.add_argument("--db", help="database URL (default: $REVIEWBOT_DB_URL or [storage] url)")
    parser.add_argument("--lang", help="language of messages: ko or en (default: from locale)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    p_ingest = sub.add_parser("ingest", help="read posts from files, folders or URLs")
    p_ingest.add_argument("sources", nargs="+", metavar="SOURCE")
    p_ingest.add_argument("--all", action="store_true", help="a blog URL: fetch every post")
    p_ingest.add_argument("--json", action="store_true", help="print a JSON report")

    p_show = sub.add_parser("show", help="show one post by id or URL")
    p_show.add_argument("ref", metavar="REF")
    p_show.add_argument("--json", action="store_true")

    p_list = sub.add_parser("list", help="list posts and stubs, newest first")
    p_list.add_argument("--category")
    p_list.add_argument("--film")
    p_list.add_argument("--limit", type=int)
    p_list.add_argument("--json", action="store_true")

    lang_help = "language of the bot's replies: ko or en"
    p_chat = sub.add_parser("chat", help="talk to the bot in the console")
    p_chat.add_argument("--lang", default=argparse.SUPPRESS, help=lang_help)

    p_run = sub.add_parser("run", help="run the bot on every enabled chat platform")
    p_run.add_argument("--lang", default=argparse.SUPPRESS, help=lang_help)

    p_ask = sub.add_parser("ask", help='ask the bot once, e.g. reviewbot ask "/film 기생충"')
    p_ask.add_argument("text", nargs="?", default="", metavar="MESSAGE")
    p_ask.add_argument("--action", metavar="TOKEN", help="press a button (its token) instead")
    p_ask.add_argument("--lang", default=argparse.SUPPRESS, help=lang_help)
    p_ask.add_argument("--json", action="store_true", help="print the reply model as JSON")

    p_find = sub.add_parser("find", help="look reviews up by film, theme, category or text")
    what = p_find.add_mutually_exclusive_group(required=True)
    what.add_argument("--film", metavar="Q")
    what.add_argument("--theme", metavar="Q")
    what.add_argument("--category", metavar="Q")
    what.add_argument("--text", metavar="Q")
    p_find.add_argument("--limit", type=int, default=5, help="results to list (default 5)")
    p_find.add_argument("--offset", type=int, default=0, help=argparse.SUPPRESS)
    p_find.add_argument("--lang", default=argparse.SUPPRESS, help="language of the message")
    p_find.add_argument("--json", action="store_true")

    p_film = sub.add_parser("film", help="manage films")
    film_sub = p_film.add_subparsers(dest="film_command", required=True)
    p_alias = film_sub.add_parser("alias", help="give a film another name (e.g. its English title)")
    p_alias.add_argument("film")
    p_alias.add_argument("alias")

    p_digest = sub.add_parser("digest", help="the daily review digest")
    digest_sub = p_digest.add_subparsers(dest="digest_command", required=True)
    p_tick = digest_sub.add_parser(
        "tick", help="watch feeds and send every digest now due, once, then exit (for cron)"
    )
    p_tick.add_argument(
        "--now",
        metavar="ISO8601",
        help="run as if the clock read this time (no offset: local time)",
    )
    p_tick.add_argument(
        "--dry-run", action="store_true", help="send nothing; list what would be sent"
    )
    p_tick.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    return parser


class _ProgressBar:
    """Adapts the core's progress callback to a rich progress bar on stderr."""

    def __init__(self, console: Console, label: str) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[current]}"),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task(label, total=None, current="")
        self._started = False

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._started:
            self._progress.stop()

    def __call__(self, current: str, done: int, total: int) -> None:
        # Started on the first report only, so that a step with nothing to do prints nothing.
        if not self._started:
            self._started = True
            self._progress.start()
        self._progress.update(self._task, completed=done, total=total, current=current[-60:])


async def _ingest(args: argparse.Namespace, config: Config, repo: Repository, lang: str) -> int:
    err = Console(stderr=True)
    reports: list[SourceReport] = []
    with _ProgressBar(err, t("ingest.progress", lang)) as bar:
        async with Fetcher(config.fetch) as fetcher:
            if args.all:
                for source in args.sources:
                    if is_url(source):
                        reports += await ingest_blog(repo, source, fetcher, progress=bar)
                    else:
                        reports += await ingest(repo, [source], fetcher=fetcher, progress=bar)
            else:
                reports = await ingest(repo, args.sources, fetcher=fetcher, progress=bar)
    if args.json:
        print(json.dumps([report_json(r) for r in reports], ensure_ascii=False, indent=2))
    else:
        console = Console()
        print_reports(console, reports, lang)
        console.print(t("ingest.summary", lang, **summary_counts(reports)))
    return 0 if all(r.ok for r in reports) else 1


async def _find_post(repo: Repository, ref: str) -> Any:
    ref = ref.strip()
    if ref.lstrip("#").isdigit():
        post_id = int(ref.lstrip("#"))
        # Ids are database integers: a longer number is no post (and no database error).
        return await repo.get_post(post_id) if post_id < 2**31 else None
    post = await repo.get_post_by_url(ref)
    if post is None:  # the same post by another spelling: /m/123, a trailing slash, ?category=
        canonical = tistory_post_url(ref.rstrip("/") or ref)
        if canonical and canonical != ref:
            post = await repo.get_post_by_url(canonical)
    return post


async def _show(args: argparse.Namespace, repo: Repository, lang: str) -> int:
    post = await _find_post(repo, args.ref)
    if post is None:
        print(t("show.not_found", lang, ref=args.ref), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(post_json(post), ensure_ascii=False, indent=2))
    else:
        print_post(Console(), post, lang)
    return 0


async def _list(args: argparse.Namespace, repo: Repository, lang: str) -> int:
    posts = await repo.list_posts(category=args.category, film=args.film, limit=args.limit)
    if args.json:
        print(json.dumps([post_summary_json(p) for p in posts], ensure_ascii=False, indent=2))
    else:
        print_post_list(Console(), posts, lang)
    return 0


async def _film(args: argparse.Namespace, repo: Repository, lang: str) -> int:
    if await repo.add_film_alias(args.film, args.alias):
        print(t("alias.added", lang, film=args.film, alias=args.alias))
        return 0
    print(t("alias.no_film", lang, film=args.film), file=sys.stderr)
    return 1


def _lookups(repo: Repository) -> LookupService:
    """The core's lookups over ``repo`` (imported here, so that the rest of the command line
    does not depend on the lookup machinery: ``ingest`` and ``list`` start faster without it)."""
    from bot.lookups import Lookups

    lookups: LookupService = Lookups(repo)
    return lookups


async def _warm_up(lookups: LookupService) -> None:
    """Build the in-memory indexes before the first question, if the lookups have any."""
    warm_up = getattr(lookups, "warm_up", None)
    if warm_up is not None:
        await warm_up()


def _console_adapter() -> ConsoleFrontend:
    adapter: ConsoleFrontend = load_adapter("console")()
    return adapter


def _digest_service(
    config: Config, repo: Repository, lookups: LookupService, clock: Clock | None = None
) -> Any:
    """The digest service the router's /subscribe, /digest and /status use."""
    from bot.digest.service import DigestService

    return DigestService(repo, lookups, config.digest, sources=config.sources, clock=clock)


def _router(
    config: Config, repo: Repository, lookups: LookupService, lang: str, clock: Clock | None = None
) -> Router:
    return Router(lookups, default_lang=lang, digest=_digest_service(config, repo, lookups, clock))


async def _chat(
    args: argparse.Namespace, repo: Repository, lang: str, config: Config | None = None
) -> int:
    adapter = _console_adapter()
    lookups = _lookups(repo)
    await _warm_up(lookups)
    forced = normalize_lang(args.lang) if args.lang else None
    router = _router(config or Config(), repo, lookups, lang)
    return await adapter.chat(router, user=CONSOLE_USER, lang_hint=lang, lang=forced)


async def _ask(
    args: argparse.Namespace, repo: Repository, lang: str, config: Config | None = None
) -> int:
    adapter = _console_adapter()
    router = _router(config or Config(), repo, _lookups(repo), lang)
    forced = normalize_lang(args.lang) if args.lang else None
    return await adapter.ask(
        router,
        args.text,
        user=CONSOLE_USER,
        lang_hint=lang,
        lang=forced,
        as_json=args.json,
        action=args.action,
    )


async def _run_bots(args: argparse.Namespace, config: Config, repo: Repository, lang: str) -> int:
    """Every enabled chat platform in one process until Ctrl-C or SIGTERM; with none enabled,
    say how to enable one and open the console bot instead."""
    lookups = _lookups(repo)
    await _warm_up(lookups)
    router = _router(config, repo, lookups, lang)
    adapters: list[ChatAdapter] = []
    for _name, factory in sorted(chat_adapters().items()):
        adapter = factory(config, router, lookups)
        if adapter is not None:
            adapters.append(adapter)
    err = Console(stderr=True)
    if not adapters:
        err.print(t("run.none_enabled", lang), style="yellow", markup=False)
        return await _chat(args, repo, lang, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows has no signal handlers
            loop.add_signal_handler(signum, stop.set)
    started: list[ChatAdapter] = []
    digest_task: asyncio.Task[None] | None = None
    watcher = None
    try:
        for adapter in adapters:
            await adapter.start()
            started.append(adapter)
            err.print(t("run.started", lang, name=adapter.name))
        if config.digest.enabled:
            scheduler, watcher = _scheduler(config, repo, lookups, router, started, lang)
            digest_task = asyncio.create_task(scheduler.run(stop))
        await stop.wait()
    finally:
        if digest_task is not None:
            await _stop_digest(digest_task, stop)
        if watcher is not None:
            await watcher.aclose()
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception:  # one adapter failing to stop must not keep the others running
                log.warning("%s did not stop cleanly", adapter.name, exc_info=True)
    return 0


async def _stop_digest(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    """Let digest sends under way finish (nothing new is claimed once ``stop`` is set), then
    give up: a send cancelled midway may already be in the chat and would not be resent."""
    stop.set()
    if not task.done():
        log.info("waiting up to %g s for digest sends under way", SHUTDOWN_GRACE)
        await asyncio.wait({task}, timeout=SHUTDOWN_GRACE)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


def _scheduler(
    config: Config,
    repo: Repository,
    lookups: LookupService,
    router: Router,
    adapters: Sequence[ChatAdapter],
    lang: str,
    clock: Clock | None = None,
) -> tuple[Any, Any]:
    """The digest scheduler delivering through ``adapters``, and its feed watcher."""
    from bot.digest.scheduler import DigestScheduler, router_render
    from bot.digest.watch import FeedWatcher

    service = _digest_service(config, repo, lookups, clock)
    watcher = FeedWatcher(repo, config.sources, config.digest, fetch_config=config.fetch)
    scheduler = DigestScheduler(
        service,
        {adapter.name: adapter for adapter in adapters},
        router_render(router),
        clock=clock,
        watcher=watcher,
        default_lang=lang,
    )
    return scheduler, watcher


def _parse_now(text: str | None) -> datetime | None:
    """``--now``: ISO 8601; without an offset it is this machine's local time, as ``date``
    prints it and as cron reads it."""
    if text is None:
        return None
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.astimezone()
    return value


async def _digest(args: argparse.Namespace, config: Config, repo: Repository, lang: str) -> int:
    """``digest tick``: one tick through every enabled adapter (started for the tick and
    stopped after); with none enabled, or ``--dry-run``, a report of what would be sent."""
    from bot.digest.delivery import Status

    try:
        now = _parse_now(args.now)
    except ValueError:
        print(f"reviewbot: {t('digest.bad_now', lang)}", file=sys.stderr)
        return 2
    from bot.digest.clock import OffsetClock

    # the whole tick runs as if the clock read --now: claims, stale checks, feed checks
    clock = OffsetClock(now) if now is not None else None
    lookups = _lookups(repo)
    router = _router(config, repo, lookups, lang, clock)
    adapters: list[ChatAdapter] = []
    if not args.dry_run:
        for _name, factory in sorted(chat_adapters().items()):
            adapter = factory(config, router, lookups)
            if adapter is not None:
                adapters.append(adapter)
    dry_run = args.dry_run or not adapters
    err = Console(stderr=True)
    if dry_run and not args.dry_run:
        err.print(t("digest.tick_dry", lang), style="yellow", markup=False)
    started: list[ChatAdapter] = []
    scheduler, watcher = _scheduler(config, repo, lookups, router, adapters, lang, clock)
    try:
        for adapter in adapters:
            await adapter.start(receive=False)
            started.append(adapter)
        report = await scheduler.tick(now, dry_run=dry_run)
    finally:
        await watcher.aclose()
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception:
                log.warning("%s did not stop cleanly", adapter.name, exc_info=True)
    rows = []
    for outcome in report.outcomes:
        sub = outcome.job.subscription
        rows.append(
            {
                "platform": sub.chat.platform,
                "chat": sub.chat.address,
                "subscription": sub.id,
                "key": outcome.job.key,
                "status": outcome.status.value,
                "post": outcome.post_id,
                "message": outcome.message_id,
                "error": outcome.error,
            }
        )
    if args.json:
        print(json.dumps({**report.summary(), "outcomes": rows}, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            key = {
                Status.SENT.value: "digest.tick_sent",
                Status.WOULD_SEND.value: "digest.tick_would",
            }.get(str(row["status"]), "digest.tick_other")
            print(t(key, lang, **row))
        summary = ", ".join(f"{k} {v}" for k, v in report.summary().items() if k != "at")
        print(t("digest.tick_summary", lang, at=report.now.isoformat(), summary=summary or "-"))
    failed = report.count(Status.FAILED)
    return 1 if failed else 0


async def _find(args: argparse.Namespace, repo: Repository, lang: str) -> int:
    """Exit status like grep: 0 when something was found, 1 when nothing was."""
    lookups = _lookups(repo)
    limit = max(1, min(args.limit, FIND_MAX_LIMIT))
    offset = max(0, args.offset)
    result: LookupResult
    if args.film is not None:
        result = await lookups.by_film(args.film, limit=limit, offset=offset)
    elif args.theme is not None:
        result = await lookups.by_theme(args.theme, limit=limit, offset=offset)
    elif args.category is not None:
        result = await lookups.by_category(args.category, limit=limit, offset=offset)
    else:
        result = await lookups.search(args.text, limit=limit, offset=offset)
    data = find_json(result, lang)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_found(Console(highlight=False), data, lang)
    return 0 if result.hits else 1


def _print_found(console: Console, data: dict[str, Any], lang: str) -> None:
    if data["message"]:
        console.print(escape(data["message"]), style="yellow")
    if data["results"]:
        table = Table(show_edge=False, header_style="bold", pad_edge=False)
        table.add_column(t("col.id", lang), justify="right", style="cyan", no_wrap=True)
        table.add_column(t("col.date", lang), no_wrap=True)
        table.add_column(t("col.title", lang), overflow="fold")
        table.add_column(t("col.film", lang), overflow="fold")
        table.add_column(t("label.score", lang), justify="right", no_wrap=True)
        for row in data["results"]:
            title = escape(row["title"])
            if row["stub"]:
                title = f"[dim]{title} ({t('label.stub', lang)})[/]"
            table.add_row(
                str(row["id"]),
                (row["published"] or "—")[:10],
                title,
                escape(row["film"] or ""),
                f"{row['score']:.2f}",
            )
        console.print(table)
    if data["suggestions"]:
        console.print(t("film.did_you_mean", lang), style="cyan")
        for suggestion in data["suggestions"]:
            console.print(f"  {escape(suggestion)}")


async def run(args: argparse.Namespace) -> int:
    lang = normalize_lang(args.lang) if args.lang else system_lang()
    config = load_config(args.config)
    # A first ingest into an empty library must not mix the samples into the user's own posts.
    with _ProgressBar(Console(stderr=True), t("library.preparing", lang)) as bar:
        repo, loaded = await open_library(
            config, db_url=args.db, samples=args.command != "ingest", progress=bar
        )
    try:
        if loaded is not None:
            Console(stderr=True).print(f"[dim]{t('samples.loaded', lang, count=loaded)}[/]")
        if args.command == "ingest":
            return await _ingest(args, config, repo, lang)
        if args.command == "show":
            return await _show(args, repo, lang)
        if args.command == "list":
            return await _list(args, repo, lang)
        if args.command == "film":
            return await _film(args, repo, lang)
        if args.command == "chat":
            return await _chat(args, repo, lang, config)
        if args.command == "ask":
            return await _ask(args, repo, lang, config)
        if args.command == "digest":
            return await _digest(args, config, repo, lang)
        if args.command == "find":
            return await _find(args, repo, lang)
        if args.command == "run":
            return await _run_bots(args, config, repo, lang)
        raise AssertionError(f"unhandled command {args.command}")
    finally:
        await repo.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    lang = normalize_lang(args.lang) if args.lang else system_lang()
    try:
        return asyncio.run(run(args))
    except (ConfigError, StorageError, DeliveryError) as exc:
        print(f"reviewbot: {t('error.prefix', lang)}: {exc}", file=sys.stderr)
        return 2
    except AdapterMissing:
        message = t("console.adapter_missing", lang)
        print(f"reviewbot: {t('error.prefix', lang)}: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
