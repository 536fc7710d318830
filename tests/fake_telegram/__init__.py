"""A fake Telegram Bot API (``server``), its HTML rules (``html_check``) and a harness that
runs the real adapter against it (``harness``)."""

from tests.fake_telegram.server import (
    BOT_ID,
    BOT_USERNAME,
    TOKEN,
    ApiError,
    Call,
    FakeTelegram,
    StoredMessage,
)

__all__ = ["BOT_ID", "BOT_USERNAME", "TOKEN", "ApiError", "Call", "FakeTelegram", "StoredMessage"]
