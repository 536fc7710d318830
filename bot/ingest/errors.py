"""Errors raised while reading a source; every message is one user-facing line."""

from __future__ import annotations


class IngestError(Exception):
    """A source could not be read or understood. ``str(err)`` is shown to the user as is."""


class NotAPost(IngestError):
    """The source is readable but holds no post (a home or list page, an empty feed)."""


class FetchError(IngestError):
    """A URL could not be fetched (timeout, refused, HTTP error, too large)."""
