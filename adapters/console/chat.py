"""The console bot: the router's replies in a terminal, interactively (``chat``) or once (``ask``).

The console is the first chat adapter and the model for the others: it only translates — text
in, :class:`~bot.replies.Reply` out, buttons picked by number — and holds no lookup logic.

Ctrl-C must never dump a traceback: at the prompt it just gives a new prompt (like Python's own
REPL), during a lookup it cancels that lookup only. For that the loop briefly takes over SIGINT
from asyncio (which would otherwise cancel the whole program) and gives it back afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TextIO

import platformdirs
from rich.console import Console
from rich.text import Text

from adapters.console.render import Offer, offers, render, render_plain
from bot.i18n import normalize_lang, t
from bot.replies import Action, Reply, ReplyKind
from bot.reply_json import reply_json
from bot.router import COMMANDS, Router, clean_input, parse_command

log = logging.getLogger(__name__)

PROMPT = "› "
QUIT_COMMANDS = frozenset({"/quit", "/exit", "/q", "/bye", "/종료", "/나가기"})
HISTORY_LENGTH = 1000
_LANG_COMMANDS = frozenset(
    name for spec in COMMANDS if spec.name == "lang" for name in (spec.name, *spec.aliases)
)


def default_history_file() -> Path:
    return Path(platformdirs.user_data_dir("reviewbot", appauthor=False)) / "chat_history"


class ConsoleAdapter:
    """Runs the router in a terminal.

    ``read_line`` replaces :func:`input` (tests script a conversation with it); ``history``
    turns readline's persistent history on; ``handle_signals`` lets the loop manage Ctrl-C
    (only possible in the main thread; tests turn it off).
    """

    def __init__(
        self,
        *,
        console: Console | None = None,
        out: TextIO | None = None,
        read_line: Callable[[str], str] | None = None,
        history: bool = True,
        history_file: Path | None = None,
        handle_signals: bool = True,
    ) -> None:
        self._console = console or Console(highlight=False)
        self._out = out
        self._read_line = read_line or input
        # readline only edits what input() reads; a scripted reader needs none of it
        self._readline = read_line is None
        self._history_file = (history_file or default_history_file()) if history else None
        self._handle_signals = (
            handle_signals and threading.current_thread() is threading.main_thread()
        )

    # ------------------------------------------------------------------ one command

    async def ask(
        self,
        router: Router,
        text: str,
        *,
        user: str = "console",
        lang_hint: str | None = None,
        lang: str | None = None,
        as_json: bool = False,
        action: str | None = None,
    ) -> int:
        """Answer one message (or one button ``action`` token) and print the reply: JSON with
        ``as_json``, colours on a terminal, plain text otherwise. 1 if the bot failed."""
        if action is not None:
            reply = await router.handle_action(action, user=user, lang_hint=lang_hint, lang=lang)
        else:
            reply = await router.handle(text, user=user, lang_hint=lang_hint, lang=lang)
        out = self._out or sys.stdout
        if as_json:
            out.write(json.dumps(reply_json(reply), ensure_ascii=False, indent=2) + "\n")
        elif self._out is None and self._console.is_terminal:
            self._console.print(render(reply))
        else:
            out.write(render_plain(reply) + "\n")
        return 1 if reply.kind is ReplyKind.ERROR else 0

    def print_reply(self, reply: Reply) -> None:
        self._console.print(render(reply))
        self._console.print()

    # ------------------------------------------------------------------ the loop

    async def chat(
        self,
        router: Router,
        *,
        user: str = "console",
        lang_hint: str | None = None,
        lang: str | None = None,
    ) -> int:
        """Talk to the router until ``/quit`` or end of input.

        ``lang`` (an explicit ``--lang``) holds until the user picks a language with ``/lang``,
        which is then remembered for next time.
        """
        hint_lang = normalize_lang(lang or lang_hint)
        self._console.print(Text(t("console.hint", hint_lang), style="dim"))
        shown: list[Offer] = []
        with self._history():
            while True:
                try:
                    line = self._read(PROMPT)
                except EOFError:
                    self._console.print()
                    break
                except KeyboardInterrupt:
                    self._console.print()
                    self._console.print(Text(t("console.hint", hint_lang), style="dim"))
                    continue
                text = line.strip()
                if not text:
                    continue
                if text.casefold() in QUIT_COMMANDS:
                    break
                offer = _picked(text, shown)
                if isinstance(offer, Action) and offer.url:
                    self._console.print(Text(t("console.link", hint_lang, url=offer.url)))
                    continue
                if offer is not None and offer.token:
                    call = router.handle_action(
                        offer.token, user=user, lang_hint=lang_hint, lang=lang
                    )
                else:
                    call = router.handle(text, user=user, lang_hint=lang_hint, lang=lang)
                    if _is_lang_command(text):
                        lang = None  # the user's own choice now wins over --lang
                reply = await self._interruptible(call)
                if reply is None:
                    self._console.print(Text(t("console.interrupted", hint_lang), style="yellow"))
                    continue
                hint_lang = reply.lang
                self.print_reply(reply)
                shown = offers(reply)
        self._console.print(Text(t("console.bye", hint_lang), style="dim"))
        return 0

    def _read(self, prompt: str) -> str:
        """One line of input; Ctrl-C raises KeyboardInterrupt here even under asyncio."""
        if not self._handle_signals:
            return self._read_line(prompt)
        previous = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            return self._read_line(prompt)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    async def _interruptible(self, call: Awaitable[Reply]) -> Reply | None:
        """The reply, or None when Ctrl-C cancelled the lookup (the chat goes on)."""
        task = asyncio.ensure_future(call)
        loop = asyncio.get_running_loop()
        previous = signal.getsignal(signal.SIGINT) if self._handle_signals else None
        installed = False
        if self._handle_signals:
            try:
                loop.add_signal_handler(signal.SIGINT, task.cancel)
                installed = True
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # Windows, or not the main thread: asyncio's own handling applies
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the chat itself is being cancelled, not just this lookup
            return None
        finally:
            if installed:
                loop.remove_signal_handler(signal.SIGINT)
                if previous is not None:
                    signal.signal(signal.SIGINT, previous)

    @contextlib.contextmanager
    def _history(self) -> Iterator[None]:
        """readline's line editing and history, kept between sessions when possible."""
        path = self._history_file
        if not self._readline:
            yield
            return
        try:
            import readline  # importing it is what gives input() line editing
        except ImportError:  # not on every platform; the chat works without it
            yield
            return
        if path is not None:
            readline.set_history_length(HISTORY_LENGTH)
            with contextlib.suppress(OSError):
                readline.read_history_file(path)
        try:
            yield
        finally:
            if path is not None:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    readline.write_history_file(path)
                except OSError:
                    log.debug("could not save the chat history to %s", path, exc_info=True)


def _picked(text: str, shown: list[Offer]) -> Offer | None:
    """The button a typed number picks, if it is one of those last shown (else it is text:
    "1987" is also a film)."""
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        return None
    number = int(text)
    return shown[number - 1] if 1 <= number <= len(shown) else None


def _is_lang_command(text: str) -> bool:
    parsed = parse_command(clean_input(text)[0])
    return parsed is not None and parsed[0] in _LANG_COMMANDS
