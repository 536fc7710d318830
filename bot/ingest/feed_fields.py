"""Reading feedparser's dictionaries, shared by the general and the Letterboxd feed readers."""

from __future__ import annotations

from typing import Any


def _raw(obj: Any, key: str) -> Any:
    """A key of a feedparser dict without its keymap fallbacks (``updated`` → ``published``)."""
    return dict.get(obj, key) if isinstance(obj, dict) else None


def _str(obj: Any, key: str) -> str | None:
    """A stripped, non-empty string field, else None."""
    value = _raw(obj, key)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None
