"""Beyond delete: list, show, stop/start/reboot and several ids, through the same confirmation."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.service.startup import StartupError
from bot.slack.messages import action_ids
from tests.helpers import buttons, confirmation_id, shown
from tests.standins.servers import INSTANCE_PASSWORD, Scripted
from tests.standins.slack_driver import Driver
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, eventually, posts


def list_rows(message: dict[str, object]) -> list[dict[str, object]]:
    blocks = message["blocks"]
    assert isinstance(blocks, list)
    return [b for b in blocks if b.get("accessory", {}).get("action_id") == action_ids.INSTANCE_MENU]


async def test_list_pages_through_every_instance(http_stack: Stack) -> None:
    stack = http_stack
    for n in range(95):
        stack.nebula.add(f"inst-{n:03d}", host_name=f"box-{n:03d}")
    _, driver = await stack.start_bot()

    url_message, _url = await stack.reply(driver, ALICE, "list")
    first = url_message
    assert first["response_type"] == "ephemeral"
    assert len(first["blocks"]) <= 50
    assert "(1–40 of 95)" in shown(first)
    rows = list_rows(first)
    assert len(rows) == 40
    assert "box-000" in shown(rows[0])
    assert "RTX-A6000 × 1" in shown(rows[0])
    assert "$0.68/h" in shown(rows[0])
    assert [o["value"] for o in rows[0]["accessory"]["options"]] == [  # type: ignore[index]
        "delete:inst-000",
        "stop:inst-000",
        "reboot:inst-000",
    ]  # what fits a running instance

    seen = {json.dumps(r) for r in rows}
    message = first
    for expected_rows, label in ((40, "(41–80 of 95)"), (15, "(81–95 of 95)")):
        more = buttons(message)[action_ids.LIST_MORE]
        _, page_url = await driver.click(ALICE, action_ids.LIST_MORE, more["value"])
        await eventually(posts(stack, page_url, 1))
        message = stack.slack.posts_to(page_url)[0]
        assert message["replace_original"] is True
        assert label in shown(message)
        assert len(list_rows(message)) == expected_rows
        seen |= {json.dumps(r) for r in list_rows(message)}
    assert action_ids.LIST_MORE not in buttons(message)
    assert len(seen) == 95
    assert [c.path for c in stack.nebula.calls] == [
        "/api/v1/computing/instances?limit=40&offset=0",
        "/api/v1/computing/instances?limit=40&offset=40",
        "/api/v1/computing/instances?limit=40&offset=80",
    ]


async def test_empty_list_and_refused_list(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(nebula_bot_allowed_users=ALICE)
    url_message, _ = await stack.reply(driver, ALICE, "list")
    assert "Your team has no instances" in shown(url_message)
    url_message, _url = await stack.reply(driver, BOB, "list")
    assert "NEBULA_BOT_ALLOWED_USERS" in shown(url_message)
    assert len(stack.nebula.calls) == 1


async def test_show_gives_details_without_credentials(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()
    url_message, _url = await stack.reply(driver, ALICE, f"show {INSTANCE}")
    details = url_message
    assert details["response_type"] == "ephemeral"
    for expected in (
        "trainer-1",
        INSTANCE,
        "38.80.81.128",
        "Ubuntu Server 20.04 LTS",
        "Virtual Machine",
        "28 cores / 58 GB / 100 GB",
        "EST 2024-11-04 10:11:50",
    ):
        assert expected in shown(details)
    assert INSTANCE_PASSWORD not in shown(details)
    assert "ubuntu" not in shown(details).replace("Ubuntu", "")
    assert buttons(details) == {}


@pytest.mark.parametrize(
    ("verb", "style", "said"),
    [
        ("stop", "danger", "Instances stopped successfully"),
        ("start", "primary", "Instances started successfully"),
        ("reboot", "danger", "Instances rebooted successfully"),
    ],
)
async def test_power_verbs_use_the_same_confirmation(stack: Stack, verb: str, style: str, said: str) -> None:
    stack.nebula.add(INSTANCE, status="Stopped" if verb == "start" else "Running")
    _, driver = await stack.start_bot()
    url_message, _url = await stack.reply(driver, ALICE, f"{verb} {INSTANCE}")
    request = url_message
    button = buttons(request)[action_ids.CONFIRM]
    assert button["text"]["text"] == verb.capitalize()
    assert button["style"] == style
    assert button["confirm"]["style"] == style
    assert f"asked to *{verb}* this instance" in shown(request)

    clicks = await asyncio.gather(
        *(driver.click(ALICE, action_ids.CONFIRM, confirmation_id(request)) for _ in range(4))
    )
    urls = [u for _, u in clicks]
    cid = confirmation_id(request)
    # One click wins (its outcome goes to the thread); the three others are told it is already handled.
    await eventually(lambda: sum(len(stack.slack.posts_to(u)) for u in urls) == 3)
    await eventually(lambda: bool(stack.slack.thread(stack._carrier(cid))))
    assert said in shown(stack.slack.thread(stack._carrier(cid))[0].body)
    assert [c.path for c in stack.nebula.changes()] == [f"/api/v1/computing/instance/{INSTANCE}/{verb}"]
    assert [c.method for c in stack.nebula.changes()] == ["GET"]


async def test_a_list_menu_opens_the_same_confirmation(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    list_url_message, _list_url = await stack.reply(driver, ALICE, "list")
    [row] = list_rows(list_url_message)
    stop = next(o for o in row["accessory"]["options"] if o["value"].startswith("stop:"))  # type: ignore[index]

    before = len(stack.slack.messages)
    await menu_choice(driver, ALICE, stop["value"])
    # The confirmation is a new message in the channel; the user's ephemeral list is left alone.
    await eventually(lambda: len(stack.slack.messages) > before)
    request = stack.slack.messages[before].body
    assert buttons(request)[action_ids.CONFIRM]["text"]["text"] == "Stop"
    await stack.confirm(driver, stack.request_seen(request), ALICE)
    assert len(stack.nebula.changes()) == 1


async def test_a_forged_menu_value_does_nothing(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    for value in ("rm:" + INSTANCE, "delete:../x", "delete:", "stop", ""):
        _, url = await menu_choice(driver, ALICE, value)
        await eventually(posts(stack, url, 1))
        assert "not one the bot offered" in shown(stack.slack.posts_to(url)[0])
    assert stack.nebula.calls == []


async def menu_choice(driver: Driver, user: str, value: str) -> tuple[object, str]:
    """Pick an option in a row's overflow menu: Slack sends the option's value as selected_option."""
    from urllib.parse import urlencode

    from tests.standins.slack_driver import click_payload

    url = driver.slack.new_response_url()
    payload = click_payload(user, action_ids.INSTANCE_MENU, "", url)
    payload["actions"] = [
        {
            "action_id": action_ids.INSTANCE_MENU,
            "block_id": "row",
            "type": "overflow",
            "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value},
            "action_ts": "1700000001.000300",
        }
    ]
    if driver.mode == "socket":
        envelope = await driver.slack.send_envelope("interactive", payload)
        await eventually(lambda: envelope in driver.slack.acks)
        return None, url
    return await driver.post_signed(urlencode({"payload": json.dumps(payload)})), url


async def test_several_ids_one_confirmation_concurrent_calls_mixed_outcome(stack: Stack) -> None:
    ids = ["gpu-a", "gpu-b", "gpu-c"]
    for iid in ids:
        stack.nebula.add(iid, host_name=f"host-{iid}")
    stack.nebula.delete_by_id["gpu-b"] = Scripted(
        409, json.dumps({"status": "failed", "message": "Instance is busy"})
    )
    _, driver = await stack.start_bot()

    url_message, _url = await stack.reply(driver, ALICE, "delete gpu-a gpu-b gpu-a gpu-c")
    request = url_message
    assert "asked to *delete* these 3 instances" in shown(request)
    for iid in ids:
        assert f"host-{iid}" in shown(request)
    assert buttons(request)[action_ids.CONFIRM]["confirm"]["title"]["text"] == "Delete 3 instances?"

    stack.nebula.hold_deletes = True
    cid = confirmation_id(request)
    await driver.click(ALICE, action_ids.CONFIRM, cid)
    # All three DELETEs are in flight at once: they are concurrent, not one after another.
    await eventually(lambda: len(stack.nebula.deletes()) == 3)
    stack.nebula.release.set()
    await eventually(lambda: bool(stack.slack.thread(stack._carrier(cid))))
    outcome = shown(stack.slack.thread(stack._carrier(cid))[0].body)
    assert "Delete partly failed" in outcome
    assert ":white_check_mark: Delete `host-gpu-a` (gpu-a): *success*" in outcome
    assert ":x: Delete `host-gpu-b` (gpu-b): *failed*. Instance is busy" in outcome
    assert ":white_check_mark: Delete `host-gpu-c` (gpu-c): *success*" in outcome
    assert sorted(c.path for c in stack.nebula.deletes()) == [f"/api/v1/computing/instance/{i}" for i in ids]


async def test_several_ids_with_an_unknown_one_get_no_buttons(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add("gpu-a")
    _, driver = await stack.start_bot()
    url_message, _url = await stack.reply(driver, ALICE, "delete gpu-a gpu-zzz")
    reply = url_message
    assert "No instance called `gpu-zzz`" in shown(reply)
    assert buttons(reply) == {}
    assert stack.nebula.changes() == []


@pytest.mark.parametrize("answer", ["500", "garbled"])
async def test_a_failing_auth_test_at_start_up_is_not_blamed_on_the_token(
    http_stack: Stack, answer: str
) -> None:
    http_stack.slack.auth_answer = answer
    with pytest.raises(StartupError, match="says nothing about the token") as raised:
        await http_stack.start_bot()
    assert "rejected" not in str(raised.value)
