"""Tell what a source is from its content, never from its name: exports are often saved with
the wrong extension (an RSS feed as ``.html``, a page as ``.txt``)."""

from __future__ import annotations

import enum
import re

from bot.ingest.decode import decode_bytes
from bot.ingest.feeds import looks_like_feed
from bot.ingest.markdown import looks_like_markdown


class ContentKind(enum.StrEnum):
    FEED = "feed"
    HTML = "html"
    MARKDOWN = "markdown"
    TEXT = "text"


_HTML_START = re.compile(
    r"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body|<meta|<div|<article|<section"
    r"|<main|<p[\s>]|<h[1-6][\s>]|<table|<figure)",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"</?(?:p|div|span|h[1-6]|br|a|img|table|figure|article)\b[^>]*>", re.I)


def looks_like_html(text: str) -> bool:
    """A document or fragment that starts like HTML, or text dense with block tags."""
    head = text[:4096].lstrip("\ufeff")
    if _HTML_START.match(head):
        return True
    return len(_TAG.findall(head)) >= 8


def detect(data: bytes, *, content_type: str | None = None) -> tuple[ContentKind, str]:
    """The kind of ``data`` and its decoded text (IngestError for binary or empty input)."""
    text = decode_bytes(data, content_type=content_type)
    if looks_like_feed(data):
        return ContentKind.FEED, text
    if looks_like_html(text):
        return ContentKind.HTML, text
    if looks_like_markdown(text):
        return ContentKind.MARKDOWN, text
    return ContentKind.TEXT, text
