"""Budgets (issue #21.3): spend accrued from what the watcher reads, shown with a forecast, alerts once
per period, and more spending (a start, a longer lease) needing an approver once it is spent."""

from __future__ import annotations

import asyncio
import datetime as dt

from tests.e2e.watching import HOUR, WATCH, cycle
from tests.helpers import shown
from tests.standins.slack_driver import CHANNEL
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack

APPROVER = "U0CAROL"
STOPPED = "3b9e1c7d4f2-8a66-4d0a-b1e3-9c8d7e6f5a41"


def monday(stack: Stack) -> float:
    """Move the test clock to a Monday, 00:00 UTC (the start of a budget week)."""
    today = dt.datetime.fromtimestamp(stack.clock.now, dt.UTC).date()
    start = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
    stack.clock.now = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp()
    return stack.clock.now


def alerts(stack: Stack) -> list[str]:
    posted = map(shown, stack.slack.chat("chat.postMessage", CHANNEL))
    return [text for text in posted if "The budget is past" in text or "over the budget" in text]


async def test_only_an_approver_sets_the_budget_and_anyone_allowed_sees_it(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, price_per_hour=2.0)
    _, driver = await stack.start_bot(**WATCH, nebula_bot_approvers=APPROVER,
                                      nebula_bot_allowed_users=f"{ALICE},{APPROVER}")  # fmt: skip
    refused, _ = await stack.reply(driver, ALICE, "budget 5000/month")
    assert "Only an approver" in shown(refused)
    assert "No budget is set" in shown((await stack.reply(driver, ALICE, "budget"))[0])
    said, _ = await stack.reply(driver, APPROVER, "budget $5,000/month")
    assert "Budget set to $5,000.00/month by <@U0CAROL>" in shown(said)
    shown_now, _ = await stack.reply(driver, ALICE, "budget")
    assert "*Budget* $5,000.00/month" in shown(shown_now)
    ack, _ = await driver.command(APPROVER, "budget lots")
    assert "Not a budget" in shown(ack.body)
    removed, _ = await stack.reply(driver, APPROVER, "budget off")
    assert "Budget removed by <@U0CAROL>" in shown(removed)


async def test_a_weeks_spend_is_counted_once_by_two_replicas_and_a_restart(
    http_stack: Stack, redis_url: str
) -> None:
    stack = http_stack
    start = monday(stack)
    stack.nebula.add(INSTANCE, host_name="trainer-1", price_per_hour=2.5)
    stack.nebula.add("gpu-b", host_name="box-b", price_per_hour=0.679)
    settings = {**WATCH, "nebula_bot_state_url": redis_url, "nebula_bot_remind_after": "30d"}
    first, _ = await stack.start_bot(**settings)
    second, driver = await stack.start_bot(**settings)  # the replica that stays up takes the commands
    await stack.reply(driver, ALICE, "budget 10000/week")
    truth = 0.0
    for hour in range(7 * 24 - 1):
        if hour == 60:
            stack.nebula.instances["gpu-b"]["status"] = "Stopped"  # stopped on Wednesday, noon
        if hour == 80:
            await stack.stop_bot(first)  # one replica restarts on Thursday
            first, _ = await stack.start_bot(**settings)
        running = [i for i in stack.nebula.instances.values() if i["status"] == "Running"]
        await asyncio.gather(cycle(first), cycle(second))
        stack.clock.advance(HOUR)
        truth += sum(float(i["price_per_hour"]) for i in running)  # what ran over the hour just gone
    truth -= 2.5 + 0.679  # the last hour has not been read yet, the first reading only starts the count
    said, _ = await stack.reply(driver, ALICE, "budget")
    assert stack.clock.now - start < 7 * 24 * HOUR
    spent = float(shown(said).split("Spent this week: $")[1].split(" ")[0].replace(",", ""))
    assert abs(spent - truth) <= 0.01 * truth, (spent, truth)
    assert "trainer-1" in shown(said)  # the biggest spender, by name
    metrics = first.metrics.render().decode()
    assert 'nebula_bot_budget_dollars{team="default"} 10000.0' in metrics
    assert "nebula_bot_budget_spent_dollars" in metrics


async def test_alerts_come_once_each_per_period(http_stack: Stack, redis_url: str) -> None:
    stack = http_stack
    monday(stack)
    stack.nebula.add(INSTANCE, host_name="trainer-1", price_per_hour=10.0)
    settings = {**WATCH, "nebula_bot_state_url": redis_url, "nebula_bot_remind_after": "30d"}
    first, driver = await stack.start_bot(**settings)
    second, _ = await stack.start_bot(**settings)
    await stack.reply(driver, ALICE, "budget 100/week")
    for _ in range(14):  # $10 an hour: 50 % after 5 h, 80 % after 8 h, 100 % after 10 h
        await asyncio.gather(cycle(first), cycle(second))
        stack.clock.advance(HOUR)
    said = alerts(stack)
    assert [text.split("(")[0].strip() for text in said] == [
        ":moneybag: The forecast for this week is $1,680.00, over the budget",
        ":moneybag: The budget is past 50 %",
        ":moneybag: The budget is past 80 %",
        ":moneybag: The budget is past 100 %",
    ]
    assert all("trainer-1" in text for text in said)  # the biggest spender, with its menu


async def test_once_spent_a_start_or_a_longer_lease_needs_an_approver(http_stack: Stack) -> None:
    stack = http_stack
    monday(stack)
    stack.nebula.add(INSTANCE, host_name="trainer-1", price_per_hour=50.0)
    stack.nebula.add(STOPPED, host_name="idle-box", status="Stopped")
    runtime, driver = await stack.start_bot(
        **WATCH, nebula_bot_approvers=APPROVER, nebula_bot_allowed_users=f"{ALICE},{BOB},{APPROVER}"
    )
    await stack.reply(driver, APPROVER, "budget 100/week")
    await stack.reply(driver, ALICE, f"lease {INSTANCE} 2h")
    for _ in range(4):
        await cycle(runtime)
        stack.clock.advance(HOUR)
    asked = stack.showing(await stack.request(driver, ALICE, f"start {STOPPED}"))
    assert "Needs approval by <@U0CAROL>" in shown(asked)
    assert "The budget ($100.00/week) is spent" in shown(asked)
    longer, _ = await stack.reply(driver, ALICE, f"lease {INSTANCE} 8h")
    assert "needs an approver" in shown(longer)
    kept_by_approver, _ = await stack.reply(driver, APPROVER, f"lease {INSTANCE} 8h")
    assert "Lease on" in shown(kept_by_approver)


async def test_the_digest_has_a_budget_line_and_a_chart_of_the_last_days(http_stack: Stack) -> None:
    stack = http_stack
    monday(stack)
    stack.nebula.add(INSTANCE, host_name="trainer-1", price_per_hour=1.0)
    runtime, driver = await stack.start_bot(
        **{**WATCH, "nebula_bot_digest_at": "23:00", "nebula_bot_remind_after": "30d"}
    )
    await stack.reply(driver, ALICE, "budget 1000/month")
    for _ in range(48):
        await cycle(runtime)
        stack.clock.advance(HOUR)
    digests = [text for text in map(shown, stack.slack.chat("chat.postMessage", CHANNEL)) if "digest" in text]
    assert len(digests) == 2  # one a day
    last = digests[-1]
    assert ":moneybag: Budget $1,000.00/month: Spent this month" in last
    assert "*Spend, the last 14 days*" in last
    assert last.count("\n") >= 14
    assert "█" in last


async def test_a_budget_set_past_several_thresholds_says_the_highest_once(http_stack: Stack) -> None:
    # Issue #28.6: a budget set when the week had spent 90 % of it posted three near-identical alerts.
    stack = http_stack
    monday(stack)
    stack.nebula.add(INSTANCE, host_name="trainer-1", price_per_hour=10.0)
    runtime, driver = await stack.start_bot(**{**WATCH, "nebula_bot_remind_after": "30d"})
    await stack.reply(driver, ALICE, "budget 10000/week")
    for _ in range(9):  # $80 spent by the ninth reading (the first starts the count)
        await cycle(runtime)
        stack.clock.advance(HOUR)
    said, _ = await stack.reply(driver, ALICE, "budget 100/week")
    assert "Spent this week: $80.00 (80%)" in shown(said)  # the week's days, as the digest charts them
    await cycle(runtime)  # $90: past 50 % and 80 % at once
    thresholds = [text for text in alerts(stack) if "The budget is past" in text]
    assert [text.split("(")[0].strip() for text in thresholds] == [":moneybag: The budget is past 80 %"]
