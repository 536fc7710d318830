"""A fake Telegram Bot API server on 127.0.0.1, for driving the real python-telegram-bot.

It speaks the Bot API's HTTP protocol (``POST /bot<token>/<method>``, form or JSON bodies,
``{"ok": …}`` answers), keeps the state a bot can observe (updates with offsets, the bot's
messages with their keyboards, command menus, the webhook), **records every call** and
**rejects what Telegram rejects**, with Telegram's error codes and descriptions, so that PTB
raises the same exceptions it would in production:

- HTML with unsupported, unbalanced or badly nested tags, unknown entities, raw ``<``/``&``;
- text over 4,096 characters after entity parsing (UTF-16 code units), or empty text;
- callback data over 64 bytes, invalid button URLs, over 100 buttons or 8 in a row;
- more than 50 inline results, duplicate result ids, an overlong ``next_offset``;
- callback answers over 200 characters, or for an unknown / already answered query;
- editing a message to exactly the text and keyboard it has ("message is not modified");
- command menus with invalid names or descriptions.

Tests can also make the next call(s) of a method fail with 429 ``retry_after`` (flood control)
or any other code, block chats (403, "bot was blocked by the user"), turn a group into a
supergroup (400 with ``migrate_to_chat_id``), and carry out a call but answer it late (a client
with a shorter read timeout never learns that it happened).

The server runs in a thread (``http.server``), so it answers while the test's event loop runs
the bot; tests wait for effects with :meth:`FakeTelegram.wait_for`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx

from tests.fake_telegram.html_check import HtmlRejected, parse, utf16_len

T = TypeVar("T")

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmn"
BOT_ID = 123456789
BOT_USERNAME = "reviewbot_test_bot"
TEXT_LIMIT = 4096
CALLBACK_LIMIT = 64
INLINE_RESULTS_LIMIT = 50
ALERT_LIMIT = 200

JSON_FIELDS = {
    "reply_markup",
    "results",
    "commands",
    "scope",
    "reply_parameters",
    "link_preview_options",
    "allowed_updates",
    "entities",
    "button",
}
INT_FIELDS = {
    "message_id",
    "offset",
    "limit",
    "timeout",
    "message_thread_id",
    "cache_time",
    "max_connections",
}
BOOL_FIELDS = {"is_personal", "show_alert", "drop_pending_updates", "disable_notification"}
COMMAND_NAME = r"[a-z0-9_]{1,32}"


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(
        self,
        code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to: int | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to = migrate_to

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            data["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to is not None:
            data["parameters"] = {"migrate_to_chat_id": self.migrate_to}
        return data


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Call:
    """One request the bot made: the method, its parameters, and how the fake answered."""

    method: str
    params: dict[str, Any]
    status: int = 200
    error: str | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Failure:
    method: str
    code: int
    description: str
    retry_after: int | None
    times: int
    chat_id: int | None


@dataclass
class StoredMessage:
    """A message in a chat as the fake keeps it (the bot's own, and users' ones it queued)."""

    chat: dict[str, Any]
    message_id: int
    sender: dict[str, Any]
    text: str  # visible text
    html: str | None = None  # what the bot sent, when it used parse_mode HTML
    links: list[str] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    thread_id: int | None = None
    reply_to: int | None = None
    edits: int = 0
    link_preview: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    update_id: int | None = None  # for a user's message: the update that carried it

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]

    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons() if "callback_data" in b]

    def button(self, text_part: str) -> dict[str, Any]:
        """The first button whose label contains ``text_part``."""
        for b in self.buttons():
            if text_part in b.get("text", ""):
                return b
        raise AssertionError(
            f"no button {text_part!r} in {[b.get('text') for b in self.buttons()]}"
        )

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.sender,
            "text": self.text,
        }
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if self.thread_id is not None:
            data["message_thread_id"] = self.thread_id
            data["is_topic_message"] = True
        data.update(self.extra)
        return data


def _command_entities(text: str) -> list[dict[str, Any]]:
    """A ``bot_command`` entity where Telegram makes one: ``/name`` or ``/name@bot`` at the
    start, Latin letters, digits and ``_`` only (``/영화`` is plain text to Telegram)."""
    match = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?(?=\s|$)", text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


class FakeTelegram:
    """The fake Bot API. Start it, point PTB's ``base_url`` at :attr:`base_url`."""

    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Reviewbot",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.calls: list[Call] = []
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.blocked: set[int] = set()
        self.members: dict[tuple[int, int], str] = {}  # (chat, user) -> status, else "member"
        self.webhook: dict[str, Any] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}  # id -> {"answered": …}
        self.inline_queries: dict[str, dict[str, Any]] = {}
        self.poll_wait = 0.25  # the longest a getUpdates waits, whatever timeout is asked
        self._updates: list[dict[str, Any]] = []
        self._next_update = itertools.count(1)
        self._next_message: dict[int, itertools.count[int]] = {}
        self._next_query = itertools.count(1)
        self._failures: list[Failure] = []
        self.migrated: dict[int, int] = {}  # old group id -> supergroup id
        self._late: dict[str, tuple[float, int]] = {}
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeTelegram:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------------ test controls

    def fail(
        self,
        method: str,
        *,
        code: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail."""
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after or 1}",
                403: "Forbidden: bot was blocked by the user",
                500: "Internal Server Error",
            }.get(code, "Bad Request: injected failure")
        if code == 429 and retry_after is None:
            retry_after = 1
        with self._cond:
            self._failures.append(Failure(method, code, description, retry_after, times, chat_id))

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: sends to its old id are refused with the new id."""
        with self._cond:
            self.migrated[chat_id] = new_chat_id
            old = self.chats.get(chat_id)
            if old is not None:
                self.chats[new_chat_id] = {**old, "id": new_chat_id, "type": "supergroup"}

    def answer_late(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Carry out the next ``times`` calls of ``method`` but answer only after ``seconds``:
        what a client whose read timeout is shorter sees as "no answer", though it happened."""
        with self._cond:
            self._late[method] = (seconds, times)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot (or removed it from the group): 403 from now on."""
        with self._cond:
            self.blocked.add(chat_id)

    def set_member(self, chat_id: int, user_id: int, status: str = "administrator") -> None:
        """The user's status in the chat as getChatMember reports it ("creator",
        "administrator", "member", "restricted", "left", "kicked"); "member" by default."""
        with self._cond:
            self.members[(chat_id, user_id)] = status

    def user(
        self, user_id: int, *, lang: str | None = "ko", name: str = "Tester"
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name}
        if lang is not None:
            user["language_code"] = lang
        return user

    def private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        self.chats[chat["id"]] = chat
        return chat

    def group_chat(
        self, chat_id: int, *, title: str = "Film club", forum: bool = False
    ) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": "supergroup", "title": title}
        if forum:
            chat["is_forum"] = True
        self.chats[chat_id] = chat
        return chat

    def _queue(self, update: dict[str, Any]) -> int:
        with self._cond:
            update_id = next(self._next_update)
            update["update_id"] = update_id
            self._updates.append(update)
            self._cond.notify_all()
        return update_id

    def _message_id(self, chat_id: int) -> int:
        counter = self._next_message.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def send_text(
        self,
        chat: dict[str, Any],
        user: dict[str, Any],
        text: str,
        *,
        reply_to: StoredMessage | None = None,
        thread_id: int | None = None,
        via_bot: dict[str, Any] | None = None,
        sender_chat: dict[str, Any] | None = None,
    ) -> StoredMessage:
        """A user writes ``text`` in ``chat``: queue the update, return the message."""
        with self._cond:
            message = StoredMessage(
                chat=chat,
                message_id=self._message_id(chat["id"]),
                sender=user,
                text=text,
                thread_id=thread_id,
                reply_to=reply_to.message_id if reply_to else None,
            )
            entities = _command_entities(text)
            if entities:
                message.extra["entities"] = entities
            if reply_to is not None:
                message.extra["reply_to_message"] = reply_to.as_json()
            if via_bot is not None:
                message.extra["via_bot"] = via_bot
            if sender_chat is not None:
                message.extra["sender_chat"] = sender_chat
            self.messages[(chat["id"], message.message_id)] = message
        message.update_id = self._queue({"message": message.as_json()})
        return message

    def press(
        self,
        message: StoredMessage,
        data: str,
        user: dict[str, Any],
        *,
        check: bool = True,
        shown: StoredMessage | None = None,
    ) -> str:
        """``user`` presses the button with callback ``data`` on ``message`` (as it is now,
        or as the client still ``shown`` it: the second tap of a double tap).

        With ``check`` the button must be on the message, as a real client could only press
        what is shown; forged data is sent with ``check=False``.
        """
        with self._cond:
            current = shown or self.messages[(message.chat_id, message.message_id)]
            if check and data not in current.callback_data():
                raise AssertionError(
                    f"no button {data!r} on the message: {current.callback_data()}"
                )
            query_id = f"cq{next(self._next_query)}"
            self.callback_queries[query_id] = {"answered": None, "data": data}
            payload = {
                "id": query_id,
                "from": user,
                "message": current.as_json(),
                "chat_instance": f"ci{current.chat_id}",
                "data": data,
            }
        self.callback_queries[query_id]["update_id"] = self._queue({"callback_query": payload})
        return query_id

    def inline_query(self, user: dict[str, Any], query: str, offset: str = "") -> str:
        with self._cond:
            query_id = f"iq{next(self._next_query)}"
            self.inline_queries[query_id] = {"answer": None, "query": query, "offset": offset}
        self.inline_queries[query_id]["update_id"] = self._queue(
            {
                "inline_query": {
                    "id": query_id,
                    "from": user,
                    "query": query,
                    "offset": offset,
                    "chat_type": "sender",
                }
            }
        )
        return query_id

    # ------------------------------------------------------------------ observing

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def rejected(self) -> list[Call]:
        """Calls the fake refused for being invalid (400), not injected failures."""
        with self._cond:
            return [c for c in self.calls if c.status == 400 and not c.params.get("_injected")]

    def bot_messages(self, chat_id: int) -> list[StoredMessage]:
        with self._cond:
            return sorted(
                (
                    m
                    for (cid, _), m in self.messages.items()
                    if cid == chat_id and m.sender.get("id") == self.bot_user["id"]
                ),
                key=lambda m: m.message_id,
            )

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    async def wait_for(
        self, predicate: Callable[[], T], within: float = 5.0, what: str = "condition"
    ) -> T:
        """Wait (without blocking the event loop) until ``predicate()`` is truthy."""
        deadline = time.monotonic() + within
        while True:
            with self._cond:
                value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; calls: {self.summary()}")
            await asyncio.sleep(0.01)

    async def wait_bot_messages(
        self, chat_id: int, count: int, within: float = 5.0
    ) -> list[StoredMessage]:
        await self.wait_for(
            lambda: len(self.bot_messages(chat_id)) >= count,
            within,
            f"{count} bot messages in chat {chat_id}",
        )
        return self.bot_messages(chat_id)

    async def wait_answered(self, query_id: str, within: float = 5.0) -> dict[str, Any]:
        return await self.wait_for(
            lambda: self.callback_queries[query_id]["answered"],
            within,
            f"an answer to callback query {query_id}",
        )

    async def wait_inline(self, query_id: str, within: float = 5.0) -> dict[str, Any]:
        return await self.wait_for(
            lambda: self.inline_queries[query_id]["answer"],
            within,
            f"an answer to inline query {query_id}",
        )

    async def wait_idle(self, within: float = 5.0) -> None:
        """Until every queued update was fetched and confirmed (offset moved past it)."""
        await self.wait_for(lambda: not self._updates, within, "all updates to be consumed")

    def summary(self) -> list[str]:
        return [
            f"{c.method}:{c.status}{' ' + c.error if c.error else ''}" for c in self.calls[-30:]
        ]

    async def push_webhook(
        self, update: dict[str, Any], *, secret: str | None = None, to: str | None = None
    ) -> int:
        """POST an update to the registered webhook, as Telegram would (status code back)."""
        url = to or self.webhook["url"]
        with self._cond:
            update["update_id"] = next(self._next_update)
        headers = {}
        token = self.webhook.get("secret_token") if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.post(url, json=update, headers=headers, timeout=5)
        return response.status_code

    # ------------------------------------------------------------------ the API

    def dispatch(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = parts[0][3:], parts[1]
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        call = Call(method, params)
        handler = getattr(self, f"_api_{method}", None)
        try:
            if method != "getUpdates":
                with self._cond:
                    self.calls.append(call)
                    self._injected(method, params, call)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = handler(params)
        except ApiError as err:
            call.status, call.error = err.code, err.description
            return err.code, err.payload()
        except HtmlRejected as err:
            call.status, call.error = 400, f"Bad Request: {err}"
            return 400, ApiError(400, call.error).payload()
        return 200, {"ok": True, "result": result}

    def hold_answer(self, path: str) -> None:
        """Wait before answering, if :meth:`answer_late` asked for it (the call is done)."""
        method = path.rstrip("/").rsplit("/", 1)[-1]
        with self._cond:
            seconds, times = self._late.get(method, (0.0, 0))
            if times <= 0:
                return
            self._late[method] = (seconds, times - 1)
        time.sleep(seconds)

    def _injected(self, method: str, params: dict[str, Any], call: Call) -> None:
        chat_id = params.get("chat_id")
        for failure in self._failures:
            if failure.method != method or failure.times <= 0:
                continue
            if failure.chat_id is not None and failure.chat_id != chat_id:
                continue
            failure.times -= 1
            call.params["_injected"] = True
            raise ApiError(failure.code, failure.description, failure.retry_after)
        if chat_id in self.migrated and method in ("sendMessage", "editMessageText"):
            call.params["_injected"] = True
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to=self.migrated[chat_id],
            )
        if chat_id in self.blocked and method in (
            "sendMessage",
            "editMessageText",
            "editMessageReplyMarkup",
        ):
            call.params["_injected"] = True
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    # --- checks shared by several methods

    def _check_text(self, text: Any, parse_mode: Any) -> tuple[str, str | None, list[str]]:
        if not isinstance(text, str):
            raise bad_request("message text is empty")
        html: str | None = None
        links: list[str] = []
        if parse_mode is None or parse_mode == "":
            visible = text
        elif str(parse_mode).upper() == "HTML":
            visible, links = parse(text)
            html = text
        else:
            raise bad_request(f"unsupported parse_mode {parse_mode!r} in this fake")
        if not visible.strip():
            raise bad_request("message text is empty")
        if utf16_len(visible) > TEXT_LIMIT:
            raise bad_request("message is too long")
        return visible, html, links

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list):
            raise bad_request("only inline keyboards are expected from this bot")
        count = 0
        for row in rows:
            if not isinstance(row, list) or not row:
                raise bad_request("inline keyboard rows must be non-empty arrays")
            if len(row) > 8:
                raise bad_request("too many buttons in a row")
            for button in row:
                count += 1
                if not button.get("text"):
                    raise bad_request("inline keyboard button text is empty")
                kinds = [k for k in ("url", "callback_data", "switch_inline_query") if k in button]
                if len(kinds) != 1:
                    raise bad_request("BUTTON_TYPE_INVALID")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_LIMIT:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button:
                    url = button["url"]
                    if (
                        not isinstance(url, str)
                        or not url.startswith(("http://", "https://", "tg://"))
                        or any(ch.isspace() for ch in url)
                        or not url.isascii()
                        or any(ch in url for ch in '<>"')
                    ):
                        raise bad_request(f"inline keyboard button URL '{url}' is invalid")
        if count > 100:
            raise bad_request("too many inline keyboard buttons")
        return dict(markup)

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    def _stored(self, params: dict[str, Any]) -> StoredMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        key = (params.get("chat_id"), params.get("message_id"))
        message = self.messages.get(key)  # type: ignore[arg-type]
        if message is None:
            raise bad_request("message to edit not found")
        if message.sender.get("id") != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    # --- methods

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        with self._cond:
            call = Call("getUpdates", params)
            self.calls.append(call)
            if self.webhook.get("url"):
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            deadline = time.monotonic() + min(timeout, self.poll_wait)
            while not self._updates and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return [dict(u) for u in self._updates[:limit]]

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        with self._cond:
            self.webhook = {}
            if params.get("drop_pending_updates"):
                self._updates = []
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        secret = params.get("secret_token")
        if secret is not None and not (
            1 <= len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)
        ):
            raise bad_request("secret token contains unallowed characters")
        with self._cond:
            self.webhook = {"url": url, "secret_token": secret, **params} if url else {}
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(COMMAND_NAME, str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description", "")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        scope = (params.get("scope") or {}).get("type", "default")
        with self._cond:
            self.commands[(scope, params.get("language_code") or "")] = commands
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        scope = (params.get("scope") or {}).get("type", "default")
        return self.commands.get((scope, params.get("language_code") or ""), [])

    def _api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        try:
            user_id = int(params["user_id"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("invalid user_id specified") from None
        if chat["type"] == "private":
            status = "member" if user_id != chat["id"] else "creator"
        else:
            status = self.members.get((chat["id"], user_id), "member")
        user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                dict.fromkeys(
                    (
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_change_info",
                        "can_invite_users",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                        "can_pin_messages",
                        "can_manage_topics",
                    ),
                    True,
                ),
                can_be_edited=False,
                is_anonymous=False,
                can_promote_members=False,
            )
        elif status == "restricted":
            member.update(is_member=True, until_date=0)
            member.update(
                dict.fromkeys(
                    (
                        "can_send_messages",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_manage_topics",
                    ),
                    False,
                )
            )
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        visible, html, links = self._check_text(params.get("text"), params.get("parse_mode"))
        markup = self._check_markup(params.get("reply_markup"))
        thread_id = params.get("message_thread_id")
        reply = params.get("reply_parameters") or {}
        with self._cond:
            message = StoredMessage(
                chat=chat,
                message_id=self._message_id(chat["id"]),
                sender=self.bot_user,
                text=visible,
                html=html,
                links=links,
                reply_markup=markup,
                thread_id=thread_id,
                reply_to=reply.get("message_id"),
                link_preview=params.get("link_preview_options"),
            )
            self.messages[(chat["id"], message.message_id)] = message
            return message.as_json()

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        visible, html, links = self._check_text(params.get("text"), params.get("parse_mode"))
        markup = self._check_markup(params.get("reply_markup"))
        with self._cond:
            if (html or visible) == (
                message.html or message.text
            ) and markup == message.reply_markup:
                raise bad_request(
                    "message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message"
                )
            message.text, message.html, message.links = visible, html, links
            message.reply_markup = markup
            message.link_preview = params.get("link_preview_options")
            message.edits += 1
            return message.as_json()

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        markup = self._check_markup(params.get("reply_markup"))
        with self._cond:
            if markup == message.reply_markup:
                raise bad_request("message is not modified")
            message.reply_markup = markup
            message.edits += 1
            return message.as_json()

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        text = params.get("text") or ""
        with self._cond:
            query = self.callback_queries.get(str(query_id))
            if query is None or query["answered"] is not None:
                raise bad_request(
                    "query is too old and response timeout expired or query ID is invalid"
                )
            if len(text) > ALERT_LIMIT:
                raise bad_request("MESSAGE_TOO_LONG")
            query["answered"] = {"text": text, "show_alert": bool(params.get("show_alert"))}
        return True

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("inline_query_id"))
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("results must be an array")
        if len(results) > INLINE_RESULTS_LIMIT:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [r.get("id") for r in results]
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        for result in results:
            if not isinstance(result.get("id"), str) or not 1 <= len(result["id"].encode()) <= 64:
                raise bad_request("RESULT_ID_INVALID")
            if not result.get("title"):
                raise bad_request("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            self._check_text(content.get("message_text"), content.get("parse_mode"))
            self._check_markup(result.get("reply_markup"))
        next_offset = params.get("next_offset") or ""
        if len(next_offset.encode()) > 64:
            raise bad_request("NEXT_OFFSET_INVALID")
        button = params.get("button")
        if button is not None:
            start = button.get("start_parameter")
            if start is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", start):
                raise bad_request("START_PARAM_INVALID")
        with self._cond:
            query = self.inline_queries.get(query_id)
            if query is None or query["answer"] is not None:
                raise bad_request(
                    "query is too old and response timeout expired or query ID is invalid"
                )
            query["answer"] = {
                "results": results,
                "next_offset": next_offset,
                "button": button,
                "is_personal": bool(params.get("is_personal")),
                "cache_time": params.get("cache_time"),
            }
        return True

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    def _api_logOut(self, params: dict[str, Any]) -> bool:
        return True


class _QuietServer(ThreadingHTTPServer):
    """A bot killed mid-request (the digest benchmark's SIGKILL) resets its connections; that
    is the bot's business, not a traceback on the test's stderr."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    owner: FakeTelegram

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        params = _parse_params(body, self.headers.get("Content-Type") or "", url.query)
        status, payload = self.owner.dispatch(url.path, params)
        self.owner.hold_answer(url.path)
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the bot gave up on a long poll (stopping): Telegram does not mind either


def _parse_params(body: bytes, content_type: str, query: str) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    if query:
        raw.update(
            {k: v[0] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        )
    if body:
        if "application/json" in content_type:
            raw.update(json.loads(body))
            return raw
        if "multipart/form-data" in content_type:
            raise ValueError("the bot sent files; this fake does not expect any")
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
        raw.update({k: v[0] for k, v in form.items()})
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in JSON_FIELDS:
                value = json.loads(value)
            elif key in INT_FIELDS or key == "chat_id":
                with contextlib.suppress(ValueError):
                    value = int(value)
            elif key in BOOL_FIELDS:
                value = value.lower() == "true"
        params[key] = value
    return params
