"""Fixtures: stand-in servers, a bot configured against them, and a Slack driver for each mode."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis

from bot.runtime import BotRuntime
from bot.settings import Settings
from tests.standins.redis_server import RedisServer
from tests.standins.servers import APP_TOKEN, BOT_TOKEN, NEBULA_KEY, FakeNebula, FakeSlack
from tests.standins.slack_driver import SIGNING_SECRET, Driver

ALICE = "U0ALICE"
BOB = "U0BOB"
INSTANCE = "102cade84ea-e703-4400-b77d-8ed545d198ee"


def posts(stack: Stack, url: str, count: int) -> Callable[[], bool]:
    """A condition: `count` messages have been posted to `url`."""
    return lambda: len(stack.slack.posts_to(url)) == count


async def eventually(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Poll `condition` until it holds; fail the test if it does not within `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


async def eventually_async(condition: Callable[[], Awaitable[bool]], within: float = 20.0) -> None:
    """Like `eventually`, for conditions that need I/O to check (a health endpoint, say)."""
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


class FakeClock:
    """The bot's notion of now, which a test can move forward instead of sleeping."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer's SLACK_*/NEBULA_* variables or .env file may leak into a test."""
    import os

    for name in list(os.environ):
        if name.startswith(("SLACK_", "NEBULA_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """A real, empty Redis database for one test."""
    with redis.Redis.from_url(redis_server.url) as client:
        client.flushdb()
        yield redis_server.url
        client.flushdb()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def nebula() -> AsyncIterator[FakeNebula]:
    server = FakeNebula()
    await server.start()
    yield server
    server.release.set()
    await server.stop()


def bot_settings(slack: FakeSlack, nebula: FakeNebula, state: Path, mode: str, **overrides: Any) -> Settings:
    """Settings pointing the bot at the stand-ins, as a user would set them in the environment."""
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "nebula_api_url": nebula.api_url,
        "nebula_api_key": NEBULA_KEY,
        "nebula_api_timeout": 2.0,
        "nebula_bot_host": "127.0.0.1",
        "nebula_bot_port": 0,
        "nebula_bot_state_url": f"sqlite:///{state}",
        "nebula_bot_allowed_users": f"{ALICE},{BOB}",
    }
    if mode == "socket":
        values["slack_app_token"] = APP_TOKEN
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Stack:
    """The stand-ins, a way to start bots against them, and a driver per running bot."""

    mode: str
    slack: FakeSlack
    nebula: FakeNebula
    state: Path
    session: aiohttp.ClientSession
    clock: FakeClock = field(default_factory=FakeClock)
    bots: list[BotRuntime] = field(default_factory=list)

    async def start_bot(self, **overrides: Any) -> tuple[BotRuntime, Driver]:
        runtime = BotRuntime(
            bot_settings(self.slack, self.nebula, self.state, self.mode, **overrides), self.clock
        )
        await runtime.start()
        self.bots.append(runtime)
        return runtime, self.driver_for(runtime)

    def driver_for(self, runtime: BotRuntime) -> Driver:
        return Driver(self.mode, self.slack, f"http://127.0.0.1:{runtime.port}", self.session, eventually)

    async def stop_bot(self, runtime: BotRuntime) -> None:
        self.bots.remove(runtime)
        await runtime.stop()


@pytest.fixture(params=["http", "socket"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def stack(mode: str, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path) -> AsyncIterator[Stack]:
    async with aiohttp.ClientSession() as session:
        result = Stack(mode, slack, nebula, tmp_path / "state.sqlite3", session)
        yield result
        for runtime in list(result.bots):
            await result.stop_bot(runtime)


@pytest.fixture
async def http_stack(slack: FakeSlack, nebula: FakeNebula, tmp_path: Path) -> AsyncIterator[Stack]:
    async with aiohttp.ClientSession() as session:
        result = Stack("http", slack, nebula, tmp_path / "state.sqlite3", session)
        yield result
        for runtime in list(result.bots):
            await result.stop_bot(runtime)
