"""Forgotten GPUs: reminders, Keep, leases and their one agreed change, cost, through the stand-ins.

The watcher's timer is the one thing a test does not wait for: it calls `watcher.cycle()` where the
loop would, with the fake clock moved forward, and asserts on what the stand-ins received.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.slack.messages import action_ids
from tests.e2e.watching import (
    HOUR,
    WATCH,
    cycle,
    keep_value,
    lease,
    posted_with,
    reminders,
    showing,
    stops,
)
from tests.helpers import buttons, shown
from tests.standins.servers import Scripted
from tests.standins.slack_driver import CHANNEL
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, audit, eventually, posts


async def test_one_reminder_with_figures_and_buttons_never_twice(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1", gpu_count=8, gpu_type="H100")
    stack.nebula.add("young-1", host_name="young", running_time="1.0000 hours")
    stack.nebula.add("stopped-1", host_name="idle", status="Stopped", running_time="99.0000 hours")
    runtime, _ = await stack.start_bot(**WATCH)

    await cycle(runtime)
    [reminder] = reminders(stack)
    text = shown(reminder)
    for expected in ("trainer-1", INSTANCE, "H100 × 8", "12h 30m", "$8.49", "$0.68/h"):
        assert expected in text
    assert [b["text"]["text"] for b in buttons(reminder).values()] == ["Keep 24h", "Stop", "Delete"]
    assert not reminders(stack, "young-1")
    assert not reminders(stack, "stopped-1")

    await cycle(runtime)
    stack.clock.advance(23 * HOUR)
    await cycle(runtime)
    await stack.stop_bot(runtime)
    runtime, _ = await stack.start_bot(**WATCH)  # a restart remembers
    await cycle(runtime)
    assert len(reminders(stack)) == 1
    assert stack.nebula.changes() == []

    stack.clock.advance(2 * HOUR)  # a day after the first, still running: one more
    await cycle(runtime)
    assert len(reminders(stack)) == 2


async def test_keep_snoozes_and_says_who_until_when(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(**WATCH)
    await cycle(runtime)
    [_reminder] = reminders(stack)
    ts = showing(stack, f"reminder:{INSTANCE}")
    assert ts is not None

    await driver.click(BOB, action_ids.KEEP, keep_value(stack, f"reminder:{INSTANCE}"))
    await eventually(lambda: "Kept by <@U0BOB> until" in shown(stack.slack.message(ts.ts).body))
    kept = stack.slack.message(ts.ts).body
    assert action_ids.KEEP not in buttons(kept)
    assert action_ids.FLEET_DELETE in buttons(kept)

    stack.clock.advance(
        25 * HOUR
    )  # the reminder was due again after 24h, but Keep moved it to 24h after the click
    await cycle(runtime)
    assert len(reminders(stack)) == 2  # 25h after the Keep: reminded again
    records = [r for r in await audit(runtime, 20) if r.step == "kept"]
    assert [(r.actor, r.verb, r.instance) for r in records] == [(BOB, "remind", INSTANCE)]


async def test_keep_within_the_snooze_means_no_reminder(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(**WATCH)
    await cycle(runtime)
    stack.clock.advance(20 * HOUR)
    await driver.click(ALICE, action_ids.KEEP, keep_value(stack, f"reminder:{INSTANCE}"))
    await eventually(lambda: any("Kept by" in shown(b) for b in stack.slack.chat("chat.update", CHANNEL)))
    stack.clock.advance(10 * HOUR)  # 30h after the reminder, 10h after Keep
    await cycle(runtime)
    assert len(reminders(stack)) == 1


async def test_reminder_delete_opens_the_usual_confirmation_and_deletes_once(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(**WATCH)
    await cycle(runtime)
    before = len(stack.slack.messages)
    await driver.click(ALICE, action_ids.FLEET_DELETE, INSTANCE)
    await eventually(
        lambda: any(action_ids.CONFIRM in buttons(m.body) for m in stack.slack.messages[before:])
    )
    assert stack.nebula.changes() == []  # nothing changes state from a reminder without a confirmation
    confirmation = next(
        m.body for m in stack.slack.messages[before:] if action_ids.CONFIRM in buttons(m.body)
    )
    cid = stack.request_seen(confirmation)
    assert "<@U0ALICE> asked to *delete*" in shown(confirmation)
    outcome = await stack.confirm(driver, cid)
    assert "deleted" in shown(outcome).lower()
    assert [c.method for c in stack.nebula.deletes()] == ["DELETE"]

    await cycle(runtime)  # the instance is gone: the reminder says so, and loses its buttons
    reminder_ts = showing(stack, f"reminder:{INSTANCE}")
    assert reminder_ts is None
    closed = [m for m in stack.slack.messages if "this reminder is closed" in shown(m.body)]
    assert len(closed) == 1
    assert "is gone" in shown(closed[0].body)


async def test_reminder_stop_button_needs_permission(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(**WATCH, nebula_bot_allowed_users=ALICE)
    await cycle(runtime)
    _, url = await driver.click(BOB, action_ids.FLEET_STOP, INSTANCE)
    await eventually(posts(stack, url, 1))
    assert "NEBULA_BOT_ALLOWED_USERS" in shown(stack.slack.posts_to(url)[0])
    _, url = await driver.click(BOB, action_ids.KEEP, keep_value(stack, f"reminder:{INSTANCE}"))
    await eventually(posts(stack, url, 1))
    assert "NEBULA_BOT_ALLOWED_USERS" in shown(stack.slack.posts_to(url)[0])
    assert stack.nebula.changes() == []


async def test_a_stopped_instance_closes_its_reminder(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, _ = await stack.start_bot(**WATCH)
    await cycle(runtime)
    stack.nebula.instances[INSTANCE]["status"] = "Stopped"
    await cycle(runtime)
    await cycle(runtime)
    closed = [b for b in stack.slack.chat("chat.update", CHANNEL) if "reminder is closed" in shown(b)]
    assert len(closed) == 1
    assert "Stopped" in shown(closed[0])


@pytest.mark.parametrize(
    "value", ["reminder:../x", "reminder:", "lease", "other:" + INSTANCE, "reminder:a b", "x" * 3000]
)
async def test_forged_keep_values_change_nothing(http_stack: Stack, value: str) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _runtime, driver = await stack.start_bot(**WATCH)
    _, url = await driver.click(ALICE, action_ids.KEEP, value)
    await eventually(posts(stack, url, 1))
    assert "not one the bot offered" in shown(stack.slack.posts_to(url)[0])
    assert [c.method for c in stack.nebula.calls] == []


async def test_lease_set_show_list_off(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot(**WATCH, nebula_bot_lease_action="stop")
    answer = await lease(stack, driver, f"{INSTANCE} 8h")
    assert answer["response_type"] == "in_channel"
    assert "Lease on `trainer-1` (102cade8…)" in shown(answer)
    assert "set by <@U0ALICE>" in shown(answer)
    assert "will stop it, unless someone clicks Keep" in shown(answer)
    assert "Lease on `trainer-1` (102cade8…)" in shown(await lease(stack, driver, INSTANCE, user=BOB))
    listed, _ = await stack.reply(driver, BOB, "leases")
    assert listed["response_type"] == "ephemeral"
    assert "then stop" in shown(listed)
    removed = await lease(stack, driver, f"{INSTANCE} off", user=BOB)
    assert "removed" in shown(removed)
    assert "No lease on" in shown(await lease(stack, driver, INSTANCE))
    assert "No lease on" in shown(await lease(stack, driver, f"{INSTANCE} off"))
    missing = await lease(stack, driver, "no-such-instance 2h")
    assert "No instance called `no-such-instance`" in shown(missing)
    for bad in (f"{INSTANCE} 8 fortnights", f"{INSTANCE} 0h", f"{INSTANCE} 400d", "../etc 2h"):
        ack, _ = await driver.command(ALICE, f"lease {bad}")
        said = shown(ack.body)
        assert "Usage" in said or "must be" in said or "not a duration" in said, bad


async def test_lease_end_with_stop_stops_once_after_the_grace(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    runtime, driver = await stack.start_bot(**WATCH, nebula_bot_lease_action="stop")
    await lease(stack, driver, f"{INSTANCE} 2h")
    await cycle(runtime)
    assert not posted_with(stack, f"lease:{INSTANCE}")
    stack.clock.advance(2 * HOUR)
    await cycle(runtime)
    [notice] = posted_with(stack, f"lease:{INSTANCE}")
    assert "Lease on `trainer-1` (102cade8…)" in shown(notice)
    assert "set by <@U0ALICE> ended" in shown(notice)
    assert "will stop it at" in shown(notice)
    assert [b["text"]["text"] for b in buttons(notice).values()] == ["Keep 24h", "Stop"]
    stack.clock.advance(29 * 60)
    await cycle(runtime)
    assert stops(stack) == []
    stack.clock.advance(60)
    await asyncio.gather(cycle(runtime), cycle(runtime))
    await cycle(runtime)
    assert len(stops(stack)) == 1
    [outcome] = [m for m in stack.slack.messages if m.thread_ts and "confirmed by the lease" in shown(m.body)]
    assert "Requested by <@U0ALICE>" in shown(outcome.body)
    assert outcome.thread_ts is not None
    notice_message = stack.slack.message(outcome.thread_ts)  # the outcome is in the notice's thread
    assert "Stop `trainer-1` (102cade8…)" in shown(notice_message.body)
    assert "Details in the thread" in shown(notice_message.body)  # the notice now shows the result
    lines = await audit(runtime, 30)
    executed = [r for r in lines if r.step == "executed"]
    assert [(r.actor, r.verb, r.outcome) for r in executed] == [("lease", "stop", "success")]
    assert any(r.step == "acted" and "U0ALICE" in r.message for r in lines)
    stack.clock.advance(HOUR)
    await cycle(runtime)
    assert len(stops(stack)) == 1
    listed, _ = await stack.reply(driver, ALICE, "leases")
    assert "No leases" in shown(listed)


async def test_keep_on_a_lease_notice_cancels_the_stop(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(**WATCH, nebula_bot_lease_action="stop")
    await lease(stack, driver, f"{INSTANCE} 1h")
    stack.clock.advance(HOUR)
    await cycle(runtime)
    await driver.click(BOB, action_ids.KEEP, keep_value(stack, f"lease:{INSTANCE}"))
    await eventually(
        lambda: any("Kept by <@U0BOB>" in shown(b) for b in stack.slack.chat("chat.update", CHANNEL))
    )
    stack.clock.advance(HOUR)  # past the grace: nothing, the lease now ends a day later
    await cycle(runtime)
    assert stops(stack) == []
    stack.clock.advance(24 * HOUR)
    await cycle(runtime)
    assert len(posted_with(stack, f"lease:{INSTANCE}")) == 2  # the extended lease ended in turn


async def test_lease_on_a_stopped_instance_reports_and_does_nothing(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    runtime, driver = await stack.start_bot(**WATCH, nebula_bot_lease_action="delete")
    await lease(stack, driver, f"{INSTANCE} 1h")
    stack.nebula.instances[INSTANCE]["status"] = "Stopped"
    stack.clock.advance(HOUR)
    await cycle(runtime)
    moot = [b for b in stack.slack.chat("chat.postMessage", CHANNEL) if "Nothing to do" in shown(b)]
    assert len(moot) == 1
    assert "already Stopped" in shown(moot[0])
    stack.clock.advance(HOUR)
    await cycle(runtime)
    assert stack.nebula.changes() == []


async def test_lease_in_dry_run_sends_nothing(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(
        **WATCH, nebula_bot_lease_action="delete", nebula_bot_dry_run=True
    )
    answer = await lease(stack, driver, f"{INSTANCE} 1h")
    assert "dry run" in shown(answer)
    stack.clock.advance(HOUR)
    await cycle(runtime)
    stack.clock.advance(HOUR)
    await cycle(runtime)
    await eventually(
        lambda: any("Dry run: would have sent DELETE" in shown(m.body) for m in stack.slack.messages)
    )
    assert stack.nebula.changes() == []


async def test_two_person_rule_makes_a_lease_only_remind(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(
        **WATCH, nebula_bot_lease_action="delete", nebula_bot_approvers=BOB
    )
    answer = await lease(stack, driver, f"{INSTANCE} 1h")
    assert "two-person rule" in shown(answer)
    assert "only reminds" in shown(answer)
    stack.clock.advance(HOUR)
    await cycle(runtime)
    stack.clock.advance(2 * HOUR)
    await cycle(runtime)
    [notice] = posted_with(stack, f"lease:{INSTANCE}")
    assert [b["text"]["text"] for b in buttons(notice).values()] == ["Keep 24h", "Stop", "Delete"]
    assert stack.nebula.changes() == []


async def test_a_restart_inside_the_grace_neither_loses_nor_repeats_the_stop(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    settings = {**WATCH, "nebula_bot_lease_action": "stop"}
    runtime, driver = await stack.start_bot(**settings)
    await lease(stack, driver, f"{INSTANCE} 1h")
    stack.clock.advance(HOUR)
    await cycle(runtime)
    await stack.stop_bot(runtime)
    stack.clock.advance(HOUR)
    runtime, _ = await stack.start_bot(**settings)
    await cycle(runtime)
    await stack.stop_bot(runtime)
    runtime, _ = await stack.start_bot(**settings)
    await cycle(runtime)
    assert len(stops(stack)) == 1
    assert len(posted_with(stack, f"lease:{INSTANCE}")) == 1


async def test_two_replicas_on_one_redis_remind_once_and_act_once(http_stack: Stack, redis_url: str) -> None:
    stack = http_stack
    for n in range(6):
        stack.nebula.add(f"gpu-{n}", host_name=f"box-{n}")
    settings = {**WATCH, "nebula_bot_state_url": redis_url, "nebula_bot_lease_action": "stop"}
    first, driver = await stack.start_bot(**settings)
    second, _ = await stack.start_bot(**settings)
    for n in range(3):
        await lease(stack, driver, f"gpu-{n} 1h")
    await asyncio.gather(cycle(first), cycle(second))
    assert all(len(reminders(stack, f"gpu-{n}")) == 1 for n in range(6))
    stack.clock.advance(HOUR)
    await asyncio.gather(cycle(first), cycle(second))
    assert all(len(posted_with(stack, f"lease:gpu-{n}")) == 1 for n in range(3))
    stack.clock.advance(HOUR)
    await asyncio.gather(cycle(first), cycle(second), cycle(first))
    assert [len(stops(stack, f"gpu-{n}")) for n in range(6)] == [1, 1, 1, 0, 0, 0]


async def test_cost_shows_the_running_fleet_costliest_first_to_the_asker_only(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add("cheap-1", host_name="cheap", total_cost="$1.5000", price_per_hour=0.5)
    stack.nebula.add("dear-1", host_name="dear", total_cost="$120.0000", price_per_hour=4.0)
    stack.nebula.add("idle-1", host_name="idle", status="Stopped")
    stack.nebula.add(
        "odd-1", host_name="odd", total_cost="NaN", running_time="-3 hours", price_per_hour="free"
    )
    _, driver = await stack.start_bot()
    answer, _ = await stack.reply(driver, ALICE, "cost")
    assert answer["response_type"] == "ephemeral"
    text = shown(answer)
    assert text.index("dear") < text.index("cheap") < text.index("odd")
    assert "idle" not in text
    assert "$4.50/h ($108.00/day)" in text
    assert "$121.50* since they started" in text
    assert "1 instance without a price from Nebula is not counted" in text


async def test_digest_once_a_day_and_the_cost_gauge(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, price_per_hour=2.0)
    stack.clock.now = 1_800_000_000 - 1_800_000_000 % 86400 + 8 * HOUR  # 08:00 UTC
    runtime, _ = await stack.start_bot(
        **{**WATCH, "nebula_bot_digest_at": "09:00", "nebula_bot_remind_after": "2d"}
    )
    await cycle(runtime)
    assert not [b for b in stack.slack.chat("chat.postMessage", CHANNEL) if "digest" in shown(b)]
    stack.clock.advance(HOUR)
    await cycle(runtime)
    stack.clock.advance(HOUR)
    await cycle(runtime)
    digests = [b for b in stack.slack.chat("chat.postMessage", CHANNEL) if "Daily cost digest" in shown(b)]
    assert len(digests) == 1
    assert "$2.00/h" in shown(digests[0])
    stack.clock.advance(24 * HOUR)
    await cycle(runtime)
    assert (
        len([b for b in stack.slack.chat("chat.postMessage", CHANNEL) if "Daily cost digest" in shown(b)])
        == 2
    )
    metrics = runtime.metrics.render().decode()
    assert 'nebula_bot_fleet_cost_per_hour{team="default"} 2.0' in metrics


async def test_an_unreadable_fleet_skips_the_cycle_and_closes_nothing(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(**WATCH, nebula_bot_lease_action="delete")
    await cycle(runtime)
    await lease(stack, driver, f"{INSTANCE} 1h")
    stack.clock.advance(HOUR)
    stack.nebula.listing = Scripted(status=502, body="<html>Bad gateway</html>", content_type="text/html")
    stack.nebula.detail = Scripted(status=502, body="<html>Bad gateway</html>", content_type="text/html")
    assert runtime.core is not None
    result = await runtime.core.cycle()
    assert result.skipped == "NebulaBadResponse"
    assert stack.slack.chat("chat.update", CHANNEL) == []  # the reminder is not closed
    assert not posted_with(stack, f"lease:{INSTANCE}")  # nothing decided on what could not be read
    stack.nebula.listing = stack.nebula.detail = None
    await cycle(runtime)
    assert len(posted_with(stack, f"lease:{INSTANCE}")) == 1
    assert stack.nebula.changes() == []


async def test_the_watcher_reads_every_page_and_details_only_running_ones_a_few_at_a_time(
    http_stack: Stack,
) -> None:
    stack = http_stack
    for n in range(250):
        stack.nebula.add(f"gpu-{n:03d}", host_name=f"box-{n}", status="Running" if n % 2 else "Stopped")
    stack.nebula.latency = 0.005  # so that concurrent detail calls overlap
    runtime, _ = await stack.start_bot(**{**WATCH, "nebula_bot_remind_after": "30d"})
    assert runtime.core is not None
    result = await runtime.core.cycle()
    assert (result.listed, result.running, result.details_read) == (250, 125, 125)
    lists = [c.path for c in stack.nebula.calls if "/computing/instances" in c.path]
    assert lists == [f"/api/v1/computing/instances?limit=100&offset={n}" for n in (0, 100, 200)]
    details = [c.path for c in stack.nebula.calls if "/computing/instance/" in c.path]
    assert len(details) == 125
    assert all(int(p.rsplit("-", 1)[1]) % 2 == 1 for p in details)
    assert 1 < stack.nebula.most_details_in_flight <= 8
    assert stack.slack.chat("chat.postMessage", CHANNEL) == []  # nobody has run 30 days


async def test_the_loop_runs_cycles_by_itself_and_counts_them(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot_by_the_clock(
        **{**WATCH, "nebula_bot_watch_interval": "5m", "nebula_bot_lease_action": "stop"}
    )
    await lease(stack, driver, f"{INSTANCE} 1s")
    assert reminders(stack) == []
    stack.clock.advance(5 * 60)  # an interval later, its cycle has come, whatever the machine's pace
    await eventually(lambda: len(reminders(stack)) == 1 and bool(posted_with(stack, f"lease:{INSTANCE}")))
    # Counted once the cycle is over, a moment after its posts.
    await eventually(lambda: "nebula_bot_reminders_total 1.0" in runtime.metrics.render().decode())
    metrics = runtime.metrics.render().decode()
    assert 'nebula_bot_fleet_cost_per_hour{team="default"} 0.679' in metrics


async def test_without_nebula_figures_the_time_counts_from_when_the_bot_first_saw_it(
    http_stack: Stack,
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, running_time=None, start_time=None, total_cost=None, price_per_hour=2.0)
    runtime, _ = await stack.start_bot(**WATCH)
    await cycle(runtime)
    stack.clock.advance(9 * HOUR)
    await cycle(runtime)
    assert reminders(stack) == []
    stack.clock.advance(2 * HOUR)
    await cycle(runtime)
    [reminder] = reminders(stack)
    assert "running for 11h" in shown(reminder)
    assert "$22.00" in shown(reminder)


async def test_a_cycle_posts_at_most_twenty_reminders_costliest_first(http_stack: Stack) -> None:
    stack = http_stack
    for n in range(25):
        stack.nebula.add(f"gpu-{n:02d}", total_cost=f"${n}.0000")
    runtime, _ = await stack.start_bot(**WATCH)
    await cycle(runtime)
    posted = [n for n in range(25) if reminders(stack, f"gpu-{n:02d}")]
    assert posted == list(range(5, 25))
    await cycle(runtime)
    assert all(len(reminders(stack, f"gpu-{n:02d}")) == 1 for n in range(25))


async def test_reminders_and_lease_notices_name_the_owner(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(**WATCH)
    await stack.reply(driver, BOB, f"claim {INSTANCE}")
    await lease(stack, driver, f"{INSTANCE} 1h")
    stack.clock.advance(HOUR)
    await cycle(runtime)
    [reminder] = reminders(stack)
    assert "*Owner*\n<@U0BOB>" in shown(reminder)
    [notice] = posted_with(stack, f"lease:{INSTANCE}")
    assert "(owner: <@U0BOB>) set by <@U0ALICE> ended" in shown(notice)


async def test_cost_answers_from_a_fresh_read_of_the_fleet_without_reading_it_again(
    http_stack: Stack,
) -> None:
    stack = http_stack
    for n in range(3):
        stack.nebula.add(f"gpu-{n}", total_cost=f"${n}.0000")
    runtime, driver = await stack.start_bot(**WATCH)
    await cycle(runtime)  # the watcher's read
    calls = len(stack.nebula.calls)
    first, _ = await stack.reply(driver, ALICE, "cost")
    second, _ = await stack.reply(driver, BOB, "cost")
    assert len(stack.nebula.calls) == calls
    assert "gpu-2" in shown(first)
    assert shown(first) == shown(second)
