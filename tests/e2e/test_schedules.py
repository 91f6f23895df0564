"""Schedules (issue #21.2): an instance stopped outside its window, with a notice and *Keep running
tonight* before, and started again at the next window only if the schedule stopped it. Each stop and
start exactly once, across replicas and restarts, and never on a protected instance."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

from bot.slack.messages import action_ids
from tests.e2e.watching import WATCH, cycle, keep_value, posted_with
from tests.helpers import buttons, shown
from tests.standins.slack_driver import CHANNEL, Driver
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, audit, eventually

MINUTE = 60.0
DAY = 86400.0


def clock_text(epoch: float) -> str:
    return time.strftime("%H:%M", time.gmtime(epoch))


def window_ending_in(stack: Stack, minutes: int) -> str:
    """A daily window that started two hours ago and ends in `minutes` (UTC), to the minute."""
    stack.clock.now -= stack.clock.now % MINUTE
    now = stack.clock.now
    return f"daily {clock_text(now - 120 * MINUTE)}-{clock_text(now + minutes * MINUTE)} UTC"


def calls(stack: Stack, verb: str, instance_id: str = INSTANCE) -> list[str]:
    return [c.path for c in stack.nebula.calls if c.path.endswith(f"/instance/{instance_id}/{verb}")]


def notices(stack: Stack) -> list[str]:
    return [shown(body) for body in posted_with(stack, f"schedule:{INSTANCE}")]


def kept(stack: Stack) -> bool:
    """The notice says someone kept the instance running tonight."""
    return any("running tonight: the stop at" in shown(m.body) for m in stack.slack.messages)


def asking(stack: Stack) -> list[dict[str, Any]]:
    """The confirmations in the channel."""
    return [m.body for m in stack.slack.messages if action_ids.CONFIRM in buttons(m.body)]


async def schedule(stack: Stack, driver: Driver, text: str, user: str = ALICE) -> str:
    message, _ = await stack.reply(driver, user, f"schedule {text}")
    return shown(message)


def berlin(day: int, hour: int) -> float:
    """An hour of a day of December 2026 in Berlin (UTC+1), as epoch seconds."""
    return dt.datetime(2026, 12, day, hour, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()


async def test_set_show_list_and_remove(http_stack: Stack) -> None:
    stack = http_stack
    stack.clock.now = berlin(8, 10)  # Tuesday, 10:00 in Berlin: inside the window
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot(**WATCH)
    said = await schedule(stack, driver, "trainer-1 weekdays 08:00-19:00 Europe/Berlin")
    assert "runs `weekdays 08:00-19:00 Europe/Berlin`, set by <@U0ALICE>" in said
    assert "Next stop: Tue 08 Dec 19:00 Europe/Berlin." in said  # in the schedule's zone, said
    assert "`weekdays 08:00-19:00 Europe/Berlin`" in await schedule(stack, driver, INSTANCE)
    listed, _ = await stack.reply(driver, BOB, "schedules")
    assert "*Schedules* (1)" in shown(listed)
    assert "removed by <@U0BOB>" in await schedule(stack, driver, "trainer-1 off", user=BOB)
    assert "No schedule on" in await schedule(stack, driver, INSTANCE)


async def test_set_outside_its_hours_offers_to_stop_it_now(http_stack: Stack) -> None:
    # Issue #28.5: set at 21:00 for 01:00-02:00, the instance would run on for hours with nobody told.
    stack = http_stack
    stack.clock.now = berlin(8, 21)
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot(**WATCH)
    said = await schedule(stack, driver, "trainer-1 daily 01:00-02:00 Europe/Berlin")
    assert "It is outside its hours now: left alone, it runs through the next window, until " in said
    assert "Wed 09 Dec 02:00 Europe/Berlin." in said
    await eventually(lambda: bool(asking(stack)))
    [asked] = asking(stack)
    cid = stack.request_seen(asked)
    assert "asked to *stop* this instance" in shown(asked)
    outcome = await stack.confirm(driver, cid)
    assert "success" in shown(outcome)
    assert len(calls(stack, "stop")) == 1


async def test_a_stopped_instance_is_said_to_stay_stopped(http_stack: Stack) -> None:
    stack = http_stack
    stack.clock.now = berlin(8, 10)
    stack.nebula.add(INSTANCE, host_name="trainer-1", status="Stopped")
    _, driver = await stack.start_bot(**WATCH)
    said = await schedule(stack, driver, "trainer-1 weekdays 08:00-19:00 Europe/Berlin")
    assert "It is not running: the schedule starts only what it stopped." in said
    assert asking(stack) == []
    for bad, says in (
        ("trainer-1 someday 08:00-19:00", "Not days of the week"),
        ("trainer-1 daily 8-25", "Not a time range"),
        ("trainer-1 daily 9-17 PST", "did you mean `America/Los_Angeles`?"),
        ("trainer-1 daily 08:00-08:00", "differ"),
        ("trainer-1 daily 08:00-19:00 Mars/Olympus", "Not a time zone"),
    ):
        ack, _ = await driver.command(ALICE, f"schedule {bad}")
        assert says in shown(ack.body), bad
    assert calls(stack, "stop") == []


async def test_a_notice_then_one_stop_then_one_start_at_the_next_window(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    runtime, driver = await stack.start_bot(**WATCH)
    await schedule(stack, driver, f"trainer-1 {window_ending_in(stack, 10)}")
    await cycle(runtime)
    [notice] = notices(stack)
    assert "the bot stops it at" in notice
    assert "Keep running tonight" in notice
    await cycle(runtime)
    assert len(notices(stack)) == 1  # once
    assert calls(stack, "stop") == []
    stack.clock.advance(11 * MINUTE)
    await cycle(runtime)
    await cycle(runtime)
    assert len(calls(stack, "stop")) == 1
    stack.clock.advance(DAY - 130 * MINUTE)  # just past the next day's start
    await cycle(runtime)
    await cycle(runtime)
    assert len(calls(stack, "start")) == 1
    assert stack.nebula.instances[INSTANCE]["status"] == "Running"
    assert runtime.core is not None
    lines = [r for r in await audit(runtime, 100) if r.actor == "schedule"]
    assert {(r.verb, r.outcome) for r in lines} >= {("stop", "success"), ("start", "success")}
    assert {r.source for r in lines} == {"schedule"}


async def test_keep_running_tonight_skips_one_stop_only(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    runtime, driver = await stack.start_bot(**WATCH)
    await schedule(stack, driver, f"trainer-1 {window_ending_in(stack, 10)}")
    await cycle(runtime)
    _, url = await driver.click(BOB, action_ids.KEEP, keep_value(stack, f"schedule:{INSTANCE}"))
    await eventually(lambda: kept(stack) or bool(stack.slack.posts_to(url)))
    assert kept(stack)
    stack.clock.advance(11 * MINUTE)
    await cycle(runtime)
    assert calls(stack, "stop") == []
    stack.clock.advance(DAY)  # the next evening: the schedule goes on
    await cycle(runtime)
    stack.clock.advance(11 * MINUTE)
    await cycle(runtime)
    assert len(calls(stack, "stop")) == 1


async def test_keep_after_the_stop_was_sent_is_too_late(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    runtime, driver = await stack.start_bot(**WATCH)
    await schedule(stack, driver, f"trainer-1 {window_ending_in(stack, 10)}")
    await cycle(runtime)
    value = keep_value(stack, f"schedule:{INSTANCE}")
    stack.clock.advance(11 * MINUTE)
    await cycle(runtime)
    _, url = await driver.click(BOB, action_ids.KEEP, value)
    await eventually(lambda: bool(stack.slack.posts_to(url)))
    assert "Too late" in shown(stack.slack.posts_to(url)[0])
    assert len(calls(stack, "stop")) == 1


async def test_an_instance_a_person_stopped_is_not_started_by_the_schedule(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    runtime, driver = await stack.start_bot(**WATCH)
    await schedule(stack, driver, f"trainer-1 {window_ending_in(stack, 10)}")
    stack.nebula.instances[INSTANCE]["status"] = "Stopped"  # someone stopped it by hand
    stack.clock.advance(11 * MINUTE)
    await cycle(runtime)
    stack.clock.advance(DAY - 130 * MINUTE)
    await cycle(runtime)
    await cycle(runtime)
    assert calls(stack, "stop") == []
    assert calls(stack, "start") == []


async def test_a_protected_instance_is_not_stopped_and_the_notice_says_so(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    runtime, driver = await stack.start_bot(**WATCH)
    await schedule(stack, driver, f"trainer-1 {window_ending_in(stack, 10)}")
    await stack.reply(driver, BOB, "protect trainer-1 final run")
    await cycle(runtime)
    said = [shown(m.body) for m in stack.slack.messages if m.channel == CHANNEL]
    assert any("not stopped" in text and "protected" in text for text in said)
    stack.clock.advance(11 * MINUTE)
    await cycle(runtime)
    assert calls(stack, "stop") == []


async def test_under_the_owner_rule_only_the_owner_or_an_approver_schedules(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot(
        **WATCH, nebula_bot_owner_rule="owner-or-approver", nebula_bot_approvers="U0CAROL"
    )
    await stack.reply(driver, ALICE, "own trainer-1")
    said = await schedule(stack, driver, "trainer-1 weekdays 08:00-19:00", user=BOB)
    assert "only <@U0ALICE> or an approver may set it" in said
    assert "runs `weekdays 08:00-19:00 UTC`" in await schedule(
        stack, driver, "trainer-1 weekdays 08:00-19:00"
    )


async def test_two_replicas_a_restart_and_a_last_second_keep_stop_at_most_once(
    http_stack: Stack, redis_url: str
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    settings = {**WATCH, "nebula_bot_state_url": redis_url}
    first, driver = await stack.start_bot(**settings)
    second, other = await stack.start_bot(**settings)
    await schedule(stack, driver, f"trainer-1 {window_ending_in(stack, 10)}")
    await asyncio.gather(cycle(first), cycle(second))
    assert len(notices(stack)) == 1
    value = keep_value(stack, f"schedule:{INSTANCE}")
    await stack.stop_bot(first)  # a restart inside the notice period
    first, _ = await stack.start_bot(**settings)
    stack.clock.advance(11 * MINUTE)
    keep = asyncio.create_task(other.click(BOB, action_ids.KEEP, value))  # through the replica still up
    await asyncio.gather(cycle(first), cycle(second), cycle(first), keep)
    stops = len(calls(stack, "stop"))
    assert stops <= 1
    assert (stops == 1) != kept(stack)  # either the Keep or the stop won, never both, never neither
