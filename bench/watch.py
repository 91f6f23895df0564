"""What the watcher costs: Nebula calls and time per cycle for a large fleet, and acks meanwhile.

    python bench/watch.py [-n 1000] [--latency 0.05] [--running 1.0] [--rounds 3] [--steady 3]

Runs the bot as a process (HTTP mode) against a stand-in Slack in this process and a stand-in
Nebula in a process of its own (bench/nebula_apart.py: answering a thousand detail reads here
would delay the very acks this times). The fleet has N instances, a share `--running` of them
running; Nebula answers every call after `--latency` seconds; NEBULA_BOT_WATCH_INTERVAL is 5s.
It waits for the watcher's first cycle (which reads every running instance's detail) and
`--steady` more (nothing changed: the list only), from their `watcher.cycle` log lines, and prints
each kind's time and Nebula calls, while firing signed `/nebula help` commands at 20 per second
the whole time. Their ack latency, pooled over the rounds, is set beside the same figure with the
watcher off (no watch channel): over the whole run, during first cycles, during steady cycles.
With `--apart` the watcher runs in a `nebula-bot watch` process beside the bot
(NEBULA_BOT_WATCHER=apart), as a deployment that wants the ack tail untouched would run it.
Target: acks during a cycle of 1,000 instances within 1.1x of acks with the watcher off.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
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

from bench.nebula_apart import NebulaApart, team_key, team_name  # noqa: E402
from tests.standins.process import (  # noqa: E402 - after the path is set
    bot_env,
    clean_environ,
    free_port,
    wait_until_listening,
)
from tests.standins.servers import FakeSlack  # noqa: E402
from tests.standins.slack_driver import Driver, command_form  # noqa: E402

WATCH_CHANNEL = "C0WATCH"
ACK_EVERY = 0.05


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@dataclass
class Run:
    """One bot process under the same load, with the watcher on or off."""

    acks: list[tuple[float, float]]  # (wall-clock time sent, latency in ms)
    cpu: list[tuple[float, float]] = field(default_factory=list)  # (wall-clock time, bot's CPU seconds)
    windows: list[tuple[float, float]] = field(default_factory=list)  # each cycle's (start, end)
    cycle_s: float | None = None
    lists: int = 0
    details: int = 0
    steady_s: float | None = None  # the later cycles, nothing having changed
    steady_calls: int = 0
    slices: dict[str, object] | None = None  # the loop's callbacks, timed (--slices)

    @property
    def ack_ms(self) -> list[float]:
        return [ms for _, ms in self.acks]

    def during(self, cycles: slice) -> list[float]:
        """The latencies of acks sent while one of these cycles ran."""
        spans = self.windows[cycles]
        return [ms for at, ms in self.acks if any(start <= at <= end for start, end in spans)]

    def p(self, q: float) -> float:
        return percentile(self.ack_ms, q)

    def cpu_share(self, cycles: slice) -> float:
        """The share of these cycles' time that the bot spent on a CPU (acks included)."""
        used = spent = 0.0
        for start, end in self.windows[cycles]:
            inside = [c for at, c in self.cpu if start <= at <= end]
            if len(inside) >= 2:
                used += inside[-1] - inside[0]
                spent += end - start
        return used / spent if spent else float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Load:
    """What a run is: the fleet, Nebula's latency, and where the watcher runs (if anywhere)."""

    n: int
    latency: float
    running: float
    steady: int
    apart: bool = False  # the watcher in a `nebula-bot watch` process beside the bot
    slices: bool = False  # time every callback of the watching process's loop (bench/slices)


async def run(load: Load, watching: bool, window: float) -> Run:
    n, latency, running, steady = load.n, load.latency, load.running, load.steady
    slack, nebula = FakeSlack(), NebulaApart(teams=1, n=n, latency=latency, running=running)
    await slack.start()
    await nebula.start()
    port = free_port()
    state = Path(tempfile.mkdtemp(prefix="nebula-watch-bench-"))
    extra = {
        "NEBULA_API_TIMEOUT": "30",
        "NEBULA_BOT_HOST": "127.0.0.1",
        "NEBULA_BOT_PORT": str(port),
        "NEBULA_BOT_LOG_FORMAT": "json",
        "NEBULA_BOT_WATCH_INTERVAL": "5s",
        "NEBULA_BOT_REMIND_AFTER": "30d",  # measure reading the fleet, not posting reminders
        "NEBULA_API_KEY": team_key(team_name(0)),
    }
    if watching:
        extra["NEBULA_BOT_WATCH_CHANNEL"] = WATCH_CHANNEL
    if load.apart:
        extra["NEBULA_BOT_WATCHER"] = "apart"
    env = clean_environ() | bot_env(slack, nebula.api_urls[team_name(0)], state / "state.sqlite3", **extra)
    timed = env | {"PYTHONPATH": str(ROOT / "bench" / "slices"), "BENCH_SLICES": str(state / "slices.json")}
    if load.slices and watching and not load.apart:
        env = timed
    bot = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot"),
        env=env,
        cwd=state,
        stderr=asyncio.subprocess.DEVNULL if load.apart else asyncio.subprocess.PIPE,
    )
    proc = bot  # the process whose log tells the watcher's cycles, and whose CPU they use
    if load.apart:
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "watch"),
            env=(timed if load.slices else env) | {"NEBULA_BOT_PORT": str(free_port())},
            cwd=state,
            stderr=asyncio.subprocess.PIPE,
        )
    cycles: list[dict[str, object]] = []

    async def read_logs() -> None:
        assert proc.stderr is not None
        async for line in proc.stderr:
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if record.get("event") == "watcher.cycle":
                    cycles.append(record)

    reader = asyncio.create_task(read_logs())
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    result = Run([])
    wanted = 1 + steady
    try:
        await wait_until_listening(session, port)
        driver = Driver("http", slack, f"http://127.0.0.1:{port}", session, lambda c: asyncio.sleep(0))
        await nebula.clear(session)
        started = time.monotonic()
        pending: set[asyncio.Task[None]] = set()

        async def ack_once() -> None:
            body = urlencode(command_form("U0ALICE", "help", slack.new_response_url()))
            sent, begun = time.time(), time.perf_counter()
            ack = await driver.post_signed(body)
            result.acks.append((sent, (time.perf_counter() - begun) * 1000))
            assert ack.status == 200, ack

        # Acks at a steady rate until the last cycle is over (or, watcher off, for `window` seconds).
        while time.monotonic() - started < (180 if watching else window):
            if watching and cycles and result.lists == 0:  # the first cycle is over: count its calls
                first = (await nebula.calls(session))[team_name(0)]
                result.lists, result.details = first.lists, first.details
                await nebula.clear(session)
            if watching and len(cycles) >= wanted:
                break
            result.cpu.append((time.time(), cpu_seconds(proc.pid)))
            task = asyncio.create_task(ack_once())
            pending.add(task)
            task.add_done_callback(pending.discard)
            await asyncio.sleep(ACK_EVERY)
        await asyncio.gather(*pending)
        if watching:
            if len(cycles) < wanted:
                raise TimeoutError(f"fewer than {wanted} watcher cycles within 180 s")
            for cycle in cycles:
                end = datetime.fromisoformat(str(cycle["ts"]).replace("Z", "+00:00")).timestamp()
                result.windows.append((end - float(str(cycle["seconds"])), end))
            result.cycle_s = float(str(cycles[0]["seconds"]))
            result.steady_s = statistics.median(float(str(c["seconds"])) for c in cycles[1:])
            calls = (await nebula.calls(session))[team_name(0)]
            result.steady_calls = (calls.lists + calls.details + calls.others) // steady
        return result
    finally:
        await session.close()
        for process in {bot, proc}:
            process.send_signal(signal.SIGTERM)
            await process.wait()
        reader.cancel()
        if (state / "slices.json").exists():
            result.slices = json.loads((state / "slices.json").read_text())
        await slack.stop()
        await nebula.stop()


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=1000, help="instances in the fleet (default 1000)")
    parser.add_argument(
        "--latency", type=float, default=0.05, help="Nebula's delay per call, s (default 0.05)"
    )
    parser.add_argument("--running", type=float, default=1.0, help="share of them running (default 1.0)")
    parser.add_argument("--rounds", type=int, default=3, help="watching and off alternately (default 3)")
    parser.add_argument("--steady", type=int, default=3, help="steady cycles after the first (default 3)")
    parser.add_argument(
        "--apart", action="store_true", help="the watcher in a `nebula-bot watch` process beside the bot"
    )
    parser.add_argument(
        "--slices", action="store_true", help="time each callback of the watching loop (bench/slices)"
    )
    args = parser.parse_args()
    load = Load(args.n, args.latency, args.running, args.steady, args.apart, args.slices)
    ons: list[Run] = []
    offs: list[Run] = []
    for _ in range(args.rounds):
        ons.append(await run(load, True, 0))
        # The watcher-off run acks for as long as the watching one did: the same number of samples.
        offs.append(await run(load, False, len(ons[-1].ack_ms) * ACK_EVERY))
    running = round(args.n * args.running)
    where = "in a process of its own (--apart)" if args.apart else "in the bot's process"
    print(f"fleet {args.n}, {running} running; Nebula latency {args.latency:g} s; {args.rounds} rounds")
    print(f"the watcher runs {where}")
    cycles = [r.cycle_s or 0.0 for r in ons]
    print(
        f"first cycle: median {statistics.median(cycles):.2f} s {[round(c, 2) for c in cycles]}; "
        f"Nebula calls: {ons[0].lists} list pages + {ons[0].details} details"
    )
    steady = [r.steady_s or 0.0 for r in ons]
    calls = [r.steady_calls for r in ons]
    ceiling = args.n // 100 + 1 + 20
    print(
        f"steady cycle (nothing changed): median {statistics.median(steady):.2f} s; Nebula calls {calls} "
        f"(target: list pages + changed instances, at most {ceiling}): "
        + ("met" if max(calls) <= ceiling else "MISSED")
    )
    offs_ms = [ms for r in offs for ms in r.ack_ms]
    rows = (
        ("the whole run", [ms for r in ons for ms in r.ack_ms]),
        ("during first cycles", [ms for r in ons for ms in r.during(slice(0, 1))]),
        ("during steady cycles", [ms for r in ons for ms in r.during(slice(1, None))]),
    )
    print(f"acks, all rounds pooled   {'n':>5} {'p50 ms':>7} {'p99 ms':>7} {'p99/off':>8}")
    off50, off99 = percentile(offs_ms, 0.5), percentile(offs_ms, 0.99)
    print(f"{'watcher off':25} {len(offs_ms):5} {off50:7.2f} {off99:7.2f}")
    met = True
    for label, values in rows:
        ratio = percentile(values, 0.99) / off99
        met = met and ratio <= 1.1
        print(
            f"{label:25} {len(values):5} {percentile(values, 0.5):7.2f} {percentile(values, 0.99):7.2f} "
            f"{ratio:8.2f}"
        )
    print(f"ack p99 while watching <= 1.1x off, in every row: {'met' if met else 'MISSED'}")
    firsts = statistics.median(r.cpu_share(slice(0, 1)) for r in ons)
    steadies = statistics.median(r.cpu_share(slice(1, None)) for r in ons)
    idle = statistics.median(
        (r.cpu[-1][1] - r.cpu[0][1]) / (r.cpu[-1][0] - r.cpu[0][0]) for r in offs if len(r.cpu) > 1
    )
    print(
        f"CPU of the process running the watcher, share of wall time: first cycles {firsts:.0%}, "
        f"steady cycles {steadies:.0%}, watcher off {idle:.0%}"
    )
    if args.slices:
        print_slices([r.slices for r in ons if r.slices])
    return 0 if met else 1


def print_slices(runs: list[dict[str, object]]) -> None:
    """The watching loop's callbacks by duration, all rounds together, and the slowest ones."""
    histogram: dict[str, int] = {}
    slowest: list[dict[str, object]] = []
    for one in runs:
        for label, count in dict(one["histogram"]).items():  # type: ignore[call-overload]
            histogram[label] = histogram.get(label, 0) + int(count)
        slowest.extend(one["slowest"])  # type: ignore[arg-type]
    print(
        "callbacks of the watching loop, by how long each held it: "
        + ", ".join(f"{label} {count}" for label, count in histogram.items())
    )
    for slow in sorted(slowest, key=lambda s: -float(str(s["ms"])))[:15]:
        print(f"  {float(str(slow['ms'])):7.2f} ms  {slow['where']}")
    places: dict[str, list[float]] = {}
    for one in runs:
        for place, (count, total) in dict(one["over_half_ms"]).items():  # type: ignore[call-overload]
            seen = places.setdefault(place, [0, 0.0])
            seen[0] += count
            seen[1] += total
    for one in runs:
        print(f"turns of the loop (select to select) by length: {one['turns']}")
        print(f"garbage collections by generation: {one['gc']}")
        print(f"full passes (s after start, ms, objects in the oldest generation): {one['full_passes']}")
        print(f"task steps, by coroutine: {one['steps']}")
    print("callbacks over 0.5 ms, by place: count, total ms")
    for place, (count, total) in sorted(places.items(), key=lambda p: -p[1][1])[:15]:
        print(f"  {int(count):6} {total:9.1f}  {place}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
