"""Opening the review library: the storage backend, configured aliases and the sample library.

The sample library is loaded into an empty database so that a newcomer's first command already
answers with real reviews; it is never loaded on top of a user's own posts.
"""

from __future__ import annotations

import logging
import tomllib
from importlib.resources import files
from pathlib import Path

from bot.config import Config, database_url
from bot.ingest.enrich import reanalyse
from bot.ingest.pipeline import Progress, ingest
from bot.ports import Repository, storage_backend

SAMPLE_FOLDERS = ("pages", "feed", "markdown")

log = logging.getLogger(__name__)


def samples_dir() -> Path:
    return Path(str(files("bot") / "samples"))


def sample_sources() -> list[str]:
    root = samples_dir()
    return [str(root / folder) for folder in SAMPLE_FOLDERS if (root / folder).is_dir()]


def sample_aliases() -> dict[str, list[str]]:
    path = samples_dir() / "aliases.toml"
    if not path.is_file():
        return {}
    films = tomllib.loads(path.read_text(encoding="utf-8")).get("films", {})
    return {str(film): [str(a) for a in aliases] for film, aliases in films.items()}


async def apply_aliases(repo: Repository, aliases: dict[str, list[str]]) -> None:
    for film, names in aliases.items():
        for alias in names:
            await repo.add_film_alias(film, alias)


async def load_samples(repo: Repository, progress: Progress | None = None) -> int:
    """Ingest the built-in sample library; returns how many posts it holds afterwards.

    A sample that cannot be read is a packaging bug, not the user's: it is logged (the rest of
    the library still loads) rather than shown as an ingest failure.
    """
    for report in await ingest(repo, sample_sources(), progress=progress):
        if not report.ok:
            log.warning("sample %s could not be loaded: %s", report.source, report.error)
    await apply_aliases(repo, sample_aliases())
    return await repo.count_posts()


async def open_library(
    config: Config,
    *,
    db_url: str | None = None,
    samples: bool = True,
    progress: Progress | None = None,
) -> tuple[Repository, int | None]:
    """The repository, ready to use, and the number of sample posts loaded (None if none were).

    Posts stored by an older analyser (or before analysis existed) are analysed again here, so
    that every lookup sees the same kind of index whatever version stored a post.
    """
    factory = storage_backend()
    repo = await factory(database_url(config, db_url))
    loaded: int | None = None
    try:
        if (
            samples
            and config.library.load_samples
            and await repo.count_posts(include_stubs=True) == 0
        ):
            loaded = await load_samples(repo, progress)
        await apply_aliases(repo, config.library.aliases)
        await reanalyse(repo, progress=progress)
    except BaseException:
        await repo.close()
        raise
    return repo, loaded
