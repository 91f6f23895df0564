"""Nebula's answers are data: another instance's id is refused, markup is inert, huge fields still fit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.slack.messages import action_ids
from tests.helpers import buttons, shown
from tests.standins.servers import Scripted, instance_detail
from tests.standins.stack import ALICE, INSTANCE, Stack


def detail_answer(**fields: Any) -> Scripted:
    data = instance_detail(INSTANCE) | fields
    return Scripted(200, json.dumps({"status": "success", "message": "ok", "data": [data]}))


@pytest.mark.parametrize("other", ["other-instance", 12345, "<!channel>", "i stuck/../../x", ""])
async def test_a_lookup_that_names_another_instance_gets_no_buttons(http_stack: Stack, other: object) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.nebula.detail = detail_answer(id=other)
    _, driver = await stack.start_bot()

    reply, _ = await stack.reply(driver, ALICE, f"delete {INSTANCE}")

    assert "Nebula answered for a different instance" in shown(reply)
    assert buttons(reply) == {}
    assert "<!channel>" not in shown(reply)
    assert [(c.method, c.path) for c in stack.nebula.calls] == [
        ("GET", f"/api/v1/computing/instance/{INSTANCE}")
    ]


async def test_list_rows_with_unusable_ids_never_reach_a_menu(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add("good-1")
    for bad in ("../../x", "<!channel>", "a b", "-flag"):
        stack.nebula.instances[bad] = instance_detail(bad)
    stack.nebula.instances["numeric"] = instance_detail("numeric") | {"id": 7}
    _, driver = await stack.start_bot()

    page, _ = await stack.reply(driver, ALICE, "list")

    values = [
        option["value"]
        for block in page["blocks"]
        if block.get("accessory", {}).get("action_id") == action_ids.INSTANCE_MENU
        for option in block["accessory"]["options"]
    ]
    assert {value.split(":", 1)[1] for value in values} == {"good-1", "7"}
    assert "<!channel>" not in shown(page)


HOSTILE = "<!channel> *bold* _it_ ~s~ `tick`\nnext line \u202eevil <https://evil.example|click> &amp;"


async def test_nebula_text_reaches_slack_neutralised(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.nebula.detail = detail_answer(host_name=HOSTILE, status=HOSTILE, gpu_type=HOSTILE, region=HOSTILE)
    _, driver = await stack.start_bot()

    details, _ = await stack.reply(driver, ALICE, f"show {INSTANCE}")
    misfit, _ = await stack.reply(driver, ALICE, f"stop {INSTANCE}")  # a status the bot does not know
    assert "nothing can be done to it until it is running or stopped" in shown(misfit)
    stack.nebula.detail = detail_answer(host_name=HOSTILE, status="Running", gpu_type=HOSTILE, region=HOSTILE)
    cid_message, _ = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    stack.nebula.detail = None
    stack.nebula.delete = Scripted(401, json.dumps({"status": "failed", "message": HOSTILE}))
    outcome = await stack.confirm(driver, buttons(cid_message)["nebula_confirm"]["value"])

    for message in (details, misfit, cid_message, outcome):
        text = shown(message)
        for raw in ("<!channel>", "<https://evil", "\u202e", "\\nnext line"):
            assert raw not in text, raw
        assert "&lt;!channel&gt;" in text
    assert "check NEBULA_API_KEY" in shown(outcome)


async def test_a_huge_host_name_still_shows(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, host_name="h" * 3100)
    _, driver = await stack.start_bot()
    details, _ = await stack.reply(driver, ALICE, f"show {INSTANCE}")
    page, _ = await stack.reply(driver, ALICE, "list")
    assert "hhhh" in shown(details)
    assert "hhhh" in shown(page)
    assert "internal error" not in shown(details) + shown(page)


async def test_a_page_longer_than_asked_is_cut_to_the_page_size(http_stack: Stack) -> None:
    stack = http_stack
    for n in range(120):
        stack.nebula.add(f"inst-{n:03d}")
    stack.nebula.ignore_limit = True
    _, driver = await stack.start_bot()
    page, _ = await stack.reply(driver, ALICE, "list")
    assert len(page["blocks"]) <= 50
    assert "(1–40 of 120)" in shown(page)


async def test_a_nebula_that_repeats_its_page_ends_the_read_and_is_said_once(
    http_stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    # Nebula ignores `offset`: every page is the first one. A page that brings no new id ends the read.
    stack = http_stack
    for n in range(150):
        stack.nebula.add(f"{n:08x}-0000-4000-8000-{n:012x}", host_name=f"box-{n}")
    stack.nebula.ignore_offset = True
    _, driver = await stack.start_bot()

    for text, found in (("show box-3", "box-3"), ("cost", "box-99")):  # two reads of the fleet
        before = len(stack.nebula.calls)
        reply, _ = await stack.reply(driver, ALICE, text)
        pages = [c for c in stack.nebula.calls[before:] if "/computing/instances" in c.path]
        assert len(pages) == 2  # the first page, then the same again: not the 200 the bound allows
        assert found in shown(reply)
    repeated = [r for r in caplog.records if r.getMessage() == "nebula.paging_repeated"]
    assert len(repeated) == 1  # said once, not on every read
