"""Every way Nebula can fail is reported as a failure, once, with what the user should do."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import buttons, confirmation_id, shown
from tests.standins.servers import NEBULA_KEY, Scripted
from tests.standins.stack import ALICE, HANG_TIMEOUT, INSTANCE, Stack, eventually

HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"

DELETE_FAULTS = [
    (
        "2xx with status failed",
        Scripted(200, json.dumps({"status": "failed", "message": "Instance is locked"})),
        "Instance is locked",
    ),
    (
        "401",
        Scripted(401, json.dumps({"status": "failed", "message": "Invalid API key"})),
        "service key was rejected (HTTP 401): check NEBULA_API_KEY",
    ),
    ("403 html", Scripted(403, "<html>Forbidden</html>", "text/html"), "check NEBULA_API_KEY"),
    (
        "404",
        Scripted(404, json.dumps({"status": "failed", "message": "Instance not found"})),
        "Nebula does not know this instance",
    ),
    (
        "409 json",
        Scripted(409, json.dumps({"status": "failed", "message": "Instance is deploying"})),
        "Instance is deploying",
    ),
    (
        "500 json",
        Scripted(500, json.dumps({"status": "failed", "message": "database down"})),
        "Nebula failed (HTTP 500). Nebula said: database down",
    ),
    ("502 html", Scripted(502, HTML, "text/html"), "HTTP 502 with a body that is not a JSON object"),
    ("503 empty", Scripted(503, ""), "HTTP 503 with an empty body"),
    ("200 invalid json", Scripted(200, "{not json"), "HTTP 200 with a body that is not a JSON object"),
    ("200 json list", Scripted(200, "[]"), "not a JSON object"),
    ("302 redirect", Scripted(302, json.dumps({"status": "success", "message": "moved"})), "moved"),
]


async def confirm_delete(stack: Stack, nebula_timeout: float = 2.0) -> dict[str, Any]:
    """Start a bot, request and confirm a delete; returns the outcome message."""
    _, driver = await stack.start_bot(nebula_api_timeout=nebula_timeout)
    return await stack.confirm(driver, await stack.request(driver))


def assert_failed(outcome: dict[str, Any], expected: str, status: str = "failed") -> None:
    text = shown(outcome)
    assert expected in text, text
    assert f"*{status}*" in text
    assert "*success*" not in text
    assert ":white_check_mark:" not in text


@pytest.mark.parametrize(("case", "script", "expected"), DELETE_FAULTS, ids=[c[0] for c in DELETE_FAULTS])
async def test_delete_fault_is_reported_as_failure(
    http_stack: Stack, case: str, script: Scripted, expected: str
) -> None:
    http_stack.nebula.add(INSTANCE)
    http_stack.nebula.delete = script

    outcome = await confirm_delete(http_stack)

    assert_failed(outcome, expected)
    assert len(http_stack.nebula.deletes()) == 1, "a DELETE is never retried"


async def test_delete_timeout_means_outcome_unknown(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    stack.nebula.delete = Scripted(hang=True)

    outcome = await confirm_delete(stack, nebula_timeout=HANG_TIMEOUT)

    assert_failed(outcome, "outcome unknown: check with the Nebula console", status="unknown")
    assert ":grey_question:" in shown(outcome)
    assert len(stack.nebula.deletes()) == 1


async def test_delete_when_nebula_is_unreachable(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    command_url_message, _command_url = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    cid = confirmation_id(command_url_message)
    await stack.nebula.go_dark()

    outcome = await stack.confirm(driver, cid)

    assert_failed(outcome, "Nebula at 127.0.0.1 is unreachable (the connection was refused)")


LOOKUP_FAULTS = [
    ("401", Scripted(401, json.dumps({"status": "failed", "message": "bad key"})), "check NEBULA_API_KEY"),
    ("502 html", Scripted(502, HTML, "text/html"), "HTTP 502"),
    ("200 failed", Scripted(200, json.dumps({"status": "failed", "message": "try later"})), "try later"),
    (
        "200 empty data",
        Scripted(200, json.dumps({"status": "success", "message": "ok", "data": []})),
        f"No instance called `{INSTANCE}`",
    ),
    ("timeout", Scripted(hang=True), "did not answer within 1 s"),
]


@pytest.mark.parametrize(("case", "script", "expected"), LOOKUP_FAULTS, ids=[c[0] for c in LOOKUP_FAULTS])
async def test_lookup_fault_gets_an_ephemeral_error_and_no_buttons(
    http_stack: Stack, case: str, script: Scripted, expected: str
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.nebula.detail = script
    _, driver = await stack.start_bot(nebula_api_timeout=HANG_TIMEOUT)

    _, url = await driver.command(ALICE, f"delete {INSTANCE}")

    await eventually(lambda: len(stack.slack.posts_to(url)) == 1)
    [reply] = stack.slack.posts_to(url)
    assert reply["response_type"] == "ephemeral"
    assert expected in shown(reply)
    assert buttons(reply) == {}
    assert stack.nebula.deletes() == []


async def test_lookup_when_nebula_is_unreachable(http_stack: Stack) -> None:
    stack = http_stack
    await stack.nebula.go_dark()
    _, driver = await stack.start_bot()
    url_message, _url = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    assert "Nebula at 127.0.0.1 is unreachable (the connection was refused)" in shown(url_message)


async def test_nebula_key_is_sent_only_to_nebula(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.nebula.delete = Scripted(401, json.dumps({"status": "failed", "message": "Invalid API key"}))
    outcome = await confirm_delete(stack)
    assert NEBULA_KEY not in shown({"all": [p.body for p in stack.slack.posted]})
    assert all(call.authorization == f"Bearer {NEBULA_KEY}" for call in stack.nebula.calls)
    assert "check NEBULA_API_KEY" in shown(outcome)
