"""``reviewbot ask`` and ``reviewbot find`` end to end: the real router, lookups and storage on
the sample library, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.cli import main


@pytest.fixture(params=["sqlite", "postgresql"])
def library(request: pytest.FixtureRequest, sample_sqlite: str, sample_pg: str) -> str:
    if request.param == "sqlite":
        return sample_sqlite
    if not sample_pg:
        pytest.skip("PostgreSQL not reachable")
    return sample_pg


def run(capsys: pytest.CaptureFixture[str], library: str, *args: str) -> tuple[int, str, str]:
    code = main(["--db", library, *args])
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys: pytest.CaptureFixture[str], library: str, *args: str) -> Any:
    code, out, err = run(capsys, library, *args, "--json")
    assert "Traceback" not in err
    return code, json.loads(out)


def test_find_film_contract(capsys: pytest.CaptureFixture[str], library: str) -> None:
    code, data = as_json(capsys, library, "find", "--film", "ㅎㅇㅈ ㄱㅅ")
    assert code == 0
    assert set(data) == {"kind", "query", "results", "suggestions", "message"}
    assert data["kind"] == "film"
    [hit] = data["results"]
    assert set(hit) == {
        "id", "url", "title", "film", "published", "category", "themes", "score", "stub"
    }  # fmt: skip
    assert hit["film"] == "헤어질 결심" and hit["category"] == "리뷰 > 한국영화"
    assert hit["published"].startswith("2024-10-04")


def test_find_unknown_film_says_so(capsys: pytest.CaptureFixture[str], library: str) -> None:
    code, data = as_json(capsys, library, "find", "--film", "아이언맨", "--lang", "en")
    assert code == 1
    assert data["results"] == [] and data["suggestions"] == []
    assert "아이언맨" in data["message"]


@pytest.mark.parametrize(
    ("kind", "query", "expected"),
    [
        ("--theme", "외로운", "벌새"),
        ("--text", "반지하 계단", "기생충"),
        ("--category", "에세이", None),
    ],
)
def test_find_other_kinds(
    capsys: pytest.CaptureFixture[str], library: str, kind: str, query: str, expected: str | None
) -> None:
    code, data = as_json(capsys, library, "find", kind, query, "--limit", "3")
    assert code == 0 and 0 < len(data["results"]) <= 3
    if expected:
        assert data["results"][0]["film"] == expected
    else:
        assert all(r["category"].startswith("에세이") for r in data["results"])


def test_ask_film_with_a_typo_in_both_languages(
    capsys: pytest.CaptureFixture[str], library: str
) -> None:
    code, out, _ = run(capsys, library, "ask", "/film 기생층", "--lang", "en")
    assert code == 0 and "기생충" in out and "Reviews" in out
    code, out, _ = run(capsys, library, "ask", "/film 기생층", "--lang", "ko")
    assert code == 0 and "기생충" in out and "Reviews" not in out


def test_ask_json_pages_through_a_category(
    capsys: pytest.CaptureFixture[str], library: str
) -> None:
    _, first = as_json(capsys, library, "ask", "/category 리뷰")
    tokens = [a["token"] for a in first["actions"] if a["kind"] == "next_page"]
    assert tokens, first["actions"]
    _, second = as_json(capsys, library, "ask", "--action", tokens[0])
    first_ids = {c["id"] for c in first["cards"]}
    second_ids = {c["id"] for c in second["cards"]}
    assert first_ids and second_ids and not first_ids & second_ids


def test_ask_review_sections_and_related(capsys: pytest.CaptureFixture[str], library: str) -> None:
    _, found = as_json(capsys, library, "find", "--film", "기생충")
    post_id = found["results"][0]["id"]
    _, sections = as_json(capsys, library, "ask", f"/sections {post_id}")
    assert sections["sections"] and all(len(s["excerpt"]) <= 400 for s in sections["sections"])
    _, related = as_json(capsys, library, "ask", f"/related {post_id}")
    assert related["related"] and post_id not in {r["id"] for r in related["related"]}


@pytest.mark.parametrize("text", ["/film", "/review abc", "/review 99999999999999999999", ""])
def test_ask_bad_arguments_get_a_plain_answer(
    capsys: pytest.CaptureFixture[str], library: str, text: str
) -> None:
    _, out, err = run(capsys, library, "ask", text)
    assert out.strip() and "Traceback" not in out + err
