"""The core's reply model as Telegram messages: HTML text and inline keyboards.

Telegram rejects a whole message for one unsupported tag, one stray ``<`` or ``&``, text over
4,096 characters (counted after entity parsing, in UTF-16 code units) or callback data over 64
bytes. So nothing here concatenates user-visible strings into HTML by hand: every reply is first
built as *blocks* of *lines* of plain-text :class:`Span` s carrying at most a style and a link,
and only :func:`Span.html` turns them into markup, escaping every string (titles with ``<``, ``&``
and quotes are data, never markup). The visible length of a message is then simply the UTF-16
length of its spans, which is exactly what Telegram counts, so long answers are split at
paragraph (block) boundaries without guessing.

Buttons: one keyboard per reply, attached to its last message. Callback buttons carry the core's
action tokens verbatim (stateless, ≤ 64 bytes, valid after a restart); "open post" becomes a URL
button. Anything that would make Telegram refuse the message (an overlong token, a URL that is
not http(s)) is dropped and logged instead of failing the answer.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.actions import start_payload
from bot.i18n import t
from bot.replies import Action, ActionKind, Card, Choice, RelatedBlock, Reply, ReplyKind
from bot.results import RelatedOrigin

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # characters of a message after entity parsing (UTF-16 code units)
CALLBACK_LIMIT = 64  # bytes of callback data
MAX_BUTTONS = 100  # Telegram's limit for one inline keyboard
MAX_ROW = 8  # buttons in one row
LABEL_CHARS = 48  # longer labels are cut (Telegram would cut them on screen anyway)
MAX_PARTS = 8  # a reply longer than this many messages is cut (none is, by the core's limits)
URL_LIMIT = 2048
ELLIPSIS = "…"

_SPACES = re.compile(r"\s+")
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def utf16_len(text: str) -> int:
    """How long Telegram considers ``text``: UTF-16 code units (emoji and rare CJK count 2)."""
    return len(text.encode("utf-16-le")) // 2


def cut_utf16(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-16 code units, never inside a surrogate pair."""
    if utf16_len(text) <= limit:
        return text
    out: list[str] = []
    used = 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > limit:
            break
        out.append(char)
        used += size
    return "".join(out)


def safe_url(url: str | None) -> str | None:
    """``url`` as Telegram accepts it in ``<a href>`` and URL buttons, or None.

    Only absolute http(s) URLs are kept (a ``javascript:`` or relative link is dropped, not
    rendered); spaces, quotes, angle brackets and non-ASCII characters are percent-encoded
    and an internationalised host name is IDNA-encoded, because Telegram refuses the whole
    message for one button URL it considers invalid.
    """
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if not host.isascii():
            netloc = parts.netloc.replace(host, host.encode("idna").decode("ascii"))
            url = parts._replace(netloc=netloc).geturl()
    except (ValueError, UnicodeError):
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    quoted = quote(url, safe=_URL_SAFE)
    if len(quoted) > URL_LIMIT or any(ch.isspace() for ch in quoted):
        return None
    return quoted


def label(text: str, limit: int = LABEL_CHARS) -> str:
    """A button label: one line, at most ``limit`` characters, never empty."""
    text = _SPACES.sub(" ", text).strip() or "…"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


# ---------------------------------------------------------------------- spans and blocks


@dataclass(frozen=True, slots=True)
class Span:
    """A run of plain text with at most one style (``b``, ``i``, ``code``) and one link."""

    text: str
    style: str | None = None
    href: str | None = None

    def html(self) -> str:
        body = html.escape(self.text, quote=False)
        if not body:
            return ""
        if self.style:
            body = f"<{self.style}>{body}</{self.style}>"
        if self.href:
            body = f'<a href="{html.escape(self.href, quote=True)}">{body}</a>'
        return body

    @property
    def size(self) -> int:
        return utf16_len(self.text)


Line = tuple[Span, ...]
Block = tuple[Line, ...]  # a paragraph: lines joined by "\n"; blocks are joined by "\n\n"


def _line_size(line: Line) -> int:
    return sum(span.size for span in line)


def _block_size(block: Block) -> int:
    return sum(_line_size(line) for line in block) + max(0, len(block) - 1)


def _line_html(line: Line) -> str:
    return "".join(span.html() for span in line)


def _line_text(line: Line) -> str:
    return "".join(span.text for span in line)


def _cut_line(line: Line, limit: int) -> Line:
    """The line cut to ``limit`` visible characters, the cut marked with an ellipsis."""
    if _line_size(line) <= limit:
        return line
    budget = max(0, limit - 1)
    out: list[Span] = []
    for span in line:
        if budget <= 0:
            break
        text = cut_utf16(span.text, budget)
        if text:
            out.append(Span(text, span.style, span.href))
        budget -= utf16_len(text)
    out.append(Span(ELLIPSIS))
    return tuple(out)


def _fit(block: Block, limit: int) -> list[Block]:
    """The block as pieces of at most ``limit`` visible characters: split between lines,
    and a single line longer than a whole message is cut."""
    if _block_size(block) <= limit:
        return [block]
    pieces: list[Block] = []
    current: list[Line] = []
    used = 0
    for line in block:
        line = _cut_line(line, limit)
        size = _line_size(line)
        extra = size + (1 if current else 0)
        if current and used + extra > limit:
            pieces.append(tuple(current))
            current, used, extra = [], 0, size
        current.append(line)
        used += extra
    if current:
        pieces.append(tuple(current))
    return pieces


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    """One message to send: its HTML, its visible text (for a plain-text fallback), the
    keyboard (on the last message of a reply only) and the link to preview, if any."""

    html: str
    text: str
    keyboard: InlineKeyboardMarkup | None = None
    preview_url: str | None = None

    @property
    def link_preview(self) -> LinkPreviewOptions:
        if self.preview_url:
            return LinkPreviewOptions(url=self.preview_url, prefer_small_media=True)
        return LinkPreviewOptions(is_disabled=True)


def pack(blocks: Sequence[Block], limit: int = TEXT_LIMIT) -> list[tuple[str, str]]:
    """``(html, visible text)`` of each message the blocks fill, split between blocks (then
    between lines) so that no message exceeds ``limit`` visible characters."""
    messages: list[list[Block]] = []
    current: list[Block] = []
    used = 0
    for block in blocks:
        if not block:
            continue
        for piece in _fit(block, limit):
            size = _block_size(piece)
            extra = size + (2 if current else 0)
            if current and used + extra > limit:
                messages.append(current)
                current, used, extra = [], 0, size
            current.append(piece)
            used += extra
    if current:
        messages.append(current)
    out = []
    for message in messages:
        out.append(
            (
                "\n\n".join("\n".join(_line_html(line) for line in block) for block in message),
                "\n\n".join("\n".join(_line_text(line) for line in block) for block in message),
            )
        )
    return out or [(ELLIPSIS, ELLIPSIS)]


# ---------------------------------------------------------------------- the reply's text


def _meta(card: Card) -> str:
    bits: list[str] = []
    if card.film_label:
        bits.append(f"🎬 {card.film_label}")
    if card.published:
        bits.append(card.published.isoformat())
    if card.category:
        bits.append(" › ".join(card.category))
    return " · ".join(bits)


def card_block(card: Card, lang: str, number: int | None = None) -> Block:
    """A review card: numbered title (a link to the post), film and date, flags, summary and
    themes."""
    title: list[Span] = []
    if number is not None:
        title.append(Span(f"{number}. ", "b"))
    title.append(Span(card.title or "…", "b", safe_url(card.url)))
    lines: list[Line] = [tuple(title)]
    meta = _meta(card)
    if meta:
        lines.append((Span(meta),))
    flags = [
        t(key, lang) for key, on in (("label.stub", card.stub), ("label.teaser", card.teaser)) if on
    ]
    if flags:
        lines.append((Span(" · ".join(flags), "i"),))
    if card.summary:
        lines.append((Span(card.summary),))
    if card.themes:
        lines.append((Span(f"{t('label.themes', lang)}: ", "i"), Span(", ".join(card.themes))))
    return tuple(lines)


def _related_blocks(related: Sequence[RelatedBlock], lang: str) -> list[Block]:
    blocks: list[Block] = []
    origin: RelatedOrigin | None = None
    lines: list[Line] = []
    for item in related:
        if item.origin is not origin:
            if lines:
                blocks.append(tuple(lines))
            origin = item.origin
            key = "related.blog" if origin is RelatedOrigin.BLOG else "related.similar"
            lines = [(Span(t(key, lang), "b"),)]
        line: list[Span] = [Span("• "), Span(item.title or "…", href=safe_url(item.url))]
        extra = [x for x in (item.film, item.published and item.published.isoformat()) if x]
        if extra:
            line.append(Span(" · " + " · ".join(extra)))
        if item.stub:
            line.append(Span(f" ({t('label.stub', lang)})", "i"))
        lines.append(tuple(line))
    if lines:
        blocks.append(tuple(lines))
    return blocks


def reply_blocks(reply: Reply) -> list[Block]:
    """The reply's text as blocks, in reading order. Choices and suggestions are buttons, so
    they are not repeated in the text."""
    lang = reply.lang
    blocks: list[Block] = []
    single = len(reply.cards) == 1
    skip_headline = (
        reply.kind is ReplyKind.CARD and single and reply.headline == reply.cards[0].title
    )
    if not skip_headline and reply.headline:
        plain = reply.kind in (ReplyKind.TEXT, ReplyKind.ERROR)
        blocks.append(((Span(reply.headline, None if plain else "b"),),))
    if reply.notes:
        blocks.append(tuple((Span(note, "i"),) for note in reply.notes))
    for index, card in enumerate(reply.cards, 1):
        blocks.append(card_block(card, lang, None if single else index))
    for section in reply.sections:
        heading = section.heading or t("label.intro", lang)
        lines: list[Line] = [(Span(heading, "b"),)]
        if section.excerpt:
            lines.append((Span(section.excerpt),))
        blocks.append(tuple(lines))
    blocks.extend(_related_blocks(reply.related, lang))
    if reply.commands:
        blocks.append(
            tuple(
                (
                    Span(command.command),
                    Span(f" {command.args}" if command.args else "", "i"),
                    Span(f" — {command.description}"),
                )
                for command in reply.commands
            )
        )
    if reply.page and reply.page.total > 1:
        page = t("label.page", lang, number=reply.page.number, total=reply.page.total)
        blocks.append(((Span(page, "i"),),))
    return blocks


# ---------------------------------------------------------------------- buttons


def _callback(text: str, token: str) -> InlineKeyboardButton | None:
    if not token or len(token.encode("utf-8")) > CALLBACK_LIMIT:
        log.warning("telegram: dropped a button whose token does not fit: %r", token[:80])
        return None
    return InlineKeyboardButton(label(text), callback_data=token)


def _link(text: str, url: str | None) -> InlineKeyboardButton | None:
    href = safe_url(url)
    if href is None:
        return None
    return InlineKeyboardButton(label(text), url=href)


def action_button(action: Action, text: str | None = None) -> InlineKeyboardButton | None:
    """The button for an action: a callback with its token, or a link for "open post"."""
    shown = text if text is not None else action.label
    if action.kind is ActionKind.OPEN_POST:
        return _link(shown + " ↗", action.url)
    return _callback(shown, action.token or "")


def _choice_label(choice: Choice, lang: str) -> str:
    if choice.count is None:
        return choice.label
    key = "label.reviews" if choice.kind is ActionKind.PICK_FILM else "label.posts"
    return f"{choice.label} · {t(key, lang, count=choice.count)}"


def _rows(
    buttons: Iterable[InlineKeyboardButton | None], width: int
) -> list[list[InlineKeyboardButton]]:
    row: list[InlineKeyboardButton] = []
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        if button is None:
            continue
        row.append(button)
        if len(row) >= width:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return rows


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons: a row per card (numbered like the cards), one per related post
    and choice, suggestions two a row, then the reply's own (pages, "another one")."""
    lang = reply.lang
    rows: list[list[InlineKeyboardButton]] = []
    numbered = len(reply.cards) > 1
    for index, card in enumerate(reply.cards, 1):
        prefix = f"{index} · " if numbered else ""
        rows.extend(
            _rows((action_button(a, prefix + a.label) for a in card.actions), width=MAX_ROW)
        )
    for block in reply.related:
        for action in block.actions:
            icon = "🔗 " if action.kind is ActionKind.OPEN_POST else "📄 "
            rows.extend(_rows([action_button(action, icon + block.title)], width=1))
    rows.extend(_rows((_callback(_choice_label(c, lang), c.token) for c in reply.choices), width=1))
    rows.extend(_rows((_callback(c.label, c.token) for c in reply.suggestions), width=2))
    rows.extend(_rows((action_button(a) for a in reply.actions), width=MAX_ROW))
    kept: list[list[InlineKeyboardButton]] = []
    count = 0
    for row in rows:
        if count + len(row) > MAX_BUTTONS:
            log.warning("telegram: a reply had more than %d buttons; cut", MAX_BUTTONS)
            break
        kept.append(row)
        count += len(row)
    return InlineKeyboardMarkup(kept) if kept else None


# ---------------------------------------------------------------------- whole replies


def _preview(reply: Reply) -> str | None:
    """A single review shows its post's link preview; lists and notes show none (a preview
    of the first link would pretend the first result is the answer)."""
    if len(reply.cards) == 1 and reply.kind in (ReplyKind.CARD, ReplyKind.SECTIONS):
        return safe_url(reply.cards[0].url)
    return None


def _read_more(reply: Reply) -> Block | None:
    url = next((safe_url(card.url) for card in reply.cards if safe_url(card.url)), None)
    if url is None:
        return None
    return ((Span(t("telegram.read_more", reply.lang) + " ›", "b", url),),)


def render(reply: Reply, *, single: bool = False) -> list[TelegramMessage]:
    """The messages a reply becomes.

    Usually one; a long reply (many section excerpts) is split at paragraph boundaries into
    several, the keyboard on the last. ``single`` forces one message (an edit in place, an
    unprompted delivery, an inline result): what does not fit is cut, ending with a "read
    more" link to the post when there is one.
    """
    blocks = reply_blocks(reply)
    buttons = keyboard(reply)
    preview = _preview(reply)
    if single:
        parts = pack(blocks)
        if len(parts) > 1:
            more = _read_more(reply)
            reserve = _block_size(more) + 2 if more else 0
            kept = pack(blocks, TEXT_LIMIT - reserve)[0]
            if more:
                tail = pack([more])[0]
                kept = (kept[0] + "\n\n" + tail[0], kept[1] + "\n\n" + tail[1])
            parts = [kept]
        return [TelegramMessage(parts[0][0], parts[0][1], buttons, preview)]
    parts = pack(blocks)
    if len(parts) > MAX_PARTS:
        log.warning("telegram: a reply needed %d messages; sending %d", len(parts), MAX_PARTS)
        parts = parts[:MAX_PARTS]
    last = len(parts) - 1
    return [
        TelegramMessage(
            html_text,
            plain,
            buttons if i == last else None,
            preview if i == 0 else None,
        )
        for i, (html_text, plain) in enumerate(parts)
    ]


def deep_link(username: str | None, post_id: int) -> str | None:
    """``https://t.me/<bot>?start=r<id>``: opens the review in a private chat with the bot."""
    if not username:
        return None
    try:
        return f"https://t.me/{username}?start={start_payload(post_id)}"
    except ValueError:
        return None


__all__ = [
    "CALLBACK_LIMIT",
    "TEXT_LIMIT",
    "Block",
    "Span",
    "TelegramMessage",
    "action_button",
    "card_block",
    "cut_utf16",
    "deep_link",
    "keyboard",
    "label",
    "pack",
    "render",
    "reply_blocks",
    "safe_url",
    "utf16_len",
]
