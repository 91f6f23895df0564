"""The bot's own changes are seen at once (issue #28.1): after a delete or a stop it carried out, every
view that follows shows it, on every replica, even while Nebula's list still shows the fleet as it was;
an instance it deleted is answered as such."""

from __future__ import annotations

from tests.helpers import confirmation_id, shown
from tests.standins.stack import ALICE, BOB, Stack

NOTEBOOK = "c3e8f1a9-5d2b-4f7c-8e6a-2b9d4c1f7e05"
EVAL = "e7b4a2d9-3c6f-4e1b-9d8a-7f2c5e0b3a61"
TRAIN = "4f1c9e2a-7b3d-4c8e-9a51-0d2e6f8b1c37"


async def test_a_delete_and_a_stop_show_at_once_on_another_replica(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(NOTEBOOK, host_name="notebook-ana", price_per_hour=0.679)
    stack.nebula.add(EVAL, host_name="eval-harness", price_per_hour=1.96)
    stack.nebula.add(TRAIN, host_name="llm-train-01", price_per_hour=23.92)
    _, first = await stack.start_bot()
    _, second = await stack.start_bot()  # another replica, on the same store
    before, _ = await stack.reply(second, BOB, "stop")  # its menu, from a read made now
    assert "notebook-ana" in shown(before)
    stack.nebula.lag_list()  # Nebula's list goes on showing the fleet as it was

    for typed in ("delete notebook-ana", "stop eval-harness"):
        asked, _ = await stack.reply(first, ALICE, typed)
        assert "success" in shown(await stack.confirm(first, confirmation_id(asked)))

    stopping, _ = await stack.reply(second, BOB, "stop")
    assert "llm-train-01" in shown(stopping)
    assert "notebook-ana" not in shown(stopping)  # deleted
    assert "eval-harness" not in shown(stopping)  # stopped
    starting, _ = await stack.reply(second, BOB, "start")
    assert "eval-harness" in shown(starting)
    cost, _ = await stack.reply(second, BOB, "cost")
    assert "llm-train-01" in shown(cost)
    assert "notebook-ana" not in shown(cost)
    assert "eval-harness" not in shown(cost)
    listed, _ = await stack.reply(second, BOB, "list")
    assert "notebook-ana" not in shown(listed)
    assert "Stopped" in shown(listed)

    for typed in ("show notebook-ana", f"stop {NOTEBOOK}"):  # by name, or by id from an old menu
        said, _ = await stack.reply(second, BOB, typed)
        assert "`notebook-ana` (c3e8f1a9…) was deleted at" in shown(said), typed
        assert f"(asked by <@{ALICE}>)" in shown(said)
    assert [c.method for c in stack.nebula.deletes()] == ["DELETE"]


async def test_a_menu_from_an_older_read_says_how_old(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(TRAIN, host_name="llm-train-01")
    _, driver = await stack.start_bot()
    fresh, _ = await stack.reply(driver, ALICE, "stop")
    assert "As of" not in shown(fresh)
    stack.clock.advance(60)  # the next menu answers from the same read, now a minute old
    older, _ = await stack.reply(driver, ALICE, "stop")
    assert "As of <!date^" in shown(older)
    assert "The usual confirmation follows your choice." in shown(older)
    shown_menu, _ = await stack.reply(driver, ALICE, "show")
    assert "confirmation" not in shown(shown_menu)  # looking needs none
