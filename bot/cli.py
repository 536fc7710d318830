"""The ``reviewbot`` command line: ingest sources, show and list the library.

Every failure a user can cause (bad config, unreachable database, unreadable source) ends in one
line on stderr and a non-zero exit code, never a traceback; ``-v`` shows details in the log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.config import Config, ConfigError, load_config
from bot.domain import SourceReport
from bot.i18n import normalize_lang, system_lang, t
from bot.ingest.blog import ingest_blog
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import ingest, is_url
from bot.library import open_library
from bot.ports import Repository, StorageError
from bot.render_terminal import print_post, print_post_list, print_reports, summary_counts
from bot.serialize import post_json, post_summary_json, report_json

log = logging.getLogger("reviewbot")


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

    p_film = sub.add_parser("film", help="manage films")
    film_sub = p_film.add_subparsers(dest="film_command", required=True)
    p_alias = film_sub.add_parser("alias", help="give a film another name (e.g. its English title)")
    p_alias.add_argument("film")
    p_alias.add_argument("alias")
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

    def __enter__(self) -> _ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, current: str, done: int, total: int) -> None:
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
    if ref.lstrip("#").isdigit():
        return await repo.get_post(int(ref.lstrip("#")))
    return await repo.get_post_by_url(ref)


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


async def run(args: argparse.Namespace) -> int:
    lang = normalize_lang(args.lang) if args.lang else system_lang()
    config = load_config(args.config)
    repo, loaded = await open_library(config, db_url=args.db)
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
    except (ConfigError, StorageError) as exc:
        print(f"reviewbot: {t('error.prefix', lang)}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
