"""Buttons and select menus that keep working after a restart.

Every component the bot sends is a :class:`discord.ui.DynamicItem`: its custom id *is* its
state (``rb:<mode>:<token>`` for a button, ``rbs:<mode>:<slot>`` for a select whose option
values are tokens), and the item classes are registered once per process in ``setup_hook``.
So a button pressed days later, on a message sent by a process that has restarted since, is
decoded the same way — by the core's action tokens (:mod:`bot.actions`), which the router
turns back into a reply.

Because the classes handle every press, the per-message :class:`discord.ui.View` is only a
layout: it is stopped before it is sent, which keeps discord.py from tracking every message the
bot ever sent (and from starting a timeout timer for each ephemeral one).
"""

from __future__ import annotations

import re
from typing import Any, Protocol, Self

import discord

from adapters.discord.render import (
    BUTTON_PREFIX,
    SELECT_PREFIX,
    ButtonSpec,
    Mode,
    Rendered,
    SelectSpec,
    button_custom_id,
    select_custom_id,
)


class _Answers(Protocol):
    async def action(
        self, interaction: discord.Interaction[Any], token: str, mode: Mode
    ) -> None: ...


def _answers(interaction: discord.Interaction[Any]) -> _Answers:
    """The bot's responder (``ReviewBot.responder``); looked up by attribute so that this
    module does not import the responder, which renders replies into these items."""
    responder: _Answers = getattr(interaction.client, "responder")  # noqa: B009
    return responder


BUTTON_TEMPLATE = rf"{BUTTON_PREFIX}:(?P<mode>[en]):(?P<token>[!-~]{{1,64}})"
SELECT_TEMPLATE = rf"{SELECT_PREFIX}:(?P<mode>[en]):(?P<slot>[0-9]{{1,2}})"


class TokenButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=BUTTON_TEMPLATE
):
    """A button whose custom id carries a core action token."""

    def __init__(
        self,
        mode: Mode,
        token: str,
        *,
        label: str = "·",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=button_custom_id(mode, token), row=row
            )
        )
        self.mode = mode
        self.token = token

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        label = getattr(item, "label", None) or "·"
        return cls(Mode(match["mode"]), match["token"], label=label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _answers(interaction).action(interaction, self.token, self.mode)


class TokenSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]], template=SELECT_TEMPLATE
):
    """A select menu whose options' values are core action tokens."""

    def __init__(
        self,
        mode: Mode,
        slot: int,
        *,
        placeholder: str | None = None,
        options: list[discord.SelectOption] | None = None,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=select_custom_id(mode, slot),
                placeholder=placeholder,
                options=options or [],
                min_values=1,
                max_values=1,
                row=row,
            )
        )
        self.mode = mode

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(Mode(match["mode"]), int(match["slot"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        values = self.item.values
        token = values[0] if values else ""
        await _answers(interaction).action(interaction, token, self.mode)


def is_ours(custom_id: str) -> bool:
    """Whether a custom id is one of ours (any version): presses on ids that no longer match
    a template get a friendly "unknown button" note instead of Discord's silent failure."""
    return bool(
        re.fullmatch(BUTTON_TEMPLATE, custom_id) or re.fullmatch(SELECT_TEMPLATE, custom_id)
    )


def _button(spec: ButtonSpec, row: int) -> discord.ui.Item[Any]:
    if spec.url is not None:
        return discord.ui.Button(
            label=spec.label, style=discord.ButtonStyle.link, url=spec.url, row=row
        )
    assert spec.custom_id is not None
    match = re.fullmatch(BUTTON_TEMPLATE, spec.custom_id)
    assert match is not None, spec.custom_id
    return TokenButton(
        Mode(match["mode"]), match["token"], label=spec.label, style=spec.style, row=row
    )


def _select(spec: SelectSpec, row: int) -> TokenSelect:
    match = re.fullmatch(SELECT_TEMPLATE, spec.custom_id)
    assert match is not None, spec.custom_id
    options = [
        discord.SelectOption(label=o.label, value=o.value, description=o.description)
        for o in spec.options
    ]
    return TokenSelect(
        Mode(match["mode"]),
        int(match["slot"]),
        placeholder=spec.placeholder,
        options=options,
        row=row,
    )


def build_view(rendered: Rendered) -> discord.ui.View | None:
    """The components of a rendered reply as a (stopped, layout-only) view; None if none."""
    if not rendered.rows:
        return None
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rendered.rows):
        if isinstance(row, SelectSpec):
            view.add_item(_select(row, index))
        else:
            for spec in row:
                view.add_item(_button(spec, index))
    view.stop()
    return view
