"""Reading the fleet when Nebula's paging lies, when it cannot be read, and when many ask at once
(issue #19: fleet reads that trust Nebula's paging lose instances; nothing decided on old data)."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.watching import HOUR, WATCH, cycle, lease, posted_with, reminders, stops
from tests.helpers import shown
from tests.standins.servers import Scripted
from tests.standins.slack_driver import CHANNEL
from tests.standins.stack import ALICE, Stack, eventually

BAD_GATEWAY = Scripted(status=502, body="<html>Bad gateway</html>", content_type="text/html")


def fleet(stack: Stack, count: int) -> list[str]:
    """`count` instances that have run an hour (too short for a reminder)."""
    ids = [f"gpu-{n:03d}" for n in range(count)]
    for iid in ids:
        stack.nebula.add(iid, host_name=f"box-{iid}", running_time="1.0000 hours")
    return ids


def reminded(stack: Stack) -> list[str]:
    """The text of every reminder posted in the watch channel."""
    posted = map(shown, stack.slack.chat("chat.postMessage", CHANNEL))
    return [text for text in posted if "has been running" in text]


@pytest.mark.parametrize(
    ("cap", "total_as"),
    [(50, "int"), (None, "string"), (None, "missing"), (50, "missing"), (7, "string")],
)
async def test_every_page_is_read_whatever_the_paging_says(
    http_stack: Stack, cap: int | None, total_as: str
) -> None:
    stack = http_stack
    ids = fleet(stack, 131)
    stack.nebula.instances[ids[-1]]["running_time"] = "30.0000 hours"  # only the last one is due
    stack.nebula.page_cap, stack.nebula.total_as = cap, total_as
    runtime, _ = await stack.start_bot(**WATCH)
    await cycle(runtime)
    assert len(reminders(stack, ids[-1])) == 1
    assert len(reminded(stack)) == 1


async def test_an_instance_missing_from_one_read_is_not_taken_for_gone(http_stack: Stack) -> None:
    stack = http_stack
    ids = fleet(stack, 130)
    hidden = ids[100]  # the first of page 2, which the shift below moves onto page 1, already read
    stack.nebula.instances[hidden]["running_time"] = "30.0000 hours"
    runtime, _ = await stack.start_bot(**WATCH)
    await cycle(runtime)
    assert len(reminders(stack, hidden)) == 1

    def delete_during_paging(offset: int) -> None:
        if offset == 100 and ids[50] in stack.nebula.instances:
            del stack.nebula.instances[ids[50]]

    stack.nebula.on_list.append(delete_during_paging)
    await cycle(runtime)
    await cycle(runtime)
    assert len(reminders(stack, hidden)) == 1  # not reminded twice
    assert not [m for m in stack.slack.messages if "this reminder is closed" in shown(m.body)]


async def test_a_lease_due_while_nebula_cannot_be_read_waits_then_acts(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add("gpu-1")
    settings = {**WATCH, "nebula_bot_lease_action": "stop", "nebula_bot_lease_grace": "0s"}
    runtime, driver = await stack.start_bot(**settings)
    await lease(stack, driver, "gpu-1 1h")
    stack.clock.advance(HOUR)
    stack.nebula.listing = stack.nebula.detail = BAD_GATEWAY
    await cycle(runtime)
    await cycle(runtime)
    posted = map(shown, stack.slack.chat("chat.postMessage", CHANNEL))
    assert len([text for text in posted if "cannot be read right now" in text]) == 1  # said once
    assert not posted_with(stack, "lease:gpu-1")
    assert stops(stack, "gpu-1") == []
    stack.nebula.listing = stack.nebula.detail = None
    await cycle(runtime)  # the first good read: the notice (the grace is zero)
    await cycle(runtime)  # and the stop
    assert len(stops(stack, "gpu-1")) == 1


async def test_a_lease_is_decided_on_a_fresh_read_of_its_instance_even_when_the_list_fails(
    http_stack: Stack,
) -> None:
    stack = http_stack
    stack.nebula.add("gpu-1")
    runtime, driver = await stack.start_bot(**WATCH, nebula_bot_lease_action="stop")
    await lease(stack, driver, "gpu-1 1h")
    stack.clock.advance(HOUR)
    stack.nebula.instances["gpu-1"]["status"] = "Stopped"  # stopped by hand meanwhile
    stack.nebula.listing = BAD_GATEWAY
    await cycle(runtime)

    def said_stopped() -> bool:
        return any("is already Stopped" in shown(m) for m in stack.slack.chat("chat.postMessage"))

    await eventually(said_stopped)
    assert stops(stack, "gpu-1") == []


async def test_concurrent_cost_requests_share_one_read_of_the_fleet(http_stack: Stack) -> None:
    stack = http_stack
    fleet(stack, 60)
    stack.nebula.latency = 0.02
    _, driver = await stack.start_bot()
    await asyncio.gather(*(stack.reply(driver, ALICE, "cost") for _ in range(6)))
    details = [c for c in stack.nebula.calls if "/computing/instance/" in c.path]
    lists = [c for c in stack.nebula.calls if "/computing/instances" in c.path]
    assert len(details) == 60  # one detail per running instance, not six
    # One read: the first page cannot be judged short, so an empty one ends it.
    assert [c.path.split("?")[1] for c in lists] == ["limit=100&offset=0", "limit=100&offset=60"]


def details_read(stack: Stack) -> int:
    return sum(1 for c in stack.nebula.calls if "/computing/instance/" in c.path)


async def test_a_steady_fleet_costs_a_cycle_its_list_pages_only(http_stack: Stack) -> None:
    stack = http_stack
    ids = fleet(stack, 150)
    runtime, _ = await stack.start_bot(**WATCH)
    await cycle(runtime)
    assert details_read(stack) == 150  # all new to this bot
    stack.nebula.calls.clear()
    stack.clock.advance(HOUR)
    await cycle(runtime)
    assert details_read(stack) == 0
    # Pages of 100 and 50, one page of the bill and the balance for the runway (issue #31: at most 2
    # more a cycle).
    assert len(stack.nebula.calls) == 4
    assert sorted(c.path.split("?")[0].rsplit("/", 2)[-1] for c in stack.nebula.calls[2:]) == [
        "credits",
        "history",
    ]
    stack.nebula.instances[ids[7]]["status"] = "Stopped"
    stack.nebula.instances[ids[8]]["status"] = "Deploying"
    stack.nebula.instances[ids[8]]["status"] = "Running"  # flipped back: nothing changed for the list
    stack.nebula.add("gpu-new", host_name="box-new", running_time="0.1000 hours")
    stack.nebula.calls.clear()
    await cycle(runtime)
    assert details_read(stack) == 1  # the new one; a stopped instance needs no running figures
    stack.nebula.calls.clear()
    stack.clock.advance(4 * HOUR)  # 5 h since the first read: past 3/4 of the refresh, some are due
    await cycle(runtime)
    assert 0 < details_read(stack) < 150
    stack.nebula.calls.clear()
    stack.clock.advance(6 * HOUR)  # NEBULA_BOT_DETAIL_REFRESH: every detail is read again
    await cycle(runtime)
    assert details_read(stack) == 150


async def test_figures_between_detail_reads_are_carried_forward(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add("gpu-a", host_name="box-a", running_time="20.0000 hours", total_cost="$13.5800")
    runtime, _ = await stack.start_bot(**{**WATCH, "nebula_bot_remind_after": "24h"})
    await cycle(runtime)
    assert reminded(stack) == []
    stack.clock.advance(5 * HOUR)  # no detail read since: 25 h running now, by Nebula's own figure
    await cycle(runtime)
    assert details_read(stack) == 1
    [reminder] = reminded(stack)
    assert "1d 1h" in reminder
    assert "$16.98" in reminder  # $13.58 + 5 h at $0.679/h
