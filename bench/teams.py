"""Several teams watched by two replicas: how often each team's fleet is read, and acks meanwhile.

    python bench/teams.py [--teams 10] [-n 1000] [--latency 0.05] [--interval 15] [--intervals 4]

Starts stand-in Nebulas in a process of their own (bench/nebula_apart.py: one per team, each with
its own key and N running instances, answering after `--latency` s), a real redis-server, a stand-in
Slack in this process, and two bot processes (HTTP mode) on that Redis, configured by a teams file
(NEBULA_BOT_TEAMS_FILE: per team its key variable, its channel and its watch channel) with
NEBULA_BOT_WATCH_INTERVAL=`--interval`. Until every team's first cycle is over, and `--intervals` after,
it fires signed `/nebula help` commands at 20 per second, by turns into each team's channel and each
replica. From both replicas' `watcher.cycle` log lines it prints how long the first cycles took
(every running instance's detail is read once after a start), each team's fleet reads in the
intervals after them, and the most cycles of one team in any one interval (each replica claims a
team's interval in the store: target 1); and the ack latency, during the first cycles and after,
set beside the same bench run with one team. With `--apart`, each replica's watcher runs in a
`nebula-bot watch` process beside it (NEBULA_BOT_WATCHER=apart).
Targets: each team's fleet read once per interval; acks within 1.1x of one team's.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nebula_apart import NebulaApart, team_key, team_name  # noqa: E402 - after the path is set
from bench.watch import percentile  # noqa: E402
from tests.standins.process import bot_env, clean_environ, free_port, wait_until_listening  # noqa: E402
from tests.standins.redis_server import RedisServer  # noqa: E402
from tests.standins.servers import FakeSlack  # noqa: E402
from tests.standins.slack_driver import Driver, command_form  # noqa: E402

ACK_EVERY = 0.05
USER = "U0ALICE"


def channel(team: str) -> str:
    return f"C0{team.upper()}"


def watch_channel(team: str) -> str:
    return f"C0W{team.upper()}"


@dataclass
class Outcome:
    """What one configuration did."""

    teams: int
    acks: list[tuple[float, float]] = field(default_factory=list)  # (wall-clock time sent, ms)
    cycles: list[tuple[str, float, float]] = field(default_factory=list)  # (team, start, seconds)
    skipped: int = 0
    steady_from: float = 0.0  # when every team's first cycle was over
    steady_until: float = 0.0

    def most_in_an_interval(self, interval: float) -> int:
        """The most cycles any team had in one interval (between the replicas): the target is 1."""
        slots = collections.Counter((team, int(start // interval)) for team, start, _ in self.cycles)
        return max(slots.values(), default=0)

    def steady_reads(self) -> collections.Counter[str]:
        """Each team's fleet reads that began once every first cycle was over."""
        return collections.Counter(
            team for team, start, _ in self.cycles if self.steady_from <= start <= self.steady_until
        )

    def ack_ms(self, steady: bool) -> list[float]:
        """Acks sent while first cycles ran, or after."""
        return [ms for at, ms in self.acks if (at >= self.steady_from) == steady]


def teams_toml(teams: list[str], urls: dict[str, str]) -> str:
    return "".join(
        f'[teams.{team}]\napi_key_env = "KEY_{team.upper()}"\napi_url = "{urls[team]}"\n'
        f'channels = ["{channel(team)}"]\nallowed_users = ["{USER}"]\n'
        f'watch_channel = "{watch_channel(team)}"\nremind_after = "30d"\n\n'
        for team in teams
    )


async def run(
    teams: int, n: int, latency: float, interval: float, intervals: int, *, apart: bool = False
) -> Outcome:
    names = [team_name(t) for t in range(teams)]
    nebula = NebulaApart(teams=teams, n=n, latency=latency)
    slack = FakeSlack()
    state = Path(tempfile.mkdtemp(prefix="nebula-teams-bench-"))
    redis = RedisServer(state)  # with its AOF, as the bot demands of a Redis it keeps claims in
    await nebula.start()
    await slack.start()
    teams_file = state / "teams.toml"
    teams_file.write_text(teams_toml(names, nebula.api_urls))
    outcome = Outcome(teams)
    ports = [free_port(), free_port()]
    procs: list[asyncio.subprocess.Process] = []
    readers: list[asyncio.Task[None]] = []

    last: collections.deque[bytes] = collections.deque(maxlen=10)  # for a replica that did not start

    async def read_logs(proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        async for line in proc.stderr:
            last.append(line)
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if record.get("event") == "watcher.cycle":
                    end = datetime.fromisoformat(str(record["ts"]).replace("Z", "+00:00")).timestamp()
                    seconds = float(record["seconds"])
                    outcome.cycles.append((str(record["team"]), end - seconds, seconds))
                elif record.get("event") == "watcher.skipped":
                    outcome.skipped += 1

    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    try:
        for port in ports:
            env = clean_environ() | bot_env(
                slack,
                nebula.api_urls[names[0]],
                state / "unused.sqlite3",
                NEBULA_BOT_STATE_URL=redis.url,
                NEBULA_BOT_TEAMS_FILE=str(teams_file),
                NEBULA_API_TIMEOUT="30",
                NEBULA_BOT_HOST="127.0.0.1",
                NEBULA_BOT_PORT=str(port),
                NEBULA_BOT_LOG_FORMAT="json",
                NEBULA_BOT_WATCH_INTERVAL=f"{interval:g}s",
            )
            env |= {f"KEY_{name.upper()}": team_key(name) for name in names}
            if apart:  # each replica's watcher in a `nebula-bot watch` process beside it
                env["NEBULA_BOT_WATCHER"] = "apart"
            kinds: list[tuple[tuple[str, ...], dict[str, str]]] = [((), {})]
            if apart:
                kinds.append((("watch",), {"NEBULA_BOT_PORT": str(free_port())}))
            for argv, port_env in kinds:
                proc = await asyncio.create_subprocess_exec(
                    *(sys.executable, "-m", "bot", *argv),
                    env=env | port_env,
                    cwd=state,
                    stderr=asyncio.subprocess.PIPE,
                )
                procs.append(proc)
                readers.append(asyncio.create_task(read_logs(proc)))
        for port in ports:
            try:
                await wait_until_listening(session, port)
            except TimeoutError:
                sys.stderr.write(b"".join(last).decode(errors="replace"))
                raise
        drivers = [
            Driver("http", slack, f"http://127.0.0.1:{port}", session, lambda c: asyncio.sleep(0))
            for port in ports
        ]
        await nebula.clear(session)
        pending: set[asyncio.Task[None]] = set()

        async def ack_once(number: int) -> None:
            team = names[number % teams]
            form = command_form(USER, "help", slack.new_response_url(), channel=channel(team))
            sent, begun = time.time(), time.perf_counter()
            ack = await drivers[number % 2].post_signed(urlencode(form))
            outcome.acks.append((sent, (time.perf_counter() - begun) * 1000))
            assert ack.status == 200, ack

        # Until every team's first cycle (reading all its details) is over, then `intervals` more.
        deadline = time.time() + 600
        number = 0
        while outcome.steady_until == 0.0 or time.time() < outcome.steady_until:
            if time.time() > deadline:
                raise TimeoutError("the first cycles did not end within 10 minutes")
            if not outcome.steady_from and len({team for team, _, _ in outcome.cycles}) == teams:
                outcome.steady_from = time.time()
                outcome.steady_until = outcome.steady_from + interval * intervals
            task = asyncio.create_task(ack_once(number))
            pending.add(task)
            task.add_done_callback(pending.discard)
            number += 1
            await asyncio.sleep(ACK_EVERY)
        await asyncio.gather(*pending)
        return outcome
    finally:
        await session.close()
        await stop(procs)
        for reader in readers:
            reader.cancel()
        await slack.stop()
        await nebula.stop()
        redis.stop()


async def stop(procs: list[asyncio.subprocess.Process]) -> None:
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        await proc.wait()


def report(outcome: Outcome, interval: float, intervals: int) -> None:
    earliest: dict[str, tuple[float, float]] = {}
    for team, start, seconds in outcome.cycles:
        earliest[team] = min(earliest.get(team, (start, seconds)), (start, seconds))
    first = [seconds for _, seconds in earliest.values()]
    reads = outcome.steady_reads()
    most = outcome.most_in_an_interval(interval)
    print(
        f"{outcome.teams} team(s), two replicas: first cycles {min(first):.1f}-{max(first):.1f} s; then "
        f"in {intervals} intervals, fleet reads per team {min(reads.values(), default=0)}-"
        f"{max(reads.values(), default=0)}; most in one interval, whole run: {most} "
        f"({'met' if most <= 1 else 'MISSED'}); {outcome.skipped} cycles left to the other replica"
    )


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("-n", type=int, default=1000, help="running instances per team (default 1000)")
    parser.add_argument("--latency", type=float, default=0.05, help="Nebula's delay per call, s")
    parser.add_argument("--interval", type=float, default=15.0, help="NEBULA_BOT_WATCH_INTERVAL, s")
    parser.add_argument("--intervals", type=int, default=4, help="intervals measured after first cycles")
    parser.add_argument(
        "--apart", action="store_true", help="each replica's watcher in a `nebula-bot watch` process"
    )
    args = parser.parse_args()
    one = await run(1, args.n, args.latency, args.interval, args.intervals, apart=args.apart)
    many = await run(args.teams, args.n, args.latency, args.interval, args.intervals, apart=args.apart)
    for outcome in (one, many):
        report(outcome, args.interval, args.intervals)
    print(f"{'acks':30} {'n':>5} {'p50 ms':>7} {'p99 ms':>7} {'p99 / 1 team':>12}")
    met = True
    for steady, phase in ((False, "during first cycles"), (True, "after")):
        base = percentile(one.ack_ms(steady), 0.99)
        for outcome in (one, many):
            values = outcome.ack_ms(steady)
            ratio = percentile(values, 0.99) / base
            met = met and ratio <= 1.1
            label = f"{outcome.teams} team(s), {phase}"
            print(
                f"{label:30} {len(values):5} {percentile(values, 0.5):7.2f} {percentile(values, 0.99):7.2f} "
                f"{ratio:12.2f}"
            )
    once = many.most_in_an_interval(args.interval) <= 1 and one.most_in_an_interval(args.interval) <= 1
    print(f"acks within 1.1x of one team's: {'met' if met else 'MISSED'}")
    return 0 if once and met else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
