"""The delete flow end to end, in Socket Mode and HTTP mode, through the stand-in servers."""

from __future__ import annotations

from bot.blocks import CANCEL_ACTION_ID, CONFIRM_ACTION_ID
from tests.conftest import ALICE, INSTANCE, Stack, eventually
from tests.helpers import buttons, confirmation_id, shown
from tests.standins.servers import INSTANCE_PASSWORD, NEBULA_KEY


async def test_confirmed_delete_calls_nebula_once_and_reports_its_answer(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()

    ack, command_url = await driver.command(ALICE, f"delete {INSTANCE}")
    assert ack.status == 200
    assert not ack.body.get("text")
    await eventually(lambda: len(stack.slack.posts_to(command_url)) == 1)
    request = stack.slack.posts_to(command_url)[0]
    assert request["response_type"] == "in_channel"
    text = shown(request)
    for expected in (INSTANCE, "trainer-1", "RTX-A6000 × 1", "CANADA", "Running", "12.5000 hours", "$8.4875",
                     f"<@{ALICE}>", "Expires at <!date^"):
        assert expected in text
    delete_button = buttons(request)[CONFIRM_ACTION_ID]
    assert delete_button["style"] == "danger"
    assert delete_button["confirm"]["style"] == "danger"
    assert "style" not in buttons(request)[CANCEL_ACTION_ID]
    assert stack.nebula.deletes() == []

    ack, click_url = await driver.click(ALICE, CONFIRM_ACTION_ID, confirmation_id(request))
    assert ack.status == 200
    await eventually(lambda: len(stack.slack.posts_to(click_url)) == 2)
    deleting, result = stack.slack.posts_to(click_url)
    assert deleting["replace_original"] is True
    assert "Deleting" in shown(deleting) and f"confirmed by <@{ALICE}>" in shown(deleting)
    assert buttons(deleting) == {}
    assert result["response_type"] == "in_channel"
    assert result["replace_original"] is False
    for expected in ("Instances deleted successfully", "success", INSTANCE, f"Requested by <@{ALICE}>",
                     f"confirmed by <@{ALICE}>"):
        assert expected in shown(result)

    [delete] = stack.nebula.deletes()
    assert delete.path == f"/api/v1/computing/instance/{INSTANCE}"
    assert delete.authorization == f"Bearer {NEBULA_KEY}"
    everything_posted = shown({"posts": [p.body for p in stack.slack.posted]})
    assert NEBULA_KEY not in everything_posted
    assert INSTANCE_PASSWORD not in everything_posted
