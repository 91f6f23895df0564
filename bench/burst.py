"""A burst of outcomes into one rate-limited channel: do they all arrive, once each, in order?

    python bench/burst.py [-n 50]

The stand-in Slack enforces about one chat.postMessage per second per channel, answering 429 with
Retry-After as Slack does. The bot (in this process) carries out N confirmed deletes at once with an
audit channel, so N outcomes race for the same channel. It prints how long the last one took, how
many 429s Slack sent, and whether every outcome arrived exactly once and in the order the bot sent
them.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import shown  # noqa: E402 - after the path is set
from tests.standins.servers import FakeNebula, FakeSlack  # noqa: E402
from tests.standins.stack import Stack, eventually  # noqa: E402

AUDIT = "C0AUDIT"


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=50, help="outcomes in the burst (default 50)")
    args = parser.parse_args()
    slack, nebula = FakeSlack(), FakeNebula()
    await slack.start()
    await nebula.start()
    ids = [f"burst-{i:03d}" for i in range(args.n)]
    for iid in ids:
        nebula.add(iid)
    async with aiohttp.ClientSession() as session:
        stack = Stack("http", slack, nebula, Path(tempfile.mkdtemp()) / "s.sqlite3", session)
        _, driver = await stack.start_bot(
            nebula_bot_audit_channel=AUDIT, nebula_bot_allowed_users="*", nebula_bot_max_pending_per_user=100
        )
        cids = [await stack.request(driver, f"U0B{i % 10}", f"delete {iid}") for i, iid in enumerate(ids)]
        slack.rate_limit = (1, 1.0)  # from here on: one message per second per channel
        started = time.monotonic()
        await asyncio.gather(*(driver.click(f"U0B{i % 10}", "nebula_confirm", c) for i, c in enumerate(cids)))
        await eventually(lambda: len(slack.chat("chat.postMessage", AUDIT)) >= args.n, within=10 * args.n)
        elapsed = time.monotonic() - started
        arrived = [re.findall(r"burst-\d{3}", shown(m))[0] for m in slack.chat("chat.postMessage", AUDIT)]
        attempts = [re.findall(r"burst-\d{3}", shown(m.body))[0] for m in slack.messages if m.thread_ts]
        for bot in list(stack.bots):
            await stack.stop_bot(bot)
    await slack.stop()
    await nebula.stop()
    print(f"burst of {args.n} outcomes into one channel limited to 1 message/s")
    print(f"  all arrived after        {elapsed:.1f} s")
    print(f"  429s answered by Slack   {slack.limited}")
    print(f"  arrived, distinct        {len(arrived)}, {len(set(arrived))} (of {args.n})")
    same_order = arrived == attempts[: len(arrived)]
    print(f"  same order as threads    {'yes' if same_order else 'no'}")
    return 0 if sorted(arrived) == ids else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
