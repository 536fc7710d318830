"""Making the core's plain text safe and short enough for Discord.

The reply model holds plain text (titles, summaries, user queries echoed back) that may contain
Markdown characters or mention syntax: a review that says ``@everyone`` or ``<@&123>`` must show
those characters, not ping anyone or turn a title into bold text. Every message also carries
``AllowedMentions.none()`` — escaping here is about what the text *looks* like, the allowed
mentions are what guarantees nobody is pinged.

Discord measures its limits in characters; we count UTF-16 code units (an emoji outside the
Basic Multilingual Plane counts twice), which is never less than Discord's count, so a text cut
here always fits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from discord.utils import escape_markdown

ELLIPSIS = "…"
ZWSP = "\u200b"
MAX_URL = 512  # the longest URL a link button accepts; embed links are held to the same

# ``@everyone``/``@here`` and the start of user, role, channel, slash-command, emoji and
# timestamp tokens (<@1>, <@!1>, <@&1>, <#1>, </cmd:1>, <:e:1>, <a:e:1>, <t:1>, <id:home>).
_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)
_TOKEN_START = re.compile(r"<(?=[@#/]|a?:|t:|id:)")


def units(text: str) -> int:
    """The length Discord's limits are checked against (UTF-16 code units, see above)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` units, with an ellipsis when cut.

    Never ends in half an escape (a lone backslash would escape the ellipsis) and never splits
    a character.
    """
    if len(text) <= limit // 2 or units(text) <= limit:
        return text
    budget = max(0, limit - 1)
    cut = text[:budget]
    while (excess := units(cut) - budget) > 0:
        cut = cut[: len(cut) - max(1, excess // 2)]
    cut = cut.rstrip()
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + ELLIPSIS


def plain(text: str) -> str:
    """Text for places Discord shows verbatim (button labels, select options, footers,
    author names): mentions neutralised, no Markdown escapes (they would show)."""
    text = _EVERYONE.sub(lambda m: "@" + ZWSP + m.group(1), text)
    return _TOKEN_START.sub("<" + ZWSP, text)


def md(text: str, limit: int = 1024) -> str:
    """Text for places Discord renders as Markdown (content, titles, descriptions, fields).

    The text is cut to ``limit`` first (a field value's size; pass more for longer places),
    so escaping a huge text costs no more than escaping what can be shown; callers still cut
    the escaped text to its place.
    """
    return plain(escape_markdown(clip(text, limit)))


def safe_url(url: str | None) -> str | None:
    """An http(s) URL Discord will accept in a link button or embed, or None.

    A URL Discord refuses makes it reject the whole message, so anything doubtful is dropped
    (the card still names the post). Spaces, brackets and parentheses are percent-encoded so
    the URL also survives inside a Markdown link.
    """
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    cleaned = quote(url, safe=":/?#@!$&'*+,;=%~[]")
    cleaned = cleaned.replace("[", "%5B").replace("]", "%5D")
    if len(cleaned) > MAX_URL or not cleaned.isascii():
        return None
    return cleaned


def link(label: str, url: str | None) -> str:
    """A Markdown link ``[label](url)``, or just the escaped label when the URL is unusable."""
    target = safe_url(url)
    shown = md(label)
    return f"[{shown}]({target})" if target else shown


def join_lines(lines: Iterable[str], limit: int) -> str:
    """Whole lines, as many as fit in ``limit`` units, then an ellipsis line if any were left
    out — cutting between lines keeps Markdown links and escapes intact."""
    kept: list[str] = []
    used = 0
    for line in lines:
        extra = units(line) + (1 if kept else 0)
        if used + extra > limit - 2:
            if not kept:
                return clip(line, limit)
            kept.append(ELLIPSIS)
            break
        kept.append(line)
        used += extra
    return "\n".join(kept)
