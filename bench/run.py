"""Benchmark the bot against the floor (bench/floor.py): same stand-ins, same load, same machine.

    python bench/run.py [-n 200] [--latency 1.0] [--rounds 3] [--concurrency C] [--rate R --people P]
                        [--connect-first]

Each subject runs as its own process (so its memory can be read) in HTTP mode against stand-in
Slack and Nebula servers in this process; Nebula answers after `--latency` seconds. It fires (from
bench/sender.py, a process of its own, so that the stand-ins' work never delays reading an ack) N
concurrent signed `/nebula delete` commands, waits for N confirmations, then fires N concurrent
confirms and waits for N outcomes. It prints ack latency p50/p99, the time until all
confirmations and all outcomes are posted, DELETEs seen, peak resident memory, and bot/floor,
as medians over the rounds (a p99 of 200 acks is the second-slowest one: one round is noisy).
Targets: ack p99, all confirmations posted and clicks to all outcomes at most 1.1x the floor's,
resident memory after start at most 1.15x, peak RSS at most 120 MB, exactly N DELETEs.
A third subject, the floor configured through pydantic-settings (`floor.py --pydantic-settings`),
shows how much of the bot's memory the prescribed configuration library takes before the bot's own.
With `--rate`, the commands (and then the confirms) are a steady stream of R a second instead of all
at once, from `--people` people (default 10): `--rate 20 --people 200` is issue #32's steady stream.
With `--connect-first`, each request's connection is opened beforehand and its ack timed from the
request written: a burst's requests then arrive within about 2 ms (see bench/sender.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import buttons  # noqa: E402 - after the path is set
from tests.standins.process import (  # noqa: E402
    bot_env,
    clean_environ,
    free_port,
    wait_until_listening,
)
from tests.standins.servers import ChannelMessage, FakeNebula, FakeSlack  # noqa: E402
from tests.standins.slack_driver import (  # noqa: E402
    SIGNING_SECRET,
    Driver,
    click_payload,
    command_form,
)


@dataclass
class Figures:
    """What one subject did under the load."""

    ack_ms: list[float]
    confirmations_s: float
    outcomes_s: float
    deletes: int
    rss_peak_mb: float
    rss_start_mb: float = 0.0
    nebula_calls: int = 0

    def p(self, q: float) -> float:
        ordered = sorted(self.ack_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def wait_for(condition: Callable[[], bool], within: float) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the subject did not finish in time")
        await asyncio.sleep(0.005)


def memory_mb(pid: int, field: str) -> float:
    """A memory figure of a process from /proc: VmRSS (now) or VmHWM (peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_subject(
    name: str,
    n: int,
    latency: float,
    profile: str | None = None,
    concurrency: int | None = None,
    stream: Stream | None = None,
    slices: str | None = None,
) -> Figures:
    slack, nebula = FakeSlack(), FakeNebula()
    await slack.start()
    await nebula.start()
    nebula.latency = latency
    for i in range(n + 5):
        nebula.add(f"bench-{i:05d}", host_name=f"host-{i}")
    port = free_port()
    state = tempfile.mkdtemp(prefix="nebula-bench-")
    env = clean_environ() | bot_env(
        slack,
        nebula,
        Path(state) / "state.sqlite3",
        NEBULA_API_TIMEOUT="30",
        NEBULA_BOT_HOST="127.0.0.1",
        NEBULA_BOT_PORT=str(port),
        NEBULA_BOT_ALLOWED_USERS="*",
        NEBULA_BOT_LOG_LEVEL="WARNING",
        NEBULA_BOT_MAX_PENDING_PER_USER="100",
    )
    if concurrency is not None:
        env["NEBULA_API_CONCURRENCY"] = str(concurrency)
    if slices is not None:  # the subject's loop, timed callback by callback (bench/slices)
        env |= {"PYTHONPATH": str(ROOT / "bench" / "slices"), "BENCH_SLICES": slices}
    floor = [sys.executable, str(ROOT / "bench" / "floor.py")]
    argv = {
        "bot": [sys.executable, "-m", "bot"],
        "floor": floor,
        STACK_FLOOR: [*floor, "--pydantic-settings"],
    }[name]
    proc = await asyncio.create_subprocess_exec(*argv, env=env, cwd=state, stdout=asyncio.subprocess.DEVNULL)
    connector = aiohttp.TCPConnector(limit=0)
    session = aiohttp.ClientSession(connector=connector)
    try:
        await wait_until_listening(session, port)
        rss_start_mb = memory_mb(proc.pid, "VmRSS")  # started, before any request
        driver = Driver("http", slack, f"http://127.0.0.1:{port}", session, lambda c: wait_for(c, 60))
        await load(driver, slack, range(n, n + 5), Stream())  # warm-up: first connections, lazy imports
        nebula.calls.clear()
        sampler = await start_sampler(proc.pid, profile) if profile else None
        figures = await load(driver, slack, range(n), stream or Stream())
        if sampler is not None:
            sampler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            await sampler.wait()
        figures.deletes = len(nebula.deletes())
        figures.nebula_calls = len(nebula.calls)
        figures.rss_peak_mb = memory_mb(proc.pid, "VmHWM")
        figures.rss_start_mb = rss_start_mb
        return figures
    finally:
        await session.close()
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
        await slack.stop()
        await nebula.stop()


async def start_sampler(pid: int, path: str) -> asyncio.subprocess.Process:
    """py-spy attached to the subject for the measured load only (warm-up and start-up excluded)."""
    return await asyncio.create_subprocess_exec(
        "py-spy",
        "record",
        "--pid",
        str(pid),
        "--format",
        "raw",
        "--rate",
        "250",
        "-o",
        path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


@dataclass(frozen=True)
class Stream:
    """How the requests come: all at once (rate None) or `rate` a second, and from how many people."""

    rate: float | None = None
    people: int = 10  # ten people by default: no one exceeds the per-person limit on waiting confirmations
    connect_first: bool = False  # bench/sender.py's --connect-first


async def load(driver: Driver, slack: FakeSlack, numbers: range, stream: Stream) -> Figures:
    ack_ms: list[float] = []

    def requester(i: int) -> str:
        return f"U0BENCH{i % stream.people:04d}"

    async def send_all(bodies: list[str]) -> float:
        """Sends `bodies`; when the first left (epoch seconds)."""
        # From a process of its own (bench/sender.py): this one's loop is busy with the stand-ins.
        job = {
            "url": driver.bot_url + "/slack/events",
            "secret": SIGNING_SECRET,
            "bodies": bodies,
            "rate": stream.rate,
            "connect_first": stream.connect_first,
        }
        sender = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bench" / "sender.py"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await sender.communicate(json.dumps(job).encode())
        sent = json.loads(out)
        assert sender.returncode == 0, out
        assert sent["failed"] == 0, sent["failed"]
        ack_ms.extend(sent["ack_ms"])
        return float(sent["begun"])

    command_urls = [slack.new_response_url() for _ in numbers]
    before = len(slack.messages)

    def confirmations() -> list[ChannelMessage]:
        return [m for m in slack.messages[before:] if m.thread_ts is None and buttons(m.body)]

    started = await send_all(
        [
            urlencode(command_form(requester(i), f"delete bench-{i:05d}", url))
            for i, url in zip(numbers, command_urls, strict=True)
        ]
    )
    await wait_for(lambda: len(confirmations()) == len(numbers), 120)
    confirmations_s = time.time() - started

    asked = confirmations()

    def click(message: ChannelMessage) -> str:
        payload = click_payload(
            requester(int(re.findall(r"bench-(\d{5})", json.dumps(message.body))[0])),
            "nebula_confirm",
            buttons(message.body)["nebula_confirm"]["value"],
            slack.new_response_url(message.channel, message.ts),
        )
        payload["container"]["message_ts"] = message.ts
        return urlencode({"payload": json.dumps(payload)})

    started = await send_all([click(message) for message in asked])
    await wait_for(lambda: all(slack.thread(message.ts) for message in asked), 120)
    outcomes_s = time.time() - started
    return Figures(ack_ms, confirmations_s, outcomes_s, 0, 0.0)


STACK_FLOOR = "floor+pydantic-settings"

Row = tuple[str, Callable[[Figures], float], float | None]
ROWS: list[Row] = [
    ("ack p50 (ms)", lambda f: f.p(0.5), None),
    ("ack p99 (ms)", lambda f: f.p(0.99), 1.1),
    ("all confirmations posted (s)", lambda f: f.confirmations_s, 1.1),
    ("clicks to all outcomes (s)", lambda f: f.outcomes_s, 1.1),
    ("RSS after start (MB)", lambda f: f.rss_start_mb, 1.15),
    ("peak RSS (MB)", lambda f: f.rss_peak_mb, None),
]


def report(
    n: int,
    latency: float,
    bots: list[Figures],
    floors: list[Figures],
    stack_floors: list[Figures],
    stream: Stream,
) -> bool:
    """Medians over the rounds, with each round's bot/floor ratio; True when every target is met."""
    print(
        f"N={n} commands then confirms, "
        + (f"{stream.rate:g} a second" if stream.rate else "all at once")
        + f", from {stream.people} people; Nebula latency {latency:g} s; {len(bots)} round(s), "
        "medians (bot/floor per round in brackets)"
    )
    print(f"{'':30} {'bot':>9} {'floor':>9} {'bot/floor':>9}  target")
    ok = True
    for label, measure, limit in ROWS:
        ours = statistics.median(measure(f) for f in bots)
        base = statistics.median(measure(f) for f in floors)
        ratios = [measure(b) / measure(f) for b, f in zip(bots, floors, strict=True)]
        ratio = ours / base
        verdict = ""
        if limit is not None:
            verdict = f"<= {limit}x: " + ("met" if ratio <= limit else "MISSED")
            ok &= ratio <= limit
        spread = ", ".join(f"{r:.2f}" for r in ratios)
        print(f"{label:30} {ours:9.2f} {base:9.2f} {ratio:9.2f}  {verdict} [{spread}]")
    # The floor read its configuration from os.environ; read through pydantic-settings, as the
    # prescribed stack does, it costs this much more: the part of the bot's memory that is not its own.
    ours = statistics.median(f.rss_start_mb for f in bots)
    stack = statistics.median(f.rss_start_mb for f in stack_floors)
    base = statistics.median(f.rss_start_mb for f in floors)
    print(
        f"{STACK_FLOOR}: RSS after start {stack:.2f} MB, {stack / base:.2f}x the floor; "
        f"the bot is {ours / stack:.2f}x it"
    )
    rss_ok = max(f.rss_peak_mb for f in bots) <= 120
    deletes_ok = all(f.deletes == n for f in bots)
    print(f"{'bot peak RSS <= 120 MB':30} {'met' if rss_ok else 'MISSED'} (largest round)")
    seen = f"bot {[f.deletes for f in bots]}, floor {[f.deletes for f in floors]}"
    print(f"{'DELETEs seen, every round':30} {seen}: " + ("exactly N, met" if deletes_ok else "MISSED"))
    calls = f"bot {[f.nebula_calls for f in bots]}, floor {[f.nebula_calls for f in floors]}"
    print(f"{'Nebula calls, every round':30} {calls} (each waits --latency)")
    return ok and rss_ok and deletes_ok


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=200, help="concurrent commands, then confirms (default 200)")
    parser.add_argument("--latency", type=float, default=1.0, help="Nebula's delay in seconds (default 1)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="floor and bot alternately, this often (default 3)"
    )
    parser.add_argument(
        "--concurrency", type=int, help="the bot's NEBULA_API_CONCURRENCY (default: the bot's own)"
    )
    parser.add_argument("--rate", type=float, help="requests a second, steadily (default: all at once)")
    parser.add_argument("--people", type=int, default=10, help="how many people send them (default 10)")
    parser.add_argument(
        "--connect-first",
        action="store_true",
        help="open each request's connection first and time its ack from the request written",
    )
    parser.add_argument("--only", choices=["bot", "floor", STACK_FLOOR], help="run one subject once")
    parser.add_argument("--profile", metavar="FILE", help="with --only: sample it with py-spy into FILE")
    parser.add_argument(
        "--slices",
        metavar="FILE",
        type=lambda path: str(Path(path).resolve()),
        help="with --only: time its loop's callbacks into FILE (bench/slices)",
    )
    args = parser.parse_args()
    stream = Stream(rate=args.rate, people=args.people, connect_first=args.connect_first)
    if args.only:
        figures = await run_subject(
            args.only, args.n, args.latency, args.profile, args.concurrency, stream, args.slices
        )
        print(
            args.only,
            figures.p(0.5),
            figures.p(0.99),
            figures.confirmations_s,
            figures.outcomes_s,
            figures.deletes,
            figures.rss_peak_mb,
        )
        return 0
    floors, stack_floors, bots = [], [], []
    for _ in range(max(1, args.rounds)):
        floors.append(await run_subject("floor", args.n, args.latency, stream=stream))
        stack_floors.append(await run_subject(STACK_FLOOR, args.n, args.latency, stream=stream))
        bots.append(
            await run_subject("bot", args.n, args.latency, concurrency=args.concurrency, stream=stream)
        )
    return 0 if report(args.n, args.latency, bots, floors, stack_floors, stream) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
