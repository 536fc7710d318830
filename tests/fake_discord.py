"""A fake Discord (REST API and gateway) on 127.0.0.1, strict where Discord is strict.

The Discord adapter is tested with the real discord.py: its HTTP routes are pointed here
(``discord.http.Route.BASE``), its gateway too (``DiscordWebSocket.DEFAULT_GATEWAY``), and
interactions are fed to the real connection state as raw ``INTERACTION_CREATE`` payloads — so
the real ``CommandTree`` resolves commands, options and autocomplete, and the real view store
dispatches buttons and selects to the adapter's dynamic items.

The fake records every request and rejects what Discord rejects, with Discord's status codes
and error codes: over-long content and embeds (title 256, description 4,096, 25 fields of
256/1,024, footer 2,048, author 256, 6,000 in all), more than 5 component rows, 5 buttons a
row or 25 options a select, custom ids over 100 characters or repeated, an empty message, a
second initial response to one interaction (400, code 40060), a response after 3 seconds
(404, code 10062), a response type that does not fit the interaction, follow-ups to an
interaction never acknowledged, and autocomplete answers over 25 choices. It also insists on
``allowed_mentions == {"parse": []}`` on every message it is asked to create or edit, and
counts lengths in UTF-16 code units (never less than Discord's count).

Interactions are built from the command schema the bot uploaded, so an option of the wrong
type, an unknown option or a missing required one cannot be sent (:class:`Refused` — Discord's
client would not send it either); a button can only be pressed if it is on a stored message.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import WSMsgType, web

API = "/api/v10"
ENTRY = web.RequestKey("entry", object)
APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 800000000000000001
CHANNEL_ID = 700000000000000001
USER_ID = 600000000000000001
TOKEN = "fake-bot-token"

# Interaction types and callback types (https://discord.com/developers/docs/interactions).
PING, COMMAND, COMPONENT, AUTOCOMPLETE, MODAL = 1, 2, 3, 4, 5
MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, CHOICES = 4, 5, 6, 7, 8
ALLOWED_CALLBACKS = {
    COMMAND: {MESSAGE, DEFERRED_MESSAGE, 9},
    COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, 9},
    AUTOCOMPLETE: {CHOICES},
}
EPHEMERAL = 64
RESPONSE_DEADLINE = 3.0  # seconds to the initial response
OPTION_TYPES = {3: "STRING", 4: "INTEGER", 5: "BOOLEAN", 10: "NUMBER"}
MAX_SAFE_INTEGER = 2**53


class Refused(Exception):
    """Discord's client would never send this interaction (wrong option type, no such button)."""


def units(text: str) -> int:
    """UTF-16 code units, as in JavaScript (never less than Discord's character count)."""
    return len(text.encode("utf-16-le")) // 2


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _valid_name(name: object) -> bool:
    """Discord's command and option name rule: 1-32 lower-case letters, digits, - or _."""
    return (
        isinstance(name, str)
        and 1 <= len(name) <= 32
        and all(ch.isalnum() or ch in "-_" for ch in name)
        and name == name.lower()
    )


_LOCALES = {
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
    "th", "zh-CN", "ja", "zh-TW", "ko",
}  # fmt: skip
_URL = re.compile(r"https?://[^\s<>\"]+")


@dataclass
class Recorded:
    """One request the bot made, and what the fake answered."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 200
    answer: Any = None


@dataclass
class InteractionRecord:
    """One interaction sent to the bot, and everything the bot did about it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    created: float
    user_id: int
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    acked: int | None = None
    original: int | None = None  # the message the original response is (None: deleted)
    loading: bool = False  # a deferred "thinking…" message not yet filled in
    followups: list[int] = field(default_factory=list)
    deleted_original: bool = False
    focused_type: int = 3  # the type of the option an autocomplete interaction is about

    @property
    def choices(self) -> list[dict[str, Any]]:
        """The autocomplete answer."""
        for callback in self.callbacks:
            if callback.get("type") == CHOICES:
                return list(callback.get("data", {}).get("choices", []))
        raise AssertionError("no autocomplete answer")


class FakeDiscord:
    """The fake: ``async with FakeDiscord() as fake``; ``fake.api`` is the REST base URL."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.rejections: list[Recorded] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.deleted: set[int] = set()
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.command_uploads: list[tuple[int | None, list[dict[str, Any]]]] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self.gone_channels: set[int] = set()
        self.forbidden_channels: set[int] = set()
        self.locked_threads: set[int] = set()  # archived and locked: no posting
        self.rate_limited: dict[int, tuple[float, bool]] = {}  # channel -> (retry, via header)
        self.refuse_guilds: set[int] = set()
        self.identified: list[dict[str, Any]] = []
        self._ids = itertools.count(1_000_000_000_000_000_000)
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def next_id(self) -> int:
        return next(self._ids)

    # ------------------------------------------------------------------ recording

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        if request.path == "/gateway":
            response: web.StreamResponse = await handler(request)
            return response
        body: Any = None
        if request.can_read_body:
            if request.content_type != "application/json":
                body = {"unexpected content type": request.content_type}
            else:
                body = await request.json()
        entry = Recorded(request.method, request.path[len(API) :], dict(request.query), body)
        self.requests.append(entry)
        request[ENTRY] = entry
        response = await handler(request)
        entry.status = response.status
        if isinstance(response, web.Response) and isinstance(response.body, bytes):
            with contextlib.suppress(ValueError):
                entry.answer = json.loads(response.body)
        if response.status >= 400 and response.status != 429:
            self.rejections.append(entry)
        async with self._changed:
            self._changed.notify_all()
        return response

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait (without sleeping) until a request makes ``predicate`` true."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    # ------------------------------------------------------------------ routing

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(API) :]
        method = request.method
        entry = request[ENTRY]
        assert isinstance(entry, Recorded)
        body = entry.body
        if request.headers.get("Authorization") != f"Bot {TOKEN}" and not path.startswith(
            ("/interactions/", "/webhooks/")
        ):
            return _error(401, 0, "401: Unauthorized")
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"/users/@me", self._me),
            ("GET", r"/oauth2/applications/@me", self._application),
            ("PUT", r"/applications/(\d+)/commands", self._put_commands),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self._put_commands),
            ("GET", r"/applications/(\d+)/commands", self._get_commands),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback),
            ("GET", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._get_original),
            ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._edit_original),
            ("DELETE", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._delete_original),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self._followup),
            ("POST", r"/channels/(\d+)/messages", self._channel_message),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                result: web.StreamResponse = await handler(body, *match.groups())
                return result
        return _error(404, 0, f"404: Not Found ({method} {path})")

    async def _me(self, body: Any) -> web.Response:
        return _json(self.bot_user())

    async def _application(self, body: Any) -> web.Response:
        return _json(
            {
                "id": str(APP_ID),
                "name": "reviewbot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.user(USER_ID),
                "verify_key": "00",
                "flags": 0,
            }
        )

    # ------------------------------------------------------------------ commands

    async def _put_commands(self, body: Any, app: str, guild: str | None = None) -> web.Response:
        if int(app) != APP_ID:
            return _error(403, 50001, "Missing Access")
        if guild is not None and int(guild) in self.refuse_guilds:
            return _error(403, 50001, "Missing Access")
        problems = validate_commands(body)
        if problems:
            return _form_error(problems)
        scope = int(guild) if guild else None
        stored = []
        for command in body:
            item = dict(command)
            item.update(id=str(self.next_id()), application_id=str(APP_ID), version="1")
            if scope is not None:
                item["guild_id"] = str(scope)
            stored.append(item)
        self.commands[scope] = stored
        self.command_uploads.append((scope, stored))
        return _json(stored)

    async def _get_commands(self, body: Any, app: str) -> web.Response:
        return _json(self.commands.get(None, []))

    def command(self, name: str, guild: int | None = None) -> dict[str, Any]:
        for scope in (guild, None) if guild is not None else (None,):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command
        raise Refused(f"no command /{name} was uploaded")

    # ------------------------------------------------------------------ interactions

    def _record_for(self, token: str) -> InteractionRecord | None:
        for record in self.interactions.values():
            if record.token == token:
                return record
        return None

    async def _callback(self, body: Any, interaction_id: str, token: str) -> web.Response:
        record = self.interactions.get(int(interaction_id))
        if record is None or record.token != token:
            return _error(404, 10062, "Unknown interaction")
        if record.acked is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if asyncio.get_running_loop().time() - record.created > RESPONSE_DEADLINE:
            return _error(404, 10062, "Unknown interaction")
        if not isinstance(body, dict) or body.get("type") not in ALLOWED_CALLBACKS[record.type]:
            return _form_error([f"callback type {body.get('type')!r} not valid here"])
        kind = body["type"]
        data = body.get("data") or {}
        problems: list[str] = []
        if kind == MESSAGE:
            problems = validate_message(data, create=True)
        elif kind == UPDATE:
            problems = validate_message(data, create=False)
        elif kind == CHOICES:
            problems = self._validate_choices(record, data)
        elif kind == DEFERRED_MESSAGE:
            if set(data) - {"flags"}:
                problems = [f"a deferred response carries only flags, not {sorted(data)}"]
        elif kind == DEFERRED_UPDATE and data:
            problems = ["a deferred update carries no data"]
        if problems:
            return _form_error(problems)
        record.callbacks.append(body)
        record.acked = kind
        message: dict[str, Any] | None = None
        if kind in (MESSAGE, DEFERRED_MESSAGE):
            message = self._new_message(record, data, loading=kind == DEFERRED_MESSAGE)
            record.original = int(message["id"])
            record.loading = kind == DEFERRED_MESSAGE
        elif kind in (UPDATE, DEFERRED_UPDATE):
            target = int(record.payload["message"]["id"])
            if target not in self.messages:
                return _error(404, 10008, "Unknown Message")
            record.original = target
            if kind == UPDATE:
                message = self._update(target, data)
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "response_message_id": str(record.original) if record.original else None,
                "response_message_loading": record.loading,
                "response_message_ephemeral": bool(message and message.get("flags", 0) & EPHEMERAL),
            }
        }
        if message is not None:
            answer["resource"] = {"type": kind, "message": message}
        return _json(answer)

    def _validate_choices(self, record: InteractionRecord, data: dict[str, Any]) -> list[str]:
        choices = data.get("choices")
        if not isinstance(choices, list):
            return ["choices: required"]
        problems = []
        if len(choices) > 25:
            problems.append(f"choices: {len(choices)} > 25")
        option_type = record.focused_type
        for i, choice in enumerate(choices):
            name, value = choice.get("name"), choice.get("value")
            if not isinstance(name, str) or not 1 <= units(name) <= 100:
                problems.append(f"choices.{i}.name: length 1-100")
            if option_type == 3 and (not isinstance(value, str) or units(value) > 100):
                problems.append(f"choices.{i}.value: a string of at most 100")
            if option_type == 4 and (not isinstance(value, int) or isinstance(value, bool)):
                problems.append(f"choices.{i}.value: an integer")
        return problems

    def _webhook(self, app: str, token: str) -> InteractionRecord | web.Response:
        record = self._record_for(token)
        if int(app) != APP_ID or record is None:
            return _error(404, 10015, "Unknown Webhook")
        if record.acked is None:
            return _error(404, 10015, "Unknown Webhook")  # not acknowledged: no webhook yet
        return record

    async def _get_original(self, body: Any, app: str, token: str) -> web.Response:
        record = self._webhook(app, token)
        if isinstance(record, web.Response):
            return record
        if record.original is None or record.original not in self.messages:
            return _error(404, 10008, "Unknown Message")
        return _json(self.messages[record.original])

    async def _edit_original(self, body: Any, app: str, token: str) -> web.Response:
        record = self._webhook(app, token)
        if isinstance(record, web.Response):
            return record
        if record.original is None or record.original not in self.messages:
            return _error(404, 10008, "Unknown Message")
        problems = validate_message(body, create=False)
        if problems:
            return _form_error(problems)
        record.loading = False
        return _json(self._update(record.original, body))

    async def _delete_original(self, body: Any, app: str, token: str) -> web.StreamResponse:
        record = self._webhook(app, token)
        if isinstance(record, web.Response):
            return record
        if record.original is None or record.original not in self.messages:
            return _error(404, 10008, "Unknown Message")
        self.deleted.add(record.original)
        del self.messages[record.original]
        record.original = None
        record.loading = False
        record.deleted_original = True
        return web.Response(status=204)

    async def _followup(self, body: Any, app: str, token: str) -> web.Response:
        record = self._webhook(app, token)
        if isinstance(record, web.Response):
            return record
        if record.acked == CHOICES:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        problems = validate_message(body, create=True)
        if problems:
            return _form_error(problems)
        if record.loading and record.original in self.messages:
            # Discord: the first follow-up to a "thinking…" response fills that message in,
            # keeping the flags the deferral chose.
            record.loading = False
            message = self._update(record.original, body)
        else:
            message = self._new_message(record, body, loading=False)
        record.followups.append(int(message["id"]))
        return _json(message)

    # ------------------------------------------------------------------ channels

    async def _channel_message(self, body: Any, channel: str) -> web.Response:
        channel_id = int(channel)
        if channel_id in self.rate_limited:
            retry, via = self.rate_limited[channel_id]
            headers = {"Via": "1.1 google"} if via else {"Retry-After": str(int(retry))}
            return _json(
                {"message": "You are being rate limited.", "retry_after": retry, "global": False},
                status=429,
                headers=headers,
            )
        if channel_id in self.gone_channels:
            return _error(404, 10003, "Unknown Channel")
        if channel_id in self.forbidden_channels:
            return _error(403, 50013, "Missing Permissions")
        if channel_id in self.locked_threads:
            return _error(400, 50083, "Thread is archived")
        problems = validate_message(body, create=True)
        if problems:
            return _form_error(problems)
        nonce = body.get("nonce")
        if nonce is not None and len(str(nonce)) > 25:
            return _form_error({"nonce": "Must be 25 or fewer in length."})
        if nonce is not None and body.get("enforce_nonce"):
            # Discord answers a repeated nonce (same author, last few minutes) with the
            # message it already created instead of creating another.
            for message in self.messages.values():
                if message.get("nonce") == str(nonce) and message["channel_id"] == channel:
                    return _json(message)
        message = self._message(channel_id, body, flags=0, interaction=None)
        if nonce is not None:
            message["nonce"] = str(nonce)
        return _json(message)

    # ------------------------------------------------------------------ messages

    def _message(
        self,
        channel_id: int,
        data: dict[str, Any],
        *,
        flags: int,
        interaction: InteractionRecord | None,
        loading: bool = False,
    ) -> dict[str, Any]:
        message_id = self.next_id()
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "guild_id": str(GUILD_ID),
            "author": self.bot_user(),
            "content": data.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": list(data.get("embeds") or []),
            "components": list(data.get("components") or []),
            "pinned": False,
            "type": 20 if interaction else 0,
            "flags": flags | (128 if loading else 0),
            "application_id": str(APP_ID),
            "allowed_mentions": data.get("allowed_mentions"),
        }
        if interaction is not None:
            message["webhook_id"] = str(APP_ID)
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self.user(interaction.user_id),
                "authorizing_integration_owners": {"0": str(GUILD_ID)},
            }
        self.messages[message_id] = message
        return message

    def _new_message(
        self, record: InteractionRecord, data: dict[str, Any], *, loading: bool
    ) -> dict[str, Any]:
        channel_id = int(record.payload["channel_id"])
        flags = int(data.get("flags") or 0) & EPHEMERAL
        return self._message(channel_id, data, flags=flags, interaction=record, loading=loading)

    def _update(self, message_id: int, data: dict[str, Any]) -> dict[str, Any]:
        message = self.messages[message_id]
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in data:
                message[key] = (
                    data[key] if data[key] is not None else ([] if key != "content" else "")
                )
        message["flags"] = message.get("flags", 0) & ~128
        message["edited_timestamp"] = _now()
        return message

    def ephemeral(self, message: dict[str, Any]) -> bool:
        return bool(message.get("flags", 0) & EPHEMERAL)

    # ------------------------------------------------------------------ people and places

    def user(self, user_id: int) -> dict[str, Any]:
        return {
            "id": str(user_id),
            "username": f"user{user_id % 1000}",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
        }

    def bot_user(self) -> dict[str, Any]:
        return {**self.user(BOT_ID), "username": "reviewbot", "bot": True, "flags": 0}

    def _channel(self, channel_id: int) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": "films",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }

    # ------------------------------------------------------------------ building interactions

    def _interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user_id: int,
        locale: str,
        message: dict[str, Any] | None = None,
        channel_id: int = CHANNEL_ID,
    ) -> dict[str, Any]:
        interaction_id = self.next_id()
        token = "itoken-" + secrets.token_hex(16)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "guild_id": str(GUILD_ID),
            "channel_id": str(channel_id),
            "channel": self._channel(channel_id),
            "member": {
                "user": self.user(user_id),
                "roles": [],
                "joined_at": _now(),
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": "2248473465835073",
            },
            "token": token,
            "version": 1,
            "locale": locale,
            "guild_locale": "ko",
            "app_permissions": "2248473465835073",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        self.interactions[interaction_id] = InteractionRecord(
            id=interaction_id,
            token=token,
            type=kind,
            payload=payload,
            created=asyncio.get_running_loop().time(),
            user_id=user_id,
        )
        return payload

    def _options(
        self, command: dict[str, Any], values: dict[str, Any], focused: str | None
    ) -> list[dict[str, Any]]:
        schema = {o["name"]: o for o in command.get("options", [])}
        for name in values:
            if name not in schema:
                raise Refused(f"/{command['name']} has no option {name!r}")
        options = []
        for name, option in schema.items():
            if name not in values:
                if option.get("required") and name != focused:
                    raise Refused(f"/{command['name']}: {name!r} is required")
                continue
            value = values[name]
            kind = option["type"]
            if name == focused:
                if not option.get("autocomplete"):
                    raise Refused(f"/{command['name']} {name}: no autocomplete")
                if not isinstance(value, str):
                    raise Refused("autocomplete sends what was typed, as text")
                options.append({"name": name, "type": kind, "value": value, "focused": True})
                continue
            if kind == 3:
                if not isinstance(value, str) or not value or units(value) > 6000:
                    raise Refused(f"{name} must be STRING (1-6000)")
            elif kind == 4:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise Refused(f"{name} must be INTEGER, not {type(value).__name__}")
                if not -MAX_SAFE_INTEGER < value < MAX_SAFE_INTEGER:
                    raise Refused(f"{name} out of the INTEGER range")
                if "min_value" in option and value < option["min_value"]:
                    raise Refused(f"{name} below {option['min_value']}")
                if "max_value" in option and value > option["max_value"]:
                    raise Refused(f"{name} above {option['max_value']}")
            else:
                raise Refused(f"option type {kind} not supported by the fake")
            if option.get("choices") and value not in [c["value"] for c in option["choices"]]:
                raise Refused(f"{name} must be one of its choices")
            options.append({"name": name, "type": kind, "value": value})
        return options

    def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user_id: int = USER_ID,
        locale: str = "ko",
        guild: int | None = None,
    ) -> dict[str, Any]:
        """An application command interaction, checked against the uploaded schema."""
        command = self.command(name, guild)
        data: dict[str, Any] = {
            "id": command["id"],
            "name": command["name"],
            "type": 1,
            "options": self._options(command, options or {}, None),
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return self._interaction(COMMAND, data, user_id=user_id, locale=locale)

    def autocomplete(
        self,
        name: str,
        focused: str,
        typed: str,
        others: dict[str, Any] | None = None,
        *,
        user_id: int = USER_ID,
        locale: str = "ko",
    ) -> dict[str, Any]:
        """An autocomplete interaction: the user is typing ``typed`` into ``focused``."""
        command = self.command(name)
        values = {**(others or {}), focused: typed}
        option_type = next(o["type"] for o in command["options"] if o["name"] == focused)
        data = {
            "id": command["id"],
            "name": command["name"],
            "type": 1,
            "options": self._options(command, values, focused),
        }
        payload = self._interaction(AUTOCOMPLETE, data, user_id=user_id, locale=locale)
        self.interactions[int(payload["id"])].focused_type = option_type
        return payload

    def press(
        self,
        message_id: int,
        custom_id: str,
        *,
        values: list[str] | None = None,
        user_id: int = USER_ID,
        locale: str = "ko",
    ) -> dict[str, Any]:
        """A click on a button, or a choice in a select menu, of a stored message."""
        message = self.messages.get(message_id)
        if message is None:
            raise Refused(f"message {message_id} does not exist")
        component = next(
            (c for c in iter_components(message) if c.get("custom_id") == custom_id), None
        )
        if component is None:
            raise Refused(f"message {message_id} has no component {custom_id!r}")
        if component.get("disabled"):
            raise Refused("a disabled component cannot be used")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] == 3:
            allowed = [o["value"] for o in component["options"]]
            chosen = values or []
            if not set(chosen) <= set(allowed):
                raise Refused(f"{chosen} are not options of {custom_id}")
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            if not low <= len(chosen) <= high:
                raise Refused(f"choose {low}-{high} options")
            data["values"] = chosen
        elif values:
            raise Refused("a button has no values")
        channel_id = int(message["channel_id"])
        return self._interaction(
            COMPONENT,
            data,
            user_id=user_id,
            locale=locale,
            message=json.loads(json.dumps(message)),
            channel_id=channel_id,
        )

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                if frame.get("op") == 2:
                    self.identified.append(frame["d"])
                    if frame["d"].get("token") != TOKEN:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    ready = {
                        "v": 10,
                        "user": self.bot_user(),
                        "guilds": [],
                        "session_id": "fake-session",
                        "resume_gateway_url": self.gateway,
                        "application": {"id": str(APP_ID), "flags": 0},
                        "shard": [0, 1],
                    }
                    await self._send_event(ws, "READY", ready)
                elif frame.get("op") == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                async with self._changed:
                    self._changed.notify_all()
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    async def _send_event(self, ws: web.WebSocketResponse, name: str, data: Any) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": name, "s": next(self._seq), "d": data}))

    async def gateway_dispatch(self, name: str, data: Any) -> None:
        """Send an event to every connected bot over the gateway."""
        assert self._sockets, "no bot is connected to the gateway"
        for ws in self._sockets:
            await self._send_event(ws, name, data)


# ---------------------------------------------------------------------- validation


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer with Discord's exact content type (discord.py compares it verbatim)."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return web.Response(
        body=body, status=status, headers={**(headers or {}), "Content-Type": "application/json"}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status=status)


def _form_error(problems: list[str]) -> web.Response:
    return _json(
        {
            "code": 50035,
            "message": "Invalid Form Body",
            "errors": {"_errors": [{"code": "INVALID", "message": p} for p in problems]},
        },
        status=400,
    )


def iter_components(message: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for row in message.get("components") or []:
        yield from row.get("components", [])


def _embed_problems(embeds: Any) -> list[str]:
    if not isinstance(embeds, list):
        return ["embeds: a list"]
    problems: list[str] = []
    if len(embeds) > 10:
        problems.append("embeds: at most 10")
    total = 0
    for i, embed in enumerate(embeds):

        def text(
            value: Any, limit: int, name: str, *, required: bool = False, where: str = f"embeds.{i}"
        ) -> int:
            if value is None:
                if required:
                    problems.append(f"{where}.{name}: required")
                return 0
            if not isinstance(value, str):
                problems.append(f"{where}.{name}: a string")
                return 0
            if required and not value.strip():
                problems.append(f"{where}.{name}: must not be empty")
            if units(value) > limit:
                problems.append(f"{where}.{name}: {units(value)} > {limit}")
            return units(value)

        total += text(embed.get("title"), 256, "title")
        total += text(embed.get("description"), 4096, "description")
        if embed.get("url") is not None and not _URL.fullmatch(str(embed["url"])):
            problems.append(f"embeds.{i}.url: not a well formed URL")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append(f"embeds.{i}.fields: {len(fields)} > 25")
        for j, item in enumerate(fields):
            total += text(item.get("name"), 256, f"fields.{j}.name", required=True)
            total += text(item.get("value"), 1024, f"fields.{j}.value", required=True)
        if embed.get("footer") is not None:
            total += text(embed["footer"].get("text"), 2048, "footer.text", required=True)
        if embed.get("author") is not None:
            total += text(embed["author"].get("name"), 256, "author.name", required=True)
    if total > 6000:
        problems.append(f"embeds: {total} characters in all > 6000")
    return problems


def _component_problems(rows: Any) -> list[str]:
    if not isinstance(rows, list):
        return ["components: a list"]
    problems: list[str] = []
    if len(rows) > 5:
        problems.append(f"components: {len(rows)} rows > 5")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1 or not children:
            problems.append(f"components.{i}: an action row with components")
            continue
        kinds = {c.get("type") for c in children}
        if 3 in kinds and len(children) != 1:
            problems.append(f"components.{i}: a select fills its row alone")
        if kinds <= {2} and len(children) > 5:
            problems.append(f"components.{i}: {len(children)} buttons > 5")
        for j, child in enumerate(children):
            where = f"components.{i}.{j}"
            custom_id = child.get("custom_id")
            if child.get("type") == 2 and child.get("style") == 5:
                url = child.get("url")
                if custom_id is not None or not isinstance(url, str):
                    problems.append(f"{where}: a link button has a url and no custom_id")
                elif len(url) > 512 or not _URL.fullmatch(url):
                    problems.append(f"{where}.url: not a valid URL of at most 512")
            elif not isinstance(custom_id, str) or not 1 <= len(custom_id) <= 100:
                problems.append(f"{where}.custom_id: 1-100 characters")
            if isinstance(custom_id, str):
                if custom_id in seen:
                    problems.append(f"{where}.custom_id: duplicated {custom_id!r}")
                seen.add(custom_id)
            if child.get("type") == 2:
                label = child.get("label")
                if not label and not child.get("emoji"):
                    problems.append(f"{where}: a button needs a label or an emoji")
                if label is not None and units(label) > 80:
                    problems.append(f"{where}.label: {units(label)} > 80")
                if child.get("style") not in (1, 2, 3, 4, 5):
                    problems.append(f"{where}.style: unknown")
            elif child.get("type") == 3:
                options = child.get("options") or []
                if not 1 <= len(options) <= 25:
                    problems.append(f"{where}.options: {len(options)} not in 1-25")
                values = [o.get("value") for o in options]
                if len(set(values)) != len(values):
                    problems.append(f"{where}.options: repeated values")
                for k, option in enumerate(options):
                    label, value = option.get("label"), option.get("value")
                    if not isinstance(label, str) or not 1 <= units(label) <= 100:
                        problems.append(f"{where}.options.{k}.label: 1-100")
                    if not isinstance(value, str) or not 1 <= units(value) <= 100:
                        problems.append(f"{where}.options.{k}.value: 1-100")
                    description = option.get("description")
                    if description is not None and units(description) > 100:
                        problems.append(f"{where}.options.{k}.description: > 100")
                placeholder = child.get("placeholder")
                if placeholder is not None and units(placeholder) > 150:
                    problems.append(f"{where}.placeholder: > 150")
                low, high = child.get("min_values", 1), child.get("max_values", 1)
                if not 0 <= low <= high <= max(1, len(options)):
                    problems.append(f"{where}: min/max values")
            else:
                problems.append(f"{where}.type: {child.get('type')} not expected here")
    return problems


def validate_message(data: Any, *, create: bool) -> list[str]:
    """What Discord would say about a message payload (creating, or editing when not create)."""
    if not isinstance(data, dict):
        return ["a JSON object"]
    problems: list[str] = []
    if data.get("allowed_mentions") != {"parse": []}:
        problems.append(f"allowed_mentions must be {{'parse': []}}: {data.get('allowed_mentions')}")
    content = data.get("content")
    if content is not None:
        if not isinstance(content, str):
            problems.append("content: a string")
        elif units(content) > 2000:
            problems.append(f"content: {units(content)} > 2000")
    if data.get("embeds") is not None:
        problems.extend(_embed_problems(data["embeds"]))
    if data.get("components") is not None:
        problems.extend(_component_problems(data["components"]))
    if create and not (content or data.get("embeds")):
        problems.append("Cannot send an empty message (50006)")
    flags = int(data.get("flags") or 0)
    if flags & ~(4 | 64 | 4096):
        problems.append(f"flags: {flags} not allowed")
    if data.get("attachments"):
        problems.append("the bot never sends files")
    return problems


def validate_commands(commands: Any) -> list[str]:
    """What Discord would say about a bulk command upload."""
    if not isinstance(commands, list):
        return ["a list of commands"]
    problems: list[str] = []
    if len(commands) > 100:
        problems.append("at most 100 commands")
    names = [c.get("name") for c in commands]
    if len(set(names)) != len(names):
        problems.append("command names must be unique")
    for command in commands:
        where = f"/{command.get('name')}"
        problems.extend(_described(command, where, description_required=True))
        options = command.get("options") or []
        if len(options) > 25:
            problems.append(f"{where}: more than 25 options")
        required_done = False
        option_names = set()
        for option in options:
            at = f"{where} {option.get('name')}"
            problems.extend(_described(option, at, description_required=True))
            if option.get("name") in option_names:
                problems.append(f"{at}: repeated option name")
            option_names.add(option.get("name"))
            if option.get("type") not in OPTION_TYPES:
                problems.append(f"{at}: unexpected option type {option.get('type')}")
            if option.get("required"):
                if required_done:
                    problems.append(f"{at}: required options come first")
            else:
                required_done = True
            choices = option.get("choices") or []
            if choices and option.get("autocomplete"):
                problems.append(f"{at}: choices and autocomplete exclude each other")
            if len(choices) > 25:
                problems.append(f"{at}: more than 25 choices")
            for choice in choices:
                if not 1 <= units(str(choice.get("name", ""))) <= 100:
                    problems.append(f"{at}: choice name 1-100")
    return problems


def _described(item: dict[str, Any], where: str, *, description_required: bool) -> list[str]:
    problems: list[str] = []
    if not _valid_name(item.get("name")):
        problems.append(f"{where}: invalid name {item.get('name')!r}")
    description = item.get("description")
    if description_required and (
        not isinstance(description, str) or not 1 <= units(description) <= 100
    ):
        problems.append(f"{where}: description 1-100")
    for key in ("name_localizations", "description_localizations"):
        localized = item.get(key) or {}
        for locale, text in localized.items():
            if locale not in _LOCALES:
                problems.append(f"{where}: unknown locale {locale}")
            if key == "name_localizations" and not _valid_name(text):
                problems.append(f"{where}: invalid {locale} name {text!r}")
            if key == "description_localizations" and not 1 <= units(str(text)) <= 100:
                problems.append(f"{where}: {locale} description 1-100")
    return problems


# ---------------------------------------------------------------------- running a bot on it


def bot_tasks() -> set[asyncio.Task[Any]]:
    """discord.py's tasks for handling an interaction (the tree's invoker, view and dynamic
    item dispatch, event listeners)."""
    current = asyncio.current_task()
    return {
        task
        for task in asyncio.all_tasks()
        if task is not current
        and not task.done()
        and task.get_name().startswith(("CommandTree-invoker", "discord-ui-", "discord.py: "))
    }


async def settle(within: float = 10.0) -> None:
    """Wait until discord.py has finished handling everything fed to it."""
    async with asyncio.timeout(within):
        while pending := bot_tasks():
            await asyncio.gather(*pending, return_exceptions=True)


@contextlib.asynccontextmanager
async def fake_discord(monkeypatch: Any) -> AsyncIterator[FakeDiscord]:
    """A running fake with discord.py pointed at it (REST and gateway)."""
    import discord.gateway
    import discord.http
    import yarl

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    async with FakeDiscord() as fake:
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway)
        )
        yield fake


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """The fake for one test; at the end, nothing the bot sent may have been refused."""
    async with fake_discord(monkeypatch) as running:
        yield running
        assert running.rejections == [], "the bot sent something Discord rejects"


class Harness:
    """Bots built with ``build_bot`` and logged in to the fake, and helpers to talk to them.

    ``send`` feeds a raw ``INTERACTION_CREATE`` payload to the bot's real connection state and
    waits until discord.py has finished handling it; every bot is closed at the end.
    """

    def __init__(self, fake: FakeDiscord, tmp_path: Any) -> None:
        self.fake = fake
        self.sync_file = tmp_path / "discord-commands.json"
        self.bots: list[Any] = []

    async def start(
        self,
        lookups: Any,
        *,
        config: Any = None,
        router: Any = None,
        defer_after: float = 5.0,
        sync_file: Any = None,
    ) -> Any:
        from adapters.discord import build_bot
        from bot.config import Config, DiscordConfig

        bot = build_bot(
            config or Config(discord=DiscordConfig(token=TOKEN)),
            router=router,
            lookups=lookups,
            sync_file=sync_file or self.sync_file,
            defer_after=defer_after,
        )
        self.bots.append(bot)
        await bot.login(TOKEN)
        return bot

    async def close(self) -> None:
        for bot in self.bots:
            await bot.close()

    async def send(self, bot: Any, payload: dict[str, Any]) -> InteractionRecord:
        bot._connection.parse_interaction_create(payload)
        await settle()
        return self.fake.interactions[int(payload["id"])]

    async def slash(
        self, bot: Any, name: str, options: dict[str, Any] | None = None, **kw: Any
    ) -> InteractionRecord:
        return await self.send(bot, self.fake.slash(name, options, **kw))

    async def complete(
        self, bot: Any, name: str, focused: str, typed: str, **kw: Any
    ) -> list[dict[str, Any]]:
        record = await self.send(bot, self.fake.autocomplete(name, focused, typed, **kw))
        return record.choices

    async def press(
        self, bot: Any, message_id: int, custom_id: str, **kw: Any
    ) -> InteractionRecord:
        return await self.send(bot, self.fake.press(message_id, custom_id, **kw))

    def message(self, record: InteractionRecord) -> dict[str, Any]:
        """The message an interaction's answer ended up in (its original or last follow-up)."""
        message_id = record.followups[-1] if record.followups else record.original
        assert message_id is not None, f"no message for interaction {record.id}"
        return self.fake.messages[message_id]


def texts(message: dict[str, Any]) -> list[str]:
    """Every text of a message a user reads: content, embed texts, labels and options."""
    out = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        out += [embed.get("title") or "", embed.get("description") or ""]
        out += [(embed.get("footer") or {}).get("text") or ""]
        out += [(embed.get("author") or {}).get("name") or ""]
        for item in embed.get("fields") or []:
            out += [item["name"], item["value"]]
    for component in iter_components(message):
        out += [component.get("label") or "", component.get("placeholder") or ""]
        for option in component.get("options") or []:
            out += [option["label"], option.get("description") or ""]
    return [text for text in out if text]


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for c in iter_components(message) if c.get("custom_id")]


def select_values(message: dict[str, Any], custom_id: str) -> list[str]:
    for component in iter_components(message):
        if component.get("custom_id") == custom_id:
            return [o["value"] for o in component["options"]]
    raise AssertionError(f"no select {custom_id}")
