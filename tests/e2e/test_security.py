"""Nothing reaches Nebula before a valid, signed request from an allowed person in our workspace."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack.messages import action_ids
from tests.helpers import buttons, confirmation_id, shown
from tests.standins.slack_driver import SIGNING_SECRET, Driver, click_payload, command_form
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, eventually, posts

HOSTILE_TEXTS = [
    "delete ../../computing/instances",
    "delete a/b",
    "delete ..",
    "delete %2e%2e",
    "delete x?limit=1",
    "delete x#frag",
    "delete " + "a" * 65,
    f"reboot {INSTANCE} {INSTANCE}x",
    "delete " + " ".join(f"i{n}" for n in range(11)),
    f"delete {INSTANCE} --force",
    "reboot x\u00a0y",
    "delete -x",
    "delete <!channel>",
    "DROP TABLE confirmations",
    "delete `../x`",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
async def test_bad_commands_get_usage_and_never_reach_nebula(stack: Stack, text: str) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()

    ack, url = await driver.command(ALICE, text)

    assert ack.status == 200
    assert ack.body["response_type"] == "ephemeral"
    assert "/nebula help lists every command." in shown(ack.body)
    assert "<!channel>" not in shown(ack.body)
    assert stack.nebula.calls == []
    assert stack.slack.posts_to(url) == []


async def test_help_lists_the_commands(stack: Stack) -> None:
    _, driver = await stack.start_bot()
    for text in ("", "help", "HELP"):
        ack, _ = await driver.command(ALICE, text)
        assert ack.body["response_type"] == "ephemeral"
        for verb in ("list", "show <id>", "delete <id>", "stop <id>", "start <id>", "reboot <id>", "help"):
            assert f"/nebula {verb}" in ack.body["text"]
        assert "Example: /nebula delete" in ack.body["text"]
    assert stack.nebula.calls == []


async def test_a_misspelt_verb_gets_a_suggestion_and_no_call(stack: Stack) -> None:
    _, driver = await stack.start_bot()
    ack, _ = await driver.command(ALICE, f"dlete {INSTANCE}")
    assert "Did you mean delete?" in ack.body["text"]
    assert "Did you mean `delete`?" in shown(ack.body)
    assert stack.nebula.calls == []


def _signed_command_body() -> str:
    return urlencode(command_form(ALICE, f"delete {INSTANCE}", "http://127.0.0.1:9/response/never"))


@pytest.mark.parametrize(
    ("case", "secret", "skew", "signed"),
    [
        ("unsigned", SIGNING_SECRET, 0, False),
        ("wrong secret", "not-the-signing-secret", 0, True),
        ("stale", SIGNING_SECRET, -6 * 60, True),
        ("from the future", SIGNING_SECRET, 6 * 60, True),
    ],
)
async def test_forged_or_stale_requests_get_401(
    http_stack: Stack, case: str, secret: str, skew: int, signed: bool
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()

    # The timestamp is taken now, when the request is sent: never when the test is collected.
    timestamp = int(time.time()) + skew
    ack = await driver.post_signed(_signed_command_body(), secret=secret, timestamp=timestamp, signed=signed)

    assert ack.status == 401, case
    assert stack.nebula.calls == []


@pytest.mark.parametrize("skew", [-4 * 60, 4 * 60])
async def test_a_clock_a_few_minutes_off_is_still_accepted(http_stack: Stack, skew: int) -> None:
    # The twin of the stale cases: inside Slack's five minutes, the same request is taken.
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    ack = await driver.post_signed(_signed_command_body(), timestamp=int(time.time()) + skew)
    assert ack.status == 200
    await eventually(lambda: len(stack.nebula.calls) == 1)


async def test_tampered_body_gets_401(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid_body = urlencode({"payload": json.dumps(click_payload(ALICE, action_ids.CONFIRM, "x", "http://h/r"))})
    ts = str(int(time.time()))
    from tests.standins.slack_driver import signature

    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(SIGNING_SECRET, ts, cid_body),
    }
    tampered = cid_body.replace("U0ALICE", "U0BOB00")
    async with stack.session.post(
        f"{driver.bot_url}/slack/events", data=tampered, headers=headers
    ) as response:
        assert response.status == 401
    assert stack.nebula.calls == []


async def test_a_signed_request_with_the_right_secret_is_accepted(http_stack: Stack) -> None:
    # The twin of the 401 tests: the same request, signed properly, does reach Nebula.
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    ack = await driver.post_signed(_signed_command_body())
    assert ack.status == 200
    await eventually(lambda: len(stack.nebula.calls) == 1)


async def refusal(stack: Stack, driver: Driver, user: str) -> dict[str, Any]:
    """The ephemeral answer to `/nebula delete`, which the bot sends after its ack."""
    ack, url = await driver.command(user, f"delete {INSTANCE}")
    assert ack.status == 200
    await eventually(posts(stack, url, 1))
    [reply] = stack.slack.posts_to(url)
    assert reply["response_type"] == "ephemeral"
    assert buttons(reply) == {}
    return reply


async def test_nobody_may_delete_by_default(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_allowed_users="")

    reply = await refusal(stack, driver, ALICE)

    assert "NEBULA_BOT_ALLOWED_USERS" in reply["text"]
    assert f"`{ALICE}`" in shown(reply)
    assert stack.nebula.calls == []


async def test_unlisted_user_is_refused_with_their_id(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_allowed_users=ALICE)

    reply = await refusal(stack, driver, BOB)

    assert f"`{BOB}`" in shown(reply)
    assert "NEBULA_BOT_ALLOWED_USERS" in reply["text"]
    assert stack.nebula.calls == []


async def test_star_allows_everyone(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_allowed_users="*")
    url_message, _url = await stack.reply(driver, "U0ANYONE", f"delete {INSTANCE}")
    assert buttons(url_message)


async def test_user_removed_from_the_list_cannot_confirm_after_restart(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    first, driver = await stack.start_bot(nebula_bot_allowed_users=f"{ALICE},{BOB}")
    url_message, _url = await stack.reply(driver, BOB, f"delete {INSTANCE}")
    cid = confirmation_id(url_message)
    await stack.stop_bot(first)

    _, driver = await stack.start_bot(nebula_bot_allowed_users=ALICE)
    [refused] = await stack.click(driver, BOB, cid)
    assert "NEBULA_BOT_ALLOWED_USERS" in shown(refused)
    assert stack.nebula.deletes() == []


async def test_other_workspace_is_refused(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()

    ack, _ = await driver.command(ALICE, f"delete {INSTANCE}", team="T0OTHER")

    assert "other workspaces are refused" in ack.body["text"]
    assert stack.nebula.calls == []


async def test_click_from_other_workspace_or_channel_is_refused(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    url_message, _url = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    cid = confirmation_id(url_message)

    _, from_team = await driver.click(ALICE, action_ids.CONFIRM, cid, team="T0OTHER")
    _, from_channel = await driver.click(ALICE, action_ids.CONFIRM, cid, channel="C0ELSEWHERE")
    _, forged_value = await driver.click(ALICE, action_ids.CONFIRM, "forged-confirmation-id")
    for reply_url in (from_team, from_channel, forged_value):
        await eventually(posts(stack, reply_url, 1))
        assert stack.slack.posts_to(reply_url)[0]["response_type"] == "ephemeral"
    assert "other workspaces" in shown(stack.slack.posts_to(from_team)[0])
    assert "another channel" in shown(stack.slack.posts_to(from_channel)[0])
    assert "unknown" in shown(stack.slack.posts_to(forged_value)[0])
    assert stack.nebula.deletes() == []
