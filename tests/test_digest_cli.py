"""``reviewbot digest tick``: one tick and exit; with no platform enabled, a dry run."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.digest.model import ChatKey, Mode, SubscriptionDraft
from storage.repository import open_repository


def test_digest_tick_without_adapters_reports_what_would_be_sent(
    sample_sqlite: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("REVIEWBOT_CONFIG", "REVIEWBOT_DB_URL", "REVIEWBOT_TELEGRAM_TOKEN",
                 "REVIEWBOT_DISCORD_TOKEN"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "library.db"
    shutil.copyfile(sample_sqlite.split("///", 1)[1], db)
    url = f"sqlite+aiosqlite:///{db}"

    async def subscribe() -> None:
        repo = await open_repository(url)
        draft = SubscriptionDraft(ChatKey("telegram", "-100"), Mode.DAILY, "09:00", "Asia/Seoul")
        await repo.save_subscription(draft, now=datetime(2024, 3, 1, tzinfo=UTC))
        await repo.close()

    asyncio.run(subscribe())
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
