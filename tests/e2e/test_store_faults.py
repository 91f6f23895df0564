"""The store under faults: durability of claims, visible health, replays, limits, outcomes never lost."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.domain.confirmation import State
from bot.service.runtime import UnusableSetting
from tests.helpers import buttons, shown
from tests.standins.redis_server import RedisServer
from tests.standins.slack_driver import command_form
from tests.standins.stack import ALICE, INSTANCE, Stack, eventually, stored


# Tests name the Redis before the stack: fixtures are torn down in reverse, so the bot stops while
# its Redis still runs (otherwise its last sweep waits out the client's reconnect back-off).
@pytest.fixture
def volatile_redis(own_redis: Callable[..., RedisServer]) -> RedisServer:
    return own_redis(appendonly=False)


@pytest.fixture
def durable_redis(own_redis: Callable[..., RedisServer]) -> RedisServer:
    return own_redis(appendonly=True)


async def test_a_redis_without_aof_is_refused_unless_allowed(
    volatile_redis: RedisServer, http_stack: Stack
) -> None:
    with pytest.raises(UnusableSetting) as refused:
        await http_stack.start_bot(nebula_bot_state_url=volatile_redis.url)
    message = str(refused.value)
    assert "NEBULA_BOT_STATE_URL" in message
    assert "appendonly yes" in message
    assert "NEBULA_BOT_ALLOW_VOLATILE_REDIS" in message
    assert "\n" not in message
    await http_stack.start_bot(nebula_bot_state_url=volatile_redis.url, nebula_bot_allow_volatile_redis=True)


async def test_a_claim_survives_a_redis_kill_and_is_never_run_twice(
    durable_redis: RedisServer, http_stack: Stack
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.nebula.hold_deletes = True
    _, driver = await stack.start_bot(nebula_bot_state_url=durable_redis.url)
    cid = await stack.request(driver, text=f"reboot {INSTANCE}")
    await driver.click(ALICE, "nebula_confirm", cid)
    await eventually(lambda: len(stack.nebula.changes()) == 1)

    durable_redis.kill()  # SIGKILL, right after the claim
    await asyncio.to_thread(durable_redis.restart)
    stack.nebula.release.set()

    [again] = await stack.click(driver, ALICE, cid)
    assert "already confirmed" in shown(again) or "already carried out" in shown(again)
    assert len(stack.nebula.changes()) == 1


async def test_the_first_request_after_a_redis_restart_succeeds(
    durable_redis: RedisServer, http_stack: Stack
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_state_url=durable_redis.url)
    cid = await stack.request(driver)
    await asyncio.to_thread(durable_redis.restart)

    outcome = await stack.confirm(driver, cid)

    assert "Instances deleted successfully" in shown(outcome)
    assert len(stack.nebula.deletes()) == 1


async def health(session: aiohttp.ClientSession, port: int) -> tuple[int, dict[str, Any]]:
    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, await response.json()


@pytest.mark.parametrize("fault", ["folder deleted", "file read-only"])
async def test_healthz_says_when_the_store_cannot_be_written(
    http_stack: Stack, tmp_path: Path, fault: str
) -> None:
    stack = http_stack
    folder = tmp_path / "state"
    folder.mkdir()
    stack.nebula.add(INSTANCE)
    bot, driver = await stack.start_bot(nebula_bot_state_url=f"sqlite:///{folder / 's.sqlite3'}")
    assert (await health(stack.session, bot.port))[0] == 200

    if fault == "folder deleted":
        # Moved away first, in one step: the bot's background writers may create a journal in it
        # between listing its files and removing it (seen under load). Nothing is created in it after.
        gone = folder.rename(tmp_path / "gone")
        shutil.rmtree(gone)
    else:
        for path in folder.iterdir():
            path.chmod(0o444)
        folder.chmod(0o555)
    try:
        await bot.probe_store()
        status, body = await health(stack.session, bot.port)
        assert status == 503
        assert body["status"] == "unhealthy"
        assert "store" in body["reason"]
        # Nor is a new request taken that the store could not keep after a restart: said in the ack.
        ack, url = await driver.command(ALICE, f"delete {INSTANCE}")
        assert "cannot take new requests right now" in shown(ack.body)
        assert not buttons(ack.body)
        assert stack.slack.posts_to(url) == []
    finally:
        if folder.exists():
            folder.chmod(0o755)
            for path in folder.iterdir():
                path.chmod(0o644)


@pytest.mark.parametrize(
    ("state", "says"),
    [
        ("corrupt", "is not a SQLite database"),
        ("no/such/dir/x.sqlite3", "does not exist"),
    ],
)
async def test_an_unusable_sqlite_store_stops_the_start_with_one_line(
    http_stack: Stack, tmp_path: Path, state: str, says: str
) -> None:
    path = tmp_path / state
    if state == "corrupt":
        path.write_bytes(b"this is not a database, it is a text file" * 100)
    with pytest.raises(UnusableSetting) as refused:
        await http_stack.start_bot(nebula_bot_state_url=f"sqlite:///{path}")
    assert says in str(refused.value)
    assert str(refused.value).startswith("NEBULA_BOT_STATE_URL")


async def test_a_replayed_command_makes_one_confirmation(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    url = stack.slack.new_response_url()
    body = urlencode(command_form(ALICE, f"delete {INSTANCE}", url))

    first, second = await asyncio.gather(driver.post_signed(body), driver.post_signed(body))

    assert first.status == second.status == 200
    await eventually(lambda: len(stack.slack.messages) == 1)
    assert len(stack.nebula.calls) == 1, "one lookup: the replay did nothing"
    assert len(stack.slack.messages) == 1, "one confirmation"


async def test_pending_confirmations_per_user_are_limited(http_stack: Stack) -> None:
    stack = http_stack
    ids = [f"gpu-{n}" for n in range(10)]
    for iid in ids:
        stack.nebula.add(iid)
    _, driver = await stack.start_bot(nebula_bot_max_pending_per_user=2)

    replies = await asyncio.gather(*(stack.reply(driver, ALICE, "delete " + " ".join(ids)) for _ in range(6)))

    asked = [message for message, _ in replies if buttons(message)]
    refused = [message for message, _ in replies if "You already have 2 requests waiting" in shown(message)]
    assert (len(asked), len(refused)) == (2, 4)
    looked_up = [c for c in stack.nebula.calls if "/computing/instance/" in c.path]
    assert len(looked_up) == 20, "lookups for the two accepted requests only"
    # The ids are not written as Nebula writes them, so each request reads the fleet to resolve them
    # (requests at the same moment share one read).
    assert len(stack.nebula.calls) - len(looked_up) <= 6


async def test_an_outcome_is_posted_while_the_store_is_locked_and_recorded_after(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)
    stack.nebula.hold_deletes = True
    await driver.click(ALICE, "nebula_confirm", cid)
    await eventually(lambda: len(stack.nebula.deletes()) == 1)
    ts = stack._carrier(cid)

    # Another process takes the write lock while Nebula answers.
    locker = sqlite3.connect(stack.state, timeout=1, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    stack.nebula.release.set()
    try:
        # Nebula's real answer reaches the channel although the store cannot record it yet.
        await eventually(lambda: bool(stack.slack.thread(ts)), within=40)
        assert "Instances deleted successfully" in shown(stack.slack.thread(ts)[0].body)
        assert "unknown" not in shown(stack.slack.thread(ts)[0].body)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    bot = stack.bots[0]
    assert bot.core is not None
    assert (await bot.core.sweep()).unsaved == 0
    entry = await stored(f"sqlite:///{stack.state}", cid)
    assert entry is not None
    assert entry.state is State.DONE
    assert "Instances deleted successfully" in entry.outcomes[0].message


async def test_a_slow_slack_does_not_hold_the_delete_up(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)
    stack.slack.hold_responses = True  # "Deleting…" cannot be posted

    await driver.click(ALICE, "nebula_confirm", cid)

    await eventually(lambda: len(stack.nebula.deletes()) == 1)
    stack.slack.release.set()


async def test_a_web_api_answering_html_is_an_error_text_not_a_crash(
    http_stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.slack.response_status = 404  # response_url refused: the Web API fallback is tried
    stack.slack.garbage_web_api = True  # and it answers an HTML page
    _, driver = await stack.start_bot()

    await driver.command(ALICE, f"delete {INSTANCE}")

    def failed_replies() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.getMessage() == "slack.reply_failed"]

    await eventually(lambda: bool(failed_replies()))
    assert "Web API fallback failed: HTTP 502" in str(failed_replies()[0].__dict__["error"])
    assert not [r for r in caplog.records if r.getMessage() == "flow.failed"], "no internal error"


async def test_a_busy_store_is_said_at_once_and_recovers_with_the_first_write(http_stack: Stack) -> None:
    # Another process holds SQLite's write lock (issue #33.4): a request is answered honestly within
    # Slack's seconds, /healthz says the store is busy (degraded, not broken), and the first write that
    # gets through after the lock is released makes everything well again at once.
    stack = http_stack
    stack.nebula.add(INSTANCE)
    bot, driver = await stack.start_bot()
    locker = sqlite3.connect(stack.state, timeout=1, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        started = asyncio.get_running_loop().time()
        reply, _ = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
        assert asyncio.get_running_loop().time() - started < 3.0  # Slack's three seconds
        assert "store is busy just now" in shown(reply)
        assert not buttons(reply)
        await bot.probe_store()
        status, body = await health(stack.session, bot.port)
        assert (status, body["status"]) == (200, "degraded")
        assert "busy" in body["reason"]
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    # No wait for the next probe: the next request's own write gets through, and the store is well.
    asked, _ = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    assert buttons(asked)
    await bot.probe_store()
    assert await health(stack.session, bot.port) == (200, {"status": "ok", "mode": "http"})


async def test_a_bot_started_on_a_store_it_cannot_write_is_unhealthy_from_the_start(
    http_stack: Stack, tmp_path: Path
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    state = folder / "s.sqlite3"
    first, _ = await http_stack.start_bot(nebula_bot_state_url=f"sqlite:///{state}")
    await http_stack.stop_bot(first)  # the files exist; now nobody may write them
    for path in folder.iterdir():
        path.chmod(0o444)
    folder.chmod(0o555)
    try:
        bot, driver = await http_stack.start_bot(nebula_bot_state_url=f"sqlite:///{state}")
        status, body = await health(http_stack.session, bot.port)
        assert (status, body["status"]) == (503, "unhealthy")
        assert "cannot be written" in body["problems"]["store:default"]
        ack, _ = await driver.command(ALICE, f"delete {INSTANCE}")
        assert "cannot take new requests right now" in shown(ack.body)
    finally:
        folder.chmod(0o755)
        for path in folder.iterdir():
            path.chmod(0o644)
