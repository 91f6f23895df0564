"""HTTP mode's edge: malformed requests get a 4xx and one rate-limited warning, never a 500 or a traceback."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlencode

import pytest

from bot.bolt import edge
from tests.helpers import buttons
from tests.standins.slack_driver import SIGNING_SECRET, click_payload, command_form
from tests.standins.stack import ALICE, Stack, eventually


@pytest.mark.parametrize(
    "where", ["text", "channel_name", "user_name", "team_domain"], ids=lambda w: f"payload in {w}"
)
async def test_a_command_mentioning_payload_is_still_a_command(http_stack: Stack, where: str) -> None:
    stack = http_stack
    stack.nebula.add("payload-box-1")
    _, driver = await stack.start_bot()
    url = stack.slack.new_response_url()
    form = command_form(ALICE, "delete payload-box-1", url)
    if where != "text":
        form[where] = "payload-team"
    ack = await driver.post_signed(urlencode(form))
    assert ack.status == 200
    await eventually(lambda: len(stack.slack.messages) == 1)
    assert buttons(stack.slack.messages[0].body)


TIMESTAMP, SIGNATURE = "X-Slack-Request-Timestamp", "X-Slack-Signature"


def signed_headers(body: bytes, content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    """Headers that sign `body` as Slack would, whatever its bytes."""
    ts = str(int(time.time()))
    mac = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={mac.hexdigest()}",
    }


def payload_body(payload: object) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def click(**changes: object) -> dict[str, object]:
    return click_payload(ALICE, "nebula_confirm", "x", "http://h/r") | changes


MALFORMED = [
    ("unsigned, not UTF-8", b"\xff\xfe\x00garbage", {"Content-Type": "text/plain"}, 401),
    ("signed, not UTF-8", b"text=\xff\xfe", None, 400),
    ("payload not JSON", urlencode({"payload": "{not json"}).encode(), None, 400),
    ("payload a JSON list", payload_body([1, 2]), None, 400),
    ("user as a string", payload_body(click(user="U0ALICE")), None, 400),
    ("channel as a string", payload_body(click(channel="C0OPS")), None, 400),
    ("actions not objects", payload_body(click(actions=["x"])), None, 400),
    ("JSON type on a form body", urlencode({"text": "list"}).encode(), "json", 400),
    (
        "timestamp not a number",
        b"text=list",
        {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=0"},
        401,
    ),
    (
        "signature not ASCII",
        b"text=list",
        {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=\u00e9"},
        401,
    ),
]


@pytest.mark.parametrize(("case", "body", "headers", "status"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_malformed_requests_get_a_4xx_and_no_traceback(
    http_stack: Stack,
    caplog: pytest.LogCaptureFixture,
    case: str,
    body: bytes,
    headers: dict[str, str] | str | None,
    status: int,
) -> None:
    stack = http_stack
    bot, driver = await stack.start_bot()
    if headers is None:
        sent = signed_headers(body)
    elif headers == "json":
        sent = signed_headers(body, "application/json")
    else:
        assert isinstance(headers, dict)
        sent = {"Content-Type": "application/x-www-form-urlencoded"} | headers
    caplog.set_level(logging.DEBUG)
    async with stack.session.post(f"{driver.bot_url}/slack/events", data=body, headers=sent) as response:
        assert response.status == status, case
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no error lines, no tracebacks"
    assert not [r for r in caplog.records if r.exc_info], "no tracebacks"
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) <= 1
    assert stack.nebula.calls == []
    assert bot.ready


async def test_a_flood_of_bad_requests_writes_few_lines(
    http_stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack = http_stack
    _, driver = await stack.start_bot()
    caplog.set_level(logging.INFO)
    for _ in range(50):
        async with stack.session.post(f"{driver.bot_url}/slack/events", data=b"x=1") as response:
            assert response.status == 401
    assert len([r for r in caplog.records if r.getMessage() == "request.rejected"]) <= 3


async def test_a_body_sent_too_slowly_is_cut_off(http_stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = http_stack
    monkeypatch.setattr(edge, "BODY_READ_TIMEOUT", 0.5)
    bot, _ = await stack.start_bot()
    reader, writer = await asyncio.open_connection("127.0.0.1", bot.port)
    writer.write(
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 1000\r\n\r\nt"
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 408"), status_line


async def test_a_body_over_the_limit_is_refused(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot()
    body = b"text=" + b"a" * (edge.MAX_BODY_BYTES + 1)
    async with stack.session.post(
        f"{driver.bot_url}/slack/events", data=body, headers=signed_headers(body)
    ) as response:
        assert response.status == 413


async def test_clients_hanging_up_mid_body_cost_a_warning_line_not_tracebacks(
    http_stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack = http_stack
    bot, _ = await stack.start_bot()
    caplog.set_level(logging.INFO)
    for _ in range(30):
        _, writer = await asyncio.open_connection("127.0.0.1", bot.port)
        writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\nt=partial")
        await writer.drain()
        writer.close()
        await writer.wait_closed()
    async with stack.session.get(f"http://127.0.0.1:{bot.port}/healthz") as response:
        assert response.status == 200  # the server is fine, and has read what there was to read
    await eventually(lambda: any(r.getMessage() == "request.rejected" for r in caplog.records))
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert (
        len([r for r in caplog.records if r.getMessage() == "request.rejected"]) == 1
    )  # one per peer a minute


async def test_slow_bodies_from_one_peer_write_one_warning_line(
    http_stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    stack = http_stack
    monkeypatch.setattr(edge, "BODY_READ_TIMEOUT", 0.3)
    bot, _ = await stack.start_bot()
    caplog.set_level(logging.INFO)

    async def slow() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", bot.port)
        writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nt")
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
        return status

    statuses = await asyncio.gather(*(slow() for _ in range(20)))
    assert all(s.startswith(b"HTTP/1.1 408") for s in statuses)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert len([r for r in caplog.records if r.getMessage() == "request.rejected"]) == 1
