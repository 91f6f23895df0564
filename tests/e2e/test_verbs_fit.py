"""Verbs that fit the instance's state (issue #28.2): decided on the status just read, a change that
cannot apply is answered at once with what would, with no confirmation and no call to Nebula."""

from __future__ import annotations

from tests.helpers import buttons, confirmation_id, shown
from tests.standins.stack import ALICE, Stack

RUNNING, STOPPED, DEPLOYING = "gpu-run", "gpu-off", "gpu-new"


def fleet(stack: Stack) -> None:
    stack.nebula.add(RUNNING, host_name="llm-train-01", status="Running")
    stack.nebula.add(STOPPED, host_name="eval-harness", status="Stopped")
    stack.nebula.add(DEPLOYING, host_name="render-node", status="Deploying")


async def test_a_verb_that_does_not_fit_is_answered_with_what_would(stack: Stack) -> None:
    fleet(stack)
    _, driver = await stack.start_bot()
    cases = {
        "start llm-train-01": "`llm-train-01` (gpu-run) is already running: "
        "`/nebula stop llm-train-01` or `/nebula reboot llm-train-01`.",
        "reboot eval-harness": "`eval-harness` (gpu-off) is stopped: `/nebula start eval-harness`.",
        "stop eval-harness": "`eval-harness` (gpu-off) is already stopped: `/nebula start eval-harness`.",
        "delete render-node": "`render-node` (gpu-new) is deploying: nothing can be done to it until "
        "it is running or stopped (`/nebula show render-node` says how it is).",
    }
    for typed, says in cases.items():
        said, _ = await stack.reply(driver, ALICE, typed)
        assert says in shown(said), typed
        assert said["response_type"] == "ephemeral"
        assert buttons(said) == {}, "no confirmation"
    assert stack.nebula.changes() == []
    assert [c.method for c in stack.nebula.calls if "/instance/" in c.path] == ["GET"] * len(cases)


async def test_of_several_instances_those_that_fit_are_asked_and_the_others_said(stack: Stack) -> None:
    fleet(stack)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver, ALICE, "delete llm-train-01 eval-harness render-node")
    asked = stack.showing(cid)
    text = shown(asked)
    assert "asked to *delete* these 2 instances" in text  # those that fit
    assert "Left out: `render-node` (gpu-new) is deploying" in text
    outcome = await stack.confirm(driver, confirmation_id(asked))
    assert "success" in shown(outcome)
    assert sorted(c.path.rsplit("/", 1)[1] for c in stack.nebula.deletes()) == [STOPPED, RUNNING]


async def test_menus_offer_only_what_fits(stack: Stack) -> None:
    fleet(stack)
    _, driver = await stack.start_bot()
    page, _ = await stack.reply(driver, ALICE, "list")
    menus = {
        block["accessory"]["options"][0]["value"].split(":")[1]: [
            option["value"].split(":")[0] for option in block["accessory"]["options"]
        ]
        for block in page["blocks"]
        if block.get("accessory", {}).get("type") == "overflow"
    }
    assert menus == {
        RUNNING: ["delete", "stop", "reboot"],
        STOPPED: ["delete", "start"],
    }  # none to race a deploy
    started, _ = await stack.reply(driver, ALICE, "start")
    assert "eval-harness" in shown(started)
    assert "llm-train-01" not in shown(started)
    deleted, _ = await stack.reply(driver, ALICE, "delete")
    assert "render-node" not in shown(deleted)
