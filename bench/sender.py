"""Sends signed requests to a subject and times each ack, in a process of its own.

    python bench/sender.py < JOB   (JSON from bench/run.py; prints {"ack_ms": [...], "failed": n})

The stand-in Slack and Nebula live in run.py's process, and the stand-in Slack checks every message a
subject posts against Block Kit's rules: tens of milliseconds of its event loop at times. Timed
there, an ack that arrived meanwhile was read late, and the ack tail was the stand-ins' as much as
the subject's (bench/slices showed run.py's own loop held for 17-43 ms). Here nothing else runs.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.standins.slack_driver import signature  # noqa: E402 - after the path is set


async def send(url: str, secret: str, bodies: list[str], rate: float | None) -> dict[str, object]:
    """Each body POSTed, signed as Slack signs it: all at once, or `rate` a second on a fixed schedule
    (request i leaves at i / rate seconds, whatever the answers do). The acks' times, how many were
    not 200, and when the first left (epoch seconds: the time to the last outcome counts from it)."""
    ack_ms: list[float] = []
    failed = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        begun = time.time()

        async def one(body: str) -> None:
            nonlocal failed
            ts = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature(secret, ts, body),
            }
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                ack_ms.append((time.perf_counter() - started) * 1000)
                failed += response.status != 200

        if rate is None:
            await asyncio.gather(*(one(body) for body in bodies))
        else:
            sending, first = [], time.perf_counter()
            for i, body in enumerate(bodies):
                await asyncio.sleep(max(0.0, first + i / rate - time.perf_counter()))
                sending.append(asyncio.create_task(one(body)))
            await asyncio.gather(*sending)
    return {"ack_ms": ack_ms, "failed": failed, "begun": begun}


def main() -> int:
    job = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(send(job["url"], job["secret"], job["bodies"], job["rate"]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
