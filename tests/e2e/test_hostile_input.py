"""Forged controls, echoed secrets and oversized answers: each fails closed and politely."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from aiohttp import web

from bot.infra.logs import JsonFormatter
from bot.nebula.wire import MAX_ANSWER_BYTES
from bot.slack.messages import action_ids
from bot.store import open_store
from tests.helpers import shown
from tests.standins.servers import NEBULA_KEY, LoopbackServer, Scripted
from tests.standins.slack_driver import command_form
from tests.standins.stack import ALICE, INSTANCE, Stack, eventually


@pytest.mark.parametrize("value", ["²", "-1", "1e9", "99999999", "", "0x10", " 40", "\uff14\uff10"])
async def test_a_forged_more_button_is_answered_politely(http_stack: Stack, value: str) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    [reply] = await stack.click(driver, ALICE, value, action_ids.LIST_MORE)
    assert "not one the bot offered" in shown(reply)
    assert stack.nebula.calls == []


@pytest.mark.parametrize("value", ["", "x" * 3000, "../../x", "<!channel>", "\u202e"])
async def test_forged_decision_values_change_nothing(http_stack: Stack, value: str) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    for action in (action_ids.CONFIRM, action_ids.CANCEL):
        [reply] = await stack.click(driver, ALICE, value, action)
        assert "unknown to the bot" in shown(reply)
    assert stack.nebula.calls == []


async def test_a_key_nebula_echoes_reaches_no_message_log_or_audit(
    http_stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    echo = f"Invalid token: Bearer {NEBULA_KEY} (key {NEBULA_KEY})"
    stack.nebula.delete = Scripted(401, json.dumps({"status": "failed", "message": echo}))
    caplog.set_level(logging.DEBUG)
    _, driver = await stack.start_bot()

    outcome = await stack.confirm(driver, await stack.request(driver))

    assert "check NEBULA_API_KEY" in shown(outcome)
    assert "[redacted]" in shown(outcome)
    everything = shown({"posts": [p.body for p in stack.slack.posted], "web": stack.slack.web_posts})
    assert NEBULA_KEY not in everything
    store = await open_store(f"sqlite:///{stack.state}")
    try:
        trail = json.dumps([record.message for record in await store.recent(50)])
    finally:
        await store.close()
    assert NEBULA_KEY not in trail
    # What the bot would write to stderr: its own formatter over every record of this run.
    emitted = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert "delete.executed" in emitted
    assert NEBULA_KEY not in emitted


async def test_an_answer_too_large_to_read_is_a_failure_with_a_clear_word(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.nebula.detail = Scripted(200, '{"data": [' + " " * (MAX_ANSWER_BYTES + 10) + "]}")
    _, driver = await stack.start_bot()
    reply, _ = await stack.reply(driver, ALICE, f"show {INSTANCE}")
    assert "a body too large to read" in shown(reply)


@pytest.fixture
async def internal() -> AsyncIterator[LoopbackServer]:
    """An address inside the network that nothing from Slack should ever make the bot call."""
    server = LoopbackServer()
    server.hits = 0  # type: ignore[attr-defined]

    async def admin(request: web.Request) -> web.Response:
        server.hits += 1  # type: ignore[attr-defined]
        return web.Response(text="x" * 50_000_000)

    server.web_app.router.add_route("*", "/internal/admin", admin)
    await server.start()
    yield server
    await server.stop()


async def test_a_response_url_outside_slack_is_never_called(
    http_stack: Stack, internal: LoopbackServer
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    bot, driver = await stack.start_bot()
    evil = f"{internal.url}/internal/admin"

    ack = await driver.post_signed(urlencode(command_form(ALICE, f"delete {INSTANCE}", evil)))
    assert ack.status == 200
    await eventually(lambda: len(stack.slack.chat("chat.postMessage")) == 1)
    await eventually(lambda: bot.inflight.count == 0)  # the message's ts is stored: expiry can edit it
    stack.clock.advance(601)  # expiry edits the posted message, and never reaches for the stored response_url
    assert bot.core is not None
    assert (await bot.core.sweep()).expired == 1  # the sweeper's next pass, without waiting for it
    await eventually(lambda: len(stack.slack.chat("chat.update")) == 1)

    assert internal.hits == 0  # type: ignore[attr-defined]


async def test_a_redirect_from_a_response_url_is_not_followed(
    http_stack: Stack, internal: LoopbackServer
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.slack.redirect_responses_to = f"{internal.url}/internal/admin"
    _, driver = await stack.start_bot()
    await driver.command(ALICE, f"delete {INSTANCE}")
    await eventually(lambda: len(stack.slack.chat("chat.postMessage")) == 1)
    assert internal.hits == 0  # type: ignore[attr-defined]
