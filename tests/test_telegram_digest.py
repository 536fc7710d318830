"""The digest commands through the Telegram adapter: who may change a chat's subscription.

The real adapter runs against the fake Bot API (:mod:`tests.fake_telegram`) with a router
that has a digest service on a real repository, so what is checked is the whole path: the
adapter tells the router where a message came from and whether its sender is an admin
(asking Telegram with ``getChatMember`` only for the commands that need it), and the router
stores the subscription under that chat (and forum topic).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from adapters.telegram import create_adapter
from bot.config import Config
from bot.digest.model import ChatKey
from bot.i18n import t
from storage.repository import SqlRepository
from tests.fake_telegram import FakeTelegram, StoredMessage
from tests.fake_telegram.harness import Harness, fake, no_proxy, settings
from tests.test_digest_fakes import digest_router

__all__ = ["fake", "no_proxy"]  # fixtures used by the tests below
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ANONYMOUS = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


OPERATOR = 5099


@pytest.fixture
async def bot(fake: FakeTelegram, repo: SqlRepository) -> AsyncIterator[Harness]:
    router = await digest_router(repo)
    adapter = create_adapter(
        Config(telegram=settings(fake, admins=[OPERATOR])), router, router._lookups
    )
    assert adapter is not None
    harness = await Harness(fake, adapter).start()
    try:
        yield harness
    finally:
        await harness.stop()


def only(messages: list[StoredMessage]) -> StoredMessage:
    assert len(messages) == 1, [m.text[:80] for m in messages]
    return messages[0]


def no_rejections(fake: FakeTelegram) -> None:
    assert fake.rejected() == [], [(c.method, c.error) for c in fake.rejected()]


async def test_the_adapter_is_named_telegram(bot: Harness) -> None:
    assert bot.adapter.name == "telegram"


async def test_a_group_admin_subscribes_the_group(
    fake: FakeTelegram, bot: Harness, repo: SqlRepository
) -> None:
    group = fake.group_chat(-1005001)
    admin = fake.user(5001, lang="en")
    fake.set_member(group["id"], admin["id"], "administrator")
    answer = only(await bot.say(group, admin, "/subscribe 08:30"))
    assert "08:30" in answer.text and "Asia/Seoul" in answer.text
    [sub] = await repo.chat_subscriptions(ChatKey("telegram", "-1005001", None))
    assert sub.at == "08:30" and sub.is_group
    [check] = fake.calls_to("getChatMember")
    assert int(check.params["user_id"]) == admin["id"]
    # the creator may change it too (here: the Korean alias)
    owner = fake.user(5002, lang="ko")
    fake.set_member(group["id"], owner["id"], "creator")
    only(await bot.say(group, owner, "/구독취소"))
    assert await repo.chat_subscriptions(ChatKey("telegram", "-1005001", None)) == []
    no_rejections(fake)


async def test_a_member_who_is_not_an_admin_is_refused(
    fake: FakeTelegram, bot: Harness, repo: SqlRepository
) -> None:
    group = fake.group_chat(-1005002)
    member = fake.user(5003, lang="en")
    for text in ("/subscribe", "/unsubscribe", "/status"):
        answer = only(await bot.say(group, member, text))
        key = "status.admins_only" if text == "/status" else "subscribe.admins_only"
        assert answer.text == t(key, "en")
    assert await repo.chat_subscriptions(ChatKey("telegram", "-1005002", None)) == []
    # anyone may look, and looking asks Telegram nothing
    before = len(fake.calls_to("getChatMember"))
    listing = only(await bot.say(group, member, "/subscriptions"))
    assert listing.text == t("subscribe.none", "en")
    only(await bot.say(group, member, "/film 영화1"))
    assert len(fake.calls_to("getChatMember")) == before
    no_rejections(fake)


async def test_status_in_a_private_chat_only_for_configured_admins(
    fake: FakeTelegram, bot: Harness
) -> None:
    stranger = fake.user(5098, lang="en")
    refused = only(await bot.say(fake.private_chat(stranger), stranger, "/status"))
    assert refused.text == t("status.operators_only", "en", platform="telegram", user="5098")
    operator = fake.user(OPERATOR, lang="en")
    allowed = only(await bot.say(fake.private_chat(operator), operator, "/status"))
    assert allowed.text.startswith(t("status.title", "en"))
    assert "Library: 3 reviews" in allowed.text
    no_rejections(fake)


async def test_an_unanswered_admin_check_refuses(
    fake: FakeTelegram, bot: Harness, repo: SqlRepository
) -> None:
    group = fake.group_chat(-1005003)
    admin = fake.user(5004, lang="en")
    fake.set_member(group["id"], admin["id"], "administrator")
    fake.fail("getChatMember", code=400, description="Bad Request: user not found")
    answer = only(await bot.say(group, admin, "/subscribe"))
    assert answer.text == t("subscribe.admins_only", "en")
    assert await repo.chat_subscriptions(ChatKey("telegram", "-1005003", None)) == []


async def test_an_anonymous_admin_subscribes_a_forum_topic(
    fake: FakeTelegram, bot: Harness, repo: SqlRepository
) -> None:
    forum = fake.group_chat(-1005004, forum=True)
    answer = only(
        await bot.say(forum, ANONYMOUS, "/subscribe 07:00", sender_chat=forum, thread_id=9)
    )
    assert "07:00" in answer.text and answer.thread_id == 9
    [sub] = await repo.chat_subscriptions(ChatKey("telegram", "-1005004", "9"))
    assert sub.at == "07:00"
    assert fake.calls_to("getChatMember") == []  # the group itself speaks: no need to ask
    # a linked channel posting in the group is not its admin
    channel = {"id": -1009999, "type": "channel", "title": "News"}
    refused = only(await bot.say(forum, ANONYMOUS, "/unsubscribe", sender_chat=channel))
    assert refused.text == t("subscribe.admins_only", "ko")
    no_rejections(fake)


async def test_digest_and_subscribe_in_a_private_chat(
    fake: FakeTelegram, bot: Harness, repo: SqlRepository
) -> None:
    user = fake.user(5005, lang="ko")
    private = fake.private_chat(user)
    card = only(await bot.say(private, user, "/digest"))
    assert card.text.startswith("오늘의 리뷰")
    assert card.callback_data()  # "more like this"
    only(await bot.say(private, user, "/오늘의리뷰"))
    only(await bot.say(private, user, "/subscribe"))
    [sub] = await repo.chat_subscriptions(ChatKey("telegram", "5005", None))
    assert not sub.is_group
    assert fake.calls_to("getChatMember") == []
    assert {"subscribe", "unsubscribe", "subscriptions", "digest", "status"} <= {
        c["command"] for c in fake.commands[("default", "ko")]
    }
    no_rejections(fake)


async def test_a_subscribed_group_gets_one_card_each_morning_and_follows_a_migration(
    fake: FakeTelegram, bot: Harness, repo: SqlRepository
) -> None:
    """The whole path on Telegram: an admin subscribes a group, the core's scheduler sends
    through python-telegram-bot at 08:30 Seoul time once a day with a "more like this"
    button; after the group becomes a supergroup the next morning's card lands there."""
    from bot.digest.clock import ManualClock
    from bot.digest.scheduler import DigestScheduler, router_render
    from bot.digest.service import DigestService

    group = fake.group_chat(-4005009)
    admin = fake.user(5009, lang="ko")
    fake.set_member(group["id"], admin["id"], "administrator")
    only(await bot.say(group, admin, "/subscribe 08:30"))
    router = bot.adapter._router
    service = router._digest
    assert isinstance(service, DigestService) and isinstance(service.clock, ManualClock)
    scheduler = DigestScheduler(
        service, {"telegram": bot.adapter}, router_render(router), clock=service.clock,
        limits={},
    )  # fmt: skip
    # 08:30 in Seoul on 1 March is 23:30 UTC on 29 February
    assert (await scheduler.tick(datetime(2024, 2, 29, 23, 29, tzinfo=UTC))).outcomes == []
    first = await scheduler.tick(datetime(2024, 2, 29, 23, 30, tzinfo=UTC))
    assert [o.status.value for o in first.outcomes] == ["sent"]
    card = only([m for m in fake.bot_messages(group["id"]) if "오늘의 리뷰" in m.text])
    assert str(card.message_id) == first.outcomes[0].message_id
    assert any("비슷한 리뷰" in b["text"] for b in card.buttons())
    assert (await scheduler.tick(datetime(2024, 3, 1, 9, 0, tzinfo=UTC))).outcomes == []

    fake.migrate(group["id"], -1004005009)
    second = await scheduler.tick(datetime(2024, 3, 1, 23, 30, tzinfo=UTC))
    assert [o.status.value for o in second.outcomes] == ["sent"]
    moved = only(fake.bot_messages(-1004005009))
    assert "오늘의 리뷰" in moved.text and second.outcomes[0].post_id != first.outcomes[0].post_id
    [sub] = await repo.chat_subscriptions(ChatKey("telegram", "-1004005009", None))
    assert sub.at == "08:30"
    no_rejections(fake)
