"""Telegram errors: telling them apart, and keeping the bot token out of every log line.

The token is the bot's password and it is part of every Bot API URL
(``https://api.telegram.org/bot<token>/sendMessage``). httpx logs each request URL at INFO,
and python-telegram-bot puts the token into some exception texts (``InvalidToken``), so a
``-v`` run or a traceback in a log file would leak it. Two defences: the ``httpx`` logger is
raised to WARNING, and a log record factory replaces any registered token (and anything shaped
like a bot token) in a record's message, arguments and traceback before any handler sees it.
The factory is process-wide because loggers' own filters do not apply to their children's
records, and a leak through one forgotten logger is still a leak.
"""

from __future__ import annotations

import contextlib
import datetime as dtm
import logging
import re
import threading
import warnings
from typing import Any

import httpx
from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter

REDACTED = "<telegram-token>"
_TOKEN_SHAPE = re.compile(r"\b\d{4,}:[A-Za-z0-9_-]{30,}\b")

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact(text: str) -> str:
    """``text`` with every registered token, and anything shaped like a bot token, replaced."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPE.sub(REDACTED, text)


def _has_secret(text: str) -> bool:
    return any(secret and secret in text for secret in _secrets) or bool(_TOKEN_SHAPE.search(text))


def protect_token(token: str) -> None:
    """Register ``token`` for redaction and make sure every log record is redacted."""
    global _installed
    with _lock:
        if token:
            _secrets.add(token)
        if not _installed:
            previous = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                with contextlib.suppress(Exception):  # redaction must never lose a log line
                    _redact_record(record)
                return record

            logging.setLogRecordFactory(factory)
            _installed = True
    # httpx logs "HTTP Request: POST https://api.telegram.org/bot<token>/getUpdates" at INFO
    httpx_logger = logging.getLogger("httpx")
    if httpx_logger.level < logging.WARNING:
        httpx_logger.setLevel(logging.WARNING)


def _redact_record(record: logging.LogRecord) -> None:
    message = record.getMessage()
    if _has_secret(message):
        record.msg = redact(message)
        record.args = None
    if record.exc_info and record.exc_info[1] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        if _has_secret(text):
            record.exc_text = redact(text)
            record.exc_info = None  # handlers would format it again, token and all


# ---------------------------------------------------------------------- classifying errors


def is_not_modified(exc: BaseException) -> bool:
    """Telegram's answer to an edit that changes nothing (a double tap on "next")."""
    return isinstance(exc, BadRequest) and "not modified" in str(exc).lower()


def is_uneditable(exc: BaseException) -> bool:
    """The message cannot be edited any more: deleted, too old, or not ours."""
    text = str(exc).lower()
    return isinstance(exc, BadRequest) and any(
        part in text
        for part in (
            "message can't be edited",
            "message to edit not found",
            "message_id_invalid",
            "message can't be found",
            "there is no text in the message to edit",
        )
    )


def is_bad_markup(exc: BaseException) -> bool:
    """Telegram could not parse our HTML: a bug here, answered in plain text instead."""
    return isinstance(exc, BadRequest) and "parse entities" in str(exc).lower()


def may_have_arrived(exc: BaseException) -> bool:
    """The request was written but no answer came: Telegram may have posted the message.

    python-telegram-bot raises ``TimedOut``/``NetworkError`` for every transport failure and
    keeps httpx's exception as the cause. A connect or pool failure, or a write cut short,
    means Telegram never had the whole request; a read timeout or a connection dropped while
    waiting for the answer does not tell."""
    return isinstance(exc, NetworkError) and isinstance(
        exc.__cause__, httpx.ReadTimeout | httpx.ReadError | httpx.RemoteProtocolError
    )


_CANNOT_POST = (
    "chat not found",
    "message thread not found",  # the forum topic was deleted
    "topic_deleted",
    "topic_closed",  # closed topics take messages from admins only
    "not enough rights to send",  # the bot was restricted in the group
    "have no rights to send a message",
    "chat_write_forbidden",
)


def is_chat_gone(exc: BaseException) -> bool:
    """A 400 that means "you cannot post here" rather than "this message is wrong": the chat
    or its topic is gone, closed, or the bot may no longer write. Sending again tomorrow
    would fail the same way, so the subscription is paused (``/subscribe`` resumes it)."""
    text = str(exc).lower()
    return isinstance(exc, BadRequest) and any(part in text for part in _CANNOT_POST)


def is_stale_query(exc: BaseException) -> bool:
    """A callback or inline query answered too late (or twice): nothing to do about it."""
    text = str(exc).lower()
    return isinstance(exc, BadRequest) and ("query is too old" in text or "query id" in text)


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait (the attribute's type changes across v22)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: object = exc.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    if isinstance(value, int | float):
        return float(value)
    return 1.0


def describe(update: object) -> str:
    """A short, token-free description of an update for the log: ids, not message text."""
    if not isinstance(update, Update):
        return "no update" if update is None else type(update).__name__
    bits = [f"update {update.update_id}"]
    if update.effective_chat is not None:
        bits.append(f"chat {update.effective_chat.id}")
    if update.effective_user is not None:
        bits.append(f"user {update.effective_user.id}")
    kind = (
        "callback"
        if update.callback_query
        else "inline"
        if update.inline_query
        else "message"
        if update.message
        else "other"
    )
    bits.append(kind)
    return ", ".join(bits)
