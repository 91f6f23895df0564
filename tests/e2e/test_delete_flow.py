"""The delete flow end to end, in Socket Mode and HTTP mode, through the stand-in servers."""

from __future__ import annotations

import asyncio

from bot.blocks import CANCEL_ACTION_ID, CONFIRM_ACTION_ID
from tests.helpers import buttons, confirmation_id, shown
from tests.standins.servers import INSTANCE_PASSWORD, NEBULA_KEY
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, eventually, posts


async def test_confirmed_delete_calls_nebula_once_and_reports_its_answer(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()

    ack, command_url = await driver.command(ALICE, f"delete {INSTANCE}")
    assert ack.status == 200
    assert not ack.body.get("text")
    await eventually(lambda: len(stack.slack.posts_to(command_url)) == 1)
    request = stack.slack.posts_to(command_url)[0]
    assert request["response_type"] == "in_channel"
    assert request["text"].startswith(f"<@{ALICE}> asked to delete {INSTANCE}")
    text = shown(request)
    for expected in (
        INSTANCE,
        "trainer-1",
        "RTX-A6000 × 1",
        "CANADA",
        "Running",
        "12.5000 hours",
        "$8.4875",
        f"<@{ALICE}>",
        "Expires at <!date^",
    ):
        assert expected in text
    delete_button = buttons(request)[CONFIRM_ACTION_ID]
    assert delete_button["style"] == "danger"
    assert delete_button["confirm"]["style"] == "danger"
    assert "style" not in buttons(request)[CANCEL_ACTION_ID]
    assert stack.nebula.deletes() == []

    ack, click_url = await driver.click(ALICE, CONFIRM_ACTION_ID, confirmation_id(request))
    assert ack.status == 200
    await eventually(lambda: len(stack.slack.posts_to(click_url)) == 2)
    deleting, result = stack.slack.posts_to(click_url)
    assert deleting["replace_original"] is True
    assert "Deleting" in shown(deleting)
    assert f"confirmed by <@{ALICE}>" in shown(deleting)
    assert buttons(deleting) == {}
    assert result["response_type"] == "in_channel"
    assert result["replace_original"] is False
    assert result["text"] == f"Deleted: {INSTANCE}: success, Instances deleted successfully"
    for expected in (
        "Instances deleted successfully",
        "success",
        INSTANCE,
        f"Requested by <@{ALICE}>",
        f"confirmed by <@{ALICE}>",
    ):
        assert expected in shown(result)

    [delete] = stack.nebula.deletes()
    assert delete.path == f"/api/v1/computing/instance/{INSTANCE}"
    assert delete.authorization == f"Bearer {NEBULA_KEY}"
    everything_posted = shown({"posts": [p.body for p in stack.slack.posted]})
    assert NEBULA_KEY not in everything_posted
    assert INSTANCE_PASSWORD not in everything_posted


async def test_ack_does_not_wait_for_nebula(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    stack.nebula.hold_details = True
    _, driver = await stack.start_bot()

    ack, command_url = await driver.command(ALICE, f"delete {INSTANCE}")

    # The ack came back while Nebula was still holding the lookup.
    assert ack.status == 200
    assert [c.method for c in stack.nebula.calls] == ["GET"]
    assert stack.slack.posts_to(command_url) == []
    stack.nebula.release.set()
    await eventually(lambda: len(stack.slack.posts_to(command_url)) == 1)
    assert confirmation_id(stack.slack.posts_to(command_url)[0])


async def test_only_the_requester_can_confirm(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)

    for intruder in (BOB, "U0STRANGER"):
        for action in (CONFIRM_ACTION_ID, CANCEL_ACTION_ID):
            _, url = await driver.click(intruder, action, cid)
            await eventually(posts(stack, url, 1))
            [reply] = stack.slack.posts_to(url)
            assert reply["response_type"] == "ephemeral"
            assert reply["replace_original"] is False
            verb = "confirm" if action == CONFIRM_ACTION_ID else "cancel"
            assert f"Only <@{ALICE}> can {verb} this" in shown(reply)
    assert stack.nebula.deletes() == []

    _, url = await driver.click(ALICE, CONFIRM_ACTION_ID, cid)
    await eventually(lambda: len(stack.slack.posts_to(url)) == 2)
    assert len(stack.nebula.deletes()) == 1


async def test_cancel_replaces_the_buttons_and_nothing_is_deleted(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)

    _, url = await driver.click(ALICE, CANCEL_ACTION_ID, cid)
    await eventually(lambda: len(stack.slack.posts_to(url)) == 1)
    [cancelled] = stack.slack.posts_to(url)
    assert cancelled["replace_original"] is True
    assert f"Cancelled by <@{ALICE}>" in shown(cancelled)
    assert buttons(cancelled) == {}

    _, url = await driver.click(ALICE, CONFIRM_ACTION_ID, cid)
    await eventually(lambda: len(stack.slack.posts_to(url)) == 1)
    assert "already cancelled" in shown(stack.slack.posts_to(url)[0])
    assert stack.nebula.deletes() == []


async def test_double_click_and_click_after_outcome_delete_once(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)
    stack.nebula.hold_deletes = True

    _, first = await driver.click(ALICE, CONFIRM_ACTION_ID, cid)
    await eventually(lambda: len(stack.nebula.deletes()) == 1)
    _, second = await driver.click(ALICE, CONFIRM_ACTION_ID, cid)
    await eventually(lambda: len(stack.slack.posts_to(second)) == 1)
    assert "already confirmed and is being carried out" in shown(stack.slack.posts_to(second)[0])
    stack.nebula.release.set()
    await eventually(lambda: len(stack.slack.posts_to(first)) == 2)

    _, late = await driver.click(ALICE, CONFIRM_ACTION_ID, cid)
    await eventually(lambda: len(stack.slack.posts_to(late)) == 1)
    assert "already carried out" in shown(stack.slack.posts_to(late)[0])
    assert len(stack.nebula.deletes()) == 1


async def test_five_concurrent_clicks_delete_once(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)

    results = await asyncio.gather(*(driver.click(ALICE, CONFIRM_ACTION_ID, cid) for _ in range(5)))
    assert all(ack.status == 200 for ack, _ in results)
    urls = [url for _, url in results]
    # One click wins (in-progress + outcome); the four others are told it is already handled.
    await eventually(lambda: sum(len(stack.slack.posts_to(u)) for u in urls) == 6)
    winners = [u for u in urls if len(stack.slack.posts_to(u)) == 2]
    assert len(winners) == 1
    assert len(stack.nebula.deletes()) == 1


async def test_expired_confirmation_is_refused_and_loses_its_buttons(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_confirm_ttl=600)
    cid = await stack.request(driver)

    stack.clock.advance(601)
    _, url = await driver.click(ALICE, CONFIRM_ACTION_ID, cid)
    await eventually(lambda: len(stack.slack.posts_to(url)) == 1)
    [expired] = stack.slack.posts_to(url)
    assert expired["replace_original"] is True
    assert f"This request expired; run `/nebula delete {INSTANCE}` again" in shown(expired)
    assert buttons(expired) == {}

    _, url = await driver.click(ALICE, CONFIRM_ACTION_ID, cid)
    await eventually(lambda: len(stack.slack.posts_to(url)) == 1)
    assert "expired" in shown(stack.slack.posts_to(url)[0])
    assert stack.nebula.deletes() == []


async def test_expiry_takes_the_buttons_away_without_a_click(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_confirm_ttl=10)
    message, command_url = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    cid = confirmation_id(message)

    stack.clock.advance(11)
    # The sweeper replaces the confirmation through the command's own response_url.
    await eventually(lambda: len(stack.slack.posts_to(command_url)) == 2)
    replaced = stack.slack.posts_to(command_url)[1]
    assert replaced["replace_original"] is True
    assert "expired" in shown(replaced)
    assert buttons(replaced) == {}
    _, url = await driver.click(ALICE, CONFIRM_ACTION_ID, cid)
    await eventually(lambda: len(stack.slack.posts_to(url)) == 1)
    assert stack.nebula.deletes() == []


async def test_confirmation_survives_a_restart_and_is_honoured_once(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    first, driver = await stack.start_bot()
    cid = await stack.request(driver)
    await stack.stop_bot(first)

    _, driver = await stack.start_bot()
    _, url = await driver.click(ALICE, CONFIRM_ACTION_ID, cid)
    await eventually(lambda: len(stack.slack.posts_to(url)) == 2)
    assert "Instances deleted successfully" in shown(stack.slack.posts_to(url)[1])

    _, again = await driver.click(ALICE, CONFIRM_ACTION_ID, cid)
    await eventually(lambda: len(stack.slack.posts_to(again)) == 1)
    assert len(stack.nebula.deletes()) == 1


async def test_unknown_instance_gets_no_buttons(stack: Stack) -> None:
    _, driver = await stack.start_bot()
    _, url = await driver.command(ALICE, "delete 0000-unknown")
    await eventually(lambda: len(stack.slack.posts_to(url)) == 1)
    [reply] = stack.slack.posts_to(url)
    assert reply["response_type"] == "ephemeral"
    assert "No instance `0000-unknown`" in shown(reply)
    assert buttons(reply) == {}
    assert stack.nebula.deletes() == []
