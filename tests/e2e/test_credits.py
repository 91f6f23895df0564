"""What Nebula billed (issue #31.1, .2, .5): `/nebula credits` shows the balance, its runway at the burn
rate now and the billed history; the watcher alerts the watch channel once per crossing of the runway's
thresholds, across replicas and restarts, and says when credits were added; Nebula's figures are read
leniently and nothing implausible is believed."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.slack.messages import action_ids
from tests.e2e.watching import HOUR, WATCH
from tests.helpers import shown
from tests.standins.servers import Scripted
from tests.standins.slack_driver import CHANNEL
from tests.standins.stack import ALICE, Stack

TRAIN = "4f1c9e2a-7b3d-4c8e-9a51-0d2e6f8b1c37"
SWEEP = "8a2d5b7c-1e9f-4a3b-b6c2-5f7e0d9a4b18"


def fleet(stack: Stack) -> None:
    """Two running instances: $30/h in all."""
    stack.nebula.add(TRAIN, host_name="llm-train-01", price_per_hour=24.0)
    stack.nebula.add(SWEEP, host_name="sweep-lr-3e4", price_per_hour=6.0)


def utc(moment: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment))


def consumption(now: float, hours: int, amount: float) -> list[dict[str, Any]]:
    """An hour's consumption for each of the last `hours` hours, as Nebula's history rows (types other
    than "purchase" are not documented: this one is made up)."""
    return [
        {
            "id": 1000 + n,
            "transaction_type": "Usage",
            "credit_amount": f"-{amount}",
            "created_at": utc(now - (n + 0.5) * HOUR),
        }
        for n in range(hours)
    ]


def alerts(stack: Stack) -> list[str]:
    return [shown(m) for m in stack.slack.chat("chat.postMessage", CHANNEL) if "credits" in shown(m).lower()]


async def test_credits_shows_the_balance_its_runway_and_what_was_billed(http_stack: Stack) -> None:
    stack = http_stack
    fleet(stack)
    now = stack.clock()
    stack.nebula.credit_rows = [
        *consumption(now, 8 * 24, 30.0),
        {
            "id": 1,
            "transaction_type": "purchase",
            "credit_amount": "5000",
            "created_at": utc(now - 9 * 86400),
        },
    ]
    stack.nebula.balance = "1228.55600"
    _, driver = await stack.start_bot()
    said, _ = await stack.reply(driver, ALICE, "credits")
    text = shown(said)
    assert "*$1,228.56* left; at $30.00/h that is *1d 16h*: until <!date^" in text  # 40.95 h
    assert "Billed by Nebula: $720.00 in the last 24 h, $5,040.00 in the last 7 days (hourly)." in text
    assert text.index("llm-train-01") < text.index("sweep-lr-3e4")  # the biggest burner first
    assert said.get("response_type") != "in_channel"  # for the asker


@pytest.mark.parametrize("balance", ["-5", "NaN", "1e12", "lots", None, True, {"x": 1}])
async def test_a_balance_that_makes_no_sense_is_not_believed(http_stack: Stack, balance: object) -> None:
    stack = http_stack
    fleet(stack)
    stack.nebula.balance = balance
    _, driver = await stack.start_bot()
    said, _ = await stack.reply(driver, ALICE, "credits")
    assert "Nebula's balance makes no sense just now" in shown(said)


async def test_an_unreadable_history_still_shows_the_balance(http_stack: Stack) -> None:
    stack = http_stack
    fleet(stack)
    stack.nebula.balance = "1228.55600"
    stack.nebula.history_answer = Scripted(502, "<html>Bad gateway</html>", "text/html")
    _, driver = await stack.start_bot()
    said, _ = await stack.reply(driver, ALICE, "credits")
    assert "$1,228.56* left" in shown(said)
    assert "billing history could not be read just now" in shown(said)


async def test_a_history_that_ignores_offset_ends_after_one_repeated_page(http_stack: Stack) -> None:
    stack = http_stack
    fleet(stack)
    stack.nebula.credit_rows = consumption(stack.clock(), 300, 30.0)
    stack.nebula.ignore_offset = True  # every page the same rows
    _, driver = await stack.start_bot()
    said, _ = await stack.reply(driver, ALICE, "credits")
    assert "in the last 24 h" in shown(said)
    pages = [c for c in stack.nebula.calls if "/users/credits/history" in c.path]
    assert len(pages) == 2  # the second brought nothing new


async def test_the_runway_alert_comes_once_per_crossing_and_ends_when_credits_are_added(
    http_stack: Stack, redis_url: str
) -> None:
    stack = http_stack
    fleet(stack)  # $30/h
    settings = {**WATCH, "nebula_bot_state_url": redis_url}
    first, _ = await stack.start_bot(**settings)
    second, _ = await stack.start_bot(**settings)
    assert first.core is not None
    assert second.core is not None
    stack.nebula.balance = "3000"  # 100 h: no alert
    await first.core.cycle()
    assert alerts(stack) == []

    stack.nebula.balance = "1800"  # 60 h: under 72 h
    await asyncio.gather(first.core.cycle(), second.core.cycle())
    [alert] = alerts(stack)
    assert "Nebula credits run out within 3d" in alert
    assert "*$1,800.00* left; at $30.00/h that is *2d 12h*" in alert
    assert "llm-train-01" in alert
    assert action_ids.INSTANCE_MENU in str(stack.slack.chat("chat.postMessage", CHANNEL)[-1])
    await second.core.cycle()
    stack.clock.advance(HOUR)
    await stack.stop_bot(first)  # a restart changes nothing
    first, _ = await stack.start_bot(**settings)
    assert first.core is not None
    await first.core.cycle()
    assert len(alerts(stack)) == 1

    stack.nebula.balance = "400"  # 13 h: under a quarter of 72 h
    await first.core.cycle()
    await second.core.cycle()
    assert len(alerts(stack)) == 2
    assert "run out within 18h" in alerts(stack)[-1]

    stack.nebula.balance = "5400"  # credits added: 180 h
    await asyncio.gather(first.core.cycle(), second.core.cycle())
    assert len(alerts(stack)) == 3
    assert "Credits added ($5,000.00)" in alerts(stack)[-1]
    await first.core.cycle()
    assert len(alerts(stack)) == 3

    stack.nebula.balance = "1500"  # a new crossing alerts again
    await first.core.cycle()
    assert len(alerts(stack)) == 4


async def test_the_watcher_reads_the_balance_and_a_page_of_history_a_cycle_and_an_odd_balance_changes_nothing(
    http_stack: Stack,
) -> None:
    stack = http_stack
    fleet(stack)
    runtime, _ = await stack.start_bot(**WATCH)
    assert runtime.core is not None
    for odd in ("-1", "1e15", "x"):
        stack.nebula.balance = odd
        await runtime.core.cycle()
    assert alerts(stack) == []
    reads = [c for c in stack.nebula.calls if c.path.endswith("/users/credits")]
    assert len(reads) == 3
    assert len([c for c in stack.nebula.calls if "/users/credits/history" in c.path]) == 3
