"""Who may do what, end to end: user groups, channels, the two-person rule, Enterprise orgs."""

from __future__ import annotations

from typing import Any

from bot.slack.messages import action_ids
from tests.helpers import buttons, confirmation_id, shown
from tests.standins.slack_driver import CHANNEL, Driver
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, eventually

CAROL = "U0CAROL"
ADMINS = "S0ADMINS"
ML_TEAM = "S0MLTEAM"


async def command_reply(stack: Stack, driver: Driver, user: str, **kw: str) -> dict[str, Any]:
    """The answer to `/nebula delete`: in the ack itself, or after it (a refusal or the confirmation)."""
    before = len(stack.slack.messages)
    ack, url = await driver.command(user, f"delete {INSTANCE}", **kw)
    assert ack.status == 200
    if ack.body.get("text"):
        return ack.body
    channel = kw.get("channel", CHANNEL)

    def in_channel() -> list[dict[str, Any]]:  # not a DM to someone (an earlier request's decision)
        return [m.body for m in stack.slack.messages[before:] if m.channel == channel]

    await eventually(lambda: bool(stack.slack.posts_to(url)) or bool(in_channel()))
    if stack.slack.posts_to(url):
        return stack.slack.posts_to(url)[0]
    message = in_channel()[0]
    stack.request_seen(message)
    return message


async def test_member_of_an_allowed_group_may_delete(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.slack.usergroups[ML_TEAM] = [CAROL]
    _, driver = await stack.start_bot(nebula_bot_allowed_users="", nebula_bot_allowed_usergroups=ML_TEAM)

    confirmation = await command_reply(stack, driver, CAROL)
    cid = confirmation_id(confirmation)
    await stack.confirm(driver, cid, CAROL)

    assert len(stack.nebula.deletes()) == 1
    # Membership is cached: the command and the click cost Slack one lookup.
    assert stack.slack.api_calls.count("usergroups.users.list") == 1


async def test_non_member_is_refused(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.slack.usergroups[ML_TEAM] = [CAROL]
    _, driver = await stack.start_bot(nebula_bot_allowed_users="", nebula_bot_allowed_usergroups=ML_TEAM)

    reply = await command_reply(stack, driver, BOB)

    assert "NEBULA_BOT_ALLOWED_USERGROUPS" in shown(reply)
    assert stack.nebula.calls == []


async def test_a_slack_error_on_membership_means_not_allowed(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.slack.usergroups[ML_TEAM] = [CAROL]
    stack.slack.usergroups_error = "ratelimited"
    _, driver = await stack.start_bot(nebula_bot_allowed_users="", nebula_bot_allowed_usergroups=ML_TEAM)

    reply = await command_reply(stack, driver, CAROL)

    assert "may not" in shown(reply)
    assert stack.nebula.calls == []
    # The error was not cached as an answer: once Slack recovers, Carol may.
    stack.slack.usergroups_error = None
    assert buttons(await command_reply(stack, driver, CAROL))


async def test_allowed_users_or_groups(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.slack.usergroups[ML_TEAM] = [CAROL]
    _, driver = await stack.start_bot(nebula_bot_allowed_users=ALICE, nebula_bot_allowed_usergroups=ML_TEAM)
    assert buttons(await command_reply(stack, driver, ALICE))
    assert buttons(await command_reply(stack, driver, CAROL))
    assert not buttons(await command_reply(stack, driver, BOB))


async def test_commands_only_work_in_allowed_channels(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_allowed_channels="C0OPS,C0INFRA")

    ack, _ = await driver.command(ALICE, f"delete {INSTANCE}", channel="C0RANDOM")

    assert "does not work in this channel" in ack.body["text"]
    assert "<#C0INFRA>" in shown(ack.body)
    assert stack.nebula.calls == []
    assert buttons(await command_reply(stack, driver, ALICE, channel="C0OPS"))


async def test_two_person_rule(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    stack.slack.usergroups[ADMINS] = [CAROL]
    _, driver = await stack.start_bot(nebula_bot_approvers=f"{BOB},{ADMINS}")

    confirmation = await command_reply(stack, driver, ALICE)
    assert f"Needs approval by <!subteam^{ADMINS}>, <@{BOB}>" in shown(confirmation)
    cid = confirmation_id(confirmation)

    own = await stack.click(driver, ALICE, cid)
    assert "someone else must approve it" in shown(own[0])
    outsider = await stack.click(driver, "U0DAVE", cid)
    assert "Only <!subteam^S0ADMINS>, <@U0BOB> can approve this" in shown(outsider[0])
    assert stack.nebula.deletes() == []

    outcome = shown(await stack.confirm(driver, cid, CAROL))  # an approver through the group
    assert f"Requested by <@{ALICE}>, confirmed by <@{CAROL}>" in outcome
    assert len(stack.nebula.deletes()) == 1


async def test_an_approver_may_reject_and_the_requester_may_withdraw(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_approvers=BOB)

    for canceller in (BOB, ALICE):  # the approver rejects; the requester withdraws
        cid = confirmation_id(await command_reply(stack, driver, ALICE))
        await driver.click(canceller, action_ids.CANCEL, cid)
        await eventually(lambda cid=cid: "Cancelled" in shown(stack.showing(cid)))  # type: ignore[misc]
        assert f"Cancelled by <@{canceller}>" in shown(stack.showing(cid))
    assert stack.nebula.deletes() == []


async def test_another_enterprise_org_is_refused(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.slack.enterprise_id = "E0OURS"
    _, driver = await stack.start_bot()
    form_fields = {"enterprise_id": "E0THEIRS"}
    from urllib.parse import urlencode

    from tests.standins.slack_driver import command_form

    body = command_form(ALICE, f"delete {INSTANCE}", stack.slack.new_response_url()) | form_fields
    ack = await driver.post_signed(urlencode(body))
    assert "other workspaces are refused" in ack.body["text"]
    ours = command_form(ALICE, f"delete {INSTANCE}", stack.slack.new_response_url()) | {
        "enterprise_id": "E0OURS"
    }
    ack = await driver.post_signed(urlencode(ours))
    assert not ack.body.get("text")
    await eventually(lambda: len(stack.nebula.calls) == 1)
