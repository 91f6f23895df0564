"""Stand-in Nebulas in a process of their own, so that serving a large fleet costs the bench nothing.

    python bench/nebula_apart.py --teams 10 -n 1000 --latency 0.05 [--running 1.0]

Starts one stand-in Nebula per team (each with its own key `key-<team>` and its own fleet of N
instances) and a small admin server, then prints one JSON line: the admin URL and each team's API
URL. The admin server answers `GET /calls` with each team's list and detail calls so far, and
`POST /clear` forgets them. Benches start it with `NebulaApart`, below; in the bench's own process a
thousand detail reads at once would delay the very acks the bench times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.standins.servers import FakeNebula, LoopbackServer  # noqa: E402 - after the path is set


def team_name(i: int) -> str:
    return f"team{i:02d}"


def team_key(team: str) -> str:
    return f"key-{team}"


@dataclass(frozen=True)
class Calls:
    """What one team's Nebula was asked."""

    lists: int
    details: int
    others: int


class Admin(LoopbackServer):
    """Counts and clears the teams' calls on request."""

    def __init__(self, nebulas: dict[str, FakeNebula]) -> None:
        super().__init__()
        self.nebulas = nebulas
        self.web_app.router.add_get("/calls", self._calls)
        self.web_app.router.add_post("/clear", self._clear)

    async def _calls(self, _: web.Request) -> web.Response:
        counts = {}
        for team, nebula in self.nebulas.items():
            lists = sum(1 for c in nebula.calls if "/computing/instances" in c.path)
            details = sum(1 for c in nebula.calls if "/computing/instance/" in c.path)
            counts[team] = {"lists": lists, "details": details, "others": len(nebula.calls) - lists - details}
        return web.json_response(counts)

    async def _clear(self, _: web.Request) -> web.Response:
        for nebula in self.nebulas.values():
            nebula.calls.clear()
        return web.json_response({})


async def serve(teams: int, n: int, latency: float, running: float) -> None:
    nebulas: dict[str, FakeNebula] = {}
    for t in range(teams):
        team = team_name(t)
        nebula = FakeNebula(key=team_key(team))
        nebula.latency = latency
        for i in range(n):
            status = "Running" if i < n * running else "Stopped"
            nebula.add(f"{team}-{i:05d}", host_name=f"{team}-box-{i}", status=status)
        await nebula.start()
        nebulas[team] = nebula
    admin = Admin(nebulas)
    await admin.start()
    urls = {team: nebula.api_url for team, nebula in nebulas.items()}
    print(json.dumps({"admin": admin.url, "teams": urls}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # The bench holds this process's stdin: when the bench dies, however it dies, so does this.
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    orphaned = asyncio.create_task(reader.read())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({orphaned, stopped}, return_when=asyncio.FIRST_COMPLETED)
    await admin.stop()
    for nebula in nebulas.values():
        await nebula.stop()


class NebulaApart:
    """The stand-in Nebulas as seen from a bench: started as a child process, asked over HTTP."""

    def __init__(self, *, teams: int, n: int, latency: float, running: float = 1.0) -> None:
        self.argv = [
            *(sys.executable, str(Path(__file__).resolve())),
            *("--teams", str(teams), "-n", str(n), "--latency", str(latency), "--running", str(running)),
        ]
        self.proc: asyncio.subprocess.Process | None = None
        self.admin = ""
        self.api_urls: dict[str, str] = {}

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        assert self.proc.stdout is not None
        announced = json.loads(await asyncio.wait_for(self.proc.stdout.readline(), 120))
        self.admin, self.api_urls = announced["admin"], announced["teams"]

    async def calls(self, session: aiohttp.ClientSession) -> dict[str, Calls]:
        async with session.get(self.admin + "/calls") as response:
            return {team: Calls(**c) for team, c in (await response.json()).items()}

    async def clear(self, session: aiohttp.ClientSession) -> None:
        async with session.post(self.admin + "/clear") as response:
            response.raise_for_status()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            await self.proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--teams", type=int, default=1)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--running", type=float, default=1.0)
    args = parser.parse_args()
    asyncio.run(serve(args.teams, args.n, args.latency, args.running))


if __name__ == "__main__":
    main()
