"""Configuration: a TOML file validated by pydantic, with environment overrides for secrets.

A bad file stops the program with one line naming the key, because a half-understood config is
worse than none: a typo in ``[telegram] tokn`` would otherwise silently leave the bot offline.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator


class ConfigError(Exception):
    """The configuration cannot be used; ``str(err)`` is one line for the user."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageConfig(_Section):
    url: str | None = None


class LibraryConfig(_Section):
    load_samples: bool = True
    aliases: dict[str, list[str]] = Field(default_factory=dict)


class FetchConfig(_Section):
    user_agent: str = "reviewbot/0.1 (film review indexer; polite, one request at a time)"
    delay_seconds: float = Field(default=1.0, ge=0)
    timeout_seconds: float = Field(default=20.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    max_bytes: int = Field(default=20_000_000, gt=0)
    concurrency: int = Field(default=1, ge=1, le=8)
    respect_robots: bool = True


class TelegramConfig(_Section):
    """``[telegram]``: the bot token, where the Bot API is, and how updates arrive.

    Polling is the default because it needs nothing but the token; a webhook is for
    deployments behind a reverse proxy (``webhook_url`` is the public HTTPS address Telegram
    posts to, ``webhook_listen``/``webhook_port`` where the proxy forwards it). The rate limits
    are Telegram's documented flood limits, so the bot slows itself down before Telegram does.
    """

    token: SecretStr | None = None
    base_url: str | None = None  # a self-hosted Bot API server ("http://host:8081/bot")
    base_file_url: str | None = None
    webhook_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    # 1-256 of A-Z a-z 0-9 _ -; random when unset. Not in repr: even its name is noise there.
    webhook_secret: SecretStr | None = Field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str | None = None  # default: the path of webhook_url
    poll_timeout: float = Field(default=10.0, ge=0, le=50)  # long-polling seconds
    # how long a request waits for Telegram's answer; a digest send that gets none in time
    # may still have arrived, so it is not sent again ([digest] resend_uncertain)
    read_timeout: float = Field(default=10.0, gt=0, le=120)
    concurrent_updates: int = Field(default=32, ge=1, le=256)  # chats answered at once
    rate_limit_per_second: float = Field(default=30.0, ge=0)  # overall; 0 = no limiter
    rate_limit_group_per_minute: float = Field(default=20.0, ge=0)  # per group; 0 = none
    max_retries: int = Field(default=3, ge=0, le=10)  # retries of an answer after a 429
    max_retry_wait: float = Field(default=60.0, ge=0)  # longer 429 waits drop the answer
    inline_page_size: int = Field(default=20, ge=1, le=50)
    inline_cache_seconds: int = Field(default=30, ge=0, le=86400)
    admins: list[int] = Field(default_factory=list)  # user ids who run the bot (/status)

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token_charset(cls, value: SecretStr | None) -> SecretStr | None:
        """Telegram accepts only these characters in ``secret_token``; say so at start-up."""
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value


class DiscordConfig(_Section):
    """``guild_ids``: servers to upload the slash commands to (instantly); empty uploads them
    globally. ``sync_commands``: upload only when the command set ``changed`` since the last
    upload (the default: uploads are rate-limited), ``always``, or ``never``. ``admins``: the
    user ids of the people who run the bot, who may see ``/status`` anywhere."""

    token: SecretStr | None = None
    guild_ids: list[int] = Field(default_factory=list)
    sync_commands: Literal["changed", "always", "never"] = "changed"
    admins: list[int] = Field(default_factory=list)  # user ids who run the bot (/status)


class DigestConfig(_Section):
    """``[digest]``: defaults for ``/subscribe`` and how deliveries are paced and retried.

    ``stale_claim_minutes``: a claim without a message id older than this is taken to be a
    crashed send and retried (once: ``max_attempts`` counts the first try) — if the process
    died before the request left. One that died mid-request (or a send that timed out waiting
    for the answer) may already be in the chat; it is reported and, unless
    ``resend_uncertain``, not sent again: Telegram has no way to ask, and a duplicate in a
    group is what readers notice. The rate limits are
    the platforms' documented ones; ``max_retry_wait`` is the longest "retry after" waited out
    inside a tick (a longer one leaves the digest to the next tick, same local day).
    """

    enabled: bool = True
    time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str = "Asia/Seoul"
    stale_claim_minutes: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=2, ge=1, le=5)
    resend_uncertain: bool = False
    max_retry_wait: float = Field(default=120.0, ge=0)
    max_send_retries: int = Field(default=5, ge=0, le=50)
    concurrency: int = Field(default=8, ge=1, le=256)
    new_posts_per_tick: int = Field(default=5, ge=1, le=100)
    new_posts_max_age_hours: float = Field(default=24.0, gt=0)
    telegram_per_second: float = Field(default=30.0, ge=0)
    telegram_group_per_minute: float = Field(default=20.0, ge=0)
    discord_per_second: float = Field(default=50.0, ge=0)
    discord_channel_per_5s: float = Field(default=5.0, ge=0)
    watch_max_failures: int = Field(default=5, ge=1, le=100)
    watch_max_backoff_minutes: float = Field(default=24 * 60, gt=0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"not an IANA time zone: {value!r}") from None
        return value


class SourceConfig(_Section):
    """One ``[[sources]]`` entry: a feed or blog to watch every ``interval`` minutes."""

    url: str = Field(pattern=r"^https?://\S+$")
    interval: int = Field(default=60, ge=1, le=7 * 24 * 60)


class Config(_Section):
    storage: StorageConfig = Field(default_factory=StorageConfig)
    library: LibraryConfig = Field(default_factory=LibraryConfig)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    discord: DiscordConfig = Field(default_factory=DiscordConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    sources: list[SourceConfig] = Field(default_factory=list)


def default_database_url() -> str:
    """SQLite in the user's data directory, so the library survives upgrades and cwd changes."""
    data_dir = Path(platformdirs.user_data_dir("reviewbot", appauthor=False))
    return f"sqlite+aiosqlite:///{data_dir / 'reviewbot.db'}"


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"unknown key {key!r}"
    return f"bad value for {key!r}: {first['msg']}"


def find_config_path(explicit: str | None, env: dict[str, str] | None = None) -> Path | None:
    env = dict(os.environ) if env is None else env
    if explicit:
        return Path(explicit)
    if env.get("REVIEWBOT_CONFIG"):
        return Path(env["REVIEWBOT_CONFIG"])
    local = Path("config.toml")
    return local if local.is_file() else None


def _env_overrides(data: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Secrets and deployment settings from the environment win over the file."""
    mapping = {
        "REVIEWBOT_DB_URL": ("storage", "url"),
        "REVIEWBOT_TELEGRAM_TOKEN": ("telegram", "token"),
        "REVIEWBOT_DISCORD_TOKEN": ("discord", "token"),
    }
    for name, (section, key) in mapping.items():
        if env.get(name):
            data.setdefault(section, {})
            if isinstance(data[section], dict):
                data[section][key] = env[name]
    samples = env.get("REVIEWBOT_SAMPLES")
    if samples is not None and samples.strip() != "":
        data.setdefault("library", {})
        if isinstance(data["library"], dict):
            data["library"]["load_samples"] = samples.strip().lower() not in {"0", "false", "no"}
    return data


def load_config(path: str | None = None, env: dict[str, str] | None = None) -> Config:
    """Read the config (``--config``, ``REVIEWBOT_CONFIG`` or ``./config.toml``) and the env."""
    env = dict(os.environ) if env is None else env
    found = find_config_path(path, env)
    data: dict[str, Any] = {}
    if found is not None:
        try:
            data = tomllib.loads(found.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {found}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {found}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {found} is not valid TOML: {exc}") from None
    data = _env_overrides(data, env)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        where = f"config {found}: " if found else "config: "
        raise ConfigError(where + _describe(exc)) from None


def database_url(config: Config, override: str | None = None) -> str:
    return override or config.storage.url or default_database_url()
