"""A notice's buttons act only on the notice they belong to (issue #19.4), a Keep after the change was
sent says so (issue #23), and one odd read resets nothing (issue #23)."""

from __future__ import annotations

from bot.slack.messages import action_ids
from tests.e2e.watching import HOUR, WATCH, cycle, keep_value, lease, reminders, stops
from tests.helpers import buttons, shown
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, eventually, posts


async def told(stack: Stack, user: str, action: str, value: str) -> str:
    """Press a button with `value`, and wait for what the presser alone is told."""
    [driver] = [stack.driver_for(bot) for bot in stack.bots]
    _, url = await driver.click(user, action, value)
    await eventually(posts(stack, url, 1))
    return shown(stack.slack.posts_to(url)[0])


async def test_keep_on_an_old_lease_notice_does_not_touch_the_new_lease(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(**WATCH, nebula_bot_lease_action="stop")
    await lease(stack, driver, f"{INSTANCE} 1h")
    stack.clock.advance(HOUR)
    await cycle(runtime)
    old_keep = keep_value(stack, f"lease:{INSTANCE}")
    await lease(stack, driver, f"{INSTANCE} 30d")  # a new lease, set after the notice
    answer = await told(stack, BOB, action_ids.KEEP, old_keep)
    assert "out of date" in answer
    shown_lease, _ = await stack.reply(driver, ALICE, f"lease {INSTANCE}")
    assert "set by <@U0ALICE>" in shown(shown_lease)
    assert "Kept" not in shown(shown_lease)
    # The old notice's Stop is out of date too: no confirmation is asked for.
    before = len(stack.slack.messages)
    assert "out of date" in await told(stack, BOB, action_ids.FLEET_STOP, old_keep)
    assert not any(action_ids.CONFIRM in buttons(m.body) for m in stack.slack.messages[before:])


async def test_a_reminder_from_before_a_stop_and_a_start_is_out_of_date(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, _ = await stack.start_bot(**WATCH)
    await cycle(runtime)
    first = keep_value(stack, f"reminder:{INSTANCE}")
    stack.nebula.instances[INSTANCE]["status"] = "Stopped"
    await cycle(runtime)  # closed: the instance stopped (a fresh read agrees)
    stack.nebula.instances[INSTANCE]["status"] = "Running"
    await cycle(runtime)  # running again, past the threshold: a new reminder
    assert len(reminders(stack)) == 2
    assert keep_value(stack, f"reminder:{INSTANCE}") != first
    assert "out of date" in await told(stack, BOB, action_ids.KEEP, first)
    assert "out of date" in await told(stack, BOB, action_ids.FLEET_DELETE, first)


async def test_keep_after_the_lease_change_was_sent_says_it_was_sent_and_how_it_went(
    http_stack: Stack,
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    settings = {**WATCH, "nebula_bot_lease_action": "stop", "nebula_bot_lease_grace": "10m"}
    runtime, driver = await stack.start_bot(**settings)
    await lease(stack, driver, f"{INSTANCE} 1h")
    stack.clock.advance(HOUR)
    await cycle(runtime)
    keep = keep_value(stack, f"lease:{INSTANCE}")
    stack.clock.advance(601)
    await cycle(runtime)
    assert len(stops(stack)) == 1
    answer = await told(stack, BOB, action_ids.KEEP, keep)
    assert "already sent the stop" in answer
    assert "success" in answer
    assert "There is no lease" not in answer


async def test_one_odd_read_resets_no_snooze(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(**WATCH)
    await cycle(runtime)
    reminder = stack.slack.messages[-1]
    await driver.click(ALICE, action_ids.KEEP, keep_value(stack, f"reminder:{INSTANCE}"))
    await eventually(lambda: "Kept by <@U0ALICE>" in shown(reminder.body))
    stack.nebula.odd_details[INSTANCE] = [{"status": "Stopped"}]  # one detail read says Stopped
    await cycle(runtime)
    stack.clock.advance(2 * HOUR)
    await cycle(runtime)
    assert "Kept by <@U0ALICE>" in shown(reminder.body)
    assert len(reminders(stack)) == 1  # the Keep still holds: no second reminder inside its snooze
