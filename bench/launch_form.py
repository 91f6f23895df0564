"""Benchmark the launch form (issue #30): many people open it at once against a slow catalogue.

    python bench/launch_form.py [--people 200] [--latency 1.0] [--instances 100]

The bot runs as its own process in HTTP mode against stand-in Slack and Nebula servers in this process
(Nebula answering each call after `--latency` seconds). `--people` people type `/nebula create` at
once (signed slash commands). Prints, for each, how old its trigger was when `views.open` reached
Slack (Slack refuses one older than 3 s), how long until its form was filled (`views.update`), and how
many times Nebula was asked for the catalogue. Targets: every trigger used within 3 s; one read of the
catalogue for all of them.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.standins.process import bot_env, clean_environ, free_port, wait_until_listening  # noqa: E402
from tests.standins.servers import FakeNebula, FakeSlack  # noqa: E402
from tests.standins.slack_driver import Driver  # noqa: E402

TRIGGER_LIMIT = 3.0


def person(i: int) -> str:
    return f"U0FORM{i:04d}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def until(condition: object, within: float) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the bench's condition was not met in time")
        await asyncio.sleep(0.01)


async def forms(driver: Driver, slack: FakeSlack, nebula: FakeNebula, people: int) -> bool:
    started = time.monotonic()
    await asyncio.gather(*(driver.command(person(i), "create") for i in range(people)))
    await until(lambda: sum("submit" in m for m in slack.modals.values()) >= people, 120)
    filled = time.monotonic() - started
    ages = slack.trigger_ages
    reads = [c for c in nebula.calls if c.path.endswith("/computing/products")]
    print(f"{people} people type /nebula create at once")
    print(
        f"  trigger age at views.open: p50 {percentile(ages, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(ages, 0.99) * 1000:.0f} ms, max {max(ages) * 1000:.0f} ms (Slack's limit: 3 s)"
    )
    print(
        f"  every form filled within {filled:.2f} s; catalogue reads: {len(reads)}; refused: {slack.rejected}"
    )
    ok = max(ages) < TRIGGER_LIMIT and len(reads) == 1 and not slack.rejected
    print(f"  {'met' if ok else 'NOT met'}: every trigger within 3 s, one catalogue read")
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--instances", type=int, default=100)
    args = parser.parse_args()
    slack, nebula = FakeSlack(), FakeNebula()
    await slack.start()
    await nebula.start()
    nebula.latency = args.latency
    for n in range(args.instances):
        nebula.add(f"{n:08x}-aaaa-4bbb-8ccc-{n:012x}", host_name=f"worker-{n:04d}")
    port = free_port()
    state = tempfile.mkdtemp(prefix="nebula-bench-form-")
    env = clean_environ() | bot_env(
        slack,
        nebula,
        Path(state) / "state.sqlite3",
        NEBULA_BOT_HOST="127.0.0.1",
        NEBULA_BOT_PORT=str(port),
        NEBULA_BOT_ALLOWED_USERS=",".join(person(i) for i in range(args.people)),
        NEBULA_BOT_LOG_LEVEL="WARNING",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=state, stdout=asyncio.subprocess.DEVNULL
    )
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    try:
        await wait_until_listening(session, port)
        driver = Driver("http", slack, f"http://127.0.0.1:{port}", session, lambda c: until(c, 60))
        print(f"Nebula answers each call after {args.latency * 1000:g} ms; a fleet of {args.instances}")
        ok = await forms(driver, slack, nebula, args.people)
    finally:
        await session.close()
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
        await slack.stop()
        await nebula.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
