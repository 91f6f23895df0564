"""Socket Mode: one connection at start-up, and /healthz that tells when the socket is gone."""

from __future__ import annotations

import pytest

from bot.service import socket
from tests.standins.stack import Stack, eventually_async


async def health_of(stack: Stack, port: int) -> tuple[int, str]:
    async with stack.session.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, (await response.json()).get("reason", "")


async def test_the_socket_is_opened_once_and_healthz_follows_it(
    slack_socket_stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = slack_socket_stack
    monkeypatch.setattr(socket, "CHECK_INTERVAL", 0.05)
    monkeypatch.setattr(socket, "DOWN_AFTER", 0.3)
    monkeypatch.setattr(socket, "PING_INTERVAL", 0.3)
    bot, _ = await stack.start_bot()
    assert stack.slack.api_calls.count("apps.connections.open") == 1
    assert (await health_of(stack, bot.port))[0] == 200

    stack.slack.app_token_revoked = True
    await stack.slack.drop_sockets()

    async def unhealthy() -> bool:
        status, reason = await health_of(stack, bot.port)
        return status == 503 and "no Socket Mode connection" in reason

    await eventually_async(unhealthy)

    stack.slack.app_token_revoked = False

    async def healthy() -> bool:
        return (await health_of(stack, bot.port))[0] == 200

    await eventually_async(healthy)
    assert stack.slack.socket_connected
