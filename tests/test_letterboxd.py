from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain import LetterboxdInfo, SourceKind
from bot.ingest.errors import NotAPost
from bot.ingest.feeds import parse_feed
from bot.ingest.letterboxd import parse_letterboxd

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_current_format_counts() -> None:
    feed = parse_letterboxd(fixture("letterboxd_current.xml"))
    assert len(feed.reviews) == 5
    assert (feed.watches, feed.lists, feed.other) == (1, 1, 0)
    assert feed.skipped_note() == "Letterboxd: skipped 1 diary entry, 1 list without review text"


def test_review_with_spoilers_tmdb_and_like() -> None:
    review = parse_letterboxd(fixture("letterboxd_current.xml")).reviews[0]
    assert review.kind is SourceKind.LETTERBOXD
    assert review.title == "Decision to Leave (2022) review (contains spoilers)"
    assert review.film == "Decision to Leave"
    assert review.film_year == 2022
    assert review.film_aliases == ()
    assert review.url == "https://letterboxd.com/mintfilm/film/decision-to-leave/"
    assert review.guid == "letterboxd-review-900000001"
    assert review.author == "Mint"
    assert review.letterboxd == LetterboxdInfo(
        rating=4.5, rewatch=False, liked=True, watched=date(2024, 3, 2), tmdb_id=705996
    )
    # +1300 (NZ daylight time) converted.
    assert review.published == datetime(2024, 3, 2, 20, 15, tzinfo=UTC)
    assert not review.teaser
    assert review.text == (
        "the sea at the end swallows everything the detective couldn't say out loud.\n\n"
        "every phone translation is a small lie and the film knows it."
    )
    assert "spoilers" not in review.text


def test_rewatch_keeps_its_numbered_link() -> None:
    review = parse_letterboxd(fixture("letterboxd_current.xml")).reviews[1]
    assert review.url == "https://letterboxd.com/mintfilm/film/parasite-2019/1/"
    assert review.letterboxd is not None
    assert review.letterboxd.rewatch
    assert review.letterboxd.rating == 5.0
    assert review.title == "Parasite (2019) review"


def test_unrated_review() -> None:
    review = parse_letterboxd(fixture("letterboxd_current.xml")).reviews[2]
    assert review.film == "The Host"
    assert review.letterboxd is not None
    assert review.letterboxd.rating is None
    assert review.letterboxd.tmdb_id == 1255


def test_review_without_watched_date() -> None:
    review = parse_letterboxd(fixture("letterboxd_current.xml")).reviews[3]
    assert review.film == "Memories of Murder"
    assert review.letterboxd is not None
    assert review.letterboxd.watched is None
    assert review.letterboxd.rating == 4.0


def test_series_tmdb_id_is_not_a_movie_id() -> None:
    review = parse_letterboxd(fixture("letterboxd_current.xml")).reviews[4]
    assert review.film == "Squid Game"
    assert review.letterboxd is not None
    assert review.letterboxd.tmdb_id is None


def test_watch_and_list_are_not_reviews() -> None:
    guids = {r.guid for r in parse_letterboxd(fixture("letterboxd_current.xml")).reviews}
    assert "letterboxd-watch-900000006" not in guids
    assert "letterboxd-list-900000007" not in guids


def test_2020_format_without_tmdb() -> None:
    feed = parse_letterboxd(fixture("letterboxd_2020.xml"))
    (review,) = feed.reviews
    assert feed.watches == 1
    assert review.title == "Burning (2018) review"
    assert review.letterboxd == LetterboxdInfo(
        rating=4.0, rewatch=False, liked=False, watched=date(2020, 8, 12), tmdb_id=None
    )
    assert review.published == datetime(2020, 8, 12, 9, 30, tzinfo=UTC)  # +1200
    assert review.text == "a slow burn in every sense, the sunset dance is unforgettable."


def test_parse_feed_delegates_and_notes_skipped_items() -> None:
    posts = parse_feed(fixture("letterboxd_current.xml"))
    assert [p.kind for p in posts] == [SourceKind.LETTERBOXD] * 5
    assert posts[0].notes == ("Letterboxd: skipped 1 diary entry, 1 list without review text",)
    assert all(not p.notes for p in posts[1:])


def test_feed_of_diary_entries_only_is_not_a_post() -> None:
    data = fixture("letterboxd_2020.xml").replace(b"letterboxd-review-", b"letterboxd-watch-")
    with pytest.raises(NotAPost, match=r"^no reviews in this Letterboxd feed \(only 2 diary"):
        parse_feed(data)


def test_film_title_entities_are_decoded_once() -> None:
    data = fixture("letterboxd_2020.xml").replace(
        b"<letterboxd:filmTitle>Burning</letterboxd:filmTitle>",
        b"<letterboxd:filmTitle>Burning &amp;amp; Don&#039;t</letterboxd:filmTitle>",
    )
    assert parse_letterboxd(data).reviews[0].film == "Burning &amp; Don't"


def test_other_namespace_prefix() -> None:
    data = (
        fixture("letterboxd_current.xml")
        .replace(b"xmlns:letterboxd=", b"xmlns:lb=")
        .replace(b"<letterboxd:", b"<lb:")
        .replace(b"</letterboxd:", b"</lb:")
        .replace(b"xmlns:tmdb=", b"xmlns:db=")
        .replace(b"<tmdb:", b"<db:")
        .replace(b"</tmdb:", b"</db:")
    )
    review = parse_letterboxd(data).reviews[0]
    assert review.film == "Decision to Leave"
    assert review.letterboxd is not None
    assert review.letterboxd.tmdb_id == 705996
    assert review.letterboxd.rating == 4.5


def test_items_without_guid_are_classified_by_content() -> None:
    data = (
        fixture("letterboxd_current.xml")
        .replace(b'<guid isPermaLink="false">letterboxd-review-900000002</guid>', b"")
        .replace(b'<guid isPermaLink="false">letterboxd-watch-900000006</guid>', b"")
        .replace(b'<guid isPermaLink="false">letterboxd-list-900000007</guid>', b"")
    )
    feed = parse_letterboxd(data)
    assert len(feed.reviews) == 5
    assert (feed.watches, feed.lists) == (1, 1)
