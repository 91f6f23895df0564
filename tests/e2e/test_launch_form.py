"""The launch form (issue #30.1): `/nebula create` without its parts opens a modal at once, filled when
Nebula's catalogue is read; it shows the price, the lease's cost and the budget as the choices change;
what is wrong is said under its field before it closes; a form Slack delivers twice launches once."""

from __future__ import annotations

from typing import Any

from bot.slack.messages import action_ids
from tests.e2e.test_launch import CREATED, QUIET, follow
from tests.helpers import shown
from tests.standins.stack import ALICE, BOB, Stack, eventually


def values(modal: dict[str, Any], **chosen: str) -> dict[str, dict[str, Any]]:
    """The modal's state as Slack sends it back: each input as it was filled in, with `chosen` (by
    block id without its `launch_` prefix) instead."""
    found: dict[str, dict[str, Any]] = {}
    for block in modal["blocks"]:
        if block.get("type") != "input":
            continue
        element, field = block["element"], block["block_id"].removeprefix("launch_")
        state: dict[str, Any] = {"type": element["type"]}
        if element["type"] == "static_select":
            picked = chosen.get(field, (element.get("initial_option") or {}).get("value"))
            state["selected_option"] = (
                {"text": {"type": "plain_text", "text": "x"}, "value": picked} if picked else None
            )
        else:
            state["value"] = chosen.get(field, element.get("initial_value"))
        found[block["block_id"]] = {element["action_id"]: state}
    return found


async def open_form(stack: Stack, driver: Any, text: str = "create", user: str = ALICE) -> str:
    """Type the command; the id of the modal it opens, once it shows the form."""
    before = set(stack.slack.modals)
    await driver.command(user, text)
    await eventually(lambda: len(set(stack.slack.modals) - before) == 1)
    [view_id] = set(stack.slack.modals) - before
    await eventually(
        lambda: stack.slack.modals[view_id].get("submit") is not None, seen=lambda: stack.slack.modals
    )
    return view_id


def form_text(stack: Stack, view_id: str) -> str:
    return shown(stack.slack.modals[view_id])


async def test_the_form_opens_at_once_then_shows_the_catalogue_with_prices(stack: Stack) -> None:
    _, driver = await stack.start_bot(**QUIET)
    await stack.reply(driver, ALICE, "budget 5000/month")
    view_id = await open_form(stack, driver)
    text = form_text(stack, view_id)
    for seen in ("1× A100-80G-PCIE in CANADA · $1.20/h", "1× H100-80G-SXM in CANADA · $2.29/h", "8× H100"):
        assert seen in text, seen
    assert "L40S" not in text  # out of stock
    assert "Ubuntu 22.04 LTS x64" in text
    assert "laptop" in text
    assert "*$1.20/h* · 8h of lease ~$9.60 · Budget: $0.00 of $5,000.00 this month" in text
    assert stack.slack.api_calls.index("views.open") < stack.slack.api_calls.index("views.update")
    assert not stack.slack.rejected
    assert stack.nebula.creates == []


async def test_a_form_follows_its_choices_and_launches_on_submit(stack: Stack) -> None:
    runtime, driver = await stack.start_bot(**QUIET)
    view_id = await open_form(stack, driver, "create h100")
    modal = stack.slack.modals[view_id]
    assert "`h100-1`" not in form_text(stack, view_id)
    chosen = {"gpu": "p-h100-8", "image": "6", "key": "76"}
    await driver.change_form(ALICE, view_id, "launch_gpu", "p-h100-8", values(modal, **chosen))
    await eventually(lambda: "$18.32/h* · 8h of lease ~$146.56" in form_text(stack, view_id))

    ack = await driver.submit_form(
        ALICE, view_id, values(stack.slack.modals[view_id], **chosen, name="exp-7")
    )
    assert ack.body.get("response_action") is None, ack.body  # closed
    await eventually(lambda: "Nebula created `exp-7`" in str([shown(m.body) for m in stack.slack.messages]))
    assert stack.nebula.creates == [CREATED | {"product_id": "p-h100-8"}]
    stack.nebula.run("exp-7")
    await follow(runtime)
    await eventually(lambda: "is running" in str([shown(m.body) for m in stack.slack.messages]))


async def test_a_form_delivered_twice_launches_once(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(**QUIET)
    view_id = await open_form(stack, driver, "create h100")
    sent = values(stack.slack.modals[view_id], image="6", key="76", name="exp-7")
    first = await driver.submit_form(ALICE, view_id, sent)
    again = await driver.submit_form(ALICE, view_id, sent)  # Slack's retry: the same view id
    assert first.body.get("response_action") is None
    assert again.body.get("response_action") is None
    await eventually(lambda: len(stack.nebula.creates) == 1)
    await eventually(lambda: "Nebula created" in str([shown(m.body) for m in stack.slack.messages]))
    assert len(stack.nebula.creates) == 1


async def test_what_is_wrong_is_said_under_its_field(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add("aa11bb22-0000-4000-8000-000000000001", host_name="exp-7")
    _, driver = await stack.start_bot(**QUIET)
    view_id = await open_form(stack, driver)
    modal = stack.slack.modals[view_id]
    for chosen, field, says in (
        ({"name": "exp-7"}, "launch_name", "exp-7 is taken"),
        ({"name": "Bad_Name"}, "launch_name", "Lower-case letters"),
        ({"gpu": "p-l40s-1"}, "launch_gpu", "Not in stock now"),
        ({"gpu": "p-forged"}, "launch_gpu", "Not in stock now"),
        ({"key": "999"}, "launch_key", "Choose an SSH key"),
        ({"image": "nope"}, "launch_image", "Choose an image"),
        ({"lease": "off"}, "launch_lease", "Only approvers may launch without a lease"),
        ({"lease": "soon"}, "launch_lease", "Choose a lease"),
    ):
        ack = await driver.submit_form(ALICE, view_id, values(modal, **({"key": "76"} | chosen)))
        assert ack.body.get("response_action") == "errors", (chosen, ack.body)
        assert says in ack.body["errors"][field], (chosen, ack.body)
    assert stack.nebula.creates == []


async def test_a_costly_form_waits_for_an_approver(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(
        nebula_bot_launch_approval_per_hour=5, nebula_bot_approvers=BOB, **QUIET
    )
    view_id = await open_form(stack, driver, "create h100x8")
    ack = await driver.submit_form(ALICE, view_id, values(stack.slack.modals[view_id], image="6", key="76"))
    assert ack.body.get("response_action") is None
    await eventually(
        lambda: f"Needs approval by <@{BOB}>" in str([shown(m.body) for m in stack.slack.messages])
    )
    assert stack.nebula.creates == []


async def test_without_a_modal_the_parts_are_asked_for_in_words(http_stack: Stack) -> None:
    stack = http_stack
    stack.slack.views_error = "expired_trigger_id"
    _, driver = await stack.start_bot(**QUIET)
    said, _ = await stack.reply(driver, ALICE, "create")
    assert "Which GPU?" in shown(said)


async def test_someone_not_allowed_cannot_launch_from_a_form(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(**QUIET)
    view_id = await open_form(stack, driver, "create h100")
    ack = await driver.submit_form(
        "U0MALLORY", view_id, values(stack.slack.modals[view_id], image="6", key="76")
    )
    assert ack.body.get("response_action") == "errors"
    assert "You may not change instances" in str(ack.body["errors"])
    assert stack.nebula.creates == []


async def test_the_home_tab_opens_the_form_and_the_launch_is_posted_in_the_home_channel(
    http_stack: Stack,
) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(nebula_bot_home_channel="C0HOME", **QUIET)
    await driver.home_opened(ALICE)
    await eventually(lambda: ALICE in stack.slack.homes)
    assert "Launch a GPU" in shown(stack.slack.homes[ALICE])
    before = set(stack.slack.modals)
    await driver.home_press(ALICE, action_ids.HOME_LAUNCH, "launch", "launch")
    await eventually(lambda: any("submit" in stack.slack.modals[v] for v in set(stack.slack.modals) - before))
    [view_id] = set(stack.slack.modals) - before
    sent = values(stack.slack.modals[view_id], gpu="p-h100-1", image="6", key="76", name="exp-7")
    ack = await driver.submit_form(ALICE, view_id, sent)
    assert ack.body.get("response_action") is None, ack.body
    await eventually(lambda: "Nebula created `exp-7`" in str([shown(m.body) for m in stack.slack.messages]))
    assert {m.channel for m in stack.slack.messages if "exp-7" in shown(m.body)} == {"C0HOME"}
    assert stack.nebula.creates == [CREATED]


async def test_a_key_left_out_of_a_typed_launch_is_asked_in_the_form(http_stack: Stack) -> None:
    # The team has two keys: which one is a choice the form asks for, with what was typed chosen.
    stack = http_stack
    _, driver = await stack.start_bot(**QUIET)
    view_id = await open_form(stack, driver, "create h100 ubuntu-22.04 8h")
    text = form_text(stack, view_id)
    assert "laptop" in text
    assert "ci" in text
    assert "*$2.29/h* · 8h of lease ~$18.32" in text  # the H100 typed is the one chosen
    assert stack.nebula.creates == []
    assert not [m for m in stack.slack.messages if "Which SSH key?" in shown(m.body)]
