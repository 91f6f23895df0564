"""Budgets that count what Nebula billed (issue #31.3): the consumption rows of the account's credit
history, read one page a cycle, instead of price times the time between the watcher's readings."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.e2e.test_budgets import monday
from tests.e2e.watching import HOUR, WATCH, cycle
from tests.helpers import shown
from tests.standins.servers import Scripted
from tests.standins.slack_driver import CHANNEL
from tests.standins.stack import ALICE, INSTANCE, Stack

SHORT = "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"  # runs twenty minutes between two cycles: never listed


def utc(moment: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment))


class Biller:
    """The stand-in Nebula's billing: a consumption row for each hour gone, as Nebula writes them (a
    negative string amount, a type that is not documented, a time without a zone), newest first or
    last; `total` is what it billed in all."""

    def __init__(self, stack: Stack, *, newest_first: bool) -> None:
        self.stack, self.newest_first, self.total, self.rows = stack, newest_first, 0.0, 0

    def hour_gone(self, amount: float) -> None:
        amount = round(amount, 4)
        self.rows += 1
        row: dict[str, Any] = {
            "id": 5000 + self.rows,
            "transaction_type": "Usage",
            "credit_amount": f"-{amount:.4f}",
            "created_at": utc(self.stack.clock.now),
            "status": "completed",
        }
        if self.newest_first:
            self.stack.nebula.credit_rows.insert(0, row)
        else:
            self.stack.nebula.credit_rows.append(row)
        self.total += amount


def spent(text: str) -> float:
    return float(text.split("Spent this week: $")[1].split(" ")[0].replace(",", ""))


def runway_alerts(stack: Stack) -> list[str]:
    return [shown(m) for m in stack.slack.chat("chat.postMessage", CHANNEL) if "credits run out" in shown(m)]


async def test_a_weeks_budget_is_what_nebula_billed_to_the_cent_on_two_replicas_and_a_restart(
    http_stack: Stack, redis_url: str
) -> None:
    stack = http_stack
    monday(stack)
    stack.nebula.add(INSTANCE, host_name="trainer-1", price_per_hour=2.5)
    stack.nebula.add("gpu-b", host_name="box-b", price_per_hour=0.679)
    biller = Biller(stack, newest_first=True)
    stack.nebula.balance = "450.00000"
    settings = {**WATCH, "nebula_bot_state_url": redis_url, "nebula_bot_remind_after": "30d"}
    first, _ = await stack.start_bot(**settings)
    second, driver = await stack.start_bot(**settings)
    await stack.reply(driver, ALICE, "budget 10000/week")
    for hour in range(7 * 24 - 1):
        if hour == 60:
            stack.nebula.instances["gpu-b"]["status"] = "Stopped"  # stopped on Wednesday, noon
        if hour == 80:
            await stack.stop_bot(first)  # one replica restarts on Thursday
            first, _ = await stack.start_bot(**settings)
        await asyncio.gather(cycle(first), cycle(second))
        running = [i for i in stack.nebula.instances.values() if i["status"] == "Running"]
        stack.clock.advance(HOUR)
        # What ran over the hour gone; in hour 30 also SHORT, started and stopped between two cycles.
        biller.hour_gone(sum(float(i["price_per_hour"]) for i in running) + (12.0 / 3 if hour == 30 else 0))
        stack.nebula.balance = f"{450 - biller.total:.5f}"
    await asyncio.gather(cycle(first), cycle(second))  # the last hour's bill is read
    said, _ = await stack.reply(driver, ALICE, "budget")
    text = shown(said)
    assert f"{spent(text):.2f}" == f"{biller.total:.2f}", text  # to the cent
    assert "as Nebula billed it to" in text
    assert "Spend is what Nebula billed" in text
    # The runway fell under 72 h on Thursday and under 18 h on Saturday: one alert each, in all.
    said_twice = runway_alerts(stack)
    assert len(said_twice) == 2, said_twice
    assert "within 3d" in said_twice[0]
    assert "within 18h" in said_twice[1]
    # One page of history a cycle (a week's rows are more than a page, newest first: the first is enough).
    reads = [c for c in stack.nebula.calls if "/users/credits/history" in c.path]
    assert len(reads) <= 2 * 7 * 24 + 2
    assert all("offset=0" in c.path or "offset" not in c.path for c in reads)


@pytest.mark.parametrize("newest_first", [True, False])
async def test_the_bill_is_read_in_either_order_and_caught_up_after_a_pause(
    http_stack: Stack, newest_first: bool
) -> None:
    stack = http_stack
    monday(stack)
    stack.nebula.add(INSTANCE, host_name="trainer-1", price_per_hour=2.5)
    biller = Biller(stack, newest_first=newest_first)
    for _ in range(24):  # a day billed before the bot ever read the history
        stack.clock.advance(HOUR)
        biller.hour_gone(2.5)
    runtime, driver = await stack.start_bot(**WATCH)
    await stack.reply(driver, ALICE, "budget 10000/week")
    await cycle(runtime)  # the first read catches up: every page
    for _ in range(110):  # then a long pause: more than a page of rows to catch up on, the same week
        stack.clock.advance(HOUR)
        biller.hour_gone(2.5)
    await cycle(runtime)
    said, _ = await stack.reply(driver, ALICE, "budget")
    assert f"{spent(shown(said)):.2f}" == f"{biller.total:.2f}", shown(said)
    stack.nebula.calls.clear()
    stack.clock.advance(HOUR)
    biller.hour_gone(1.25)
    await cycle(runtime)  # a steady cycle: one page
    assert len([c for c in stack.nebula.calls if "/users/credits/history" in c.path]) == 1
    said, _ = await stack.reply(driver, ALICE, "budget")
    assert f"{spent(shown(said)):.2f}" == f"{biller.total:.2f}", shown(said)


async def test_without_a_readable_bill_the_budget_estimates_and_says_why(http_stack: Stack) -> None:
    stack = http_stack
    monday(stack)
    stack.nebula.add(INSTANCE, host_name="trainer-1", price_per_hour=2.5)
    runtime, driver = await stack.start_bot(**WATCH)
    await stack.reply(driver, ALICE, "budget 10000/week")
    await cycle(runtime)
    said, _ = await stack.reply(driver, ALICE, "budget")
    assert "Spend is estimated" in shown(said)
    assert "no consumption yet" in shown(said)
    stack.nebula.history_answer = Scripted(502, "<html>Bad gateway</html>", "text/html")
    for _ in range(3):
        stack.clock.advance(HOUR)
        await cycle(runtime)
    said, _ = await stack.reply(driver, ALICE, "budget")
    assert "Spend is estimated" in shown(said)
    assert "could not be read" in shown(said)
    assert "Spent this week: $7.50" in shown(said)  # three hours at $2.50, from the watcher's readings
    biller = Biller(stack, newest_first=True)
    biller.hour_gone(7.75)  # Nebula's history is back, and billed a little more than was seen
    stack.nebula.history_answer = None
    await cycle(runtime)
    said, _ = await stack.reply(driver, ALICE, "budget")
    assert "Spent this week: $7.75" in shown(said)
    assert "as Nebula billed it" in shown(said)
    for _ in range(7):  # no new bill for seven hours: the bill no longer speaks for the period
        stack.clock.advance(HOUR)
        await cycle(runtime)
    said, _ = await stack.reply(driver, ALICE, "budget")
    assert "more than six hours old" in shown(said)


async def test_hostile_history_rows_are_not_counted(http_stack: Stack) -> None:
    stack = http_stack
    monday(stack)
    stack.nebula.add(INSTANCE, host_name="trainer-1", price_per_hour=2.5)
    stack.clock.advance(2 * HOUR)
    at = utc(stack.clock.now)
    stack.nebula.credit_rows = [
        {"id": 1, "transaction_type": "Usage", "credit_amount": "-2.5000", "created_at": at},
        {"id": 1, "transaction_type": "Usage", "credit_amount": "-2.5000", "created_at": at},  # twice
        {"id": 2, "transaction_type": "Usage", "credit_amount": "-1e9", "created_at": at},  # absurd
        {"id": 3, "transaction_type": "Usage", "credit_amount": "NaN", "created_at": at},
        {"id": 4, "transaction_type": "Usage", "credit_amount": "-3", "created_at": "yesterday"},
        {"id": 5, "transaction_type": "purchase", "credit_amount": "500", "created_at": at},  # not spend
        {"id": True, "transaction_type": "Usage", "credit_amount": "-3", "created_at": at},
        "<script>",  # type: ignore[list-item]
    ]
    runtime, driver = await stack.start_bot(**WATCH)
    await stack.reply(driver, ALICE, "budget 10000/week")
    await cycle(runtime)
    said, _ = await stack.reply(driver, ALICE, "budget")
    assert "Spent this week: $2.50" in shown(said)
    assert "as Nebula billed it" in shown(said)


@pytest.mark.parametrize(("billed_an_hour", "said"), [(1.5, True), (1.05, False)])
async def test_the_digest_says_once_when_a_days_estimate_was_far_from_the_bill(
    http_stack: Stack, billed_an_hour: float, said: bool
) -> None:
    stack = http_stack
    monday(stack)
    stack.nebula.add(INSTANCE, host_name="trainer-1", price_per_hour=1.0)  # $24 a day, estimated
    biller = Biller(stack, newest_first=True)
    runtime, driver = await stack.start_bot(
        **{**WATCH, "nebula_bot_digest_at": "06:00", "nebula_bot_remind_after": "30d"}
    )
    await stack.reply(driver, ALICE, "budget 1000/month")
    for _ in range(24 + 12):  # Monday, then Tuesday morning: Tuesday's digest looks at Monday
        await cycle(runtime)
        stack.clock.advance(HOUR)
        biller.hour_gone(billed_an_hour)  # Nebula billed more than the list price (or nearly the same)
    digests = [text for text in map(shown, stack.slack.chat("chat.postMessage", CHANNEL)) if "digest" in text]
    noted = [text for text in digests if "the bot's estimate was" in text]
    day = time.strftime("%Y-%m-%d", time.gmtime(stack.clock.now - 86400))
    if said:
        assert len(noted) == 1, digests
        assert f"On {day} Nebula billed $36.00; the bot's estimate was $24.00 (33% apart)" in noted[0]
    else:
        assert noted == [], digests
    # The chart shows Monday as Nebula billed it, and Tuesday (not billed whole yet) estimated.
    lines = digests[-1].splitlines()
    monday_line = next(line for line in lines if line.startswith(day[5:] + " "))
    assert monday_line.endswith(f" ${24 * billed_an_hour:.2f}"), monday_line
    today = time.strftime("%m-%d", time.gmtime(stack.clock.now))
    assert next(line for line in lines if line.startswith(today + " ")).endswith(" ~$6.00")
    assert "~ estimated, where Nebula has not billed the whole day" in digests[-1]
