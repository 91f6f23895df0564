"""The App Home tab (issue #20.3): each person's view, published when they open it; actions from it go
through the same confirmation, posted where others can see it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core import front
from bot.domain.controls import menu_value
from bot.domain.verbs import VERBS
from bot.slack.messages import action_ids
from tests.helpers import shown
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, eventually

OTHER = "7a0c55e1d2b-1f00-4b1e-a9c2-3f1d2e4c5b6a"
OPS = "C0HOME"


def home_text(stack: Stack, user: str) -> str:
    return shown({"blocks": stack.slack.homes[user]["blocks"]})


def menus(view: dict[str, Any]) -> list[str]:
    """The instance ids of every ⋯ menu on a Home view."""
    return [
        block["accessory"]["options"][0]["value"].partition(":")[2]
        for block in view["blocks"]
        if block.get("accessory", {}).get("type") == "overflow"
    ]


async def test_opening_home_shows_what_waits_what_is_mine_leases_protections_and_the_fleet(
    stack: Stack,
) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    stack.nebula.add(OTHER, host_name="notebook-ana", total_cost="$99.00")
    _, driver = await stack.start_bot(nebula_bot_watch_channel="C0WATCH")
    await stack.reply(driver, ALICE, f"own {INSTANCE}")
    await stack.reply(driver, BOB, f"protect {OTHER} benchmark running")
    await stack.reply(driver, BOB, f"lease {INSTANCE} 3h")
    await stack.request(driver, ALICE, f"reboot {INSTANCE}")

    await driver.home_opened(ALICE)
    await eventually(lambda: ALICE in stack.slack.homes)
    text = home_text(stack, ALICE)
    assert "Waiting for you" in text
    assert "Reboot" in text
    assert "yours" in text
    assert "Your instances" in text
    assert "trainer-1" in text
    assert "Leases ending in the next 24 h" in text
    assert "set by <@U0BOB>" in text
    assert "Protected" in text
    assert "benchmark running" in text
    assert "2 running" in text
    view = stack.slack.homes[ALICE]
    assert menus(view)[0] == INSTANCE  # her instance first; then the costliest
    assert OTHER in menus(view)
    assert stack.slack.rejected == []


async def test_someone_who_may_not_act_is_told_why(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_allowed_users=ALICE)
    await driver.home_opened(BOB)
    await eventually(lambda: BOB in stack.slack.homes)
    assert "You may not change instances" in home_text(stack, BOB)
    assert INSTANCE not in home_text(stack, BOB)
    await driver.home_opened(ALICE, tab="messages")  # the Messages tab publishes nothing
    assert ALICE not in stack.slack.homes


@pytest.mark.parametrize(
    ("settings", "where"),
    [
        ({"nebula_bot_home_channel": OPS, "nebula_bot_watch_channel": "C0WATCH"}, OPS),
        ({"nebula_bot_watch_channel": "C0WATCH"}, "C0WATCH"),
        ({}, "D0ALICE"),
    ],
)
async def test_a_change_from_home_is_confirmed_where_others_see_it(
    stack: Stack, settings: dict[str, str], where: str
) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot(**settings)
    await driver.home_opened(ALICE)
    await eventually(lambda: ALICE in stack.slack.homes)
    await driver.home_menu(ALICE, action_ids.HOME_MENU, menu_value(VERBS["delete"], INSTANCE))
    await eventually(lambda: bool(stack.slack.messages))
    asked = stack.slack.messages[0]
    assert asked.channel == where
    assert stack.slack.dms == ([ALICE] if where.startswith("D") else [])
    cid = stack.request_seen(asked.body)
    assert stack.nebula.deletes() == []  # nothing before the confirmation
    await driver.click(ALICE, action_ids.CONFIRM, cid, channel=where)
    await eventually(lambda: len(stack.nebula.deletes()) == 1)
    await eventually(lambda: "Details in the thread" in shown(stack.showing(cid)))
    assert len(stack.nebula.deletes()) == 1


async def test_a_forged_home_menu_value_does_nothing(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_watch_channel="C0WATCH")
    await driver.home_menu(ALICE, action_ids.HOME_MENU, "format:../../x")
    await driver.home_menu(ALICE, action_ids.HOME_MENU, f"delete:{INSTANCE}/stop")
    assert stack.slack.messages == []
    assert stack.nebula.calls == []


async def test_home_is_republished_after_a_change_at_most_once_in_a_while(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(front, "REPUBLISH_EVERY", 0.3)
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()
    await driver.home_opened(ALICE)
    await eventually(lambda: len(stack.slack.publishes) == 1)
    cid = await stack.request(driver, ALICE, f"reboot {INSTANCE}")
    await stack.confirm(driver, cid)
    await eventually(lambda: len(stack.slack.publishes) == 2)
    first, second = (t for _, t in stack.slack.publishes)
    assert second - first >= 0.3
    await stack.confirm(driver, await stack.request(driver, BOB, f"reboot {INSTANCE}"), user=BOB)
    assert [u for u, _ in stack.slack.publishes] == [ALICE, ALICE]  # Bob never opened Home


async def test_a_home_that_cannot_be_published_is_not_retried(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    stack.slack.garbage_web_api = True
    await driver.home_opened(ALICE)
    await driver.home_opened(ALICE)
    await eventually(lambda: stack.slack.api_calls.count("views.publish") == 2)
    assert stack.slack.homes == {}


async def test_many_people_opening_home_share_one_read_of_the_fleet(stack: Stack) -> None:
    for n in range(250):
        stack.nebula.add(f"{n:08x}-aaaa-4bbb-8ccc-{n:012x}", host_name=f"worker-{n:03d}")
    people = [f"U0P{n:03d}" for n in range(30)]
    _, driver = await stack.start_bot(nebula_bot_allowed_users=",".join(people))
    for person in people:
        await driver.home_opened(person)
    await eventually(lambda: len(stack.slack.homes) == len(people))
    lists = [c for c in stack.nebula.calls if "/computing/instances" in c.path]
    assert len(lists) == 3  # 250 instances: pages of 100, 100 and 50, once for everyone
    assert stack.slack.rejected == []
