"""Fixtures: stand-in servers, a bot configured against them, and a real redis-server."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import redis
from hypothesis import HealthCheck, settings

from bot.cli.main import main
from tests.standins.redis_server import RedisServer
from tests.standins.servers import FakeNebula, FakeSlack
from tests.standins.stack import Stack

# The suite starts some forty Python processes (workers, the bot, the shell) on the same sources: with
# PYTHONDONTWRITEBYTECODE set, as some machines and CI images do, each compiles bot/ and the tests
# again, which costs about a seventh of the suite's time. Cached bytecode is Python's default anyway.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

# Property tests judge the code, never the machine's pace: no deadline per example, and no health check
# on how fast examples are made (on a loaded machine both fail tests that are right).
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


# The longest tests first (mypy, ruff, then the real processes): both xdist workers then end at about
# the same time, instead of one starting mypy's cold six seconds when the other has nothing left.
_FIRST: tuple[str, ...] = ("tests/test_code_quality.py", "tests/process/")


# Each folder is a layer of the suite, marked so that one can be run alone (`pytest -m unit`).
_LAYERS: tuple[tuple[str, str], ...] = (
    ("tests/unit/", "unit"),
    ("tests/service/", "service"),
    ("tests/e2e/", "e2e"),
    ("tests/process/", "process"),
    ("tests/test_code_quality.py", "lint"),
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid
        return next((i for i, prefix in enumerate(_FIRST) if path.startswith(prefix)), len(_FIRST))

    for item in items:
        for prefix, layer in _LAYERS:
            if item.nodeid.startswith(prefix):
                item.add_marker(layer)
    items.sort(key=rank)  # stable: the order within each group stays as collected


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer's SLACK_*/NEBULA_* variables or .env file may leak into a test."""
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
def own_redis(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """Starts redis-servers of the test's own (to kill, restart or configure); all stopped after it."""
    started: list[RedisServer] = []

    def start(*, appendonly: bool = True) -> RedisServer:
        folder = tmp_path / f"redis-{len(started)}"
        folder.mkdir()
        started.append(RedisServer(folder, appendonly=appendonly))
        return started[-1]

    yield start
    for server in started:
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
    server.release.set()
    await server.stop()
    assert not server.rejected, f"Slack would have refused: {server.rejected[:3]}"


@pytest.fixture
async def nebula() -> AsyncIterator[FakeNebula]:
    server = FakeNebula()
    await server.start()
    yield server
    server.release.set()
    await server.stop()


@pytest.fixture(params=["http", "socket"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@asynccontextmanager
async def running_stack(
    mode: str, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> AsyncIterator[Stack]:
    """A Stack in `mode` whose bots are all stopped when the test is done."""
    async with aiohttp.ClientSession() as session:
        result = Stack(mode, slack, nebula, tmp_path / "state.sqlite3", session)
        yield result
        for runtime in list(result.bots):
            await result.stop_bot(runtime)


@pytest.fixture
async def stack(mode: str, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(mode, slack, nebula, tmp_path) as result:
        yield result


@pytest.fixture
async def slack_socket_stack(slack: FakeSlack, nebula: FakeNebula, tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack("socket", slack, nebula, tmp_path) as result:
        yield result


@pytest.fixture
async def http_stack(slack: FakeSlack, nebula: FakeNebula, tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack("http", slack, nebula, tmp_path) as result:
        yield result


@dataclass
class Cli:
    """`nebula-bot ARGS` run in this process, as `main(argv)`, with its output captured."""

    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def run(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Exit code, stdout and stderr of one command; `env` is added to the (cleaned) environment."""
        for name, value in (env or {}).items():
            self.monkeypatch.setenv(name, value)
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    async def run_async(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        """`run` on a thread: main() runs its own event loop while this one keeps serving stand-ins."""
        return await asyncio.to_thread(self.run, *args, env=env)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(monkeypatch, capsys)
