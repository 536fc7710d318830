"""The ``reviewbot`` command line, run in-process: its JSON contract, exit codes and errors.

Every test points ``--db`` at a fresh SQLite file, runs from an empty working directory (so no
stray ``config.toml`` is read) and turns the sample library off unless it says otherwise.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from rich.cells import cell_len
from werkzeug import Request, Response

from bot.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "bot" / "samples"
PAGES = SAMPLES / "pages"
E2E = Path(__file__).parent / "fixtures" / "e2e"
BLOG = "https://filmnote.tistory.com"

INGEST_KEYS = {"source", "ok", "error", "posts"}
POST_KEYS = {"id", "url", "title", "status"}
SHOW_KEYS = {
    "id", "url", "title", "film", "film_year", "published", "category", "tags", "themes",
    "stub", "source", "sections", "related",
}  # fmt: skip
RELATED_KEYS = {"id", "title", "url", "published", "comments", "film", "themes"}
LIST_KEYS = {"id", "url", "title", "film", "film_year", "published", "category", "tags", "themes"}


class Cli:
    """``reviewbot --db <temp sqlite> ARGS`` in-process; returns (exit code, stdout, stderr)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], db: str) -> None:
        self.capsys = capsys
        self.db = db

    def __call__(self, *args: str, db: bool = True) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main([*(["--db", self.db] if db else []), *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cli]:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("REVIEWBOT_CONFIG", "REVIEWBOT_DB_URL", "REVIEWBOT_TELEGRAM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REVIEWBOT_SAMPLES", "0")
    monkeypatch.setenv("REVIEWBOT_LANG", "en")
    monkeypatch.setenv("COLUMNS", "80")
    yield Cli(capsys, f"sqlite+aiosqlite:///{tmp_path / 'db' / 'library.db'}")


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def separator_columns(line: str) -> tuple[int, ...]:
    """The display columns (wide Hangul counted as two) where a table row's "│"s stand."""
    return tuple(cell_len(line[:i]) for i, ch in enumerate(line) if ch == "│")


def pages(*ids: int) -> list[str]:
    return [str(PAGES / f"{n}.html") for n in ids]


# --- ingest -----------------------------------------------------------------------------------


def test_ingest_json_contract_and_exit_codes(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("ingest", "--json", *pages(105, 111))
    assert code == 0, err
    reports = json.loads(out)
    assert [r["source"] for r in reports] == pages(105, 111)
    for report in reports:
        assert set(report) >= INGEST_KEYS  # more keys (notes) may come; none may go
        assert report["ok"] is True and report["error"] is None
        [post] = report["posts"]
        assert set(post) >= POST_KEYS
        assert isinstance(post["id"], int) and post["status"] == "added"
    assert [r["posts"][0]["url"] for r in reports] == [f"{BLOG}/105", f"{BLOG}/111"]
    assert reports[0]["posts"][0]["title"] == "영화 <괴물> 리뷰 (가족, 재난, 침묵)"

    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    code, out, _ = cli("ingest", "--json", str(empty), *pages(105))
    assert code == 1
    bad, good = json.loads(out)
    assert {k: bad[k] for k in INGEST_KEYS} == {
        "source": str(empty),
        "ok": False,
        "error": "empty file",
        "posts": [],
    }
    assert good["ok"] is True and good["posts"][0]["status"] == "unchanged"


def test_ingest_a_folder_reports_every_file(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for n in (101, 104, 113):
        shutil.copy(PAGES / f"{n}.html", folder / f"{n}.html")
    (folder / "broken.html").write_bytes(bytes(range(256)) * 8)
    code, out, _ = cli("ingest", "--json", str(folder))
    assert code == 1
    reports = json.loads(out)
    assert [(Path(r["source"]).name, r["ok"]) for r in reports] == [
        ("101.html", True),
        ("104.html", True),
        ("113.html", True),
        ("broken.html", False),
    ]
    assert "\n" not in reports[-1]["error"]


def test_ingest_human_output_names_the_failed_source_on_one_line(cli: Cli, tmp_path: Path) -> None:
    deep = tmp_path / "a-rather-long-folder-name" / "with-more-nesting-inside-it"
    deep.mkdir(parents=True)
    broken = deep / "binary-file-with-a-long-name.html"
    broken.write_bytes(bytes(range(256)) * 8)
    code, out, _ = cli("ingest", str(broken), *pages(105))
    assert code == 1
    failed = [line for line in out.splitlines() if str(broken) in line]
    assert len(failed) == 1, out
    assert failed[0].startswith("✗ ") and failed[0].endswith("not a text file (binary content)")
    assert "영화 <괴물> 리뷰 (가족, 재난, 침묵)" in out
    assert "2 sources: 1 added, 0 updated, 0 unchanged, 1 failed" in out
    assert "\x1b[" not in out  # no colour codes when not writing to a terminal

    code, out, _ = cli("ingest", *pages(105))
    assert code == 0
    assert "unchanged" in out


def test_ingest_missing_file_is_exit_1(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("ingest", "--json", str(tmp_path / "nope.html"))
    assert code == 1
    [report] = json.loads(out)
    assert report["ok"] is False and "no such file" in report["error"]
    assert "Traceback" not in err


def test_first_ingest_into_an_empty_library_brings_no_samples(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REVIEWBOT_SAMPLES")
    code, _, err = cli("ingest", "--json", *pages(105))
    assert code == 0, err
    full = [p["url"] for p in cli.json("list") if not p["stub"]]
    assert full == [f"{BLOG}/105"]


def test_samples_load_on_first_use_and_stay_off_when_asked(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert cli.json("list") == []  # REVIEWBOT_SAMPLES=0
    off = tmp_path / "off.toml"
    off.write_text("[library]\nload_samples = false\n", encoding="utf-8")
    monkeypatch.delenv("REVIEWBOT_SAMPLES")
    code, out, _ = cli("--config", str(off), "list", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, err = cli("list", "--json")
    assert code == 0
    assert len([p for p in json.loads(out) if not p["stub"]]) >= 20
    assert "sample library" in one_error_line(err)
    code, out, err = cli("list", "--json")  # loaded once: no second load, same library
    assert err == "" and len(json.loads(out)) >= 20


def test_ingest_urls_with_fetch_settings_from_the_config(cli: Cli, tmp_path: Path) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response("late")

    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        server.expect_request("/slow").respond_with_handler(slow)
        server.expect_request("/gone").respond_with_data("", status=404)
        server.expect_request("/105").respond_with_data(
            (PAGES / "105.html").read_bytes(), content_type="text/html; charset=utf-8"
        )
        config = tmp_path / "fetch.toml"
        config.write_text(
            "[fetch]\ntimeout_seconds = 0.1\nretries = 0\ndelay_seconds = 0\n", encoding="utf-8"
        )
        # The slow one last: the local server answers one request at a time.
        urls = [server.url_for(path) for path in ("/gone", "/105", "/slow")]
        code, out, err = cli("--config", str(config), "ingest", "--json", *urls)
    finally:
        server.clear()
        server.stop()
    assert code == 1, err
    gone, good, slow_report = json.loads(out)
    assert (gone["ok"], good["ok"], slow_report["ok"]) == (False, True, False)
    assert "timed out after 0.1s" in slow_report["error"]
    assert "HTTP 404" in gone["error"] and urls[0] in gone["error"]
    assert good["posts"][0]["url"] == f"{BLOG}/105"  # the page's canonical address
    assert "Traceback" not in err


# --- show -------------------------------------------------------------------------------------


def test_show_json_contract_by_id_and_by_url(cli: Cli) -> None:
    cli.json("ingest", *pages(105, 111))
    by_url = cli.json("show", f"{BLOG}/105")
    by_id = cli.json("show", str(by_url["id"]))
    assert by_id == by_url
    post = by_id
    assert set(post) >= SHOW_KEYS  # later issues add keys (summary, themes mined from text)
    assert post["url"] == f"{BLOG}/105"
    assert post["title"] == "영화 <괴물> 리뷰 (가족, 재난, 침묵)"
    assert post["film"] == "괴물"
    assert post["category"] == "리뷰 > 한국영화"
    assert post["published"] == "2024-02-03T02:20:05+00:00"
    assert post["stub"] is False
    assert post["source"] == pages(105)[0]
    assert post["tags"][:3] == ["괴물", "봉준호", "송강호"]
    assert {"가족", "재난", "침묵"} <= set(post["themes"])

    sections = post["sections"]
    assert all(set(s) >= {"heading", "text"} for s in sections)
    assert sections[0]["heading"] is None
    assert sections[0]["text"].startswith("봉준호 감독의 <괴물>을 처음 봤을 때")
    assert [s["heading"] for s in sections[1:]] == [
        "한강 매점의 가족",
        "재난보다 무서운 것",
        "❄️ 침묵으로 끝나는 식탁",
        "총평",
    ]

    related = post["related"]
    assert [r["url"] for r in related] == [f"{BLOG}/{n}" for n in (111, 110, 104, 101, 97)]
    for entry in related:
        assert set(entry) >= RELATED_KEYS
    parasite = related[0]
    assert parasite["title"] == "영화 <기생충> 리뷰 (반지하, 계단, 냄새)"
    assert parasite["published"] == "2025-01-25"
    assert parasite["comments"] == 8
    assert parasite["film"] == "기생충"
    assert isinstance(parasite["id"], int)
    assert {"반지하", "계단", "냄새"} <= set(parasite["themes"])
    stub = cli.json("show", str(related[1]["id"]))  # 110 was not ingested: a stub
    assert stub["stub"] is True and stub["sections"] == [] and stub["film"] == "헤어질 결심"


def test_show_unknown_ref_is_exit_1(cli: Cli) -> None:
    for ref in ("999", f"{BLOG}/999"):
        code, out, err = cli("show", ref, "--json")
        assert code == 1 and out == ""
        assert ref in one_error_line(err)


def test_show_finds_a_post_by_other_spellings_of_its_url(cli: Cli) -> None:
    cli.json("ingest", *pages(105))
    for ref in (f"{BLOG}/m/105", f"{BLOG}/105/", f"{BLOG}/105?category=3", " #1 ", "1"):
        code, out, err = cli("show", ref, "--json")
        assert code == 0, (ref, err)
        assert json.loads(out)["url"] == f"{BLOG}/105"
    for ref in ("99999999999999999999", "#4294967296", f"{BLOG}/m/999"):
        code, out, err = cli("show", ref)
        assert (code, out) == (1, ""), ref
        assert ref.strip() in one_error_line(err)


def test_show_human_output_is_readable(cli: Cli) -> None:
    cli.json("ingest", *pages(105))
    code, out, err = cli("show", f"{BLOG}/105")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "#1 영화 <괴물> 리뷰 (가족, 재난, 침묵)"
    assert f"{BLOG}/105" in lines
    assert "리뷰 > 한국영화" in out
    assert "(intro)" in out and "재난보다 무서운 것" in lines
    assert "Related posts" in out and "영화 <기생충> 리뷰 (반지하, 계단, 냄새)" in out
    assert "\ufffd" not in out and "\x1b[" not in out
    assert all(cell_len(line) <= 80 for line in lines if not line.startswith(("#", "http")))


# --- list -------------------------------------------------------------------------------------


def test_list_json_newest_first_with_filters(cli: Cli) -> None:
    cli.json("ingest", *pages(101, 102, 103, 105, 108))
    posts = cli.json("list")
    for post in posts:
        assert set(post) >= LIST_KEYS
    full = [p for p in posts if not p["stub"]]
    assert [p["url"] for p in full] == [f"{BLOG}/{n}" for n in (108, 105, 103, 102, 101)]
    dates = [p["published"] for p in posts]
    assert dates == sorted(dates, reverse=True)  # stubs (dated from boxes) among them
    assert any(p["stub"] for p in posts)

    reviews = cli.json("list", "--category", "리뷰")
    assert {p["category"] for p in reviews if not p["stub"]} == {
        "리뷰 > 한국영화",
        "리뷰 > 외국영화",
    }
    assert [p["url"] for p in reviews if not p["stub"]] == [f"{BLOG}/{n}" for n in (105, 102, 101)]
    korean = cli.json("list", "--category", "리뷰 > 한국영화")
    assert [p["url"] for p in korean] == [f"{BLOG}/105", f"{BLOG}/101"]
    assert cli.json("list", "--category", "에세이")[0]["url"] == f"{BLOG}/103"
    assert cli.json("list", "--category", "없는 카테고리") == []

    gwoemul = cli.json("list", "--film", "괴물")
    assert [p["url"] for p in gwoemul] == [f"{BLOG}/105"]
    assert [p["film"] for p in cli.json("list", "--film", "<살인의 추억>")] == ["살인의 추억"]


def test_list_category_by_its_last_part(cli: Cli) -> None:
    cli.json("ingest", *pages(101, 105, 102))
    korean = cli.json("list", "--category", "한국영화")
    assert [p["url"] for p in korean if not p["stub"]] == [f"{BLOG}/105", f"{BLOG}/101"]


def test_list_category_by_slash_path(cli: Cli) -> None:
    cli.json("ingest", *pages(101, 105))
    assert len(cli.json("list", "--category", "리뷰/한국영화")) >= 2


def test_list_human_output_is_aligned(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.json("ingest", *pages(101, 105, 108, 112))
    monkeypatch.setenv("COLUMNS", "160")
    code, out, _ = cli("list")
    assert code == 0
    for title in (
        "《살인의 추억》 후기",
        "영화 <괴물> 리뷰 (가족, 재난, 침묵)",
        "Past Lives (2023) Review (love, memory, in-yun)",
        "<영화리뷰> 미션 임파서블: 데드 레코닝 (액션, 신뢰)",
    ):
        assert title in out
    assert "(not yet ingested)" in out  # stubs are marked
    assert "\ufffd" not in out and "\x1b[" not in out
    rows = [line for line in out.splitlines() if "│" in line]
    assert len(rows) >= 4
    columns = {separator_columns(line) for line in rows}
    assert len(columns) == 1, f"columns are not aligned: {columns}"

    monkeypatch.setenv("COLUMNS", "60")  # narrow: titles wrap inside their cells, no overflow
    code, out, _ = cli("list")
    assert all(cell_len(line) <= 60 for line in out.splitlines())


def test_empty_library(cli: Cli) -> None:
    assert cli.json("list") == []
    code, out, _ = cli("list")
    assert code == 0 and "The library is empty." in out


# --- film aliases -----------------------------------------------------------------------------


def test_film_alias_makes_the_other_name_work(cli: Cli) -> None:
    cli.json("ingest", *pages(105))
    assert cli.json("list", "--film", "The Host") == []
    code, out, err = cli("film", "alias", "괴물", "The Host")
    assert code == 0, err
    assert "The Host" in out
    [post] = cli.json("list", "--film", "The Host")
    assert post["film"] == "괴물" and post["url"] == f"{BLOG}/105"
    assert [p["url"] for p in cli.json("list", "--film", "the host")] == [f"{BLOG}/105"]
    code, _, _ = cli("film", "alias", "괴물", "The Host")  # twice is fine
    assert code == 0

    code, out, err = cli("film", "alias", "없는 영화", "Nothing")
    assert code == 1
    assert "없는 영화" in one_error_line(err)


def test_config_aliases_are_applied(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[library]\naliases = { "괴물" = ["Gwoemul"] }\n', encoding="utf-8")
    cli.json("ingest", *pages(105))
    code, out, err = cli("--config", str(config), "list", "--film", "Gwoemul", "--json")
    assert code == 0, err
    assert [p["film"] for p in json.loads(out)] == ["괴물"]


# --- errors: config and database --------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[storage]\nulr = "sqlite:///x.db"\n', "storage.ulr"),
        ("[fetch]\nretries = 'three'\n", "fetch.retries"),
        ("[fetch]\ndelay_seconds = -1\n", "fetch.delay_seconds"),
        ("[library]\nload_samples = 'maybe'\n", "library.load_samples"),
        ("[telegram]\ntokn = 'x'\n", "telegram.tokn"),
        ("colour = true\n", "colour"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, key: str
) -> None:
    monkeypatch.delenv("REVIEWBOT_SAMPLES")
    config = tmp_path / "bad.toml"
    config.write_text(toml, encoding="utf-8")
    code, out, err = cli("--config", str(config), "list")
    assert code != 0 and out == ""
    assert key in one_error_line(err)

    monkeypatch.setenv("REVIEWBOT_CONFIG", str(config))  # the same through the environment
    code, _, err = cli("list")
    assert code != 0 and key in one_error_line(err)


def test_config_toml_in_the_working_directory_is_read(cli: Cli) -> None:
    Path("config.toml").write_text("[fetch]\nretrys = 2\n", encoding="utf-8")
    code, _, err = cli("list")
    assert code != 0 and "fetch.retrys" in one_error_line(err)


def test_unparsable_or_missing_config_file(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[fetch\n", encoding="utf-8")
    code, _, err = cli("--config", str(broken), "list")
    assert code != 0 and "not valid TOML" in one_error_line(err)
    code, _, err = cli("--config", str(tmp_path / "absent.toml"), "list")
    assert code != 0 and "not found" in one_error_line(err)


def test_database_that_cannot_be_opened(cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    cases = [
        (f"sqlite+aiosqlite:///{blocker / 'sub' / 'x.db'}", "cannot create the database folder"),
        (f"sqlite+aiosqlite:///{blocker}", "not a usable SQLite database"),
        ("postgresql+asyncpg://postgres@127.0.0.1:1/test", "connection refused"),
        ("mysql://someone@127.0.0.1/db", "unsupported database"),
        ("definitely not a url", "not a database URL"),
    ]
    for url, message in cases:
        code, out, err = cli("--db", url, "list", db=False)
        assert code != 0 and out == "", url
        line = one_error_line(err)
        assert line.startswith("reviewbot: error: ") and message in line, line


def test_database_url_from_environment(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWBOT_DB_URL", "postgresql+asyncpg://postgres:s3cret@127.0.0.1:1/x")
    code, _, err = cli("list", db=False)
    line = one_error_line(err)
    assert code != 0 and "127.0.0.1:1" in line and "s3cret" not in line


def test_korean_messages(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = cli("--lang", "ko", "show", "42")
    assert code == 1
    assert one_error_line(err) == "라이브러리에 42 글이 없습니다."
