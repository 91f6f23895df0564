"""What the watcher costs: Nebula calls and time per cycle for a large fleet, and acks meanwhile.

    python bench/watch.py [-n 1000] [--latency 0.05] [--running 1.0]

Runs the bot as a process (HTTP mode) against stand-in Slack and Nebula servers in this process,
with N instances of which a share `--running` are running, Nebula answering every call after
`--latency` seconds, and NEBULA_BOT_WATCH_INTERVAL=5s. It waits for the watcher's first two cycles
(their `watcher.cycle` log lines) and prints each cycle's time and Nebula calls (the first reads every
running instance's detail; the second, nothing having changed, only the list), while firing signed
`/nebula help` commands at 20 per second the whole time: their ack latency p50/p99 during the
cycle is set beside the same figure with the watcher off (no watch channel).
Target: acks during a cycle of 1,000 instances within 1.1x of acks with the watcher off.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.standins.process import (  # noqa: E402 - after the path is set
    bot_env,
    clean_environ,
    free_port,
    wait_until_listening,
)
from tests.standins.servers import FakeNebula, FakeSlack  # noqa: E402
from tests.standins.slack_driver import Driver, command_form  # noqa: E402

WATCH_CHANNEL = "C0WATCH"
ACK_EVERY = 0.05


@dataclass
class Run:
    """One bot process under the same load, with the watcher on or off."""

    ack_ms: list[float]
    cycle_s: float | None = None
    lists: int = 0
    details: int = 0
    steady_s: float | None = None  # the second cycle, nothing having changed
    steady_calls: int = 0

    def p(self, q: float) -> float:
        ordered = sorted(self.ack_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(n: int, latency: float, running: float, watching: bool, window: float) -> Run:
    slack, nebula = FakeSlack(), FakeNebula()
    await slack.start()
    await nebula.start()
    nebula.latency = latency
    for i in range(n):
        nebula.add(f"fleet-{i:05d}", host_name=f"box-{i}", status="Running" if i < n * running else "Stopped")
    port = free_port()
    state = Path(tempfile.mkdtemp(prefix="nebula-watch-bench-"))
    extra = {
        "NEBULA_API_TIMEOUT": "30",
        "NEBULA_BOT_HOST": "127.0.0.1",
        "NEBULA_BOT_PORT": str(port),
        "NEBULA_BOT_LOG_FORMAT": "json",
        "NEBULA_BOT_WATCH_INTERVAL": "5s",
        "NEBULA_BOT_REMIND_AFTER": "30d",  # measure reading the fleet, not posting reminders
    }
    if watching:
        extra["NEBULA_BOT_WATCH_CHANNEL"] = WATCH_CHANNEL
    env = clean_environ() | bot_env(slack, nebula, state / "state.sqlite3", **extra)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=state, stderr=asyncio.subprocess.PIPE
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
    try:
        await wait_until_listening(session, port)
        driver = Driver("http", slack, f"http://127.0.0.1:{port}", session, lambda c: asyncio.sleep(0))
        nebula.calls.clear()
        started = time.monotonic()
        pending: set[asyncio.Task[None]] = set()

        async def ack_once() -> None:
            body = urlencode(command_form("U0ALICE", "help", slack.new_response_url()))
            begun = time.perf_counter()
            ack = await driver.post_signed(body)
            result.ack_ms.append((time.perf_counter() - begun) * 1000)
            assert ack.status == 200, ack

        # Acks at a steady rate until the second cycle is over (or, watcher off, for `window` seconds).
        while time.monotonic() - started < (120 if watching else window):
            if watching and cycles and result.lists == 0:  # the first cycle is over: count its calls
                result.lists = sum(1 for c in nebula.calls if "/computing/instances" in c.path)
                result.details = sum(1 for c in nebula.calls if "/computing/instance/" in c.path)
                nebula.calls.clear()
            if watching and len(cycles) >= 2:
                break
            task = asyncio.create_task(ack_once())
            pending.add(task)
            task.add_done_callback(pending.discard)
            await asyncio.sleep(ACK_EVERY)
        await asyncio.gather(*pending)
        if watching:
            if len(cycles) < 2:
                raise TimeoutError("no second watcher cycle within 120 s")
            result.cycle_s = float(str(cycles[0]["seconds"]))
            result.steady_s = float(str(cycles[1]["seconds"]))
            result.steady_calls = len(nebula.calls)
        return result
    finally:
        await session.close()
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
        reader.cancel()
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
    args = parser.parse_args()
    ons: list[Run] = []
    offs: list[Run] = []
    for _ in range(args.rounds):
        ons.append(await run(args.n, args.latency, args.running, watching=True, window=0))
        # The watcher-off run acks for as long as the watching one did: the same number of samples.
        offs.append(await run(args.n, args.latency, args.running, False, len(ons[-1].ack_ms) * ACK_EVERY))
    running = round(args.n * args.running)
    print(f"fleet {args.n}, {running} running; Nebula latency {args.latency:g} s; {args.rounds} rounds")
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
    print(f"{'medians':24} {'watching':>9} {'off':>9} {'ratio':>7}")
    for label, q in (("ack p50 (ms)", 0.5), ("ack p99 (ms)", 0.99)):
        on, off = statistics.median(r.p(q) for r in ons), statistics.median(r.p(q) for r in offs)
        print(f"{label:24} {on:9.2f} {off:9.2f} {on / off:7.2f}")
    ratio = statistics.median(r.p(0.99) for r in ons) / statistics.median(r.p(0.99) for r in offs)
    met = ratio <= 1.1
    print(f"ack p99 while watching <= 1.1x off: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
