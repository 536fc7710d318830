"""Uploading the slash commands only when they changed.

Discord rate-limits command uploads (a few hundred a day) and a global upload takes a while to
reach every client, so uploading on every start is both wasteful and risky for a bot that is
restarted often. Instead the exact payload ``CommandTree.sync`` would upload (translations
included) is hashed, and the hash of the last successful upload is kept per application and
scope (global, or one guild) in a small JSON file in the user data directory. A start with an
unchanged command set uploads nothing.

The file is a cache: losing it only costs one upload. ``[discord] sync_commands = "always"``
forces an upload (e.g. after deleting commands in the developer portal), ``"never"`` leaves
commands alone entirely.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import discord
import platformdirs
from discord import app_commands

log = logging.getLogger(__name__)

SyncMode = Literal["changed", "always", "never"]
SYNC_FILE = "discord-commands.json"


def default_sync_path() -> Path:
    return Path(platformdirs.user_data_dir("reviewbot", appauthor=False)) / SYNC_FILE


class SyncStore:
    """Hashes of the command sets last uploaded, by ``<application id>:<scope>``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_sync_path()

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def _write(self, key: str, value: str) -> None:
        data = self._read()
        data[key] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)

    async def get(self, key: str) -> str | None:
        return (await asyncio.to_thread(self._read)).get(key)

    async def put(self, key: str, value: str) -> None:
        try:
            await asyncio.to_thread(self._write, key, value)
        except OSError:
            log.warning("could not remember the synced commands in %s", self.path, exc_info=True)


async def command_payload(
    tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None
) -> list[dict[str, Any]]:
    """What ``tree.sync(guild=guild)`` uploads, computed the same way."""
    translator = tree.translator
    payload: list[dict[str, Any]] = []
    for command in tree.get_commands(guild=guild):
        if translator is not None:
            payload.append(await command.get_translated_payload(tree, translator))
        else:
            payload.append(command.to_dict(tree))
    return payload


def payload_hash(payload: list[dict[str, Any]]) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def sync_commands(
    tree: app_commands.CommandTree[Any],
    *,
    application_id: int,
    guild_ids: Sequence[int],
    store: SyncStore,
    mode: SyncMode = "changed",
) -> list[str]:
    """Upload the commands where they changed: to each of ``guild_ids`` (instant), else
    globally. Returns the scopes uploaded (``"global"`` or guild ids as text).

    A guild that refuses (the bot was invited without the ``applications.commands`` scope)
    and an upload that fails are logged and skipped, so they cannot keep the bot from
    starting; nothing is remembered for them, so the next start tries again.
    """
    if mode == "never":
        return []
    scopes: list[discord.Object | None] = [discord.Object(id=g) for g in guild_ids] or [None]
    synced: list[str] = []
    for guild in scopes:
        if guild is not None:
            tree.copy_global_to(guild=guild)
        name = "global" if guild is None else str(guild.id)
        key = f"{application_id}:{name}"
        digest = payload_hash(await command_payload(tree, guild))
        if mode == "changed" and await store.get(key) == digest:
            log.info("discord: commands for %s unchanged, not syncing", name)
            continue
        try:
            await tree.sync(guild=guild)
        except discord.Forbidden:
            log.warning(
                "discord: not allowed to add commands to guild %s; invite the bot with the "
                "'bot applications.commands' scopes",
                name,
            )
            continue
        except (discord.HTTPException, discord.RateLimited):
            # The commands uploaded before keep working; the next start tries again.
            log.exception("discord: could not upload the commands for %s", name)
            continue
        await store.put(key, digest)
        synced.append(name)
        log.info("discord: synced commands for %s", name)
    return synced
