"""The Telegram adapter: python-telegram-bot's ``Application`` wired to the core's router.

The adapter only translates. A message, a button press or an inline query becomes one call of
:class:`~bot.router.Router` (``handle``, ``handle_action`` or ``inline``) with the user's id
and Telegram's ``language_code`` as a hint; the :class:`~bot.replies.Reply` that comes back is
rendered by :mod:`adapters.telegram.render` and sent. Which commands exist, what they answer,
what a button token means and which language a user chose all live in the core, so Telegram,
Discord and the console answer alike and old buttons keep working after a restart.

What *is* Telegram's business, and so handled here:

- **Who is addressed.** In private chats every message is for the bot. In groups only commands
  (``/film``, ``/film@thisbot``, Korean aliases typed as text, ``/영화@thisbot``), messages that
  start with ``@thisbot`` and replies to the bot's own messages are; ``/film@otherbot``, plain
  chatter, messages from bots and cards sent through inline mode are ignored.
- **Buttons.** Paging and picking buttons edit their message in place (a double tap that
  changes nothing is fine); buttons that open something (sections, related posts, a review)
  send a new message so the list stays. The callback query is always answered, and notes such
  as "that button has expired" are shown as an alert rather than replacing the message.
- **Limits.** Sends go through PTB's ``AIORateLimiter`` (Telegram's flood limits), which also
  retries after a 429 ``RetryAfter`` — a 429 means Telegram did not take the message, so the
  retry sends it once, not twice. ``send`` (unprompted delivery, e.g. a digest) never retries:
  it raises :class:`~bot.ports.RetryLater` and the caller decides.
- **Failures.** One error handler: the log gets the details (never the token, see
  :mod:`adapters.telegram.errors`), the user a one-line apology in their language. A bot
  blocked by a user (403) is logged quietly; nothing is retried against a chat that is gone.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dtm
import logging
import secrets
import unicodedata
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    CallbackQuery,
    Chat,
    InaccessibleMessage,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from adapters.telegram.errors import (
    describe,
    is_bad_markup,
    is_chat_gone,
    is_not_modified,
    is_stale_query,
    is_uneditable,
    may_have_arrived,
    protect_token,
    redact,
    retry_seconds,
)
from adapters.telegram.inline import inline_answer, parse_offset
from adapters.telegram.render import TelegramMessage, label, render
from bot.actions import AnotherToken, FilmPageToken, QueryPageToken, decode_token
from bot.chat import ChatContext
from bot.config import ConfigError, TelegramConfig
from bot.i18n import DEFAULT_LANG, LANGS, normalize_lang, t
from bot.ports import (
    BeforeSend,
    ChatGone,
    ChatMoved,
    DeliveryError,
    RetryLater,
    SendUncertain,
)
from bot.replies import Reply, ReplyKind
from bot.results import LookupService
from bot.router import (
    Router,
    admin_commands,
    clean_input,
    command_menu,
    known_commands,
    parse_command,
)

log = logging.getLogger(__name__)

NO_RETRY = -1  # rate_limit_args for a request that must not be retried after a 429
ALERT_CHARS = 200  # Telegram's limit for a callback query answer
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
USER_PREFIX = "tg:"  # user ids in the core are per platform: "tg:123456"
LATIN_COMMANDS = sorted(
    {
        name
        for name in known_commands()
        if name.isascii() and name.replace("_", "").isalnum() and name == name.lower()
    }
)
_KNOWN = frozenset(unicodedata.normalize("NFKC", name).casefold() for name in known_commands())
# Only for these is the sender's admin status asked of Telegram (one getChatMember call),
# never for ordinary lookups.
ADMIN_COMMANDS = frozenset(
    unicodedata.normalize("NFKC", name).casefold() for name in admin_commands()
)
_ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})

Context = ContextTypes.DEFAULT_TYPE
Bot = ExtBot[Any]
TelegramApp = Application[Any, Any, Any, Any, Any, Any]
JSONDict = dict[str, Any]
Callback = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]


_BEFORE_SEND: contextvars.ContextVar[BeforeSend | None] = contextvars.ContextVar(
    "reviewbot_before_send", default=None
)
"""The digest's ``before_send`` for the request this task is about to make (see ``send``)."""


class _Passthrough(Exception):
    """Carries a RetryAfter through AIORateLimiter without it retrying (or logging it)."""

    def __init__(self, error: RetryAfter) -> None:
        super().__init__(str(error))
        self.error = error


class RateLimiter(AIORateLimiter):
    """PTB's rate limiter, with two refinements the adapter needs.

    ``rate_limit_args=NO_RETRY`` makes one request fail with the 429 at once (``send`` must
    not retry: its caller owns the retry), and a 429 asking for a longer wait than
    ``max_wait`` is not waited out, because the limiter pauses *every* request meanwhile and
    an answer minutes late is worse than none.
    """

    def __init__(
        self,
        *,
        per_second: float,
        group_per_minute: float,
        max_retries: int,
        max_wait: float,
    ) -> None:
        super().__init__(
            overall_max_rate=per_second,
            overall_time_period=1 if per_second else 0,
            group_max_rate=group_per_minute,
            group_time_period=60 if group_per_minute else 0,
            max_retries=max_retries,
        )
        self._max_wait = max_wait

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        no_retry = rate_limit_args is not None and rate_limit_args < 0
        max_wait = self._max_wait

        async def guarded(*a: Any, **kw: Any) -> bool | JSONDict | list[JSONDict]:
            hook = _BEFORE_SEND.get()
            if hook is not None and endpoint == "sendMessage":
                _BEFORE_SEND.set(None)  # once: a retry after a 429 is the same send
                await hook()
            try:
                return await callback(*a, **kw)
            except RetryAfter as exc:
                if no_retry or retry_seconds(exc) > max_wait:
                    raise _Passthrough(exc) from exc
                raise

        try:
            return await super().process_request(
                guarded, args, kwargs, endpoint, data, None if no_retry else rate_limit_args
            )
        except _Passthrough as wrapped:
            raise wrapped.error from None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat are handled one after another, different chats concurrently.

    Sequential handling (PTB's default) would let one slow answer — a group throttled by the
    per-group flood limit, a slow lookup — hold up every other chat; fully concurrent handling
    could answer ``/lang en`` after the ``/help`` typed next, or two page turns out of order.
    Inline queries and buttons on inline messages have no chat and are ordered per user.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _order_key(update)
        if key is None:
            await coroutine
            return
        lock, waiting = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, waiting + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, waiting = self._locks[key]
            if waiting <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, waiting - 1)

    async def initialize(self) -> None:
        """Nothing to set up: locks are made on demand."""

    async def shutdown(self) -> None:
        """Nothing to free: a lock lives only while its chat has updates in flight."""


def _order_key(update: object) -> str | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return f"c{update.effective_chat.id}"
    if update.effective_user is not None:
        return f"u{update.effective_user.id}"
    return None


def user_key(user: User | Chat) -> str:
    """The core's id for a Telegram user (or the chat an anonymous admin speaks for)."""
    return f"{USER_PREFIX}{user.id}"


def api_urls(base_url: str | None, file_url: str | None) -> tuple[str | None, str | None]:
    """PTB's ``base_url``/``base_file_url`` for a self-hosted Bot API server.

    PTB appends the token to ``base_url`` as it is, so ``http://host:8081`` or
    ``http://host:8081/`` (a natural thing to write) becomes ``http://host:8081/bot``; a URL
    that already ends in ``bot`` or holds a ``{token}`` placeholder is left alone. Without an
    explicit file URL, files come from the same server (``…/file/bot``).
    """
    if not base_url:
        return None, file_url or None
    base = base_url.strip()
    if "{token}" not in base and not base.endswith("bot"):
        base = base.rstrip("/") + "/bot"
    if not file_url and base.endswith("/bot"):
        file_url = base[: -len("bot")] + "file/bot"
    return base, file_url or None


def parse_chat(chat: str) -> tuple[int | str, int | None]:
    """``"-100123"`` → (-100123, None); ``"-100123:7"`` → (-100123, 7) for a forum topic;
    ``"@channel"`` stays a name. Raises ValueError for anything else."""
    chat = str(chat).strip()
    if chat.startswith("@") and len(chat) > 1 and ":" not in chat:
        return chat, None
    head, sep, tail = chat.partition(":")
    chat_id = int(head)
    thread = int(tail) if sep else None
    if thread is not None and thread <= 0:
        raise ValueError(f"bad topic id in {chat!r}")
    return chat_id, thread


def _edits_in_place(token: str) -> bool:
    """Paging, picking and "another one" replace the message they were pressed on; the
    rest (a review, its sections, related posts) open a new one below it."""
    return isinstance(decode_token(token), FilmPageToken | QueryPageToken | AnotherToken)


def _is_notice(reply: Reply) -> bool:
    """A one-line note with nothing to press: shown as an alert on a button press."""
    return (
        reply.kind in (ReplyKind.TEXT, ReplyKind.ERROR)
        and not reply.cards
        and not reply.sections
        and not reply.related
        and next(iter(reply.all_actions()), None) is None
    )


def _thread_of(message: object) -> int | None:
    if isinstance(message, Message) and message.is_topic_message:
        return message.message_thread_id
    return None


class TelegramAdapter:
    """The review bot on Telegram (one bot token), started and stopped by ``reviewbot run``.

    ``start`` returns once updates are being received (long polling, or the webhook server
    when ``webhook_url`` is set); ``stop`` undoes it. Each start builds a fresh PTB
    ``Application``, so a stopped adapter can be started again (that is a restart as far as
    Telegram is concerned: nothing lives in memory that old buttons depend on).
    """

    name = "telegram"

    def __init__(self, settings: TelegramConfig, router: Router, lookups: LookupService) -> None:
        if settings.token is None or not settings.token.get_secret_value().strip():
            raise ValueError("the Telegram adapter needs a token")
        self._settings = settings
        self._token = settings.token.get_secret_value().strip()
        self._router = router
        self._lookups = lookups
        self._app: TelegramApp | None = None
        protect_token(self._token)

    @property
    def application(self) -> TelegramApp | None:
        """The running PTB application (None when stopped), for tests and diagnostics."""
        return self._app

    # ------------------------------------------------------------------ lifecycle

    def build_application(self) -> TelegramApp:
        """A new PTB ``Application`` with the rate limiter and every handler registered."""
        settings = self._settings
        builder = Application.builder().token(self._token)
        base_url, file_url = api_urls(settings.base_url, settings.base_file_url)
        if base_url:
            builder = builder.base_url(base_url)
        if file_url:
            builder = builder.base_file_url(file_url)
        limiter = RateLimiter(
            per_second=settings.rate_limit_per_second,
            group_per_minute=settings.rate_limit_group_per_minute,
            max_retries=settings.max_retries,
            max_wait=settings.max_retry_wait,
        )
        app: TelegramApp = (
            builder.rate_limiter(limiter)
            .read_timeout(settings.read_timeout)
            .concurrent_updates(PerChatUpdateProcessor(settings.concurrent_updates))
            .build()
        )
        only_new = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
        app.add_handler(CommandHandler(LATIN_COMMANDS, self._on_message, filters=only_new))
        app.add_handler(MessageHandler(only_new & filters.TEXT, self._on_message))
        app.add_handler(CallbackQueryHandler(self._on_callback))
        app.add_handler(InlineQueryHandler(self._on_inline))
        app.add_error_handler(self._on_error)
        return app

    async def start(self, *, receive: bool = True) -> None:
        """Connect (``getMe``), register the command menus, start receiving; returns at once.

        With ``receive=False`` (``digest tick``) only the first step: polling here would steal
        the updates of a ``reviewbot run`` on the same token (Telegram hands each out once),
        and the menus are that process's business.

        A rejected token or an unreachable Bot API is a :class:`ConfigError` with one line
        (without the token), so ``reviewbot run`` stops with a message, not a traceback.
        """
        if self._app is not None:
            raise RuntimeError("the Telegram adapter is already running")
        app = self.build_application()
        try:
            await app.initialize()
        except TelegramError as exc:
            await app.bot.shutdown()  # getMe failed after the HTTP clients were opened
            if isinstance(exc, InvalidToken):
                raise ConfigError(
                    "telegram: the Bot API rejected the token ([telegram] token or "
                    "REVIEWBOT_TELEGRAM_TOKEN); ask @BotFather for the right one"
                ) from None
            where = self._settings.base_url or "api.telegram.org"
            raise ConfigError(
                f"telegram: cannot reach the Bot API at {where}: {redact(str(exc))}"
            ) from None
        if not receive:
            self._app = app
            log.info("telegram: sending as @%s (not receiving)", app.bot.username)
            return
        try:
            await app.start()
            await self._set_commands(app.bot)
            updater = app.updater
            assert updater is not None  # the builder always makes one
            if self._settings.webhook_url:
                await updater.start_webhook(**self._webhook_args())
            else:
                await updater.start_polling(
                    timeout=dtm.timedelta(seconds=self._settings.poll_timeout),
                    allowed_updates=ALLOWED_UPDATES,
                    error_callback=self._on_polling_error,
                )
        except BaseException:
            await self._shutdown(app)
            raise
        self._app = app
        log.info("telegram: running as @%s", app.bot.username)

    def _webhook_args(self) -> dict[str, Any]:
        settings = self._settings
        url = settings.webhook_url or ""
        path = settings.webhook_path
        if path is None:
            path = urlsplit(url).path
        secret = (
            settings.webhook_secret.get_secret_value()
            if settings.webhook_secret is not None
            else secrets.token_urlsafe(32)
        )
        protect_token(secret)
        return {
            "listen": settings.webhook_listen,
            "port": settings.webhook_port,
            "url_path": path.lstrip("/"),
            "webhook_url": url,
            "secret_token": secret,
            "allowed_updates": ALLOWED_UPDATES,
        }

    async def stop(self) -> None:
        """Stop receiving, let handlers in flight finish, close connections."""
        app, self._app = self._app, None
        if app is not None:
            await self._shutdown(app)

    @staticmethod
    async def _shutdown(app: TelegramApp) -> None:
        try:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
        finally:
            await app.shutdown()

    async def _set_commands(self, bot: Bot) -> None:
        """The command menu in Korean, in English, and (for every other language) the default.

        A failure here costs the menu, not the bot: commands still work when typed.
        """
        menus: list[tuple[str | None, str]] = [(lang, lang) for lang in LANGS]
        menus.append((None, DEFAULT_LANG))
        for code, lang in menus:
            commands = [BotCommand(name, label(text, 256)) for name, text in command_menu(lang)]
            try:
                await bot.set_my_commands(commands, language_code=code)
            except TelegramError as exc:
                log.warning(
                    "telegram: could not set the %s command menu: %s", code or "default", exc
                )

    # ------------------------------------------------------------------ unprompted sends

    async def send(
        self,
        chat: str,
        reply: Reply,
        *,
        key: str | None = None,
        before_send: BeforeSend | None = None,
    ) -> str:
        """Deliver ``reply`` as one message to ``chat`` (``"id"`` or ``"id:topic"``) and return
        its message id. Never retries and never sends twice: a 429 is :class:`RetryLater`,
        a blocked bot or a vanished chat is :class:`ChatGone`, a group turned supergroup is
        :class:`ChatMoved`, no answer to a request that left is :class:`SendUncertain`.
        ``key`` is not used: the Bot API has nothing to deduplicate by. ``before_send`` runs
        inside the rate limiter, once this request's turn has come."""
        app = self._app
        if app is None:
            raise DeliveryError("telegram: the adapter is not running")
        try:
            chat_id, thread_id = parse_chat(chat)
        except ValueError:
            raise DeliveryError(f"telegram: not a chat id: {chat!r}") from None
        part = render(reply, single=True)[0]
        bot: Bot = app.bot
        _BEFORE_SEND.set(before_send)
        try:
            try:
                message = await bot.send_message(
                    chat_id,
                    part.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=part.keyboard,
                    link_preview_options=part.link_preview,
                    message_thread_id=thread_id,
                    rate_limit_args=NO_RETRY,
                )
            except BadRequest as exc:
                if not is_bad_markup(exc):
                    raise
                log.error("telegram: Telegram refused our HTML (%s); sent as plain text", exc)
                message = await bot.send_message(
                    chat_id,
                    part.text,
                    reply_markup=part.keyboard,
                    link_preview_options=part.link_preview,
                    message_thread_id=thread_id,
                    rate_limit_args=NO_RETRY,
                )
        except Forbidden as exc:
            raise ChatGone(f"telegram: chat {chat}: {redact(exc.message)}") from None
        except RetryAfter as exc:
            seconds = retry_seconds(exc)
            raise RetryLater(f"telegram: flood control, retry in {seconds:g} s", seconds) from None
        except ChatMigrated as exc:
            raise ChatMoved(
                f"telegram: chat {chat} is now supergroup {exc.new_chat_id}", str(exc.new_chat_id)
            ) from None
        except BadRequest as exc:
            if is_chat_gone(exc):
                raise ChatGone(f"telegram: chat {chat}: {redact(exc.message)}") from None
            raise DeliveryError(f"telegram: chat {chat}: {redact(exc.message)}") from None
        except TelegramError as exc:
            if may_have_arrived(exc):
                raise SendUncertain(
                    f"telegram: chat {chat}: no answer from Telegram ({type(exc).__name__})"
                ) from None
            raise DeliveryError(f"telegram: chat {chat}: {redact(str(exc))}") from None
        finally:
            _BEFORE_SEND.set(None)
        return str(message.message_id)

    # ------------------------------------------------------------------ messages

    def _addressed_text(self, message: Message, bot: Bot) -> str | None:
        """The text to hand the router, or None when the message is not for this bot."""
        text = message.text or ""
        username = (bot.username or "").casefold()
        private = message.chat.type == ChatType.PRIVATE
        parsed = parse_command(clean_input(text)[0])
        if parsed is not None:
            name, mention, _arg = parsed
            if mention is not None:
                return text if mention.casefold() == username else None
            return text if private or name in _KNOWN else None
        stripped = text.lstrip()
        if username and stripped.casefold().startswith("@" + username):
            rest = stripped[len(username) + 1 :]
            if not rest or rest[0].isspace():  # "@thisbot 기생충": the bot is addressed
                return rest.strip() or "/help"
        if private:
            return text
        replied = message.reply_to_message
        if (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.id == bot.id
            and replied.forum_topic_created is None  # in a forum, every post "replies" to it
        ):
            return text
        return None

    async def _on_message(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or message.text is None or message.via_bot is not None:
            return
        sender: User | Chat
        if message.sender_chat is not None:
            sender = message.sender_chat  # an anonymous admin, or a linked channel
        elif message.from_user is not None and not message.from_user.is_bot:
            sender = message.from_user
        else:
            return  # other bots (no loops between bots) and service messages
        bot: Bot = context.bot
        text = self._addressed_text(message, bot)
        if text is None:
            return
        hint = message.from_user.language_code if message.from_user else None
        chat = await self._chat_context(bot, message, text)
        reply = await self._router.handle(text, user=user_key(sender), lang_hint=hint, chat=chat)
        private = message.chat.type == ChatType.PRIVATE
        await self._deliver(
            bot,
            message.chat_id,
            render(reply),
            thread_id=_thread_of(message),
            reply_to=None if private else message.message_id,
        )

    async def _chat_context(self, bot: Bot, message: Message, text: str) -> ChatContext:
        """Where ``message`` was sent, for the router's per-chat (digest) commands.

        A forum topic is the chat's ``thread_id``. The sender counts as an admin in a private
        chat, as an anonymous admin (writing as the group itself), and — asked of Telegram,
        only for the commands in :data:`ADMIN_COMMANDS` — as the group's creator or an
        administrator. Nothing is cached: a demoted admin loses the right at once.
        """
        chat = message.chat
        thread = message.message_thread_id if chat.is_forum and message.is_topic_message else None
        is_group = chat.type != ChatType.PRIVATE
        is_admin = not is_group
        if is_group:
            sender_chat = message.sender_chat
            if sender_chat is not None:
                is_admin = sender_chat.id == chat.id  # a linked channel is not an admin
            elif message.from_user is not None and self._needs_admin(text):
                is_admin = await self._is_admin(bot, chat.id, message.from_user.id)
        # an anonymous admin writes as the group: not anyone in particular
        person = message.from_user if message.sender_chat is None else None
        return ChatContext(
            platform=self.name,
            chat_id=str(chat.id),
            thread_id=str(thread) if thread is not None else None,
            is_group=is_group,
            is_admin=is_admin,
            is_operator=person is not None and person.id in self._settings.admins,
            user_id=str(person.id) if person is not None else None,
        )

    @staticmethod
    def _needs_admin(text: str) -> bool:
        parsed = parse_command(clean_input(text)[0])
        return parsed is not None and parsed[0] in ADMIN_COMMANDS

    @staticmethod
    async def _is_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
        """Whether the user is the chat's creator or an administrator; False when Telegram
        cannot say (the router then refuses, which is the safe answer)."""
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.warning("telegram: cannot check admin rights in chat %s: %s", chat_id, exc)
            return False
        return member.status in _ADMIN_STATUSES

    async def _deliver(
        self,
        bot: Bot,
        chat_id: int,
        parts: list[TelegramMessage],
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> None:
        """Send the parts in order. A chat that blocked the bot is logged and left alone."""
        for index, part in enumerate(parts):
            quote = (
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to is not None and index == 0
                else None
            )
            try:
                try:
                    await bot.send_message(
                        chat_id,
                        part.html,
                        parse_mode=ParseMode.HTML,
                        reply_markup=part.keyboard,
                        link_preview_options=part.link_preview,
                        message_thread_id=thread_id,
                        reply_parameters=quote,
                    )
                except BadRequest as exc:
                    if not is_bad_markup(exc):
                        raise
                    log.error("telegram: Telegram refused our HTML (%s); sent as plain text", exc)
                    await bot.send_message(
                        chat_id,
                        part.text,
                        reply_markup=part.keyboard,
                        link_preview_options=part.link_preview,
                        message_thread_id=thread_id,
                        reply_parameters=quote,
                    )
            except Forbidden as exc:
                log.info("telegram: chat %s does not take messages from the bot: %s", chat_id, exc)
                return

    # ------------------------------------------------------------------ buttons

    async def _on_callback(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        answered = False
        try:
            user = query.from_user
            reply = await self._router.handle_action(
                query.data or "", user=user_key(user), lang_hint=user.language_code
            )
            if _is_notice(reply):
                answered = await self._answer(query, label(reply.headline, ALERT_CHARS), True)
                return
            bot: Bot = context.bot
            if _edits_in_place(query.data or ""):
                parts = render(reply)
                if len(parts) == 1 and await self._edit(query, parts[0]):
                    return
            message = query.message
            if message is None:  # a button on an inline message: it can only be edited
                await self._edit(query, render(reply, single=True)[0])
                return
            await self._deliver(bot, message.chat.id, render(reply), thread_id=_thread_of(message))
        finally:
            if not answered:
                await self._answer(query)

    async def _edit(self, query: CallbackQuery, part: TelegramMessage) -> bool:
        """Show ``part`` in the message the button is on. True when it does now (edited, or
        it already showed exactly that); False when that message cannot be edited any more."""
        if query.inline_message_id is None and (
            query.message is None or isinstance(query.message, InaccessibleMessage)
        ):
            return False
        shown = query.message
        if (
            isinstance(shown, Message)
            and shown.text == part.text
            and shown.reply_markup == part.keyboard
        ):
            return True  # "another one" found the same review: nothing to change
        try:
            try:
                await query.edit_message_text(
                    part.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=part.keyboard,
                    link_preview_options=part.link_preview,
                )
            except BadRequest as exc:
                if not is_bad_markup(exc):
                    raise
                log.error("telegram: Telegram refused our HTML (%s); edited as plain text", exc)
                await query.edit_message_text(
                    part.text, reply_markup=part.keyboard, link_preview_options=part.link_preview
                )
        except BadRequest as exc:
            if is_not_modified(exc):
                return True
            if is_uneditable(exc):
                return False
            raise
        except Forbidden as exc:
            log.info("telegram: cannot edit the message of callback %s: %s", query.id, exc)
            return True
        return True

    @staticmethod
    async def _answer(query: CallbackQuery, text: str | None = None, alert: bool = False) -> bool:
        """Answer the callback query (stops the button's spinner); True when answered."""
        try:
            await query.answer(text=text, show_alert=alert)
        except (BadRequest, Forbidden) as exc:
            log.debug("telegram: could not answer callback %s: %s", query.id, exc)
        except TelegramError as exc:
            log.warning("telegram: could not answer callback %s: %s", query.id, exc)
        return True

    # ------------------------------------------------------------------ inline mode

    async def _on_inline(self, update: Update, context: Context) -> None:
        query = update.inline_query
        if query is None:
            return
        user = query.from_user
        reply = await self._router.inline(
            query.query,
            user=user_key(user),
            lang_hint=user.language_code,
            offset=parse_offset(query.offset),
            limit=self._settings.inline_page_size,
        )
        bot: Bot = context.bot
        answer = inline_answer(reply, bot.username, query=query.query)
        try:
            await query.answer(
                answer.results,
                cache_time=self._settings.inline_cache_seconds,
                is_personal=True,
                next_offset=answer.next_offset,
                button=answer.button,
            )
        except BadRequest as exc:
            if not is_stale_query(exc):
                raise
            log.debug("telegram: inline query %s answered too late: %s", query.id, exc)

    # ------------------------------------------------------------------ errors

    def _on_polling_error(self, exc: TelegramError) -> None:
        """getUpdates failed (network, Telegram hiccup): PTB retries; one line is enough."""
        log.warning("telegram: polling failed, retrying: %s", exc)

    async def _on_error(self, update: object, context: Context) -> None:
        """Every exception from a handler ends here: details to the log, a short apology to
        the user — except where an apology cannot arrive or would only make things worse."""
        error = context.error
        if error is None:
            return
        where = describe(update)
        if isinstance(error, Forbidden):
            log.info("telegram: %s: the bot may not write there: %s", where, error)
            return
        if isinstance(error, RetryAfter):
            log.warning("telegram: %s: dropped after Telegram's flood control: %s", where, error)
            return
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            log.warning("telegram: %s: network error: %s", where, error)
            return
        log.error("telegram: could not answer %s", where, exc_info=error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        chat = update.effective_chat
        user = update.effective_user
        lang = await self._lang(user)
        message = update.effective_message
        try:
            await context.bot.send_message(
                chat.id,
                t("error.sorry", lang),
                message_thread_id=_thread_of(message),
            )
        except TelegramError as exc:
            log.warning("telegram: could not apologise in chat %s: %s", chat.id, exc)

    async def _lang(self, user: User | None) -> str:
        """The user's language as the core stores it, else Telegram's hint."""
        if user is None:
            return DEFAULT_LANG
        try:
            stored = await self._lookups.user_lang(user_key(user))
        except Exception:
            stored = None
        return normalize_lang(stored or user.language_code)
