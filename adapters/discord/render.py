"""The core's reply model as a Discord message: embeds, buttons and select menus.

Rendering is pure (no I/O, no discord.py state) and always produces a message Discord accepts:
every text is escaped (:mod:`adapters.discord.text`) and cut to Discord's limits — title 256,
description 4,096, 25 fields of 256/1,024, footer 2,048, author 256, 6,000 in all; 2,000 for
content; at most 5 component rows of 5 buttons or one select of 25 options, labels 80/100,
custom ids 100. A message Discord rejects is a message the user never sees, so the limits are
enforced here rather than hoped for.

Layout, by reply kind:

- results (``CARDS``): one embed, a field per card; each card's buttons are gathered into one
  select menu per kind ("sections of…", "related posts of…"), links go into the field text;
  the reply's own buttons (previous/next page) form the last row. A single card keeps its
  buttons as buttons.
- one review (``CARD``, ``SECTIONS``): the card is the embed (title linked to the post), its
  buttons are buttons, the post's link is a link button.
- related posts: listed in the embed, grouped by origin; the ones in the library are offered
  in a select menu.
- film or category choices: listed in the embed and offered in select menus (25 per menu).
- help: one field per command, named as Discord shows it in the reply's language (``/영화``).
- notes, usage lines and errors (``TEXT``, ``ERROR``) and ``HELP`` are private to the asker
  (ephemeral); everything else is posted in the channel.

Buttons carry the core's action tokens in their custom ids (see :mod:`adapters.discord.views`),
so they keep working after a restart.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import discord

from adapters.discord.text import clip, join_lines, link, md, plain, safe_url, units
from bot.i18n import has, t
from bot.replies import Action, ActionKind, Card, Choice, RelatedBlock, Reply, ReplyKind
from bot.results import RelatedOrigin

# Discord's limits (https://discord.com/developers/docs/resources/message).
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ROWS_MAX = 5
BUTTONS_PER_ROW = 5
OPTIONS_MAX = 25
BUTTON_LABEL_MAX = 80
OPTION_LABEL_MAX = 100
OPTION_DESCRIPTION_MAX = 100
PLACEHOLDER_MAX = 150
CUSTOM_ID_MAX = 100

# Custom ids: "rb:<mode>:<token>" for buttons, "rbs:<mode>:<slot>" for selects (the chosen
# option's value is the token). Mode "e" edits the message the component is on (pagination,
# "another one", picking a film from a list); "n" answers with a new message.
BUTTON_PREFIX = "rb"
SELECT_PREFIX = "rbs"


class Mode(enum.StrEnum):
    EDIT = "e"
    NEW = "n"


EDITING_KINDS = frozenset(
    {ActionKind.NEXT_PAGE, ActionKind.PREV_PAGE, ActionKind.ANOTHER, ActionKind.PICK_FILM}
)
PRIVATE_KINDS = frozenset({ReplyKind.TEXT, ReplyKind.ERROR, ReplyKind.HELP})

COLOURS = {
    ReplyKind.ERROR: discord.Colour.red(),
    ReplyKind.TEXT: discord.Colour.dark_grey(),
    ReplyKind.HELP: discord.Colour.dark_teal(),
}
DEFAULT_COLOUR = discord.Colour.blurple()

_STYLES = {
    ActionKind.REVIEW: discord.ButtonStyle.primary,
    ActionKind.ANOTHER: discord.ButtonStyle.primary,
    ActionKind.NEXT_PAGE: discord.ButtonStyle.secondary,
    ActionKind.PREV_PAGE: discord.ButtonStyle.secondary,
}


def mode_for(kind: ActionKind) -> Mode:
    return Mode.EDIT if kind in EDITING_KINDS else Mode.NEW


def button_custom_id(mode: Mode, token: str) -> str:
    return f"{BUTTON_PREFIX}:{mode.value}:{token}"


def select_custom_id(mode: Mode, slot: int) -> str:
    return f"{SELECT_PREFIX}:{mode.value}:{slot}"


def is_private(reply: Reply) -> bool:
    """Whether a reply is only for the asker (ephemeral): notes, usage lines, errors, help."""
    return reply.kind in PRIVATE_KINDS


# ---------------------------------------------------------------------------- the output


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    """A button: a callback (``custom_id``) or a link (``url``)."""

    label: str
    style: discord.ButtonStyle
    custom_id: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class OptionSpec:
    label: str
    value: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class SelectSpec:
    custom_id: str
    placeholder: str
    options: tuple[OptionSpec, ...]


Row = tuple[ButtonSpec, ...] | SelectSpec


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready to send: text content (notes and errors) or embeds, and components."""

    content: str | None
    embeds: tuple[discord.Embed, ...]
    rows: tuple[Row, ...]
    ephemeral: bool

    def custom_ids(self) -> list[str]:
        ids: list[str] = []
        for row in self.rows:
            if isinstance(row, SelectSpec):
                ids.append(row.custom_id)
            else:
                ids.extend(b.custom_id for b in row if b.custom_id)
        return ids


# ---------------------------------------------------------------------------- embeds


@dataclass(slots=True)
class _EmbedSpec:
    """An embed before it is fitted to the 6,000-character total."""

    title: str
    description: str = ""
    url: str | None = None
    author: str = ""
    footer: str = ""
    colour: discord.Colour = DEFAULT_COLOUR
    fields: list[tuple[str, str, bool]] = field(default_factory=list)

    def total(self) -> int:
        return (
            units(self.title)
            + units(self.description)
            + units(self.author)
            + units(self.footer)
            + sum(units(n) + units(v) for n, v, _ in self.fields)
        )

    def fit(self, limit: int = EMBED_TOTAL_MAX) -> None:
        """Cut the longest texts (field values, then the description) until the embed fits."""
        self.title = clip(self.title, TITLE_MAX) or "—"
        self.description = clip(self.description, DESCRIPTION_MAX)
        self.author = clip(self.author, AUTHOR_MAX)
        self.footer = clip(self.footer, FOOTER_MAX)
        self.fields = [
            (clip(n, FIELD_NAME_MAX) or "—", clip(v, FIELD_VALUE_MAX) or "—", inline)
            for n, v, inline in self.fields[:FIELDS_MAX]
        ]
        while (excess := self.total() - limit) > 0:
            longest = max(
                range(len(self.fields)), key=lambda i: units(self.fields[i][1]), default=None
            )
            field_len = units(self.fields[longest][1]) if longest is not None else 0
            if longest is not None and field_len >= units(self.description) and field_len > 20:
                name, value, inline = self.fields[longest]
                self.fields[longest] = (name, clip(value, max(1, field_len - excess)), inline)
            elif units(self.description) > 20:
                self.description = clip(self.description, max(1, units(self.description) - excess))
            elif self.fields:
                self.fields.pop()  # only tiny texts are left: drop whole fields
            else:
                self.title = clip(self.title, max(1, units(self.title) - excess))

    def build(self) -> discord.Embed:
        self.fit()
        embed = discord.Embed(
            title=self.title,
            description=self.description or None,
            url=self.url,
            colour=self.colour,
        )
        if self.author:
            embed.set_author(name=self.author)
        for name, value, inline in self.fields:
            embed.add_field(name=name, value=value, inline=inline)
        if self.footer:
            embed.set_footer(text=self.footer)
        return embed


def _notes(reply: Reply) -> list[str]:
    return [md(note, CONTENT_MAX) for note in reply.notes if note]


def _meta(card: Card) -> str:
    bits: list[str] = []
    if card.film_label:
        bits.append("🎬 " + md(card.film_label))
    if card.published:
        bits.append(card.published.isoformat())
    if card.category:
        bits.append(md(" > ".join(card.category)))
    return " · ".join(bits)


def _labels(card: Card, lang: str) -> list[str]:
    labels: list[str] = []
    if card.stub:
        labels.append(t("label.stub", lang))
    if card.teaser:
        labels.append(t("label.teaser", lang))
    return [f"*{md(label)}*" for label in labels]


def _themes(card: Card, lang: str) -> str:
    if not card.themes:
        return ""
    return f"{md(t('label.themes', lang))}: {md(', '.join(card.themes))}"


def _numbered(title: str, post_id: int) -> str:
    """A title with the number ``/review`` takes (``기생충 리뷰 · #18``)."""
    return f"{title} · #{post_id}"


def _card_field(card: Card, lang: str) -> tuple[str, str, bool]:
    """A card in a list: ``#id title`` and a few lines (meta, summary, themes, link)."""
    lines = [
        line
        for line in (
            _meta(card),
            " ".join(_labels(card, lang)),
            md(card.summary),
            _themes(card, lang),
        )
        if line
    ]
    url = safe_url(card.url)
    tail = f"[{md(t('action.open', lang))}]({url})" if url else ""
    body = join_lines(lines, FIELD_VALUE_MAX - units(tail) - 1)
    value = "\n".join(part for part in (body, tail) if part)
    return md(_numbered(card.title, card.post_id), FIELD_NAME_MAX), value or "—", False


def _page_footer(reply: Reply) -> str:
    if reply.page is None or reply.page.total <= 1:
        return ""
    return t("label.page", reply.lang, number=reply.page.number, total=reply.page.total)


def _cards_embed(reply: Reply) -> _EmbedSpec:
    spec = _EmbedSpec(
        title=md(reply.headline, TITLE_MAX),
        description="\n".join(_notes(reply)),
        footer=plain(_page_footer(reply)),
    )
    spec.fields = [_card_field(card, reply.lang) for card in reply.cards]
    return spec


def _single_card_embed(reply: Reply, card: Card) -> _EmbedSpec:
    """One review: its title (linked) heads the embed; a different headline ("A review for
    you") becomes the author line above it."""
    lang = reply.lang
    lines = [*_notes(reply), *_labels(card, lang), md(card.summary, DESCRIPTION_MAX)]
    spec = _EmbedSpec(
        title=md(_numbered(card.title, card.post_id), TITLE_MAX),
        url=safe_url(card.url),
        description="\n\n".join(line for line in lines if line),
        author=plain(reply.headline) if reply.headline != card.title else "",
    )
    if card.film_label:
        spec.fields.append((md(t("col.film", lang)), md(card.film_label), True))
    if card.published:
        spec.fields.append((md(t("col.date", lang)), card.published.isoformat(), True))
    if card.category:
        spec.fields.append((md(t("col.category", lang)), md(" > ".join(card.category)), True))
    if card.themes:
        spec.fields.append((md(t("label.themes", lang)), md(", ".join(card.themes)), False))
    return spec


def _sections_embed(reply: Reply) -> _EmbedSpec:
    lang = reply.lang
    card = reply.cards[0] if reply.cards else None
    lines = [*_notes(reply)]
    if card is not None and card.summary:
        lines.append(md(card.summary, DESCRIPTION_MAX))
    spec = _EmbedSpec(
        title=md(reply.headline, TITLE_MAX),
        url=safe_url(card.url) if card else None,
        description="\n\n".join(lines),
        footer=plain(_meta_plain(card)) if card else "",
    )
    for block in reply.sections:
        name = md(block.heading) if block.heading else md(t("label.intro", lang))
        spec.fields.append((name, md(block.excerpt) or "—", False))
    return spec


def _meta_plain(card: Card) -> str:
    bits = [card.film_label or "", card.published.isoformat() if card.published else ""]
    return " · ".join(bit for bit in bits if bit)


def _related_line(block: RelatedBlock, lang: str) -> str:
    title = block.title
    if block.post_id is not None and not block.stub:
        title = _numbered(title, block.post_id)
    text = link(title, block.url)
    extra = [
        md(block.film) if block.film else "",
        block.published.isoformat() if block.published else "",
    ]
    if block.stub:
        extra.append(f"*{md(t('label.stub', lang))}*")
    details = " · ".join(bit for bit in extra if bit)
    return f"• {text}" + (f" — {details}" if details else "")


def _related_embed(reply: Reply) -> _EmbedSpec:
    lang = reply.lang
    spec = _EmbedSpec(title=md(reply.headline, TITLE_MAX), description="\n".join(_notes(reply)))
    for origin, key in (
        (RelatedOrigin.BLOG, "related.blog"),
        (RelatedOrigin.SIMILAR, "related.similar"),
    ):
        lines = [_related_line(b, lang) for b in reply.related if b.origin is origin]
        if lines:
            spec.fields.append((md(t(key, lang)), join_lines(lines, FIELD_VALUE_MAX), False))
    return spec


def _choice_line(choice: Choice, lang: str) -> str:
    indent = "\u2003" * min(choice.depth, 4)
    count = ""
    if choice.count is not None:
        key = "label.posts" if choice.kind is ActionKind.PICK_CATEGORY else "label.reviews"
        count = f" — {md(t(key, lang, count=choice.count))}"
    return f"{indent}• {md(choice.label)}{count}"


def _choices_embed(reply: Reply) -> _EmbedSpec:
    lang = reply.lang
    lines = [*_notes(reply), *(_choice_line(c, lang) for c in reply.choices)]
    return _EmbedSpec(
        title=md(reply.headline, TITLE_MAX), description=join_lines(lines, DESCRIPTION_MAX)
    )


def _help_embed(reply: Reply) -> _EmbedSpec:
    spec = _EmbedSpec(
        title=md(reply.headline, TITLE_MAX),
        description="\n".join(_notes(reply)),
        colour=COLOURS[ReplyKind.HELP],
    )
    for command in reply.commands:
        name = f"{_slash_name(command.command, reply.lang)} {command.args}".strip()
        spec.fields.append((md(name), md(command.description) or "—", False))
    return spec


def _slash_name(command: str, lang: str) -> str:
    """A command as Discord shows it in that language (``/film`` is ``/영화`` in Korean)."""
    key = f"discord.name.{command.lstrip('/')}"
    return "/" + t(key, lang) if has(key) else command


def _embeds(reply: Reply) -> list[_EmbedSpec]:
    match reply.kind:
        case ReplyKind.CARDS:
            return [_cards_embed(reply)]
        case ReplyKind.CARD if reply.cards:
            return [_single_card_embed(reply, reply.cards[0])]
        case ReplyKind.SECTIONS:
            return [_sections_embed(reply)]
        case ReplyKind.RELATED:
            return [_related_embed(reply)]
        case ReplyKind.CHOICES | ReplyKind.CATEGORIES:
            return [_choices_embed(reply)]
        case ReplyKind.HELP:
            return [_help_embed(reply)]
    return []


def _content(reply: Reply) -> str:
    """Notes, usage lines and errors as plain message text."""
    lines = [md(reply.headline, CONTENT_MAX), *_notes(reply)]
    return join_lines([line for line in lines if line], CONTENT_MAX) or "—"


# ---------------------------------------------------------------------------- components


def _button(action: Action) -> ButtonSpec | None:
    label = clip(plain(action.label), BUTTON_LABEL_MAX) or "·"
    if action.kind is ActionKind.OPEN_POST:
        url = safe_url(action.url)
        return ButtonSpec(label, discord.ButtonStyle.link, url=url) if url else None
    if not action.token:
        return None
    custom_id = button_custom_id(mode_for(action.kind), action.token)
    if len(custom_id) > CUSTOM_ID_MAX:
        return None
    return ButtonSpec(label, _STYLES.get(action.kind, discord.ButtonStyle.secondary), custom_id)


def _choice_button(choice: Choice) -> ButtonSpec | None:
    custom_id = button_custom_id(mode_for(choice.kind), choice.token)
    if len(custom_id) > CUSTOM_ID_MAX:
        return None
    label = clip(plain(choice.label), BUTTON_LABEL_MAX) or "·"
    return ButtonSpec(label, discord.ButtonStyle.secondary, custom_id)


def _button_rows(buttons: Iterable[ButtonSpec | None]) -> list[Row]:
    kept = [b for b in buttons if b is not None]
    return [tuple(kept[i : i + BUTTONS_PER_ROW]) for i in range(0, len(kept), BUTTONS_PER_ROW)]


class _Selects:
    """Hands out select slots (the custom id's number must be unique within a message)."""

    def __init__(self) -> None:
        self.slot = 0

    def make(self, kind: ActionKind, lang: str, options: Sequence[OptionSpec]) -> list[SelectSpec]:
        unique = list({o.value: o for o in options}.values())
        chunks = [unique[i : i + OPTIONS_MAX] for i in range(0, len(unique), OPTIONS_MAX)]
        placeholder = t(f"discord.select.{kind.value}", lang)
        selects: list[SelectSpec] = []
        for number, chunk in enumerate(chunks, start=1):
            shown = placeholder
            if len(chunks) > 1:
                shown = t(
                    "discord.select.more",
                    lang,
                    placeholder=placeholder,
                    number=number,
                    total=len(chunks),
                )
            selects.append(
                SelectSpec(
                    custom_id=select_custom_id(mode_for(kind), self.slot),
                    placeholder=clip(plain(shown), PLACEHOLDER_MAX),
                    options=tuple(chunk),
                )
            )
            self.slot += 1
        return selects


def _option(label: str, token: str, description: str | None = None) -> OptionSpec:
    return OptionSpec(
        label=clip(plain(label), OPTION_LABEL_MAX) or "·",
        value=token,
        description=clip(plain(description), OPTION_DESCRIPTION_MAX) if description else None,
    )


def _card_description(card: Card) -> str | None:
    return _meta_plain(card) or None


def _by_kind(
    pairs: Iterable[tuple[ActionKind, OptionSpec]],
) -> Iterator[tuple[ActionKind, list[OptionSpec]]]:
    """Options grouped by the kind of button they stand for, in order of first appearance."""
    groups: dict[ActionKind, list[OptionSpec]] = {}
    for kind, option in pairs:
        groups.setdefault(kind, []).append(option)
    yield from groups.items()


def _rows(reply: Reply) -> list[Row]:
    """The message's components: content rows first, the reply's own buttons (pagination,
    "another one") always last, so they survive when rows must be dropped."""
    lang = reply.lang
    selects = _Selects()
    rows: list[Row] = []
    if len(reply.cards) == 1:
        rows.extend(_button_rows(_button(a) for a in reply.cards[0].actions))
    elif reply.cards:
        pairs: list[tuple[ActionKind, OptionSpec]] = [
            (action.kind, _option(card.title, action.token, _card_description(card)))
            for card in reply.cards
            for action in card.actions
            if action.token and action.kind is not ActionKind.OPEN_POST
        ]
        for kind, options in _by_kind(pairs):
            rows.extend(selects.make(kind, lang, options))
    if reply.related:
        pairs = [
            (action.kind, _option(block.title, action.token, _related_description(block, lang)))
            for block in reply.related
            for action in block.actions
            if action.token and action.kind is not ActionKind.OPEN_POST
        ]
        for kind, options in _by_kind(pairs):
            rows.extend(selects.make(kind, lang, options))
    if reply.choices:
        pairs = [
            (choice.kind, _option(choice.label, choice.token, _choice_description(choice, lang)))
            for choice in reply.choices
        ]
        for kind, options in _by_kind(pairs):
            rows.extend(selects.make(kind, lang, options))
    if reply.suggestions:
        if len(reply.suggestions) <= BUTTONS_PER_ROW:
            rows.extend(_button_rows(_choice_button(c) for c in reply.suggestions))
        else:
            options = [_option(c.label, c.token) for c in reply.suggestions]
            rows.extend(selects.make(ActionKind.SUGGESTION, lang, options))
    own = _button_rows(_button(a) for a in reply.actions)
    rows = rows[: max(0, ROWS_MAX - len(own))]
    return _unique([*rows, *own][:ROWS_MAX])


def _unique(rows: list[Row]) -> list[Row]:
    """Rows without repeated custom ids (Discord rejects a message that repeats one)."""
    seen: set[str] = set()
    out: list[Row] = []
    for row in rows:
        if isinstance(row, SelectSpec):
            if row.custom_id not in seen:
                seen.add(row.custom_id)
                out.append(row)
            continue
        kept: list[ButtonSpec] = []
        for button in row:
            if button.custom_id is not None:
                if button.custom_id in seen:
                    continue
                seen.add(button.custom_id)
            kept.append(button)
        if kept:
            out.append(tuple(kept))
    return out


def _related_description(block: RelatedBlock, lang: str) -> str | None:
    origin = t("related.blog" if block.origin is RelatedOrigin.BLOG else "related.similar", lang)
    bits = [origin, block.film or "", block.published.isoformat() if block.published else ""]
    return " · ".join(bit for bit in bits if bit)


def _choice_description(choice: Choice, lang: str) -> str | None:
    if choice.count is None:
        return None
    key = "label.posts" if choice.kind is ActionKind.PICK_CATEGORY else "label.reviews"
    return t(key, lang, count=choice.count)


# ---------------------------------------------------------------------------- entry point


def render(reply: Reply) -> Rendered:
    """The Discord message for a reply (see the module docstring for the layout)."""
    specs = _embeds(reply)
    for spec in specs:
        spec.colour = COLOURS.get(reply.kind, spec.colour)
    embeds = tuple(spec.build() for spec in specs)
    content = None if embeds else _content(reply)
    return Rendered(
        content=content,
        embeds=embeds,
        rows=tuple(_rows(reply)),
        ephemeral=is_private(reply),
    )
