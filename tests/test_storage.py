"""The SQL repository, on SQLite and PostgreSQL alike (see ``db_url`` in conftest)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.domain import (
    IngestStatus,
    LetterboxdInfo,
    ParsedPost,
    RelatedRef,
    Section,
    SourceKind,
)
from bot.ports import StorageError, storage_backend
from storage import migrate
from storage.engine import parse_url
from storage.repository import SqlRepository, open_repository

KST = timezone(timedelta(hours=9))
ADDED, UPDATED, UNCHANGED = IngestStatus.ADDED, IngestStatus.UPDATED, IngestStatus.UNCHANGED


def page(n: int, title: str | None = None, **changes: object) -> ParsedPost:
    post = ParsedPost(
        title=title or f"<영화{n}> 리뷰",
        kind=SourceKind.TISTORY_PAGE,
        url=f"https://filmnote.tistory.com/{n}",
        published=datetime(2024, 1, n, 21, 0, tzinfo=KST),
        category=("리뷰",),
        sections=(Section(None, f"본문 {n}"), Section("결말", f"결말 {n}", 2)),
    )
    return replace(post, **changes)  # type: ignore[arg-type]


async def statuses(repo: SqlRepository, *posts: ParsedPost) -> list[IngestStatus]:
    return [r.status for r in await repo.save_posts(posts, source="test")]


# --- statuses and identity --------------------------------------------------------------------


async def test_added_unchanged_updated(repo: SqlRepository) -> None:
    post = page(1, tags=("봉준호",), themes=("가족",))
    [first] = await repo.save_posts([post], source="a.html")
    assert first.status is ADDED
    assert await statuses(repo, post) == [UNCHANGED]

    edited = replace(post, sections=(Section(None, "고친 본문"),), themes=("가족", "재난"))
    [again] = await repo.save_posts([edited], source="b.html")
    assert (again.status, again.post_id) == (UPDATED, first.post_id)
    assert await statuses(repo, edited) == [UNCHANGED]

    stored = await repo.get_post(first.post_id)
    assert stored is not None
    assert stored.sections == (Section(None, "고친 본문"),)
    assert stored.themes == ("가족", "재난")
    assert stored.tags == ("봉준호",)
    assert stored.source == "b.html"
    assert stored.published == datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert await repo.count_posts() == 1


async def test_identity_by_guid(repo: SqlRepository) -> None:
    item = ParsedPost(
        title="<괴물> 리뷰",
        kind=SourceKind.GENERIC_FEED,
        guid="tag:blog,2024:1",
        sections=(Section(None, "첫 글"),),
    )
    [first] = await repo.save_posts([item], source="feed")
    edited = replace(item, sections=(Section(None, "고친 글"),))
    [second] = await repo.save_posts([edited], source="feed")
    assert (second.status, second.post_id) == (UPDATED, first.post_id)

    # The page arrives later with its URL: the guid says it is the same post.
    with_url = replace(edited, url="https://blog.example/1", kind=SourceKind.HTML_PAGE)
    [third] = await repo.save_posts([with_url], source="page")
    assert (third.status, third.post_id) == (UPDATED, first.post_id)
    assert third.url == "https://blog.example/1"
    assert await repo.count_posts() == 1


async def test_identity_by_content_hash(repo: SqlRepository) -> None:
    note = ParsedPost(
        title="괴물 감상", kind=SourceKind.PLAIN_TEXT, sections=(Section(None, "가족 이야기"),)
    )
    [first] = await repo.save_posts([note], source="a.txt")
    [same] = await repo.save_posts([note], source="copy.txt")
    assert (same.status, same.post_id) == (UNCHANGED, first.post_id)

    other = replace(note, sections=(Section(None, "전혀 다른 글"),))
    [second] = await repo.save_posts([other], source="b.txt")
    assert second.status is ADDED
    assert second.post_id != first.post_id

    # The same text with its URL (the page of that copy) completes the stored post.
    [page_of_it] = await repo.save_posts(
        [replace(note, url="https://x.tistory.com/9", kind=SourceKind.TISTORY_PAGE)], source="p"
    )
    assert (page_of_it.status, page_of_it.post_id) == (UPDATED, first.post_id)
    assert await repo.count_posts() == 2


async def test_url_identity_beats_title_and_text(repo: SqlRepository) -> None:
    a = page(1, title="같은 제목", sections=(Section(None, "같은 본문"),))
    b = replace(a, url="https://filmnote.tistory.com/2")
    assert await statuses(repo, a, b) == [ADDED, ADDED]
    assert await repo.count_posts() == 2


# --- stubs ------------------------------------------------------------------------------------


async def test_stub_from_related_is_filled_by_url(repo: SqlRepository) -> None:
    ref = RelatedRef(
        "<마더> 리뷰 (모성, 복수)", "https://filmnote.tistory.com/2", date(2023, 5, 1), 4
    )
    [a] = await repo.save_posts([page(1, related=(ref,))], source="1.html")
    [rel] = (await repo.get_post(a.post_id)).related  # type: ignore[union-attr]
    assert rel.stub and rel.post_id is not None
    assert (rel.film, rel.themes, rel.comments) == ("마더", ("모성", "복수"), 4)
    stub = await repo.get_post(rel.post_id)
    assert stub is not None and stub.stub and stub.kind is SourceKind.STUB
    assert stub.published == datetime(2023, 5, 1, tzinfo=UTC)
    assert (await repo.count_posts(), await repo.count_posts(include_stubs=True)) == (1, 2)

    [b] = await repo.save_posts(
        [page(2, title="<마더> 리뷰 (모성, 복수)", film="마더")], source="2"
    )
    assert (b.status, b.post_id) == (ADDED, rel.post_id)
    assert (await repo.count_posts(), await repo.count_posts(include_stubs=True)) == (2, 2)
    full = await repo.get_post(b.post_id)
    assert full is not None and not full.stub and full.comments == 4
    assert full.sections[0].text == "본문 2"
    [rel] = (await repo.get_post(a.post_id)).related  # type: ignore[union-attr]
    assert (rel.post_id, rel.stub) == (b.post_id, False)
    # Re-reading the first page changes nothing now that its related post is full.
    assert await statuses(repo, page(1, related=(ref,))) == [UNCHANGED]


async def test_stub_without_url_is_filled_by_title(repo: SqlRepository) -> None:
    exported = ParsedPost(
        title="괴물 후기",
        kind=SourceKind.PLAIN_TEXT,
        sections=(Section(None, "본문"),),
        related=(RelatedRef("<살인의 추억> 리뷰"), RelatedRef("마더  리뷰!")),
    )
    [a] = await repo.save_posts([exported], source="copy.txt")
    stub_ids = [r.post_id for r in (await repo.get_post(a.post_id)).related]  # type: ignore[union-attr]

    # The page of "마더 리뷰" (spelt a little differently) fills the url-less stub in.
    [b] = await repo.save_posts([page(5, title="<마더> 리뷰")], source="5.html")
    assert (b.status, b.post_id) == (ADDED, stub_ids[1])
    assert b.url == "https://filmnote.tistory.com/5"
    assert await repo.count_posts(include_stubs=True) == 3
    # A later reference by URL finds it, not a new stub.
    later = page(6, related=(RelatedRef("마더 리뷰", "https://filmnote.tistory.com/5"),))
    [c] = await repo.save_posts([later], source="6.html")
    assert [r.post_id for r in (await repo.get_post(c.post_id)).related] == [b.post_id]  # type: ignore[union-attr]
    assert await repo.count_posts(include_stubs=True) == 4


async def test_stub_and_its_post_in_one_batch(repo: SqlRepository) -> None:
    a = page(1, related=(RelatedRef("<영화2> 리뷰", "https://filmnote.tistory.com/2"),))
    results = await repo.save_posts([a, page(2)], source="feed")
    assert [r.status for r in results] == [ADDED, ADDED]
    [rel] = (await repo.get_post(results[0].post_id)).related  # type: ignore[union-attr]
    assert (rel.post_id, rel.stub) == (results[1].post_id, False)
    assert await repo.count_posts(include_stubs=True) == 2


# --- teasers ----------------------------------------------------------------------------------


async def test_teaser_never_overwrites_full_text(repo: SqlRepository) -> None:
    full = page(1)
    teaser = replace(
        full,
        kind=SourceKind.NAVER_FEED,
        teaser=True,
        sections=(Section(None, "본문 1의 앞부분…"),),
        category=(),
    )
    [a] = await repo.save_posts([full], source="page")
    assert await statuses(repo, teaser) == [UNCHANGED]
    # A teaser may still fill in what the full post lacks, without touching its text.
    assert await statuses(repo, replace(teaser, guid="naver-1", author="필름노트")) == [UPDATED]
    stored = await repo.get_post(a.post_id)
    assert stored is not None
    assert (stored.teaser, stored.kind, stored.sections) == (False, full.kind, full.sections)
    assert (stored.guid, stored.category) == ("naver-1", ("리뷰",))


async def test_full_post_replaces_teaser(repo: SqlRepository) -> None:
    teaser = replace(page(1), teaser=True, sections=(Section(None, "앞부분…"),))
    [a] = await repo.save_posts([teaser], source="feed")
    assert (await repo.get_post(a.post_id)).teaser  # type: ignore[union-attr]
    [b] = await repo.save_posts([page(1)], source="page")
    assert (b.status, b.post_id) == (UPDATED, a.post_id)
    stored = await repo.get_post(a.post_id)
    assert stored is not None and not stored.teaser
    assert stored.sections == page(1).sections


# --- related ----------------------------------------------------------------------------------


async def test_related_keeps_order_and_excludes_self(repo: SqlRepository) -> None:
    refs = (
        RelatedRef("<영화3> 리뷰", "https://filmnote.tistory.com/3", comments=2),
        RelatedRef("<영화1> 리뷰", "https://filmnote.tistory.com/1"),  # this post itself
        RelatedRef("<영화2> 리뷰", "https://filmnote.tistory.com/2"),
        RelatedRef("<영화3> 리뷰", "https://filmnote.tistory.com/3"),  # listed twice
        RelatedRef("<영화1>  리뷰"),  # itself again, by title only
    )
    [a] = await repo.save_posts([page(1, related=refs)], source="1.html")
    stored = await repo.get_post(a.post_id)
    assert stored is not None
    assert [r.url for r in stored.related] == [
        "https://filmnote.tistory.com/3",
        "https://filmnote.tistory.com/2",
    ]
    assert stored.related[0].comments == 2
    assert a.post_id not in [r.post_id for r in stored.related]

    assert await statuses(repo, page(1, related=refs)) == [UNCHANGED]
    reordered = page(1, related=(refs[2], refs[0]))
    assert await statuses(repo, reordered) == [UPDATED]
    stored = await repo.get_post(a.post_id)
    assert [r.url for r in stored.related] == [  # type: ignore[union-attr]
        "https://filmnote.tistory.com/2",
        "https://filmnote.tistory.com/3",
    ]
    # A source without a related box (a feed) keeps the box read from the page.
    assert await statuses(repo, replace(reordered, related=())) == [UNCHANGED]


# --- listing ----------------------------------------------------------------------------------


async def test_category_includes_children(repo: SqlRepository) -> None:
    await repo.save_posts(
        [
            page(1, category=("리뷰",)),
            page(2, category=("리뷰", "한국영화")),
            page(3, category=("리뷰모음",)),
            page(4, category=("일상", "리뷰")),
            page(5, category=()),
        ],
        source="pages",
    )

    async def urls(category: str) -> list[int]:
        posts = await repo.list_posts(category=category)
        return sorted(int(p.url.rsplit("/", 1)[1]) for p in posts if p.url)

    assert await urls("리뷰") == [1, 2]
    assert await urls("리뷰 > 한국영화") == [2]
    assert await urls(" 리뷰>한국 영화 ") == [2]
    assert await urls("일상") == [4]
    assert await urls("없는 분류") == []
    [post] = await repo.list_posts(category="리뷰 > 한국영화")
    assert post.category == ("리뷰", "한국영화")


async def test_newest_first_undated_last(repo: SqlRepository) -> None:
    await repo.save_posts(
        [
            page(1, published=datetime(2024, 3, 1, 8, 0, tzinfo=KST)),  # 2024-02-29 23:00 UTC
            page(2, published=datetime(2024, 2, 29, 23, 30, tzinfo=UTC)),
            page(3, published=None),
            page(4, published=datetime(2023, 1, 1, tzinfo=UTC)),
            page(
                5,
                published=None,
                related=(RelatedRef("<영화9> 리뷰", "https://x/9", date(2024, 2, 1)),),
            ),
        ],
        source="pages",
    )
    posts = await repo.list_posts()
    assert [p.title for p in posts] == [
        "<영화2> 리뷰",
        "<영화1> 리뷰",
        "<영화9> 리뷰",  # a stub, dated by the related box
        "<영화4> 리뷰",
        "<영화5> 리뷰",
        "<영화3> 리뷰",
    ]
    assert all(p.published is None or p.published.tzinfo is not None for p in posts)
    assert posts[1].published == datetime(2024, 2, 29, 23, 0, tzinfo=UTC)
    assert [p.title for p in await repo.list_posts(limit=2)] == ["<영화2> 리뷰", "<영화1> 리뷰"]


# --- films ------------------------------------------------------------------------------------


async def test_films_years_and_aliases(repo: SqlRepository) -> None:
    await repo.save_posts(
        [
            page(1, film="듄"),
            page(2, film="듄: 파트 2", film_year=2024),
            page(3, film="괴물", film_year=2006, film_aliases=("The Host",)),
            page(4, film="괴 물"),  # same key as 괴물: the same film
        ],
        source="pages",
    )
    assert [p.url for p in await repo.list_posts(film="듄")] == ["https://filmnote.tistory.com/1"]
    assert len(await repo.list_posts(film="듄 파트2")) == 1
    assert len(await repo.list_posts(film="the host")) == 2
    post4 = (await repo.list_posts(film="괴물"))[0]
    assert (post4.film, post4.film_year) == ("괴물", 2006)

    # The year of 듄 is learnt from a later post; a remake with another year is another film.
    await repo.save_posts([page(5, film="듄", film_year=2021)], source="p")
    await repo.save_posts([page(6, film="Dune", film_year=1984)], source="p")
    assert {p.film_year for p in await repo.list_posts(film="듄")} == {2021}
    assert await repo.add_film_alias("듄", "Dune") is True
    assert {p.film_year for p in await repo.list_posts(film="dune")} >= {1984}

    assert await repo.add_film_alias("괴물", "怪物") is True
    assert await repo.add_film_alias("괴물", "怪物") is True  # already known: still the film
    assert len(await repo.list_posts(film="怪物")) == 2
    assert await repo.add_film_alias("없는 영화", "Nothing") is False
    assert await repo.list_posts(film="Nothing") == []


async def test_letterboxd_fields(repo: SqlRepository) -> None:
    info = LetterboxdInfo(rating=4.5, rewatch=True, liked=True, watched=date(2024, 5, 1), tmdb_id=1)
    review = ParsedPost(
        title="Parasite, 2019 - ★★★★½",
        kind=SourceKind.LETTERBOXD,
        url="https://letterboxd.com/u/film/parasite/",
        film="Parasite",
        film_year=2019,
        letterboxd=info,
        sections=(Section(None, "Class, stairs and a flood."),),
    )
    [a] = await repo.save_posts([review], source="lb.xml")
    stored = await repo.get_post_by_url("https://letterboxd.com/u/film/parasite/")
    assert stored is not None and stored.id == a.post_id
    assert stored.letterboxd == info
    assert (await repo.get_post(a.post_id)).letterboxd == info  # type: ignore[union-attr]
    assert await statuses(repo, review) == [UNCHANGED]
    # Another name for the same TMDB film links to the same films row.
    other = replace(review, url="https://letterboxd.com/u/film/parasite/1/", film="기생충")
    await repo.save_posts([other], source="lb.xml")
    assert len(await repo.list_posts(film="parasite")) == 2
    assert await repo.get_post_by_url("https://nowhere/") is None


# --- transactions -----------------------------------------------------------------------------


async def test_failing_batch_leaves_nothing_half_written(repo: SqlRepository) -> None:
    [kept] = await repo.save_posts([page(1)], source="first")
    bad_rating = LetterboxdInfo(rating=9.5)  # out of range: the database refuses the row
    batch = [
        page(1, sections=(Section(None, "덮어쓰면 안 되는 변경"),)),
        page(2, related=(RelatedRef("<영화7> 리뷰", "https://filmnote.tistory.com/7"),)),
        page(3, letterboxd=bad_rating),
        page(4),
    ]
    with pytest.raises(StorageError) as caught:
        await repo.save_posts(batch, source="bad")
    message = str(caught.value)
    assert "\n" not in message and "refused" in message

    assert await repo.count_posts(include_stubs=True) == 1
    stored = await repo.get_post(kept.post_id)
    assert stored is not None and stored.sections == page(1).sections
    assert stored.source == "first"
    assert await repo.get_post_by_url("https://filmnote.tistory.com/2") is None
    # The repository is still usable after the failure.
    assert await statuses(repo, page(2)) == [ADDED]


# --- migrations -------------------------------------------------------------------------------


async def _revision(url: str) -> str | None:
    target = parse_url(url)
    from storage.engine import create_engine

    engine = create_engine(target)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(migrate.current_revision)
    finally:
        await engine.dispose()


async def test_migrations_run_on_fresh_db_and_are_noop_after(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = await open_repository(db_url)
    await repo.save_posts([page(1)], source="x")
    await repo.close()
    assert await _revision(db_url) == migrate.head_revision()

    def no_upgrade(*args: object, **kwargs: object) -> None:
        raise AssertionError("the schema is current; nothing should be migrated")

    monkeypatch.setattr("alembic.command.upgrade", no_upgrade)
    repo = await open_repository(db_url)
    try:
        assert await repo.count_posts() == 1
    finally:
        await repo.close()


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
async def test_models_match_migrations(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.models import Base, include_object

    await (await open_repository(db_url)).close()
    target = parse_url(db_url)
    from storage.engine import create_engine

    engine = create_engine(target)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync,
                        opts={
                            "compare_type": True,
                            "include_object": include_object(sync.dialect.name),
                        },
                    ),
                    Base.metadata,
                )
            )
    finally:
        await engine.dispose()
    assert diff == []


async def test_concurrent_saves_of_one_new_post(repo: SqlRepository) -> None:
    results = await asyncio.gather(*(repo.save_posts([page(1)], source=f"s{n}") for n in range(4)))
    assert sorted(r.status for [r] in results) == [ADDED, UNCHANGED, UNCHANGED, UNCHANGED]
    assert len({r.post_id for [r] in results}) == 1
    assert await repo.count_posts() == 1


def test_entry_point_finds_this_backend() -> None:
    assert storage_backend() is open_repository


# --- failures ---------------------------------------------------------------------------------


async def test_locked_sqlite_database(sqlite_url: str) -> None:
    repo = await open_repository(sqlite_url, busy_timeout=0.1)
    path = parse_url(sqlite_url).sqlite_path
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process is writing
        with pytest.raises(StorageError) as caught:
            await repo.save_posts([page(1)], source="x")
        assert str(caught.value) == f"database is locked: {path}"
        other.execute("ROLLBACK")
        assert await statuses(repo, page(1)) == [ADDED]
    finally:
        other.close()
        await repo.close()


async def test_read_only_sqlite_database(sqlite_url: str) -> None:
    repo = await open_repository(sqlite_url)
    await repo.close()
    path = parse_url(sqlite_url).sqlite_path
    read_only = await open_repository(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        assert await read_only.count_posts() == 0
        with pytest.raises(StorageError, match=r"^database is read-only: file:"):
            await read_only.save_posts([page(1)], source="x")
    finally:
        await read_only.close()


async def test_database_folder_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(StorageError) as caught:
        await open_repository(f"sqlite:///{blocker / 'sub' / 'reviewbot.db'}")
    assert str(caught.value).startswith(f"cannot create the database folder {blocker / 'sub'}")
    assert "\n" not in str(caught.value)


async def test_not_a_database_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match=r"^not a usable SQLite database: "):
        await open_repository(f"sqlite+aiosqlite:///{junk}")


async def test_unreachable_postgresql_hides_password() -> None:
    url = "postgresql+asyncpg://reviewbot:s3cret-pw@127.0.0.1:1/test"
    with pytest.raises(StorageError) as caught:
        await open_repository(url)
    message = str(caught.value)
    assert message == (
        "cannot reach database at postgresql://reviewbot:***@127.0.0.1:1/test: connection refused"
    )
    assert "s3cret-pw" not in message and "s3cret-pw" not in repr(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "not a database URL"),
        ("mysql://u:pw@host/db", "unsupported database 'mysql://u:***@host/db'"),
        ("postgresql://u@host/db?schema=bad;name", "not a valid schema name"),
    ],
)
async def test_bad_urls(url: str, expected: str) -> None:
    with pytest.raises(StorageError, match=re.escape(expected)):
        await open_repository(url)


async def test_plain_driver_names_are_accepted(tmp_path: Path) -> None:
    repo = await open_repository(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        assert await repo.count_posts() == 0
    finally:
        await repo.close()


async def test_wrong_database_name_on_postgresql(pg_url: str) -> None:
    wrong = make_url(pg_url).set(database="reviewbot_no_such_db").render_as_string(False)
    with pytest.raises(StorageError, match=r"^cannot reach database at postgresql://"):
        await open_repository(wrong)


async def test_values_out_of_range(repo: SqlRepository) -> None:
    # 0001-01-01 east of UTC is before year 1 in UTC: stored as undated, not a crash.
    [a] = await repo.save_posts([page(1, published=datetime(1, 1, 1, tzinfo=KST))], source="x")
    stored = await repo.get_post(a.post_id)
    assert stored is not None and stored.published is None
    # A count no database integer holds: a one-line StorageError, nothing stored.
    huge = RelatedRef("<영화9> 리뷰", "https://filmnote.tistory.com/9", comments=10**20)
    with pytest.raises(StorageError) as caught:
        await repo.save_posts([page(2, related=(huge,))], source="x")
    assert "\n" not in str(caught.value)
    assert await repo.count_posts(include_stubs=True) == 1
