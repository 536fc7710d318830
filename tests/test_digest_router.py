"""The digest commands in the router: parsing, admin-only changes in groups, /digest, /status."""

from __future__ import annotations

import pytest

from bot.chat import ChatContext
from bot.config import SourceConfig
from bot.digest.model import ChatKey, DigestFilter, FilterKind, Mode
from bot.i18n import t
from bot.lookups import Lookups
from bot.replies import ActionKind, ReplyKind
from bot.router import Router
from storage.repository import SqlRepository
from tests.test_digest_fakes import digest_router

GROUP = ChatContext("telegram", "-1001", thread_id="7", is_group=True, is_admin=False)
GROUP_ADMIN = ChatContext("telegram", "-1001", thread_id="7", is_group=True, is_admin=True)
PRIVATE = ChatContext("telegram", "42", is_group=False, is_admin=True)


@pytest.fixture
async def router(repo: SqlRepository) -> Router:
    return await digest_router(
        repo, sources=[SourceConfig(url="https://blog.example/rss", interval=30)]
    )


async def test_only_admins_change_a_groups_subscriptions(
    router: Router, repo: SqlRepository
) -> None:
    for text in ("/subscribe", "/구독 08:30", "/unsubscribe"):
        reply = await router.handle(text, user="u1", lang="en", chat=GROUP)
        assert reply.headline == t("subscribe.admins_only", "en")
    assert await repo.chat_subscriptions(GROUP.key) == []
    done = await router.handle("/subscribe", user="u2", lang="en", chat=GROUP_ADMIN)
    assert "09:00" in done.headline and "Asia/Seoul" in done.headline
    [sub] = await repo.chat_subscriptions(ChatKey("telegram", "-1001", "7"))
    assert sub.is_group and sub.mode is Mode.DAILY and sub.lang == "en"
    # anyone may look
    listing = await router.handle("/subscriptions", user="u1", lang="en", chat=GROUP)
    assert listing.notes == (t("subscribe.line", "en", time="09:00", zone="Asia/Seoul"),)


async def test_subscribe_arguments(router: Router, repo: SqlRepository) -> None:
    reply = await router.handle(
        "/subscribe 8:30 europe/london theme:가족 영화", user="u", lang="en", chat=PRIVATE
    )
    assert reply.kind is ReplyKind.TEXT and "08:30" in reply.headline
    [sub] = await repo.chat_subscriptions(PRIVATE.key)
    assert (sub.at, sub.timezone) == ("08:30", "Europe/London")
    assert sub.filter == DigestFilter(FilterKind.THEME, "가족 영화")
    # the same command again replaces it (one daily subscription per chat)
    await router.handle("/subscribe 07:00", user="u", lang="en", chat=PRIVATE)
    [sub] = await repo.chat_subscriptions(PRIVATE.key)
    assert (sub.at, sub.timezone, sub.filter) == ("07:00", "Asia/Seoul", None)
    await router.handle("/subscribe new category:리뷰", user="u", lang="en", chat=PRIVATE)
    subs = await repo.chat_subscriptions(PRIVATE.key)
    assert [s.mode for s in subs] == [Mode.DAILY, Mode.NEW]
    assert subs[1].filter == DigestFilter(FilterKind.CATEGORY, "리뷰")
    bad = await router.handle("/subscribe 25:99", user="u", lang="en", chat=PRIVATE)
    assert "25:99" in bad.headline
    zone = await router.handle("/subscribe Mars/Base", user="u", lang="en", chat=PRIVATE)
    assert zone.headline == t("subscribe.bad_zone", "en", arg="Mars/Base")
    await router.handle("/unsubscribe new", user="u", lang="en", chat=PRIVATE)
    assert [s.mode for s in await repo.chat_subscriptions(PRIVATE.key)] == [Mode.DAILY]
    gone = await router.handle("/unsubscribe", user="u", lang="en", chat=PRIVATE)
    assert gone.headline == t("subscribe.stopped", "en")
    assert await repo.chat_subscriptions(PRIVATE.key) == []


async def test_console_counts_as_a_private_chat_with_its_user_as_admin(router: Router) -> None:
    reply = await router.handle("/subscribe 10:00 UTC", user="console", lang="en")
    assert "10:00" in reply.headline
    status = await router.handle("/status", user="console", lang="en")
    assert status.headline == t("status.title", "en")


async def test_digest_shows_todays_pick_as_a_card_with_more_like_this(router: Router) -> None:
    reply = await router.handle("/digest", user="u", lang="ko", chat=PRIVATE)
    assert reply.kind is ReplyKind.CARD and reply.headline == "오늘의 리뷰"
    assert reply.actions[0].kind is ActionKind.MORE_LIKE_THIS


async def test_status_is_for_admins_and_lists_sources_and_counts(router: Router) -> None:
    refused = await router.handle("/status", user="u", lang="en", chat=GROUP)
    assert refused.headline == t("status.admins_only", "en")
    await router.handle("/subscribe", user="u", lang="en", chat=PRIVATE)
    reply = await router.handle("/status", user="u", lang="en", chat=GROUP_ADMIN)
    text = "\n".join(reply.notes)
    assert "Library: 3 reviews" in text
    assert "1 daily" in text
    assert "https://blog.example/rss: not checked yet" in text
    assert t("status.never_ran", "en") in text


async def test_status_in_a_private_chat_is_only_for_the_bots_operators(router: Router) -> None:
    stranger = ChatContext("telegram", "42", is_admin=True, user_id="42")
    refused = await router.handle("/status", user="u", lang="en", chat=stranger)
    assert refused.headline == t("status.operators_only", "en", platform="telegram", user="42")
    assert "Library" not in refused.headline and not refused.notes
    korean = await router.handle("/status", user="u", lang="ko", chat=stranger)
    assert "42" in korean.headline and "[telegram]" in korean.headline
    operator = ChatContext("telegram", "42", is_admin=True, is_operator=True, user_id="42")
    allowed = await router.handle("/status", user="u", lang="en", chat=operator)
    assert allowed.headline == t("status.title", "en")
    # an operator may look from a group where they are not an admin, too
    member = ChatContext("telegram", "-1001", is_group=True, is_operator=True, user_id="42")
    assert (await router.handle("/status", user="u", lang="en", chat=member)).notes


async def test_router_without_a_digest_service_says_so(router: Router) -> None:
    plain = Router(Lookups.__new__(Lookups))
    reply = await plain.handle("/subscribe", user="u", lang="en")
    assert reply.headline == t("digest.unavailable", "en")


def test_the_router_names_the_commands_that_need_an_admin() -> None:
    """Adapters ask their platform about the sender only for these (Telegram: getChatMember)."""
    from bot.router import admin_commands

    assert set(admin_commands()) == {"subscribe", "구독", "unsubscribe", "구독취소", "구독해지",
                                     "status", "상태"}  # fmt: skip
