"""The delete flow end to end, in Socket Mode and HTTP mode, through the stand-in servers.

The confirmation is a message the bot posts in the channel and edits for its whole life; the outcome
is a reply in its thread, broadcast to the channel; whatever only one person should see (refusals,
"already done") goes to that person alone through the click's response_url.
"""

from __future__ import annotations

import asyncio

from bot.slack.messages import action_ids
from tests.helpers import buttons, confirmation_id, shown
from tests.standins.servers import INSTANCE_PASSWORD, NEBULA_KEY
from tests.standins.slack_driver import CHANNEL
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, eventually


async def test_confirmed_delete_calls_nebula_once_and_reports_its_answer(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()

    request, _ = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    [posted] = stack.slack.messages
    assert (posted.channel, posted.thread_ts) == (CHANNEL, None), (
        "posted in the channel with chat.postMessage"
    )
    assert request["text"].startswith(f"<@{ALICE}> asked to delete {INSTANCE}")
    text = shown(request)
    for expected in (
        INSTANCE,
        "trainer-1",
        "RTX-A6000 × 1",
        "CANADA",
        "Running",
        "12h 30m",  # Nebula said "12.5000 hours": one vocabulary for durations
        "$8.49",  # and for money (Nebula said "$8.4875")
        f"<@{ALICE}>",
        "Expires at <!date^",
    ):
        assert expected in text
    delete_button = buttons(request)[action_ids.CONFIRM]
    assert delete_button["style"] == "danger"
    assert delete_button["confirm"]["style"] == "danger"
    assert "style" not in buttons(request)[action_ids.CANCEL]
    assert stack.nebula.deletes() == []

    cid = confirmation_id(request)
    outcome = await stack.confirm(driver, cid)

    [reply] = stack.slack.thread(posted.ts)
    assert reply.broadcast, "the outcome is threaded and also shown in the channel"
    assert outcome["text"] == f"Deleted: {INSTANCE}: success, Instances deleted successfully"
    for expected in ("Instances deleted successfully", "success", INSTANCE, f"Requested by <@{ALICE}>"):
        assert expected in shown(outcome)
    deleting, concluded = posted.edits
    assert "Deleting" in shown(deleting)
    assert f"confirmed by <@{ALICE}>" in shown(deleting)
    assert buttons(deleting) == {}
    assert "Details in the thread" in shown(concluded)
    assert buttons(concluded) == {}

    [delete] = stack.nebula.deletes()
    assert delete.path == f"/api/v1/computing/instance/{INSTANCE}"
    assert delete.authorization == f"Bearer {NEBULA_KEY}"
    everything = shown({"posts": [p.body for p in stack.slack.posted], "web": stack.slack.web_posts})
    assert NEBULA_KEY not in everything
    assert INSTANCE_PASSWORD not in everything


async def test_ack_does_not_wait_for_nebula(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    stack.nebula.hold_details = True
    _, driver = await stack.start_bot()

    ack, _ = await driver.command(ALICE, f"delete {INSTANCE}")

    # The ack came back while Nebula was still holding the lookup (which may reach it just after).
    assert ack.status == 200
    await eventually(lambda: [c.method for c in stack.nebula.calls] == ["GET"])
    assert stack.slack.messages == []
    stack.nebula.release.set()
    await eventually(lambda: len(stack.slack.messages) == 1)
    assert confirmation_id(stack.slack.messages[0].body)


async def test_only_the_requester_can_confirm(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)

    for intruder in (BOB, "U0STRANGER"):
        for action in (action_ids.CONFIRM, action_ids.CANCEL):
            [reply] = await stack.click(driver, intruder, cid, action)
            assert reply["response_type"] == "ephemeral"
            assert reply["replace_original"] is False
            verb = "confirm" if action == action_ids.CONFIRM else "cancel"
            assert f"Only <@{ALICE}> can {verb} this" in shown(reply)
    assert stack.nebula.deletes() == []
    assert buttons(stack.showing(cid)), "the confirmation is untouched"

    await stack.confirm(driver, cid)
    assert len(stack.nebula.deletes()) == 1


async def test_cancel_replaces_the_buttons_and_nothing_is_deleted(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)

    await driver.click(ALICE, action_ids.CANCEL, cid)
    await eventually(lambda: "Cancelled" in shown(stack.showing(cid)))
    assert f"Cancelled by <@{ALICE}>" in shown(stack.showing(cid))
    assert buttons(stack.showing(cid)) == {}

    [again] = await stack.click(driver, ALICE, cid)
    assert "already cancelled" in shown(again)
    assert stack.nebula.deletes() == []


async def test_double_click_and_click_after_outcome_delete_once(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)
    stack.nebula.hold_deletes = True

    await driver.click(ALICE, action_ids.CONFIRM, cid)
    await eventually(lambda: len(stack.nebula.deletes()) == 1)
    [second] = await stack.click(driver, ALICE, cid)
    assert "already confirmed and is being carried out" in shown(second)
    stack.nebula.release.set()
    await eventually(lambda: "Details in the thread" in shown(stack.showing(cid)))

    [late] = await stack.click(driver, ALICE, cid)
    assert "already carried out" in shown(late)
    assert len(stack.nebula.deletes()) == 1


async def test_five_concurrent_clicks_delete_once(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)
    stack._carrier(cid)

    results = await asyncio.gather(*(driver.click(ALICE, action_ids.CONFIRM, cid) for _ in range(5)))
    assert all(ack.status == 200 for ack, _ in results)
    urls = [url for _, url in results]
    # One click wins (its outcome goes to the thread); the four others are told it is already handled.
    await eventually(lambda: sum(len(stack.slack.posts_to(u)) for u in urls) == 4)
    await eventually(lambda: "Details in the thread" in shown(stack.showing(cid)))
    assert len(stack.nebula.deletes()) == 1


async def test_expired_confirmation_is_refused_and_loses_its_buttons(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_confirm_ttl=600)
    cid = await stack.request(driver)
    stack._carrier(cid)

    stack.clock.advance(601)
    await driver.click(ALICE, action_ids.CONFIRM, cid)
    await eventually(lambda: "expired" in shown(stack.showing(cid)))
    assert f"This request expired; run `/nebula delete {INSTANCE}` again" in shown(stack.showing(cid))
    assert buttons(stack.showing(cid)) == {}

    [again] = await stack.click(driver, ALICE, cid)
    assert "expired" in shown(again)
    assert stack.nebula.deletes() == []


async def test_expiry_takes_the_buttons_away_without_a_click(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_confirm_ttl=10)
    cid = await stack.request(driver)
    stack._carrier(cid)

    stack.clock.advance(11)
    # The sweeper edits the confirmation message itself (chat.update): its buttons are gone.
    await eventually(lambda: "expired" in shown(stack.showing(cid)))
    assert buttons(stack.showing(cid)) == {}
    [again] = await stack.click(driver, ALICE, cid)
    assert "expired" in shown(again)
    assert stack.nebula.deletes() == []


async def test_confirmation_survives_a_restart_and_is_honoured_once(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    first, driver = await stack.start_bot()
    cid = await stack.request(driver)
    await stack.stop_bot(first)

    _, driver = await stack.start_bot()
    outcome = await stack.confirm(driver, cid)
    assert "Instances deleted successfully" in shown(outcome)

    [again] = await stack.click(driver, ALICE, cid)
    assert "already carried out" in shown(again)
    assert len(stack.nebula.deletes()) == 1


async def test_unknown_instance_gets_no_buttons(stack: Stack) -> None:
    _, driver = await stack.start_bot()
    _url_message, url = await stack.reply(driver, ALICE, "delete 0000-unknown")
    [reply] = stack.slack.posts_to(url)
    assert reply["response_type"] == "ephemeral"
    assert "No instance called `0000-unknown`" in shown(reply)
    assert buttons(reply) == {}
    assert stack.nebula.deletes() == []
    assert stack.slack.messages == []


async def test_in_a_private_channel_without_the_bot_the_response_urls_carry_it(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.slack.channels_without_bot.add(CHANNEL)  # chat.postMessage answers not_in_channel
    bot, driver = await stack.start_bot()

    request, _ = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    assert request["response_type"] == "in_channel", "posted through the command's response_url"
    [carrier] = stack.slack.messages
    cid = confirmation_id(request)
    outcome = await stack.confirm(driver, cid)
    assert "Instances deleted successfully" in shown(outcome)
    assert "Details in the thread" in shown(carrier.body), "the click's response_url replaced it in place"

    # Without a ts, expiry cannot edit the message: it says so in a new one (see README).
    other = INSTANCE[:-2] + "ff"  # an id as Nebula writes them: looked up at once, not by name
    request, command_url = await stack.reply(driver, ALICE, f"delete {other}")
    stack.nebula.add(other)
    _second, command_url = await stack.reply(driver, ALICE, f"delete {other}")
    await eventually(lambda: bot.inflight.count == 0)  # done with the request, as long before any expiry
    stack.clock.advance(601)
    assert bot.core is not None
    assert (await bot.core.sweep()).expired == 1  # the sweeper's next pass, without waiting for it
    await eventually(lambda: any("expired" in shown(p) for p in stack.slack.posts_to(command_url)))
    assert len(stack.nebula.deletes()) == 1
