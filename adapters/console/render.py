"""Rendering the core's reply model for a terminal: coloured rich renderables, or plain text.

Every string from the reply is put into :class:`rich.text.Text` as data, never parsed as rich
markup, so a title such as ``[bold]<b>&`` shows exactly as written. Rich measures Korean by
display width (two cells a syllable), so panels stay aligned and lines wrap between words.

Buttons are numbered in :meth:`Reply.all_actions` order, the order the chat loop uses to map a
typed number back to a button.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text

from bot.i18n import t
from bot.replies import (
    Action,
    ActionKind,
    Card,
    Choice,
    RelatedBlock,
    Reply,
    ReplyKind,
)
from bot.results import RelatedOrigin

HEADLINE_STYLE = {
    ReplyKind.ERROR: "bold red",
    ReplyKind.TEXT: "bold yellow",
}
Offer = Action | Choice


def offers(reply: Reply) -> list[Offer]:
    """The reply's buttons, numbered from 1 in this order."""
    return list(reply.all_actions())


class _Numbers:
    """Hands out button numbers while rendering, in :meth:`Reply.all_actions` order."""

    def __init__(self) -> None:
        self.next = 1

    def take(self) -> int:
        number = self.next
        self.next += 1
        return number


def _meta(card: Card, lang: str) -> list[str]:
    bits: list[str] = []
    if card.film_label:
        bits.append(f"🎬 {card.film_label}")
    if card.published:
        bits.append(card.published.isoformat())
    if card.category:
        bits.append(" > ".join(card.category))
    return bits


def _action_line(actions: tuple[Action, ...], numbers: _Numbers) -> Text:
    line = Text()
    for action in actions:
        if line:
            line.append("  ")
        line.append(f"[{numbers.take()}]", style="bold cyan")
        line.append(f" {action.label}", style="cyan")
    return line


def _card(card: Card, reply: Reply, numbers: _Numbers) -> Panel:
    lang = reply.lang
    body: list[RenderableType] = []
    meta = _meta(card, lang)
    if meta:
        body.append(Text(" · ".join(meta), style="dim"))
    flags = []
    if card.stub:
        flags.append(t("label.stub", lang))
    if card.teaser:
        flags.append(t("label.teaser", lang))
    if flags:
        body.append(Text(" · ".join(flags), style="yellow"))
    if card.summary:
        body.append(Text(card.summary))
    if card.themes:
        themes = Text(f"{t('label.themes', lang)}: ", style="magenta")
        themes.append(", ".join(card.themes), style="default")
        body.append(themes)
    if card.url:
        body.append(Text(card.url, style=Style(color="blue", underline=True, link=card.url)))
    if card.actions:
        body.append(_action_line(card.actions, numbers))
    title = Text(f"#{card.post_id} ", style="bold cyan")
    title.append(card.title, style="bold")
    return Panel(
        Group(*body) if body else Text(""),
        title=title,
        title_align="left",
        border_style="dim" if card.stub else "cyan",
    )


def _related(blocks: tuple[RelatedBlock, ...], lang: str, numbers: _Numbers) -> Iterator[Text]:
    origin: RelatedOrigin | None = None
    for block in blocks:
        if block.origin is not origin:
            origin = block.origin
            key = "related.blog" if origin is RelatedOrigin.BLOG else "related.similar"
            yield Text(t(key, lang), style="bold")
        line = Text("  ")
        for _ in block.actions:
            line.append(f"[{numbers.take()}] ", style="bold cyan")
        if not block.actions:
            line.append("    ")
        line.append(block.title)
        extra = [x for x in (block.film, block.published and block.published.isoformat()) if x]
        if extra:
            line.append(" · " + " · ".join(extra), style="dim")
        if block.stub:
            line.append(f" ({t('label.stub', lang)})", style="yellow")
        if block.url and not any(a.kind is ActionKind.REVIEW for a in block.actions):
            line.append(f"  {block.url}", style=Style(color="blue", link=block.url))
        yield line


def _choices(choices: tuple[Choice, ...], lang: str, numbers: _Numbers) -> Iterator[Text]:
    for choice in choices:
        line = Text("  " * (choice.depth + 1))
        line.append(f"[{numbers.take()}] ", style="bold cyan")
        line.append(choice.label)
        if choice.count is not None:
            key = "label.reviews" if choice.kind is ActionKind.PICK_FILM else "label.posts"
            line.append(f" — {t(key, lang, count=choice.count)}", style="dim")
        yield line


def render(reply: Reply) -> RenderableType:
    """The reply as rich renderables, buttons numbered."""
    lang = reply.lang
    numbers = _Numbers()
    parts: list[RenderableType] = [
        Text(reply.headline, style=HEADLINE_STYLE.get(reply.kind, "bold"))
    ]
    parts.extend(Text(note, style="italic cyan") for note in reply.notes)
    parts.extend(_card(card, reply, numbers) for card in reply.cards)
    for section in reply.sections:
        parts.append(Text(section.heading or t("label.intro", lang), style="bold green"))
        parts.append(Text(section.excerpt))
    parts.extend(_related(reply.related, lang, numbers))
    parts.extend(_choices(reply.choices, lang, numbers))
    parts.extend(_choices(reply.suggestions, lang, numbers))
    if reply.commands:
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(style="dim", no_wrap=True)
        table.add_column()
        for command in reply.commands:
            table.add_row(command.command, command.args, command.description)
        parts.append(table)
    footer = Text()
    if reply.page:
        footer.append(
            t("label.page", lang, number=reply.page.number, total=reply.page.total), style="dim"
        )
    if reply.actions:
        if footer:
            footer.append("  ")
        footer.append_text(_action_line(reply.actions, numbers))
    if footer:
        parts.append(footer)
    return Group(*parts)


# ---------------------------------------------------------------------- plain text


def _command_for(offer: Offer) -> str:
    """What to type (or pass to ``ask --action``) instead of pressing a button."""
    if isinstance(offer, Action) and offer.url:
        return offer.url
    token = offer.token or ""
    prefix, _, rest = token.partition(":")
    commands = {"v": "/review", "s": "/sections", "r": "/related"}
    if prefix in commands and rest.isdigit():
        return f"{commands[prefix]} {rest}"
    return f"--action {token}"


def render_plain(reply: Reply) -> str:
    """The reply as plain text for scripts and pipes: no colours, no boxes, and each button
    shown with the command (or ``ask --action TOKEN``) that does the same."""
    lang = reply.lang
    lines: list[str] = [reply.headline, *reply.notes]

    def button(offer: Offer, label: str) -> str:
        return f"{label}: {_command_for(offer)}"

    for card in reply.cards:
        lines.append("")
        lines.append(f"#{card.post_id} {card.title}")
        meta = _meta(card, lang)
        if card.stub:
            meta.append(t("label.stub", lang))
        if card.teaser:
            meta.append(t("label.teaser", lang))
        if meta:
            lines.append("  " + " · ".join(meta))
        if card.summary:
            lines.append("  " + card.summary)
        if card.themes:
            lines.append(f"  {t('label.themes', lang)}: " + ", ".join(card.themes))
        for action in card.actions:
            if action.kind is not ActionKind.OPEN_POST:
                lines.append("  " + button(action, action.label))
        if card.url:
            lines.append("  " + card.url)
    for section in reply.sections:
        lines.append("")
        lines.append(section.heading or t("label.intro", lang))
        lines.append(section.excerpt)
    origin: RelatedOrigin | None = None
    for block in reply.related:
        if block.origin is not origin:
            origin = block.origin
            lines.append("")
            lines.append(
                t("related.blog" if origin is RelatedOrigin.BLOG else "related.similar", lang)
            )
        extra = [x for x in (block.film, block.published and block.published.isoformat()) if x]
        if block.stub:
            extra.append(t("label.stub", lang))
        ref = f"#{block.post_id} " if block.post_id is not None and not block.stub else ""
        lines.append(f"- {ref}{block.title}" + (" · " + " · ".join(extra) if extra else ""))
        if block.url:
            lines.append(f"  {block.url}")
    choices = [*reply.choices, *reply.suggestions]
    if choices:
        lines.append("")
    for choice in choices:
        count = ""
        if choice.count is not None:
            key = "label.reviews" if choice.kind is ActionKind.PICK_FILM else "label.posts"
            count = f" ({t(key, lang, count=choice.count)})"
        lines.append("  " * choice.depth + "- " + button(choice, choice.label + count))
    if reply.commands:
        lines.append("")
        for command in reply.commands:
            usage = f"{command.command} {command.args}".strip()
            lines.append(f"{usage} — {command.description}")
    if reply.page or reply.actions:
        lines.append("")
    if reply.page:
        lines.append(t("label.page", lang, number=reply.page.number, total=reply.page.total))
    for action in reply.actions:
        lines.append(button(action, action.label))
    return "\n".join(lines)
