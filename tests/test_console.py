"""The console adapter: rendering, the chat loop, ``ask``, and the command line's hooks."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import bot.cli as cli
from adapters.console import ConsoleAdapter, offers, render, render_plain
from bot.i18n import t
from bot.replies import ReplyKind
from bot.router import Router
from tests.fake_lookups import FakeLookups


def recording_console() -> Console:
    return Console(record=True, width=80, file=StringIO(), color_system="truecolor")


def script(lines: Iterable[str | type[BaseException]]) -> Callable[[str], str]:
    """A stand-in for input(): returns the lines in turn, raises exceptions given as classes,
    then ends the input (EOF)."""
    pending = list(lines)

    def read(prompt: str) -> str:
        if not pending:
            raise EOFError
        item = pending.pop(0)
        if isinstance(item, type):
            raise item()
        return item

    return read


def adapter(console: Console, lines: Iterable[str | type[BaseException]]) -> ConsoleAdapter:
    return ConsoleAdapter(
        console=console, read_line=script(lines), history=False, handle_signals=False
    )


@pytest.fixture
def lookups() -> FakeLookups:
    return FakeLookups()


@pytest.fixture
def router(lookups: FakeLookups) -> Router:
    return Router(lookups, default_lang="ko")


# ---------------------------------------------------------------------- rendering


async def test_render_cards_numbers_buttons_and_keeps_korean_whole(router: Router) -> None:
    reply = await router.handle("/film 기생충", user="u")
    console = recording_console()
    console.print(render(reply))
    text = console.export_text(clear=False)
    assert "‘기생충’ 리뷰 7편" in text
    assert "기생충 리뷰 1 — 계단의 영화" in text
    assert "반지하와 저택, 계단과 냄새로 계급을 그린 영화." in text
    assert "🎬 기생충 (2019) · 2024-01-01 · 리뷰 > 한국영화" in text
    assert "[1] 섹션" in text and "[2] 관련 글" in text and "[3] 원문 보기" in text
    assert "[16] 다음 ▶" in text
    assert "1/2쪽" in text
    assert len(offers(reply)) == 16
    assert all(console.measure(line).maximum <= 80 for line in text.splitlines())
    assert "\x1b[" in console.export_text(styles=True)  # coloured


async def test_render_does_not_interpret_markup_in_data(router: Router) -> None:
    reply = await router.handle("/film <b>&\"'", user="u")
    console = recording_console()
    console.print(render(reply))
    text = console.export_text()
    assert "<b>&\"' [bold red]제목[/] *별* _밑줄_" in text
    assert "<script>alert(1)</script> [red]not red[/]" in text
    assert "[link=x]" in text
    assert "https://filmnote.example/13?a=1&b=<2>" in text


async def test_render_every_kind_without_errors(router: Router) -> None:
    for command in [
        "/film 괴물",
        "/film 기생층",
        "/sections 1",
        "/related 1",
        "/categories",
        "/help",
        "/random",
        "/review 12",
        "/foo",
    ]:
        reply = await router.handle(command, user="u", lang_hint="en")
        console = recording_console()
        console.print(render(reply))
        text = console.export_text()
        assert reply.headline in text.replace("\n", " ") or reply.headline[:20] in text
        plain = render_plain(reply)
        assert plain.splitlines()[0] == reply.headline


async def test_render_related_and_choices(router: Router) -> None:
    console = recording_console()
    console.print(render(await router.handle("/related 1", user="u")))
    text = console.export_text()
    assert "블로그의 관련 글" in text and "비슷한 리뷰" in text
    assert "[1] 헤어질 결심 리뷰" in text
    assert "아직 없는 글 (아직 가져오지 않음)  https://filmnote.example/999" in text
    console = recording_console()
    console.print(render(await router.handle("/film 괴물", user="u")))
    text = console.export_text()
    assert "[1] 괴물 (2006) — 리뷰 1편" in text
    assert "[2] 괴물 (2023) — 리뷰 1편" in text


async def test_plain_text_shows_what_to_type_instead_of_buttons(router: Router) -> None:
    plain = render_plain(await router.handle("/film 기생충", user="u", lang_hint="en"))
    lines = plain.splitlines()
    assert lines[0] == "Reviews of “기생충” (7)"
    assert "  Sections: /sections 1" in lines
    assert "  Related: /related 1" in lines
    assert "  https://filmnote.example/1" in lines
    assert "page 1 of 2" in lines
    assert any(line.startswith("Next ▶: --action q:") for line in lines)
    assert "\x1b" not in plain


# ---------------------------------------------------------------------- chat


async def test_chat_numbers_pick_buttons(router: Router, lookups: FakeLookups) -> None:
    console = recording_console()
    code = await adapter(console, ["/film 기생충", "1", "/quit"]).chat(router, user="c")
    assert code == 0
    text = console.export_text()
    assert "섹션 · 기생충 리뷰 1 — 계단의 영화" in text  # "1" pressed [1] Sections of #1
    assert t("console.bye", "ko") in text
    assert ("review", 1) in lookups.calls


async def test_chat_paginates_by_number(router: Router) -> None:
    console = recording_console()
    await adapter(console, ["/film 기생충", "16", "/quit"]).chat(router)
    text = console.export_text()
    assert "2/2쪽" in text and "기생충 리뷰 7" in text


async def test_chat_numbers_out_of_range_are_text(router: Router, lookups: FakeLookups) -> None:
    console = recording_console()
    await adapter(console, ["/help", "1987", "/quit"]).chat(router)
    assert "1987" in lookups.queried("by_film")


async def test_chat_open_post_prints_the_link(router: Router) -> None:
    console = recording_console()
    await adapter(console, ["/review 1", "3"]).chat(router)
    assert "링크: https://filmnote.example/1" in console.export_text()


async def test_chat_survives_ctrl_c_and_ends_on_eof(router: Router) -> None:
    console = recording_console()
    code = await adapter(console, [KeyboardInterrupt, "", "   ", "/help"]).chat(
        router, lang_hint="en"
    )
    assert code == 0
    text = console.export_text()
    assert "Traceback" not in text
    assert text.count(t("console.hint", "en")) == 2  # once at start, once after Ctrl-C
    assert t("help.title", "en") in text
    assert t("console.bye", "en") in text


async def test_chat_forced_language_until_lang_command(
    router: Router, lookups: FakeLookups
) -> None:
    lookups.langs["console"] = "ko"
    console = recording_console()
    await adapter(console, ["/help", "/lang ko", "/help"]).chat(router, user="console", lang="en")
    text = console.export_text()
    assert t("help.title", "en") in text  # --lang en wins over the stored ko
    assert t("lang.set", "ko") in text
    assert t("help.title", "ko") in text  # then the user's own choice


async def test_chat_keeps_going_when_the_bot_fails(lookups: FakeLookups) -> None:
    lookups.fail = True
    console = recording_console()
    await adapter(console, ["/film 기생충", "/help"]).chat(Router(lookups))
    text = console.export_text()
    assert t("error.sorry", "ko") in text
    assert "Traceback" not in text


async def test_chat_history_file_is_written(router: Router, tmp_path: Path) -> None:
    history = tmp_path / "deep" / "history"
    console_adapter = ConsoleAdapter(
        console=recording_console(), history_file=history, handle_signals=False
    )
    console_adapter._read_line = script(["/help"])  # keep readline, script the input
    await console_adapter.chat(router)
    assert history.exists()


# ---------------------------------------------------------------------- ask


async def test_ask_plain(router: Router) -> None:
    out = StringIO()
    code = await ConsoleAdapter(out=out, history=False).ask(router, "/film 기생충", lang="en")
    assert code == 0
    assert out.getvalue().startswith("Reviews of “기생충” (7)\n")


async def test_ask_json_is_the_reply_model(router: Router) -> None:
    out = StringIO()
    await ConsoleAdapter(out=out, history=False).ask(router, "/film 괴물", as_json=True)
    data = json.loads(out.getvalue())
    assert data["kind"] == "choices"
    assert [c["token"] for c in data["choices"]] == ["f:5:0", "f:6:0"]
    out = StringIO()
    await ConsoleAdapter(out=out, history=False).ask(router, "", action="f:6:0", as_json=True)
    assert json.loads(out.getvalue())["cards"][0]["id"] == 10


async def test_ask_reports_failure_in_exit_code(lookups: FakeLookups) -> None:
    lookups.fail = True
    out = StringIO()
    code = await ConsoleAdapter(out=out, history=False).ask(Router(lookups), "/film x")
    assert code == 1
    assert out.getvalue().strip() == t("error.sorry", "ko")


# ---------------------------------------------------------------------- command line


def test_cli_parses_the_new_commands() -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["ask", "/film 기생충", "--lang", "en", "--json"])
    assert (args.command, args.text, args.lang, args.json) == ("ask", "/film 기생충", "en", True)
    args = parser.parse_args(["--lang", "ko", "chat"])
    assert args.lang == "ko"
    args = parser.parse_args(["chat"])
    assert args.lang is None
    args = parser.parse_args(["find", "--theme", "가족", "--limit", "3", "--json"])
    assert (args.theme, args.limit, args.film) == ("가족", 3, None)
    with pytest.raises(SystemExit):
        parser.parse_args(["find", "--film", "a", "--theme", "b"])
    with pytest.raises(SystemExit):
        parser.parse_args(["find"])


def test_cli_reports_a_missing_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "entry_points", lambda group: [])
    with pytest.raises(cli.AdapterMissing):
        cli.load_adapter("console")


def _find_args(**kwargs: Any) -> argparse.Namespace:
    base: dict[str, Any] = {
        "film": None,
        "theme": None,
        "category": None,
        "text": None,
        "limit": 5,
        "offset": 0,
        "json": True,
    }
    base.update(kwargs)
    return argparse.Namespace(**base)


async def test_cli_find_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_lookups", lambda repo: FakeLookups())
    code = await cli._find(_find_args(film="기생충", limit=2), repo=None, lang="en")  # type: ignore[arg-type]
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["kind", "query", "results", "suggestions", "message"]
    assert [r["id"] for r in data["results"]] == [1, 2]
    assert data["results"][0]["category"] == "리뷰 > 한국영화"
    assert data["results"][0]["published"].startswith("2024-01-01T")
    code = await cli._find(_find_args(film="기생층"), repo=None, lang="ko")  # type: ignore[arg-type]
    assert code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["suggestions"] == ["기생충"]
    assert data["message"] == "‘기생층’ 영화의 리뷰를 찾지 못했어요."


async def test_cli_find_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_lookups", lambda repo: FakeLookups())
    await cli._find(_find_args(text="냄새 우주", json=False), repo=None, lang="en")  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert t("search.relaxed", "en") in out
    assert "기생충 리뷰 1" in out


async def test_cli_ask_goes_through_the_adapter_entry_point(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_lookups", lambda repo: FakeLookups())
    monkeypatch.setattr(cli, "load_adapter", lambda name: lambda: ConsoleAdapter(history=False))
    args = argparse.Namespace(text="/film 괴물", lang="en", json=False, action=None)
    code = await cli._ask(args, repo=None, lang="ko")  # type: ignore[arg-type]
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("Several films match “괴물”. Which one?")
    assert "--action f:5:0" in out


def test_reply_kinds_are_plain_strings() -> None:
    assert {k.value for k in ReplyKind} == {
        "cards",
        "card",
        "sections",
        "related",
        "choices",
        "categories",
        "help",
        "text",
        "error",
    }
