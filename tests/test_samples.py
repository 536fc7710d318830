"""The built-in sample library (bot/samples): what a newcomer sees before ingesting anything."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Config, LibraryConfig, load_config
from bot.domain import StoredPost
from bot.ingest.pipeline import expand_sources, ingest, parse_content
from bot.library import open_library, sample_aliases, sample_sources, samples_dir
from bot.ports import Repository
from bot.textnorm import normalize_key

BLOG = "https://filmnote.tistory.com"
OFF = Config(library=LibraryConfig(load_samples=False))


@pytest.fixture
async def samples(db_url: str) -> AsyncIterator[tuple[Repository, int | None]]:
    """A fresh library opened the way the command line opens it (samples on)."""
    repo, loaded = await open_library(Config(), db_url=db_url)
    try:
        yield repo, loaded
    finally:
        await repo.close()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the samples loaded, made once per module (loading takes a second)."""
    path = tmp_path_factory.mktemp("samples") / "library.db"

    async def load() -> None:
        repo, loaded = await open_library(Config(), db_url=f"sqlite+aiosqlite:///{path}")
        await repo.close()
        assert loaded is not None

    asyncio.run(load())
    return path


@pytest.fixture
async def sample_copy(sample_db: Path, tmp_path: Path) -> AsyncIterator[Repository]:
    """A private copy of the loaded sample library (SQLite), samples off so nothing reloads."""
    copy = tmp_path / "copy.db"
    shutil.copy(sample_db, copy)
    repo, loaded = await open_library(OFF, db_url=f"sqlite+aiosqlite:///{copy}")
    assert loaded is None
    try:
        yield repo
    finally:
        await repo.close()


async def full_posts(repo: Repository) -> list[StoredPost]:
    posts = [await repo.get_post(p.id) for p in await repo.list_posts() if not p.stub]
    return [p for p in posts if p is not None]


def test_every_sample_parses_cleanly() -> None:
    sources = list(expand_sources(sample_sources()))
    assert len(sources) >= 18
    parsed = []
    for source in sources:
        posts = parse_content(Path(source.ref).read_bytes(), path=source.ref)
        for post in posts:
            assert post.notes == (), f"{source.ref}: {post.notes}"
            assert post.title and post.film and post.url and post.published, source.ref
            assert post.sections and post.category, source.ref
        parsed += posts
    assert len(parsed) >= 20
    assert len({p.url for p in parsed}) == len(parsed)
    kinds = {p.kind.value for p in parsed}
    assert {"tistory-page", "tistory-rss", "markdown"} <= kinds


async def test_samples_load_into_an_empty_library(
    samples: tuple[Repository, int | None],
) -> None:
    repo, loaded = samples
    posts = await full_posts(repo)
    assert loaded == len(posts) >= 20
    assert all(p.sections and p.film for p in posts)

    categories = {" > ".join(p.category) for p in posts}
    assert {"리뷰 > 한국영화", "리뷰 > 외국영화", "에세이", "English Reviews"} <= categories
    english = [p for p in posts if p.category == ("English Reviews",)]
    assert {p.film for p in english} >= {"Past Lives", "Aftersun"}
    assert any(p.sections[0].heading is None for p in posts)  # intros
    assert sum(1 for p in posts if len(p.sections) > 1) >= 20  # headings split sections

    everything = await repo.list_posts()
    stubs = [p for p in everything if p.stub]
    assert stubs, "the category boxes list older posts that are not in the library"
    assert all(p.url and p.url.startswith(BLOG) for p in stubs)
    assert len({p.url for p in everything}) == len(everything), "a post is stored twice"

    # Related entries point at the library's own posts wherever those were ingested.
    by_url = {p.url: p for p in everything}
    resolved = 0
    for post in posts:
        for entry in post.related:
            assert entry.url in by_url, entry
            target = by_url[entry.url]
            assert (entry.post_id, entry.stub) == (target.id, target.stub)
            resolved += not entry.stub
    assert resolved >= 20

    # aliases.toml is applied too (checked name by name in test_sample_aliases_are_applied)
    [host] = [p for p in await repo.list_posts(film="The Host") if not p.stub]
    assert host.url == f"{BLOG}/105"


async def test_sample_aliases_are_applied(sample_copy: Repository) -> None:
    repo = sample_copy
    aliases = sample_aliases()
    assert aliases["괴물"] == ["The Host", "Gwoemul"]
    films = {p.film for p in await full_posts(repo)}
    for film, names in aliases.items():
        assert film in films, f"aliases.toml names a film the samples do not have: {film}"
        for name in names:
            found = await repo.list_posts(film=name)
            assert {p.film for p in found if not p.stub} == {film}, name
    [host] = [p for p in await repo.list_posts(film="the host") if not p.stub]
    assert host.url == f"{BLOG}/105"


async def test_samples_are_loaded_once(sample_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "again.db"
    shutil.copy(sample_db, copy)
    url = f"sqlite+aiosqlite:///{copy}"
    repo, _ = await open_library(OFF, db_url=url)
    total = await repo.count_posts(include_stubs=True)
    await repo.close()
    repo, again = await open_library(Config(), db_url=url)
    try:
        assert again is None
        assert await repo.count_posts(include_stubs=True) == total
    finally:
        await repo.close()


async def test_samples_can_be_turned_off(sqlite_url: str) -> None:
    repo, loaded = await open_library(OFF, db_url=sqlite_url)
    try:
        assert loaded is None
        assert await repo.count_posts(include_stubs=True) == 0
    finally:
        await repo.close()
    env_off = load_config(None, env={"REVIEWBOT_SAMPLES": "0"})
    repo, loaded = await open_library(env_off, db_url=sqlite_url)
    try:
        assert loaded is None and await repo.count_posts(include_stubs=True) == 0
    finally:
        await repo.close()


async def test_samples_never_join_the_users_own_posts(sqlite_url: str, tmp_path: Path) -> None:
    mine = tmp_path / "mine.md"
    mine.write_text(
        "---\ntitle: 내 첫 리뷰 <괴물>\nurl: https://me.example/1\ncategory: 내 리뷰\n---\n"
        "한강에 괴물이 나왔다.\n\n## 총평\n\n좋았다.\n",
        encoding="utf-8",
    )
    repo, _ = await open_library(OFF, db_url=sqlite_url)
    try:
        [report] = await ingest(repo, [str(mine)])
        assert report.ok, report.error
    finally:
        await repo.close()
    repo, loaded = await open_library(Config(), db_url=sqlite_url)
    try:
        assert loaded is None
        assert [p.url for p in await repo.list_posts()] == ["https://me.example/1"]
    finally:
        await repo.close()


def test_samples_ship_inside_the_package() -> None:
    root = samples_dir()
    assert root.is_dir() and (root / "aliases.toml").is_file()
    assert sorted(Path(s).name for s in sample_sources()) == ["feed", "markdown", "pages"]


async def test_sample_feed_posts_are_whole_posts(sample_copy: Repository) -> None:
    repo = sample_copy
    feed_posts = [p for p in await full_posts(repo) if p.kind.value == "tistory-rss"]
    assert len(feed_posts) == 4
    assert not any(p.teaser for p in feed_posts)


async def test_sample_feed_posts_sit_in_the_blogs_category_path(sample_copy: Repository) -> None:
    repo = sample_copy
    reviews = {p.film for p in await repo.list_posts(category="리뷰") if not p.stub}
    assert {"아가씨", "택시운전사", "부산행", "1987"} <= reviews


def test_sample_titles_give_their_films() -> None:
    """Each sample's film is the one its file is about (a check on the samples' own data)."""
    expected = {
        "101.html": "살인의 추억",
        "105.html": "괴물",
        "108.html": "Past Lives",
        "112.html": "미션 임파서블: 데드 레코닝",
        "113.html": "버닝",
        "114.html": "내부자들",
        "122-aftersun.md": "Aftersun",
    }
    for source in expand_sources(sample_sources()):
        name = Path(source.ref).name
        if name in expected:
            [post] = parse_content(Path(source.ref).read_bytes(), path=source.ref)
            assert normalize_key(post.film or "") == normalize_key(expected[name]), name
