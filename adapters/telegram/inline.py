"""Inline mode (``@bot 기생충`` in any chat): the router's inline reply as Telegram results.

Each result is an article whose message is a self-contained HTML review card. Inline
messages land in chats the bot may not be in, so their buttons are links only — the post
itself and a deep link that opens the review in a private chat with the bot — never callbacks,
which the bot could answer only by editing that one message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import InlineQueryLimit, ParseMode

from adapters.telegram.render import TEXT_LIMIT, card_block, deep_link, label, pack, safe_url
from bot.actions import MAX_OFFSET
from bot.i18n import t
from bot.replies import Card, Reply

MAX_RESULTS = InlineQueryLimit.RESULTS  # 50
DESCRIPTION_CHARS = 160
TITLE_CHARS = 100
HELP_PAYLOAD = "help"  # /start help: any payload that is not a review opens the welcome text


@dataclass(frozen=True, slots=True)
class InlineAnswer:
    """What to pass to ``answerInlineQuery``."""

    results: list[InlineQueryResultArticle]
    next_offset: str
    button: InlineQueryResultsButton | None


def parse_offset(offset: str | None) -> int:
    """The offset Telegram echoes back from our ``next_offset``; anything else is 0."""
    if not offset or not offset.isascii() or not offset.isdigit() or len(offset) > 6:
        return 0
    return min(int(offset), MAX_OFFSET)


def card_keyboard(card: Card, lang: str, username: str | None) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    url = safe_url(card.url)
    if url:
        rows.append([InlineKeyboardButton(label(t("action.open", lang) + " ↗"), url=url)])
    link = deep_link(username, card.post_id)
    if link and not card.stub:
        rows.append([InlineKeyboardButton(label(t("telegram.open_in_bot", lang)), url=link)])
    return InlineKeyboardMarkup(rows) if rows else None


def _description(card: Card) -> str:
    bits = [x for x in (card.film_label, card.summary) if x]
    text = " · ".join(bits)
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1] + "…"


def result(card: Card, lang: str, username: str | None) -> InlineQueryResultArticle:
    html_text, _plain = pack([card_block(replace(card, actions=()), lang)], TEXT_LIMIT)[0]
    url = safe_url(card.url)
    return InlineQueryResultArticle(
        id=f"r{card.post_id}",
        title=label(card.title, TITLE_CHARS),
        description=_description(card) or None,
        input_message_content=InputTextMessageContent(
            html_text,
            parse_mode=ParseMode.HTML,
            link_preview_options=(
                LinkPreviewOptions(url=url, prefer_small_media=True)
                if url
                else LinkPreviewOptions(is_disabled=True)
            ),
        ),
        reply_markup=card_keyboard(card, lang, username),
        url=url,
    )


def inline_answer(reply: Reply, username: str | None, *, query: str = "") -> InlineAnswer:
    """Results for the reply's cards (at most 50, ids unique), ``next_offset`` ("" at the end)
    and, when there is nothing to show, a button that opens the bot with help."""
    results: list[InlineQueryResultArticle] = []
    seen: set[str] = set()
    for card in reply.cards[:MAX_RESULTS]:
        article = result(card, reply.lang, username)
        if article.id not in seen:
            seen.add(article.id)
            results.append(article)
    next_offset = ""
    if reply.page and reply.page.next_offset is not None and results:
        next_offset = str(reply.page.next_offset)
    button = None
    if not results:
        key = "telegram.inline_none" if query.strip() else "telegram.inline_hint"
        button = InlineQueryResultsButton(
            text=label(t(key, reply.lang), 64), start_parameter=HELP_PAYLOAD
        )
    return InlineAnswer(results, next_offset, button)
