"""Payloads shaped like Slack's own fixtures (slackapi/bolt-python tests): Grid, ephemeral, Slack Connect."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from bot.slack.messages import action_ids
from tests.helpers import buttons, shown
from tests.standins.slack_driver import CHANNEL, command_form
from tests.standins.stack import ALICE, INSTANCE, Stack, eventually

ORG = "E0ORG"


def grid_click(
    value: str,
    response_url: str,
    *,
    team: str = "T0TEAM",
    user_team: str = "T0TEAM",
    ephemeral: bool = False,
    org: str = ORG,
) -> dict[str, Any]:
    """A block_actions payload as Slack sends it from a Grid workspace: the org only in team.enterprise_id."""
    return {
        "type": "block_actions",
        "user": {"id": ALICE, "username": "alice", "name": "alice", "team_id": user_team},
        "api_app_id": "A0APP",
        "token": "verification_token",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": CHANNEL,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": "111.222.valid",
        "team": {"id": team, "domain": "acme", "enterprise_id": org, "enterprise_name": "Acme Org"},
        "is_enterprise_install": False,
        "channel": {"id": CHANNEL, "name": "ops"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_ids.CONFIRM,
                "block_id": "nebula_decision",
                "text": {"type": "plain_text", "text": "Delete", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": "1596530385.194939",
            }
        ],
    }


async def grid_command(stack: Stack, driver: Any, team: str = "T0TEAM", org: str = ORG) -> str:
    url = stack.slack.new_response_url()
    form = command_form(ALICE, f"delete {INSTANCE}", url, team=team) | {
        "enterprise_id": org,
        "enterprise_name": "Acme Org",
        "is_enterprise_install": "false",
    }
    before = len(stack.slack.messages)
    ack = await driver.post_signed(urlencode(form))
    assert ack.status == 200
    if ack.body.get("text"):
        return str(ack.body["text"])
    await eventually(lambda: len(stack.slack.messages) > before)
    cid = str(buttons(stack.slack.messages[before].body)[action_ids.CONFIRM]["value"])
    stack._carrier(cid)
    return cid


async def click(stack: Stack, driver: Any, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Send a click; the answers only the clicker sees (a refusal, say)."""
    ack = await driver.post_signed(urlencode({"payload": json.dumps(payload)}))
    assert ack.status == 200
    url = payload["response_url"]
    await eventually(lambda: len(stack.slack.posts_to(url)) >= 1)
    return stack.slack.posts_to(url)


async def confirm(stack: Stack, driver: Any, cid: str, payload: dict[str, Any]) -> str:
    """Send a confirming click; the outcome posted in the confirmation's thread."""
    ack = await driver.post_signed(urlencode({"payload": json.dumps(payload)}))
    assert ack.status == 200
    ts = stack._carrier(cid)
    await eventually(lambda: bool(stack.slack.thread(ts)))
    return shown(stack.slack.thread(ts)[-1].body)


async def test_a_grid_workspace_can_confirm_from_an_in_channel_or_ephemeral_message(
    http_stack: Stack,
) -> None:
    stack = http_stack
    stack.slack.enterprise_id = ORG
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()

    cid = await grid_command(stack, driver)
    forged = grid_click("not-a-confirmation", stack.slack.new_response_url(), ephemeral=True)
    [refused] = await click(stack, driver, forged)
    assert "unknown to the bot" in shown(refused), "reached the core, not refused as another workspace"
    outcome = await confirm(stack, driver, cid, grid_click(cid, stack.slack.new_response_url()))
    assert "Instances deleted successfully" in outcome
    assert len(stack.nebula.deletes()) == 1


async def test_another_org_and_a_slack_connect_partner_are_refused(http_stack: Stack) -> None:
    stack = http_stack
    stack.slack.enterprise_id = ORG
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await grid_command(stack, driver)

    for payload in (
        grid_click(cid, stack.slack.new_response_url(), org="E0OTHER"),
        grid_click(cid, stack.slack.new_response_url(), user_team="T0PARTNER"),
    ):
        [refused] = await click(stack, driver, payload)
        assert "only serves its own workspace" in shown(refused)
    assert stack.nebula.deletes() == []


async def test_an_org_wide_install_serves_every_workspace_of_its_org(http_stack: Stack) -> None:
    stack = http_stack
    stack.slack.enterprise_id = ORG
    stack.slack.enterprise_install = True
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()

    cid = await grid_command(stack, driver, team="T0SECOND")
    assert cid, "a confirmation was posted"
    payload = grid_click(cid, stack.slack.new_response_url(), team="T0SECOND", user_team="T0SECOND")
    assert "Instances deleted successfully" in await confirm(stack, driver, cid, payload)
    assert "only serves" in await grid_command(stack, driver, team="T0ELSE", org="E0OTHER")
