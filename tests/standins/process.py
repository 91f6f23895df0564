"""The bot as a real process (`python -m bot`), configured only through its environment."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from tests.standins.servers import BOT_TOKEN, NEBULA_KEY, FakeNebula, FakeSlack
from tests.standins.slack_driver import SIGNING_SECRET


def clean_environ() -> dict[str, str]:
    """This machine's environment without any SLACK_*/NEBULA_* a developer may have set."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEBULA_"))}


def bot_env(slack: FakeSlack, nebula: FakeNebula | str, state: Path, **extra: str) -> dict[str, str]:
    """The environment a user would set to point the bot at the stand-ins (HTTP mode, Alice allowed).
    `nebula` is a stand-in in this process or the API URL of one elsewhere (its key set in `extra`)."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "SLACK_RESPONSE_URL_PREFIXES": slack.url + "/response/",
        "NEBULA_API_URL": nebula if isinstance(nebula, str) else nebula.api_url,
        "NEBULA_API_KEY": NEBULA_KEY,
        "NEBULA_BOT_STATE_URL": f"sqlite:///{state}",
        "NEBULA_BOT_ALLOWED_USERS": "U0ALICE",
        # The stand-in Slack takes any pace (a benchmark's 200 confirmations in one channel would
        # otherwise be paced at Slack's one a second).
        "SLACK_POST_PACE": "0",
    } | extra


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_until_listening(session: aiohttp.ClientSession, port: int) -> None:
    """Wait until a bot process answers on `port` (a 401 to an unsigned request is an answer)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            async with session.post(f"http://127.0.0.1:{port}/slack/events", data="") as response:
                if response.status in (401, 404, 200):
                    return
        except aiohttp.ClientError:
            await asyncio.sleep(0.05)
    raise TimeoutError("subject did not start")


LINE_LIMIT = 16 * 1024 * 1024


class BotProcess:
    """Starts `python -m bot`, collects its JSON log lines, and answers questions about it."""

    def __init__(self, env: dict[str, str], cwd: Path, *args: str) -> None:
        self.args = args  # a subcommand (`watch`), or none: the bot
        # Port 0: the bot binds a free port itself and says which in its `bot.ready` line. (A port picked
        # here and bound there could be taken in between by another test's process.)
        self.env = clean_environ() | {"NEBULA_BOT_PORT": "0"} | env | {"NEBULA_BOT_HOST": "127.0.0.1"}
        given = int(self.env["NEBULA_BOT_PORT"])
        self.port: int | None = given or None
        self.cwd = cwd
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *self.args,
            env=self.env,
            cwd=self.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            # A DEBUG line can be long (a payload): past the reader's limit the reading would stop, the
            # pipe fill, and the bot block on its next log line.
            limit=LINE_LIMIT,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        """Every line the bot writes, for as long as it writes: the pipe is never left to fill."""
        assert self.proc is not None
        assert self.proc.stdout is not None
        while True:
            try:
                line = await self.proc.stdout.readline()
            except ValueError:  # longer than LINE_LIMIT: kept cut, and the reading goes on
                line = await self.proc.stdout.read(LINE_LIMIT)
            if not line:
                return
            self.lines.append(line.decode(errors="replace").rstrip("\n"))
            if self.port is None and b"bot.ready" in line:  # a JSON line, or text: `port=43117`
                found = re.search(rb'"?port"?[=:] ?(\d+)', line)
                self.port = int(found[1]) if found else None

    def events(self) -> list[dict[str, Any]]:
        parsed = []
        for line in self.lines:
            try:
                parsed.append(json.loads(line))
            except ValueError:
                continue
        return parsed

    def logged(self, event: str) -> bool:
        return any(entry.get("event") == event for entry in self.events())

    async def health(self, session: aiohttp.ClientSession) -> int | None:
        if self.port is None:  # not listening yet
            return None
        try:
            async with session.get(f"{self.url}/healthz") as response:
                return response.status
        except aiohttp.ClientError:
            return None

    @property
    def returncode(self) -> int | None:
        assert self.proc is not None
        return self.proc.returncode

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    async def wait(self, within: float = 30) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), within)
        if self._reader is not None:
            await self._reader
        return code

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            await self._reader
