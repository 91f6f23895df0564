"""Approvals that reach people (issue #30.5): a request that needs an approver is copied to each
approver's direct messages with its buttons, kept in step with the channel's message; a click on a
copy counts as made in the channel for that approver only; the requester hears of the decision."""

from __future__ import annotations

from bot.core.confirmations.approvals import KEEP
from bot.slack.messages import action_ids
from tests.e2e.test_launch import QUIET, ask, now_showing
from tests.helpers import buttons, shown
from tests.standins.servers import ChannelMessage
from tests.standins.slack_driver import CHANNEL, Driver
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, eventually, eventually_async, records_of

CAROL = "U0CAROL"
DAVE = "U0DAVE"
ADMINS = "S0ADMINS"
PEOPLE = f"{ALICE},{BOB},{CAROL},{DAVE}"


def dm(user: str) -> str:
    """The DM channel the stand-in Slack opens with `user`."""
    return f"D{user.removeprefix('U')}"


def in_dm(stack: Stack, user: str) -> list[ChannelMessage]:
    return [m for m in stack.slack.messages if m.channel == dm(user)]


async def answer(stack: Stack, driver: Driver, user: str, cid: str, channel: str) -> str:
    """What `user` is told after clicking Confirm on `cid` from `channel`."""
    _, url = await driver.click(user, action_ids.CONFIRM, cid, channel=channel)
    await eventually(lambda: bool(stack.slack.posts_to(url)))
    return shown(stack.slack.posts_to(url)[-1])


async def test_approvers_get_the_request_by_dm_and_one_decides_for_all(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    stack.slack.usergroups[ADMINS] = [CAROL, ALICE]  # the requester in a group of approvers: not asked
    _, driver = await stack.start_bot(nebula_bot_approvers=f"{BOB},{ADMINS}", nebula_bot_allowed_users=PEOPLE)
    cid = await stack.request(driver, ALICE)
    await eventually(lambda: bool(in_dm(stack, BOB)) and bool(in_dm(stack, CAROL)))
    assert sorted(stack.slack.dms) == [BOB, CAROL]  # never the requester, never a non-approver
    for approver in (BOB, CAROL):
        [copy] = in_dm(stack, approver)
        assert action_ids.CONFIRM in buttons(copy.body)
        assert f"<@{ALICE}> asked in <#{CHANNEL}>" in shown(copy.body)
        assert "trainer-1" in shown(copy.body)

    # Dave is no approver and got no copy: a click "from his DM" is from another channel.
    assert "channel" in await answer(stack, driver, DAVE, cid, dm(DAVE))
    # Bob's copy is Bob's: Carol cannot click it from Bob's DM.
    assert "channel" in await answer(stack, driver, CAROL, cid, dm(BOB))
    assert stack.nebula.deletes() == []

    await driver.click(CAROL, action_ids.CONFIRM, cid, channel=dm(CAROL))  # from her own copy
    await eventually(lambda: len(stack.nebula.deletes()) == 1)
    await eventually(lambda: f"confirmed by <@{CAROL}>" in shown(stack.showing(cid)))
    # Bob's copy says who decided, and has no buttons left to press.
    await eventually(lambda: f"<@{CAROL}>" in shown(stack.slack.message(in_dm(stack, BOB)[0].ts).body))
    assert action_ids.CONFIRM not in buttons(stack.slack.message(in_dm(stack, BOB)[0].ts).body)
    await eventually(
        lambda: any(f"<@{CAROL}> approved your request" in shown(m.body) for m in in_dm(stack, ALICE))
    )
    assert "already" in (await answer(stack, driver, BOB, cid, dm(BOB))).lower()  # too late, from his copy
    assert len(stack.nebula.deletes()) == 1


async def test_the_requester_hears_of_a_rejection_and_of_an_expiry(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    bot, driver = await stack.start_bot(
        nebula_bot_approvers=BOB, nebula_bot_allowed_users=PEOPLE, nebula_bot_confirm_ttl=600
    )
    cid = await stack.request(driver, ALICE)
    await eventually(lambda: bool(in_dm(stack, BOB)))
    await driver.click(BOB, action_ids.CANCEL, cid, channel=dm(BOB))
    await eventually(
        lambda: any(f"<@{BOB}> rejected your request" in shown(m.body) for m in in_dm(stack, ALICE))
    )
    await eventually(lambda: "Cancelled" in shown(stack.showing(cid)))

    await stack.request(driver, ALICE)
    await eventually(lambda: len(in_dm(stack, BOB)) == 2)
    await eventually(lambda: bot.inflight.count == 0)
    stack.clock.advance(601)
    assert bot.core is not None
    assert (await bot.core.sweep()).expired == 1
    await eventually(lambda: any("expired before an approver" in shown(m.body) for m in in_dm(stack, ALICE)))
    await eventually(lambda: "expired" in shown(stack.slack.message(in_dm(stack, BOB)[1].ts).body))
    assert stack.nebula.deletes() == []


async def test_with_approval_dms_off_the_request_stays_in_the_channel(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(
        nebula_bot_approvers=BOB, nebula_bot_allowed_users=PEOPLE, nebula_bot_approval_dm="false"
    )
    cid = await stack.request(driver, ALICE)
    await stack.confirm(driver, cid, BOB)
    assert stack.slack.dms == []
    assert len(stack.nebula.deletes()) == 1


async def test_without_an_approver_needed_nobody_is_messaged(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver, ALICE)
    await stack.confirm(driver, cid, ALICE)
    assert stack.slack.dms == []


async def test_a_launch_that_needs_an_approver_reaches_them_by_dm(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(
        nebula_bot_launch_approval_per_hour=5, nebula_bot_approvers=BOB, **QUIET
    )
    costly = await ask(stack, driver, "create h100x8 ubuntu-22.04 key=laptop name=big-1")
    await eventually(lambda: bool(in_dm(stack, BOB)))
    [copy] = in_dm(stack, BOB)
    assert action_ids.LAUNCH in buttons(copy.body)
    assert "$18.32/h" in shown(copy.body)
    assert stack.slack.dms == [BOB]  # a cheap launch, or the requester, is never messaged
    await driver.click(BOB, action_ids.LAUNCH, costly.id, channel=dm(BOB))  # from his copy
    await eventually(lambda: len(stack.nebula.creates) == 1)
    await eventually(lambda: "Nebula created `big-1`" in now_showing(stack, costly))
    await eventually(lambda: "Nebula created `big-1`" in shown(stack.slack.message(copy.ts).body))
    await eventually(
        lambda: any(f"<@{BOB}> approved your launch" in shown(m.body) for m in in_dm(stack, ALICE))
    )
    assert action_ids.LAUNCH not in buttons(stack.slack.message(copy.ts).body)


async def test_copies_are_forgotten_a_week_after_they_were_sent(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    stack.nebula.add("2" + INSTANCE[1:], host_name="trainer-2")
    bot, driver = await stack.start_bot(nebula_bot_approvers=BOB, nebula_bot_allowed_users=PEOPLE)

    async def copies_of(*requests: str) -> bool:  # written after the DMs are sent: polled for
        return list(await records_of(bot, "approval_copies")) == list(requests)

    first = await stack.request(driver, ALICE)
    await eventually_async(lambda: copies_of(first))
    stack.clock.advance(KEEP + 3600)
    second = await stack.request(driver, ALICE, "delete trainer-2")
    await eventually_async(lambda: copies_of(second))
    assert len(in_dm(stack, BOB)) == 2
