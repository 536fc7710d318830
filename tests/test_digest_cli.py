"""``reviewbot digest tick``: one tick and exit; with no platform enabled, a dry run."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.digest.model import ChatKey, Mode, SubscriptionDraft
from storage.repository import open_repository
from tests.fake_telegram.harness import fake, no_proxy
from tests.fake_telegram.server import TOKEN, FakeTelegram

__all__ = ["fake", "no_proxy"]  # fixtures used below


def library_with_subscriber(
    sample_sqlite: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chat: str,
    *,
    zone: str = "Asia/Seoul",
    created: datetime = datetime(2024, 3, 1, tzinfo=UTC),
) -> str:
    """A copy of the sample library in ``tmp_path`` with one daily Telegram subscriber."""
    for name in ("REVIEWBOT_CONFIG", "REVIEWBOT_DB_URL", "REVIEWBOT_TELEGRAM_TOKEN",
                 "REVIEWBOT_DISCORD_TOKEN"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "library.db"
    shutil.copyfile(sample_sqlite.split("///", 1)[1], db)
    url = f"sqlite+aiosqlite:///{db}"

    async def subscribe() -> None:
        repo = await open_repository(url)
        draft = SubscriptionDraft(ChatKey("telegram", chat), Mode.DAILY, "09:00", zone)
        await repo.save_subscription(draft, now=created)
        await repo.close()

    asyncio.run(subscribe())
    return url


def test_digest_tick_without_adapters_reports_what_would_be_sent(
    sample_sqlite: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = library_with_subscriber(sample_sqlite, tmp_path, monkeypatch, "-100")
    args = ["--db", url, "--lang", "en", "digest", "tick", "--json"]
    assert main([*args, "--now", "2024-03-02T08:59+09:00"]) == 0
    early = json.loads(capsys.readouterr().out)
    assert early["outcomes"] == []
    assert main([*args, "--now", "2024-03-02T09:00+09:00"]) == 0
    out = json.loads(capsys.readouterr().out)
    [row] = out["outcomes"]
    assert row["status"] == "would_send" and row["chat"] == "-100" and row["post"] > 0
    # a dry run claims nothing: the same tick again says the same
    assert main([*args, "--now", "2024-03-02T10:00+09:00"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["outcomes"][0]["post"] == row["post"]
    assert main([*args[:-1], "--now", "yesterday"]) == 2


@pytest.fixture
def new_york_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's local time zone is New York's (what a bare ``--now`` means)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        yield
    finally:
        monkeypatch.undo()
        time.tzset()


def test_digest_tick_rehearses_a_past_morning_and_reads_a_bare_time_as_local(
    sample_sqlite: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    new_york_machine: None,
) -> None:
    """Subscribed today, rehearsed on the morning clocks sprang forward in New York: the
    subscription is not hidden by its creation date, and 09:00 without an offset is this
    machine's 09:00 (EDT that day, 13:00 UTC)."""
    url = library_with_subscriber(
        sample_sqlite, tmp_path, monkeypatch, "-300", zone="America/New_York",
        created=datetime.now(UTC),
    )  # fmt: skip
    args = ["--db", url, "--lang", "en", "digest", "tick", "--json"]
    assert main([*args, "--now", "2026-03-08T08:59"]) == 0
    assert json.loads(capsys.readouterr().out)["outcomes"] == []
    assert main([*args, "--now", "2026-03-08T09:00"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["at"] == "2026-03-08T09:00:00-04:00"  # EDT: clocks sprang forward at 02:00
    [row] = out["outcomes"]
    assert row["status"] == "would_send" and row["chat"] == "-300"


def test_digest_tick_sends_through_telegram_without_taking_its_updates(
    sample_sqlite: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake: FakeTelegram,
) -> None:
    reader = fake.user(4242, lang="en")
    fake.private_chat(reader)
    url = library_with_subscriber(sample_sqlite, tmp_path, monkeypatch, "4242")
    config = tmp_path / "reviewbot.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{fake.base_url}"\n'
        f'base_file_url = "{fake.base_file_url}"\n',
        encoding="utf-8",
    )
    args = ["--config", str(config), "--db", url, "--lang", "en", "digest", "tick", "--json"]
    assert main([*args, "--now", "2024-03-02T09:00+09:00"]) == 0
    [row] = json.loads(capsys.readouterr().out)["outcomes"]
    assert row["status"] == "sent" and row["message"]
    [sent] = fake.calls_to("sendMessage", ok=True)
    assert int(sent.params["chat_id"]) == 4242
    # a one-shot sender: no polling (it would steal a running bot's updates), no menus
    assert fake.calls_to("getUpdates") == [] and fake.calls_to("setMyCommands") == []
    assert fake.calls_to("deleteWebhook") == []
    # the next tick the same day sends nothing more
    assert main([*args, "--now", "2024-03-02T09:30+09:00"]) == 0
    assert json.loads(capsys.readouterr().out)["outcomes"] == []
    assert len(fake.calls_to("sendMessage", ok=True)) == 1


async def test_stopping_the_bot_lets_digest_sends_finish_then_cancels_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``reviewbot run``'s shutdown: a tick whose sends are under way is awaited (they finish
    and are recorded); one that would not end is cancelled after the grace period."""
    from bot import cli

    stop = asyncio.Event()
    finished: list[str] = []

    async def tick_under_way() -> None:
        await stop.wait()
        await asyncio.sleep(0.01)  # the request's answer arrives after the signal
        finished.append("sent")

    task = asyncio.create_task(tick_under_way())
    await asyncio.sleep(0)
    await cli._stop_digest(task, stop)
    assert finished == ["sent"] and task.done() and not task.cancelled()

    monkeypatch.setattr(cli, "SHUTDOWN_GRACE", 0.05)
    stuck = asyncio.create_task(asyncio.sleep(3600))
    await cli._stop_digest(stuck, asyncio.Event())
    assert stuck.cancelled()
