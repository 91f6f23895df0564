"""The bot as users run it: `python -m bot`, configured by environment, stopped by signals."""

from __future__ import annotations

import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.domain.confirmation import State, Status
from bot.slack.messages import action_ids
from tests.helpers import confirmation_id, shown
from tests.standins.process import BotProcess, bot_env
from tests.standins.servers import APP_TOKEN, BOT_TOKEN, INSTANCE_PASSWORD, NEBULA_KEY, FakeNebula, FakeSlack
from tests.standins.slack_driver import SIGNING_SECRET, Driver
from tests.standins.stack import ALICE, INSTANCE, eventually, eventually_async, stored


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def processes() -> AsyncIterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        await process.kill()


async def start_process(
    processes: list[BotProcess], env: dict[str, str], cwd: Path, session: aiohttp.ClientSession, *args: str
) -> BotProcess:
    process = BotProcess(env, cwd, *args)
    processes.append(process)
    await process.start()

    async def healthy() -> bool:
        assert process.returncode is None, "\n".join(process.lines)
        return await process.health(session) == 200

    await eventually_async(healthy)
    return process


async def request_and_click(slack: FakeSlack, driver: Driver, bot: BotProcess) -> tuple[str, str]:
    """Ask for a delete, click its confirm button; the confirmation's id and the ts of its message."""
    before = len(slack.messages)
    ack, url = await driver.command(ALICE, f"delete {INSTANCE}")

    def seen() -> object:  # what the failure says: the ack, what Slack got, the bot's last lines
        return ack, slack.posts_to(url), slack.api_calls, bot.lines[-20:]

    await eventually(lambda: len(slack.messages) > before, seen=seen)
    posted = slack.messages[before]
    cid = confirmation_id(posted.body)
    await driver.click(ALICE, action_ids.CONFIRM, cid)
    return cid, posted.ts


def outcome(slack: FakeSlack, ts: str) -> str:
    """The outcome posted in the confirmation's thread, as a person reads it."""
    return shown(slack.thread(ts)[-1].body)


async def test_sigterm_lets_an_in_flight_delete_finish_then_exits_0(
    slack: FakeSlack,
    nebula: FakeNebula,
    tmp_path: Path,
    session: aiohttp.ClientSession,
    processes: list[BotProcess],
) -> None:
    nebula.add(INSTANCE)
    nebula.hold_deletes = True
    bot = await start_process(processes, bot_env(slack, nebula, tmp_path / "s.sqlite3"), tmp_path, session)
    driver = Driver("http", slack, bot.url, session, eventually)
    _, ts = await request_and_click(slack, driver, bot)
    await eventually(lambda: len(nebula.deletes()) == 1)

    bot.signal(signal.SIGTERM)
    await eventually(lambda: bot.logged("bot.stopping"))
    assert bot.returncode is None, "must wait for the DELETE in flight"
    nebula.release.set()

    assert await bot.wait() == 0
    assert "Instances deleted successfully" in outcome(slack, ts)
    assert bot.logged("bot.stopped")
    assert len(nebula.deletes()) == 1


async def test_crash_between_claim_and_outcome_never_deletes_twice(
    slack: FakeSlack,
    nebula: FakeNebula,
    tmp_path: Path,
    session: aiohttp.ClientSession,
    processes: list[BotProcess],
) -> None:
    nebula.add(INSTANCE)
    nebula.hold_deletes = True
    env = bot_env(slack, nebula, tmp_path / "s.sqlite3")
    first = await start_process(processes, env, tmp_path, session)
    cid, _ = await request_and_click(slack, Driver("http", slack, first.url, session, eventually), first)
    await eventually(lambda: len(nebula.deletes()) == 1)

    await first.kill()  # SIGKILL: no drain, no outcome recorded
    nebula.release.set()
    second = await start_process(processes, env, tmp_path, session)
    driver = Driver("http", slack, second.url, session, eventually)
    for _ in range(3):
        _, url = await driver.click(ALICE, action_ids.CONFIRM, cid)
        await eventually(lambda url=url: len(slack.posts_to(url)) == 1)  # type: ignore[misc]
        assert "already confirmed" in shown(slack.posts_to(url)[0])
    assert len(nebula.deletes()) == 1


async def test_socket_mode_is_healthy_once_connected_and_stops_cleanly(
    slack: FakeSlack,
    nebula: FakeNebula,
    tmp_path: Path,
    session: aiohttp.ClientSession,
    processes: list[BotProcess],
) -> None:
    nebula.add(INSTANCE)
    env = bot_env(slack, nebula, tmp_path / "s.sqlite3", SLACK_APP_TOKEN=APP_TOKEN)
    del env["SLACK_SIGNING_SECRET"]
    bot = await start_process(processes, env, tmp_path, session)
    assert slack.socket_connected

    async with session.post(f"{bot.url}/slack/events", data="x") as response:
        assert response.status == 404, "Socket Mode serves no HTTP events endpoint"
    driver = Driver("socket", slack, bot.url, session, eventually)
    _, ts = await request_and_click(slack, driver, bot)
    await eventually(lambda: bool(slack.thread(ts)))

    bot.signal(signal.SIGTERM)
    assert await bot.wait() == 0
    assert len(nebula.deletes()) == 1
    secrets = (BOT_TOKEN, APP_TOKEN, NEBULA_KEY, SIGNING_SECRET)
    assert not [line for line in bot.lines if any(secret in line for secret in secrets)]


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-revoked", "Slack rejected SLACK_BOT_TOKEN (invalid_auth)"),
        ("SLACK_APP_TOKEN", "xapp-revoked", "Slack rejected SLACK_APP_TOKEN (invalid_auth)"),
    ],
)
async def test_a_rejected_token_fails_fast_with_a_clear_message(
    slack: FakeSlack,
    nebula: FakeNebula,
    tmp_path: Path,
    processes: list[BotProcess],
    setting: str,
    value: str,
    says: str,
) -> None:
    env = bot_env(slack, nebula, tmp_path / "s.sqlite3", **{setting: value})
    bot = BotProcess(env, tmp_path)
    processes.append(bot)
    await bot.start()
    assert await bot.wait() == 1
    output = "\n".join(bot.lines)
    assert says in output
    assert "Traceback" not in output


async def test_debug_logs_hold_no_secret_and_the_store_no_password(
    slack: FakeSlack,
    nebula: FakeNebula,
    tmp_path: Path,
    session: aiohttp.ClientSession,
    processes: list[BotProcess],
) -> None:
    nebula.add(INSTANCE)
    nebula.hold_deletes = True
    state = tmp_path / "s.sqlite3"
    bot = await start_process(
        processes, bot_env(slack, nebula, state, NEBULA_BOT_LOG_LEVEL="DEBUG"), tmp_path, session
    )
    driver = Driver("http", slack, bot.url, session, eventually)
    await request_and_click(slack, driver, bot)
    await eventually(lambda: len(nebula.deletes()) == 1)

    bot.signal(signal.SIGTERM)
    await eventually(lambda: bot.logged("bot.stopping"))
    # While draining, a new request is turned away and never reaches Nebula.
    refused = await driver.command(ALICE, f"delete {INSTANCE}")
    assert refused[0].status == 503
    nebula.release.set()
    assert await bot.wait() == 0
    assert [c.method for c in nebula.calls] == ["GET", "DELETE"]

    assert any(entry["level"] == "debug" for entry in bot.events()), "DEBUG logging was not on"
    secrets = (BOT_TOKEN, NEBULA_KEY, SIGNING_SECRET, INSTANCE_PASSWORD)
    leaks = [line for line in bot.lines if any(secret in line for secret in secrets)]
    assert not leaks, leaks[:3]
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("s.sqlite3*"))  # noqa: ASYNC240 - test-only
    assert INSTANCE.encode() in stored
    assert INSTANCE_PASSWORD.encode() not in stored
    assert NEBULA_KEY.encode() not in stored


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_log_format_text_or_json_and_the_key_never_logged(
    slack: FakeSlack,
    nebula: FakeNebula,
    tmp_path: Path,
    session: aiohttp.ClientSession,
    processes: list[BotProcess],
    fmt: str,
) -> None:
    key = "ak_wrong_key_x"
    env = bot_env(slack, nebula, tmp_path / "s.sqlite3", NEBULA_BOT_LOG_FORMAT=fmt, NEBULA_API_KEY=key)
    bot = await start_process(processes, env, tmp_path, session)
    # The key must travel (to Nebula, which rejects it) for its absence from the log to mean anything.
    driver = Driver("http", slack, bot.url, session, eventually)
    _, url = await driver.command(ALICE, "list")
    await eventually(lambda: len(slack.posts_to(url)) == 1)
    assert "check NEBULA_API_KEY" in shown(slack.posts_to(url)[0])
    assert [call.authorization for call in nebula.calls] == [f"Bearer {key}"]
    bot.signal(signal.SIGTERM)
    assert await bot.wait() == 0

    [ready] = [line for line in bot.lines if "bot.ready" in line]
    if fmt == "json":
        assert json.loads(ready)["event"] == "bot.ready"
    else:
        assert " INFO    bot.ready mode=http workspace=T0TEAM " in ready
    assert any("list.failed" in line for line in bot.lines)
    assert key not in "\n".join(bot.lines)


async def test_a_change_nebula_has_not_answered_at_shutdown_is_reported_and_recorded(
    slack: FakeSlack,
    nebula: FakeNebula,
    tmp_path: Path,
    session: aiohttp.ClientSession,
    processes: list[BotProcess],
) -> None:
    nebula.add(INSTANCE)
    nebula.hold_deletes = True
    state = tmp_path / "s.sqlite3"
    env = bot_env(slack, nebula, state, NEBULA_BOT_DRAIN_TIMEOUT="1", NEBULA_API_TIMEOUT="60")
    bot = await start_process(processes, env, tmp_path, session)
    cid, ts = await request_and_click(slack, Driver("http", slack, bot.url, session, eventually), bot)
    await eventually(lambda: len(nebula.deletes()) == 1)

    bot.signal(signal.SIGTERM)

    assert await bot.wait() == 0
    output = "\n".join(bot.lines)
    assert "Session is closed" not in output
    assert "Traceback" not in output
    assert "the bot was stopping while Nebula had not answered" in outcome(slack, ts)
    entry = await stored(f"sqlite:///{state}", cid)
    assert entry is not None
    assert entry.state is State.DONE
    assert entry.outcomes[0].status is Status.UNKNOWN
    assert len(nebula.deletes()) == 1


async def test_the_watcher_apart_reminds_while_the_bot_only_serves_requests(
    processes: list[BotProcess], session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    slack, nebula = FakeSlack(), FakeNebula()
    await slack.start()
    await nebula.start()
    try:
        nebula.add(INSTANCE, host_name="forgotten-box")  # running for 12.5 hours
        env = bot_env(
            slack,
            nebula,
            tmp_path / "state.sqlite3",
            NEBULA_BOT_LOG_FORMAT="json",
            NEBULA_BOT_WATCHER="apart",
            NEBULA_BOT_WATCH_CHANNEL="C0WATCH",
            NEBULA_BOT_WATCH_INTERVAL="5s",
            NEBULA_BOT_REMIND_AFTER="1h",
        )
        bot = await start_process(processes, env, tmp_path, session)
        watcher = await start_process(processes, env, tmp_path, session, "watch")

        def reminders() -> list[str]:
            # (On a slow machine the watcher may start two intervals late: the bot then says so too.)
            said = [shown(m) for m in slack.chat("chat.postMessage", "C0WATCH")]
            return [text for text in said if "forgotten-box" in text]

        await eventually(lambda: bool(reminders()))
        [reminder] = reminders()
        assert "running for" in reminder
        await eventually(lambda: watcher.logged("watcher.cycle"))  # logged once the cycle ends
        assert not bot.logged("watcher.cycle")
        assert not bot.logged("watcher.skipped")  # it has no watcher, not one that lost the interval
        async with session.post(f"{watcher.url}/slack/events", data="") as answer:
            assert answer.status == 404  # the watcher's process takes nothing from Slack
        driver = Driver("http", slack, bot.url, session, eventually)
        ack, _ = await driver.command(ALICE, "help")
        assert ack.status == 200
        for process in (bot, watcher):
            process.signal(signal.SIGTERM)
            assert await process.wait() == 0
    finally:
        await slack.stop()
        await nebula.stop()
