"""A watcher nobody can forget (issue #33.3): with the watcher apart and no `nebula-bot watch` running,
the bots see it in the store's cycle claims, /healthz says so (degraded), one line is posted in the
watch channel, `check` says it; and all of it clears when cycles resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.domain.records import Silence
from tests.conftest import Cli
from tests.helpers import shown
from tests.standins.process import bot_env
from tests.standins.stack import Stack, eventually_async, records_of

WATCH = "C0WATCH"


async def health(session: aiohttp.ClientSession, port: int) -> tuple[int, dict[str, Any]]:
    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, await response.json()


def silences(stack: Stack) -> list[str]:
    return [shown(m.body) for m in stack.slack.messages if m.channel == WATCH and "watcher" in shown(m.body)]


async def test_no_watcher_for_two_intervals_is_said_once_and_clears_when_cycles_resume(
    http_stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack = http_stack
    settings = {
        "nebula_bot_watcher": "apart",
        "nebula_bot_watch_interval": "5s",
        "nebula_bot_watch_channel": WATCH,
    }
    bot, _ = await stack.start_bot(**settings)
    replica, _ = await stack.start_bot(**settings)
    await bot.look_after_watchers()
    assert await health(stack.session, bot.port) == (200, {"status": "ok", "mode": "http"})

    stack.clock.advance(11)  # two intervals and a second, and no cycle: nobody runs `nebula-bot watch`
    for runtime in (bot, replica, bot):
        await runtime.look_after_watchers()

    async def said_and_kept() -> bool:
        # Whichever look got there first (each process also looks by itself every few seconds) posts
        # the line and then keeps its ts, for the edit when cycles resume.
        kept = [json.loads(record) for record in (await records_of(bot, Silence.KIND)).values()]
        return len(silences(stack)) == 1 and [record.get("message_ts") is not None for record in kept] == [
            True
        ]

    await eventually_async(said_and_kept, seen=lambda: (silences(stack), stack.slack.messages[-3:]))
    status, body = await health(stack.session, bot.port)
    assert (status, body["status"]) == (200, "degraded")  # still serving requests
    assert "no watcher cycle" in body["problems"]["watcher:default"]
    assert "nebula-bot watch" in body["reason"]
    [said] = silences(stack)  # once, whichever replica got there first
    assert "has run no cycle since" in said
    assert "is `nebula-bot watch` running?" in said
    warned = [r for r in caplog.records if r.getMessage() == "watcher:default.unhealthy"]
    assert len(warned) == 2  # once per process, not once per look

    restarted, _ = await stack.start_bot(**settings)  # a bot that just started: young, but no cycle ran
    await restarted.look_after_watchers()
    assert [said] == silences(stack), "only a cycle ends the silence"

    assert bot.core is not None
    await bot.core.tick()  # a watcher runs a cycle again
    await bot.look_after_watchers()
    assert await health(stack.session, bot.port) == (200, {"status": "ok", "mode": "http"})
    [back] = silences(stack)  # the same line, now saying so
    assert "runs again" in back


async def test_check_says_when_no_watcher_has_run(cli: Cli, http_stack: Stack, tmp_path: Path) -> None:
    stack = http_stack
    env = bot_env(stack.slack, stack.nebula, stack.state, NEBULA_BOT_WATCHER="apart")
    await stack.start_bot(nebula_bot_watcher="apart")
    _, out, _ = await cli.run_async("check", env=env)
    [line] = [line for line in out.splitlines() if line.split()[1] == "cycles"]
    assert line.startswith("warn")
    assert "no watcher cycle recorded yet (NEBULA_BOT_WATCHER=apart: is `nebula-bot watch` running?)" in line
