"""Guard rails beyond the confirmation: protected instances, the undo window, owners."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.service.runtime import BotRuntime
from bot.slack.messages import action_ids
from tests.helpers import buttons, confirmation_id, shown
from tests.standins.slack_driver import CHANNEL
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, audit, eventually, posts, records_of, stored

CAROL = "U0CAROL"  # an approver


@pytest.fixture(params=["sqlite", "redis"])
def state(request: pytest.FixtureRequest) -> dict[str, str]:
    """Both stores: the rails live in whichever the bot uses."""
    if request.param == "sqlite":
        return {}
    return {"nebula_bot_state_url": request.getfixturevalue("redis_url")}


async def answer(stack: Stack, driver: Any, user: str, text: str) -> dict[str, Any]:
    message, _ = await stack.reply(driver, user, text)
    return message


async def test_a_protected_instance_cannot_be_stopped_rebooted_or_deleted(
    http_stack: Stack, state: dict[str, str]
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot(**state)
    said = await answer(stack, driver, BOB, f"protect {INSTANCE} final training run <!channel>")
    assert said["response_type"] == "in_channel"
    assert "is protected by <@U0BOB>" in shown(said)
    assert "<!channel>" not in shown(said).replace("`<!channel>`", "")
    for verb in ("delete", "stop", "reboot"):
        refused = await answer(stack, driver, ALICE, f"{verb} {INSTANCE}")
        assert refused["response_type"] == "ephemeral"
        text = shown(refused)
        assert "protected by <@U0BOB> since" in text
        assert "final training run" in text
        assert "/nebula unprotect trainer-1" in text  # by the name it has
    stack.nebula.instances[INSTANCE]["status"] = "Stopped"
    started = await answer(stack, driver, ALICE, f"start {INSTANCE}")  # start is not guarded
    assert action_ids.CONFIRM in buttons(started)
    stack.nebula.instances[INSTANCE]["status"] = "Running"
    again = await answer(stack, driver, ALICE, f"protect {INSTANCE}")
    assert "already protected by <@U0BOB>" in shown(again)
    listed = await answer(stack, driver, ALICE, "protected")
    assert "`trainer-1` (102cade8…)" in shown(listed)
    assert "1 protected instance" in shown(listed)
    assert "final training run" in shown(listed)
    rows = await answer(stack, driver, ALICE, "list")
    assert ":lock: protected" in shown(rows)
    details = await answer(stack, driver, ALICE, f"show {INSTANCE}")
    assert ":lock: protected" in shown(details)
    assert stack.nebula.changes() == []

    lifted = await answer(stack, driver, ALICE, f"unprotect {INSTANCE}")
    assert "no longer protected" in shown(lifted)
    cid = await stack.request(driver)
    await stack.confirm(driver, cid)
    assert len(stack.nebula.deletes()) == 1


async def test_protection_set_between_request_and_confirm_wins(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot()
    cid = await stack.request(driver)
    await answer(stack, driver, BOB, f"protect {INSTANCE} not yet")
    # Protecting closed the open confirmation at once: the click finds it closed, and changes nothing.
    [reply] = await stack.click(driver, ALICE, cid)
    assert "already cancelled" in shown(reply)
    await eventually(lambda: "is protected by <@U0BOB>" in shown(stack.showing(cid)))
    assert action_ids.CONFIRM not in buttons(stack.showing(cid))
    assert stack.nebula.changes() == []
    entry = await stored(runtime.settings.nebula_bot_state_url, cid)
    assert entry is not None
    assert entry.state.value == "cancelled"


async def test_unprotect_needs_an_approver_under_the_two_person_rule(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(
        nebula_bot_approvers=CAROL, nebula_bot_allowed_users=f"{ALICE},{BOB},{CAROL}"
    )
    await answer(stack, driver, BOB, f"protect {INSTANCE}")
    message = await answer(stack, driver, ALICE, f"unprotect {INSTANCE}")
    cid = confirmation_id(message)
    assert "asked to *unprotect*" in shown(message)
    refused = await stack.click(driver, ALICE, cid)
    assert "someone else must approve" in shown(refused[-1])
    await stack.confirm(driver, cid, user=CAROL)
    listed = await answer(stack, driver, ALICE, "protected")
    assert "No instance is protected" in shown(listed)
    assert stack.nebula.changes() == []  # unprotecting is the bot's own record


async def undo_bot(stack: Stack, **settings: Any) -> tuple[BotRuntime, Any]:
    return await stack.start_bot(nebula_bot_undo_seconds="60", **settings)


async def send_due(runtime: BotRuntime) -> int:
    assert runtime.core is not None
    return (await runtime.core.sweep()).sent


async def test_a_confirmed_delete_waits_out_the_undo_window_then_is_sent_once(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    runtime, driver = await undo_bot(stack)
    cid = await stack.request(driver)
    await stack.click(driver, ALICE, cid, answers=0)
    await eventually(lambda: action_ids.UNDO in buttons(stack.showing(cid)))
    scheduled = shown(stack.showing(cid))
    assert "Deleting `trainer-1` (102cade8…)" in scheduled
    assert "(in 60 s; confirmed by <@U0ALICE>)" in scheduled
    assert "confirmed by <@U0ALICE>" in scheduled
    assert await send_due(runtime) == 0
    stack.clock.advance(59)
    assert await send_due(runtime) == 0
    assert stack.nebula.deletes() == []
    again = await stack.click(driver, ALICE, cid)  # a second confirm click changes nothing
    assert "waiting to be sent" in shown(again[-1])
    stack.clock.advance(2)
    sent = await asyncio.gather(send_due(runtime), send_due(runtime))
    assert sum(sent) <= 1  # (the bot's own sweeper may have been first)
    await eventually(lambda: "Details in the thread" in shown(stack.showing(cid)))
    assert len(stack.nebula.deletes()) == 1
    late = await stack.click(driver, ALICE, cid, action_ids.UNDO)
    assert "Too late: it was already sent" in shown(late[-1])
    actions = [r.step for r in await audit(runtime, 20)]
    assert "scheduled" in actions
    assert "executed" in actions


async def test_undo_inside_the_window_means_nothing_is_sent(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    runtime, driver = await undo_bot(stack, nebula_bot_allowed_users=f"{ALICE},{BOB}")
    cid = await stack.request(driver)
    await stack.click(driver, ALICE, cid, answers=0)
    await eventually(lambda: action_ids.UNDO in buttons(stack.showing(cid)))
    refused = await stack.click(
        driver, BOB, cid, action_ids.UNDO
    )  # neither requester, confirmer nor approver
    assert "can undo this" in shown(refused[-1])
    await stack.click(driver, ALICE, cid, action_ids.UNDO, answers=0)
    await eventually(lambda: "Undone by <@U0ALICE>" in shown(stack.showing(cid)))
    stack.clock.advance(120)
    assert await send_due(runtime) == 0
    assert stack.nebula.changes() == []


async def test_a_restart_inside_the_undo_window_sends_once_after_it(
    http_stack: Stack, state: dict[str, str]
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await undo_bot(stack, **state)
    cid = await stack.request(driver)
    await stack.click(driver, ALICE, cid, answers=0)
    await eventually(lambda: action_ids.UNDO in buttons(stack.showing(cid)))
    await stack.stop_bot(runtime)
    assert stack.nebula.deletes() == []
    stack.clock.advance(61)
    first, _ = await undo_bot(stack, **state)
    second, _ = await undo_bot(stack, **state)
    # Their sweepers (which start with a pass) race these calls: the store lets one of them send.
    await asyncio.gather(send_due(first), send_due(second), send_due(first))
    await eventually(lambda: "Details in the thread" in shown(stack.showing(cid)))
    await asyncio.gather(send_due(first), send_due(second))
    assert len(stack.nebula.deletes()) == 1


async def test_a_protection_set_inside_the_undo_window_stops_the_send(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await undo_bot(stack)
    cid = await stack.request(driver)
    await stack.click(driver, ALICE, cid, answers=0)
    await eventually(lambda: action_ids.UNDO in buttons(stack.showing(cid)))
    await answer(stack, driver, BOB, f"protect {INSTANCE} keep it")
    stack.clock.advance(61)
    assert await send_due(runtime) == 0
    assert "is protected by <@U0BOB>" in shown(stack.showing(cid))
    assert stack.nebula.changes() == []


async def test_reboot_and_start_do_not_wait(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await undo_bot(stack)
    cid = await stack.request(driver, text=f"reboot {INSTANCE}")
    await stack.confirm(driver, cid)
    assert len(stack.nebula.changes()) == 1


async def test_an_owner_found_by_email_is_named_and_the_owner_rule_applies(
    http_stack: Stack, state: dict[str, str]
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, user={"id": 7, "name": "Bob B", "email": "bob@example.com"})
    stack.slack.users_by_email["bob@example.com"] = BOB
    _, driver = await stack.start_bot(
        nebula_bot_owner_rule="owner-or-approver",
        nebula_bot_approvers=CAROL,
        nebula_bot_allowed_users=f"{ALICE},{BOB},{CAROL}",
        **state,
    )
    details = await answer(stack, driver, ALICE, f"show {INSTANCE}")
    assert "*Owner*\n<@U0BOB>" in shown(details)
    assert "bob@example.com" not in shown(details)

    # Alice is not the owner: an approver other than herself must confirm.
    message = await answer(stack, driver, ALICE, f"delete {INSTANCE}")
    cid = stack.request_seen(message)
    assert "Needs approval by <@U0CAROL>" in shown(message)
    assert "<@U0BOB>" in shown(message)
    refused = await stack.click(driver, ALICE, cid)
    assert "someone else must approve" in shown(refused[-1])
    assert stack.nebula.deletes() == []
    await stack.confirm(driver, cid, user=CAROL)
    assert len(stack.nebula.deletes()) == 1

    # The owner acts alone.
    stack.nebula.add(INSTANCE, user={"email": "bob@example.com"})
    cid = await stack.request(driver, user=BOB)
    assert "Only they can confirm" in shown(stack.showing(cid))
    await stack.confirm(driver, cid, user=BOB)
    assert len(stack.nebula.deletes()) == 2
    assert stack.slack.email_lookups.count("bob@example.com") == 1  # cached


async def test_claims_name_the_owner_and_cannot_get_round_the_rule(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_owner_rule="owner-or-approver")
    claimed = await answer(stack, driver, BOB, f"claim {INSTANCE}")
    assert "<@U0BOB> now owns" in shown(claimed)
    taken = await answer(stack, driver, ALICE, f"claim {INSTANCE}")
    assert "belongs to <@U0BOB>" in shown(taken)
    refused = await answer(stack, driver, ALICE, f"delete {INSTANCE}")
    assert "`trainer-1` (102cade8…) belongs to <@U0BOB>" in shown(refused)  # named, by name
    assert "no approvers are set" in shown(refused)
    released = await answer(stack, driver, BOB, f"claim {INSTANCE} off")
    assert "<@U0BOB> removed their own claim" in shown(released)  # a person named once
    cid = await stack.request(driver)  # nobody owns it now: the ordinary rules
    await stack.confirm(driver, cid)
    assert len(stack.nebula.deletes()) == 1


async def test_an_owner_slack_does_not_know_means_the_ordinary_rules(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, user={"email": "ghost@example.com", "name": "Ghost <!here>"})
    _, driver = await stack.start_bot(nebula_bot_owner_rule="owner-or-approver")
    details = await answer(stack, driver, ALICE, f"show {INSTANCE}")
    assert "not found in Slack" in shown(details)  # users_not_found: an answer, nobody has that email
    assert "<!here>" not in shown(details).replace("`Ghost <!here>`", "")
    cid = await stack.request(driver)
    await stack.confirm(driver, cid)
    assert len(stack.nebula.deletes()) == 1


async def test_an_owner_slack_could_not_look_up_is_never_taken_for_nobody(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, user={"email": "ghost@example.com", "name": "Ghost"})
    stack.slack.scopes = "commands,chat:write,chat:write.public"  # users:read.email not granted
    _, driver = await stack.start_bot(nebula_bot_owner_rule="owner-or-approver")
    details = await answer(stack, driver, ALICE, f"show {INSTANCE}")
    assert "Slack could not say who it is: missing_scope" in shown(details)
    assert "not found in Slack" not in shown(details)
    refused = await answer(stack, driver, ALICE, f"delete {INSTANCE}")
    assert "could not tell who owns" in shown(refused)
    assert stack.nebula.deletes() == []


async def test_leases_and_reminders_never_act_on_a_protected_instance(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(
        nebula_bot_watch_channel=CHANNEL,
        nebula_bot_remind_after="10h",
        nebula_bot_watch_interval="1h",
        nebula_bot_lease_action="delete",
    )
    await answer(stack, driver, ALICE, f"lease {INSTANCE} 1h")
    await answer(stack, driver, BOB, f"protect {INSTANCE} eval in progress")
    assert runtime.core is not None
    await runtime.core.cycle()
    [reminder] = [b for b in stack.slack.chat("chat.postMessage", CHANNEL) if "has been running" in shown(b)]
    assert ":lock: protected: eval in progress" in shown(reminder)
    stack.clock.advance(3600)
    await runtime.core.cycle()
    stack.clock.advance(3600)
    await runtime.core.cycle()
    moot = [b for b in stack.slack.chat("chat.postMessage", CHANNEL) if "Nothing to do" in shown(b)]
    assert len(moot) == 1
    assert ":lock: protected" in shown(moot[0])
    assert stack.nebula.changes() == []
    _, url = await driver.click(ALICE, "nebula_fleet_delete", INSTANCE)
    await eventually(posts(stack, url, 1))
    assert "is protected by <@U0BOB>" in shown(stack.slack.posts_to(url)[0])


async def test_under_the_owner_rule_a_lease_never_acts_on_someone_elses_instance(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(
        nebula_bot_owner_rule="owner-or-approver",
        nebula_bot_lease_action="stop",
        nebula_bot_watch_interval="1h",
    )
    await answer(stack, driver, BOB, f"claim {INSTANCE}")
    await answer(stack, driver, ALICE, f"lease {INSTANCE} 1h")
    assert runtime.core is not None
    for _ in range(3):
        stack.clock.advance(3600)
        await runtime.core.cycle()
    assert stack.nebula.changes() == []
    said = [m.body for m in stack.slack.messages if "did not stop it" in shown(m.body)]
    assert len(said) == 1
    assert "belongs to <@U0BOB>" in shown(said[0])


async def test_a_deleted_instance_takes_its_claim_with_it(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot()
    await answer(stack, driver, ALICE, f"claim {INSTANCE}")
    cid = await stack.request(driver)
    await stack.confirm(driver, cid)
    assert len(stack.nebula.deletes()) == 1
    assert runtime.core is not None
    assert await records_of(runtime, "ownership") == {}


async def test_the_send_comes_when_the_window_ends_not_at_the_sweepers_pace(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.nebula.add("i-undone")
    _, driver = await stack.start_bot(nebula_bot_undo_seconds="2s")
    cid = await stack.request(driver)
    undone = await stack.request(driver, text="delete i-undone")
    clicked = time.monotonic()
    await stack.click(driver, ALICE, cid, answers=0)
    await stack.click(driver, ALICE, undone, answers=0)
    await eventually(lambda: action_ids.UNDO in buttons(stack.showing(undone)))
    await stack.click(driver, ALICE, undone, action_ids.UNDO, answers=0)
    # The fake clock stands still, so the sweeper never finds it due: only the window's timer sends.
    await eventually(lambda: len(stack.nebula.deletes()) == 1)
    assert 1.9 <= time.monotonic() - clicked <= 6
    await eventually(lambda: "Details in the thread" in shown(stack.showing(cid)))
    assert [c.path.rsplit("/", 1)[1] for c in stack.nebula.deletes()] == [INSTANCE]
    assert "Undone by <@U0ALICE>" in shown(stack.showing(undone))
