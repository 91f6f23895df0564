"""Names, short ids and menus (issue #20): whatever names the instance, the same confirmation, the same
rules and one call; a name that fits several never acts until one is chosen."""

from __future__ import annotations

from typing import Any

from bot.slack.messages import action_ids
from bot.slack.messages.choices import PICK_BLOCK
from tests.helpers import buttons, confirmation_id, shown
from tests.standins.servers import Scripted
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, eventually

OTHER = "7a0c55e1d2b-1f00-4b1e-a9c2-3f1d2e4c5b6a"
STOPPED = "3b9e1c7d4f2-8a66-4d0a-b1e3-9c8d7e6f5a41"


def values(message: dict[str, Any], action_id: str) -> list[str]:
    """The values of every element with `action_id` (several "This one" buttons share one)."""
    return [
        element["value"]
        for block in message.get("blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]


def menu(message: dict[str, Any]) -> dict[str, Any]:
    """The select menu of a picker message, with its block id."""
    [block] = [b for b in message["blocks"] if b.get("type") == "actions"]
    return {"block_id": block["block_id"], **block["elements"][0]}


async def test_a_host_name_reaches_the_same_confirmation_and_one_delete(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    stack.nebula.add(OTHER, host_name="notebook-ana")
    _, driver = await stack.start_bot()
    cid = await stack.request(driver, ALICE, "delete trainer-1")
    asked = stack.showing(cid)
    assert INSTANCE in shown(asked)  # the full id, shown and kept
    outcome = await stack.confirm(driver, cid)
    assert "success" in shown(outcome)
    assert [c.path for c in stack.nebula.deletes()] == [f"/api/v1/computing/instance/{INSTANCE}"]


async def test_a_short_id_as_messages_show_it_is_accepted(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    stack.nebula.add(OTHER, host_name="notebook-ana")
    _, driver = await stack.start_bot()
    for short in (INSTANCE[:8] + "…", INSTANCE[:12]):
        message, _ = await stack.reply(driver, ALICE, f"show {short}")
        assert INSTANCE in shown(message)
        assert "trainer-1" in shown(message)


async def test_a_name_that_fits_two_asks_which_one_and_acts_on_none(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer")
    stack.nebula.add(OTHER, host_name="Trainer")
    _, driver = await stack.start_bot()
    asked, _ = await stack.reply(driver, ALICE, "delete trainer")
    assert "Which one?" in shown(asked)
    assert INSTANCE in shown(asked)
    assert OTHER in shown(asked)
    assert "Nothing is done until you choose" in shown(asked)
    assert stack.slack.messages == []  # no confirmation anywhere yet
    assert stack.nebula.deletes() == []
    choices = values(asked, action_ids.CHOOSE)
    assert len(choices) == 2
    assert all(value.startswith("choice:") for value in choices)  # a reference, never the command

    before = len(stack.slack.messages)
    await driver.click(ALICE, action_ids.CHOOSE, choices[1])
    await eventually(lambda: len(stack.slack.messages) > before)
    cid = stack.request_seen(stack.slack.messages[before].body)
    assert OTHER in shown(stack.showing(cid))
    await stack.confirm(driver, cid)
    assert [c.path for c in stack.nebula.deletes()] == [f"/api/v1/computing/instance/{OTHER}"]


async def test_a_choice_runs_with_the_clickers_rights_only(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer")
    _, driver = await stack.start_bot(nebula_bot_allowed_users=ALICE)
    # A menu's option carries the command: checked as if typed by the clicker.
    _, url = await driver.choose(BOB, action_ids.PICK, f"delete {INSTANCE}", "pick:delete")
    await eventually(lambda: bool(stack.slack.posts_to(url)))
    assert "You may not change instances" in shown(stack.slack.posts_to(url)[0])
    _, url = await driver.choose(ALICE, action_ids.PICK, "delete ../../computing/instances", "pick:delete")
    await eventually(lambda: bool(stack.slack.posts_to(url)))
    assert "Usage" in shown(stack.slack.posts_to(url)[0])
    # A "Which one?" button carries a reference: a command written into one was never offered.
    _, url = await driver.click(ALICE, action_ids.CHOOSE, f"delete {INSTANCE}")
    await eventually(lambda: bool(stack.slack.posts_to(url)))
    assert "not one the bot offered" in shown(stack.slack.posts_to(url)[0])
    assert stack.nebula.calls == []


async def test_which_one_carries_a_reference_whatever_the_command_is_long(stack: Stack) -> None:
    # Issue #33.5: a reason of 2,000 characters made the command longer than a button's value may be.
    stack.nebula.add(INSTANCE, host_name="trainer")
    stack.nebula.add(OTHER, host_name="trainer")
    _, driver = await stack.start_bot()
    reason = "final eval " * 200
    asked, _ = await stack.reply(driver, ALICE, f"protect trainer {reason}")
    [_, second] = values(asked, action_ids.CHOOSE)
    assert len(second) < 100
    [chosen] = await stack.click(driver, ALICE, second, action_ids.CHOOSE)
    assert "is protected by" in shown(chosen)
    assert "final eval" in shown(chosen)
    [again] = await stack.click(
        driver, ALICE, second, action_ids.CHOOSE
    )  # made once: a second press does nothing
    assert "already made" in shown(again)
    assert stack.nebula.changes() == []


async def test_no_such_name_offers_the_closest(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()
    answer, _ = await stack.reply(driver, ALICE, "stop trainr-1")
    assert "No instance called `trainr-1`. Did you mean `trainer-1`?" in shown(answer)
    answer, _ = await stack.reply(driver, ALICE, "stop zzz.example")
    assert "No instance called `zzz.example`" in shown(answer)
    assert stack.nebula.changes() == []
    assert all("/computing/instance/" not in c.path for c in stack.nebula.calls)  # names never in a URL


async def test_when_the_fleet_cannot_be_read_a_name_says_so_and_an_id_still_works(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    stack.nebula.listing = Scripted(500, "<html>oops</html>")
    _, driver = await stack.start_bot()
    answer, _ = await stack.reply(driver, ALICE, "delete trainer.lab")
    assert "Could not look up `trainer.lab`" in shown(answer)
    cid = await stack.request(driver, ALICE, f"delete {INSTANCE}")
    assert INSTANCE in shown(stack.showing(cid))


async def test_a_protection_set_by_name_holds_against_a_delete_by_short_id(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()
    await stack.reply(driver, ALICE, "protect trainer-1 final run")
    answer, _ = await stack.reply(driver, ALICE, f"delete {INSTANCE[:10]}")
    assert "protected" in shown(answer)
    assert stack.slack.with_button(action_ids.CONFIRM) is None
    assert stack.nebula.deletes() == []


async def test_a_verb_alone_offers_the_instances_it_fits(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    stack.nebula.add(STOPPED, host_name="idle-box", status="Stopped")
    _, driver = await stack.start_bot()
    offered, _ = await stack.reply(driver, ALICE, "stop")
    picker = menu(offered)
    assert picker["type"] == "static_select"
    assert picker["block_id"] == f"{PICK_BLOCK}stop"
    assert [o["value"] for o in picker["options"]] == [f"stop {INSTANCE}"]  # running ones only
    started, _ = await stack.reply(driver, ALICE, "start")
    assert [o["value"] for o in menu(started)["options"]] == [f"start {STOPPED}"]

    before = len(stack.slack.messages)
    await driver.choose(ALICE, action_ids.PICK, f"stop {INSTANCE}", f"{PICK_BLOCK}stop")
    await eventually(lambda: len(stack.slack.messages) > before)
    cid = stack.request_seen(stack.slack.messages[before].body)
    await stack.confirm(driver, cid)
    assert [c.path for c in stack.nebula.changes()] == [f"/api/v1/computing/instance/{INSTANCE}/stop"]


async def test_a_large_fleet_gets_a_menu_searched_as_the_person_types(stack: Stack) -> None:
    for n in range(150):
        stack.nebula.add(f"{n:08x}-aaaa-4bbb-8ccc-{n:012x}", host_name=f"worker-{n:03d}")
    _, driver = await stack.start_bot(nebula_bot_allowed_users=ALICE)
    offered, _ = await stack.reply(driver, ALICE, "delete")
    picker = menu(offered)
    assert picker["type"] == "external_select"
    assert "150 instances" in shown(offered)

    everything = await driver.options(ALICE, action_ids.PICK, picker["block_id"], "")
    assert len(everything.body["options"]) == 100  # Slack's limit
    some = await driver.options(ALICE, action_ids.PICK, picker["block_id"], "WORKER-14")
    assert [o["value"].split()[0] for o in some.body["options"]] == ["delete"] * 10  # 140-149
    assert all("worker-14" in o["text"]["text"] for o in some.body["options"])
    stranger = await driver.options(BOB, action_ids.PICK, picker["block_id"], "")
    assert stranger.body["options"] == []  # nobody else learns the fleet's names
    forged = await driver.options(ALICE, action_ids.PICK, "pick:format-disk", "")
    assert forged.body["options"] == []


async def test_a_menu_with_nothing_to_offer_says_so(stack: Stack) -> None:
    stack.nebula.add(STOPPED, host_name="idle-box", status="Stopped")
    _, driver = await stack.start_bot()
    answer, _ = await stack.reply(driver, ALICE, "reboot")
    assert "No instance to reboot right now" in shown(answer)
    assert buttons(answer) == {}


async def test_a_confirmation_by_name_is_the_same_as_by_id(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()
    by_name = stack.showing(await stack.request(driver, ALICE, "reboot trainer-1"))
    by_id = stack.showing(await stack.request(driver, BOB, f"reboot {INSTANCE}"))
    assert shown(by_name).replace(ALICE, "X") == shown(by_id).replace(BOB, "X")
    assert confirmation_id(by_name) != confirmation_id(by_id)


async def test_the_message_shortcut_offers_the_instances_a_message_names(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    stack.nebula.add(OTHER, host_name="notebook-ana")
    stack.nebula.add(STOPPED, host_name="idle-box", status="Stopped")
    _, driver = await stack.start_bot()
    text = f"<!channel> trainer-1 is stuck again (see {OTHER[:10]}…); idle-box? `rm -rf` <@U0BOB>"
    _, url = await driver.shortcut(ALICE, text, action_ids.ACT_ON_MESSAGE)
    await eventually(lambda: bool(stack.slack.posts_to(url)))
    answer = stack.slack.posts_to(url)[0]
    assert answer["response_type"] == "ephemeral"
    assert [b["accessory"]["options"][0]["value"] for b in answer["blocks"] if "accessory" in b] == [
        f"delete:{INSTANCE}",
        f"delete:{OTHER}",
        f"delete:{STOPPED}",
    ]
    assert "<!channel>" not in str(answer)

    before = len(stack.slack.messages)
    await driver.choose(ALICE, action_ids.INSTANCE_MENU, f"stop:{OTHER}", "rows", kind="overflow")
    await eventually(lambda: len(stack.slack.messages) > before)
    cid = stack.request_seen(stack.slack.messages[before].body)
    await stack.confirm(driver, cid)
    assert [c.path for c in stack.nebula.changes()] == [f"/api/v1/computing/instance/{OTHER}/stop"]


async def test_the_shortcut_on_a_message_naming_nothing_says_so(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot(nebula_bot_allowed_users=ALICE)
    _, url = await driver.shortcut(ALICE, "lunch at noon? " * 5000, action_ids.ACT_ON_MESSAGE)
    await eventually(lambda: bool(stack.slack.posts_to(url)))
    assert "names none of your team's instances" in shown(stack.slack.posts_to(url)[0])
    _, url = await driver.shortcut(BOB, "trainer-1", action_ids.ACT_ON_MESSAGE)
    await eventually(lambda: bool(stack.slack.posts_to(url)))
    assert "You may not" in shown(stack.slack.posts_to(url)[0])  # nobody else learns the fleet
    assert INSTANCE not in str(stack.slack.posts_to(url)[0])
