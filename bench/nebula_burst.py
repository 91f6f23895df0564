"""A team-wide burst against a slow Nebula (issue #24): is everyone answered, is a bystander acked in
time, and does the bot still reach Nebula afterwards?

    python bench/nebula_burst.py [--people 16] [--commands 5] [--latency 0.5]

The bot runs as its own process (HTTP mode) against stand-in Slack and Nebula in this process. Each
person sends `--commands` concurrent `/nebula delete <10 ids>` (16 x 5 = 80 commands, 800 look-ups),
Nebula answering each call after `--latency` seconds, while a bystander sends `/nebula help` every
0.2 s. It prints the acks (burst and bystander, p50/p99/max), what the burst's commands were answered,
how many calls reached Nebula, and whether a confirmation made before the burst is carried out after.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.slack.messages import action_ids  # noqa: E402 - after the path is set
from tests.helpers import buttons, shown  # noqa: E402
from tests.standins.process import BotProcess, bot_env, free_port, wait_until_listening  # noqa: E402
from tests.standins.servers import FakeNebula, FakeSlack  # noqa: E402
from tests.standins.slack_driver import Driver  # noqa: E402
from tests.standins.stack import eventually  # noqa: E402

IDS = [f"gpu-{n}" for n in range(10)]


def figures(label: str, millis: list[float]) -> str:
    ordered = sorted(millis)
    p50, p99 = statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"  {label:<28} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   max {ordered[-1]:7.1f} ms"


async def run(people: int, commands: int, latency: float) -> int:
    slack, nebula = FakeSlack(), FakeNebula()
    await slack.start()
    await nebula.start()
    for iid in [*IDS, "keep-1"]:
        nebula.add(iid)
    users = [f"U0P{n:02d}" for n in range(people)]
    state = Path(tempfile.mkdtemp()) / "state.sqlite3"
    allowed = ",".join(["U0ALICE", "U0BYSTANDER", *users])
    env = bot_env(
        slack,
        nebula,
        state,
        NEBULA_BOT_ALLOWED_USERS=allowed,
        NEBULA_BOT_MAX_PENDING_PER_USER=str(commands),
        NEBULA_BOT_LOG_LEVEL="WARNING",
    )
    port = free_port()  # it logs at WARNING: its `bot.ready` line, with the port, is not written
    bot = BotProcess(env | {"NEBULA_BOT_PORT": str(port)}, state.parent)
    await bot.start()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await wait_until_listening(session, port)
        driver = Driver("http", slack, bot.url, session, lambda condition: eventually(condition, 60))
        # Before the burst: a confirmation, to be confirmed after it.
        before = len(slack.messages)
        await driver.command("U0ALICE", "delete keep-1")
        await eventually(lambda: len(slack.messages) > before, 10)
        cid = str(buttons(slack.messages[before].body)[action_ids.CONFIRM]["value"])

        nebula.latency = latency
        done = asyncio.Event()
        bystander: list[float] = []

        async def bystand() -> None:
            while not done.is_set():
                started = time.monotonic()
                await driver.command("U0BYSTANDER", "help")
                bystander.append((time.monotonic() - started) * 1000)
                await asyncio.sleep(0.2)

        async def send(user: str) -> tuple[float, str]:
            started = time.monotonic()
            _, url = await driver.command(user, "delete " + " ".join(IDS))
            return (time.monotonic() - started) * 1000, url

        def confirmations() -> int:
            return len([m for m in slack.messages[before + 1 :] if action_ids.CONFIRM in buttons(m.body)])

        watching = asyncio.create_task(bystand())
        calls_before = len(nebula.calls)
        started = time.monotonic()
        sent = await asyncio.gather(*(send(user) for user in users for _ in range(commands)))
        urls = [url for _, url in sent]

        def all_answered() -> bool:
            # A command is answered through its response_url (a refusal, a failure), or by a confirmation.
            return sum(1 for url in urls if slack.posts_to(url)) + confirmations() >= len(urls)

        await eventually(all_answered, 600)
        burst_seconds = time.monotonic() - started
        done.set()
        await watching
        told = [shown(slack.posts_to(url)[0]) for url in urls if slack.posts_to(url)]
        busy = sum(1 for text in told if "Nebula is busy" in text)
        timeouts = sum(1 for text in told if "did not answer within" in text)
        reached = len(nebula.calls) - calls_before

        nebula.latency = 0.0
        await driver.click("U0ALICE", action_ids.CONFIRM, cid)
        try:
            await eventually(lambda: any(c.path.endswith("/keep-1") for c in nebula.deletes()), 30)
            after = "yes"
        except AssertionError:
            after = "NO"
        async with session.get(f"{bot.url}/healthz") as response:
            health = response.status
    bot.signal(signal.SIGTERM)
    await bot.wait(60)
    await slack.stop()
    await nebula.stop()
    print(f"burst: {people} people x {commands} commands x {len(IDS)} look-ups; Nebula takes {latency:g} s")
    print(figures("burst command acks", [ms for ms, _ in sent]))
    print(figures(f"bystander help acks ({len(bystander)})", bystander))
    print(f"  every command answered in      {burst_seconds:.1f} s")
    print(f"  confirmations posted           {confirmations()}")
    print(f"  told Nebula is busy            {busy}")
    print(f"  told Nebula did not answer     {timeouts}")
    print(f"  calls that reached Nebula      {reached}")
    print(f"  after: pre-burst delete sent   {after};  /healthz {health}")
    return 0 if after == "yes" and max(bystander) < 3000 and health == 200 else 1


def main() -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--people", type=int, default=16)
    parser.add_argument("--commands", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.5)
    args = parser.parse_args()
    return asyncio.run(run(args.people, args.commands, args.latency))


if __name__ == "__main__":
    sys.exit(main())
