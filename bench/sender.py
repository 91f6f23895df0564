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
from urllib.parse import urlsplit

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.standins.slack_driver import signature  # noqa: E402 - after the path is set


async def post_written(url: str, headers: dict[str, str], body: bytes) -> tuple[int, float]:
    """`--connect-first`: one POST on a connection made beforehand (untimed), with asyncio's streams;
    the answer's status, and the seconds from the request's last byte written to the answer's last
    byte read. A burst's requests then reach the subject within about 2 ms, where aiohttp's client
    takes some 20 ms to open 200 connections and counts that into every ack."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\n{head}\r\n".encode()
        + body
    )
    sent = time.perf_counter()
    status_line, *lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    fields = dict(line.lower().split(":", 1) for line in lines if ":" in line)
    await reader.readexactly(int(fields.get("content-length", "0")))
    answered = time.perf_counter()
    writer.close()
    status = status_line.split()
    return (int(status[1]) if len(status) > 1 else 0), answered - sent


async def send(
    url: str, secret: str, bodies: list[str], rate: float | None, connect_first: bool = False
) -> dict[str, object]:
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
            if connect_first:
                status, seconds = await post_written(url, headers, body.encode())
                ack_ms.append(seconds * 1000)
                failed += status != 200
                return
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
    sent = send(job["url"], job["secret"], job["bodies"], job["rate"], job.get("connect_first", False))
    print(json.dumps(asyncio.run(sent)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
