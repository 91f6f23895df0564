"""How long the bot's event loop is held at a time: each callback's run, timed, in a process started
with this directory on PYTHONPATH and BENCH_SLICES set to a file to write.

An ack waits for whatever callback holds the loop when its request arrives, so the ack tail during
the watcher's cycles is made of the longest of these. At exit the file gets one JSON object: how many
callbacks ran, a histogram of their durations, and the slowest ones with the task and the line each
had reached when it gave the loop back (`bench/watch.py --slices` starts the bot so and prints it).
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import json
import os
import selectors
import time
from asyncio import events
from pathlib import Path

_OUT = os.environ.get("BENCH_SLICES")
_EDGES_MS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0)
_KEEP = 40
_LONG_MS = 5.0

if _OUT:
    counts = [0] * (len(_EDGES_MS) + 1)
    slowest: list[tuple[float, str]] = []
    by_place: dict[str, list[float]] = {}  # callbacks over half a millisecond: count and total, by place
    run = events.Handle._run

    def waiting_at(coro: object) -> str:
        """Where a suspended task waits now: the innermost frame of the bot's own code, found by
        following what each coroutine awaits (a task's own stack holds only its outermost frame)."""
        places = ["done"]
        while coro is not None:
            frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
            if frame is not None and "/bot/" in frame.f_code.co_filename:
                path = frame.f_code.co_filename.rsplit("/bot/", 1)[1]
                places.append(f"{frame.f_code.co_name} {path}:{frame.f_lineno}")
            coro = (
                getattr(coro, "cr_await", None)
                or getattr(coro, "ag_await", None)
                or getattr(coro, "gi_yieldfrom", None)
            )
        return " < ".join(reversed(places[-2:])) if len(places) > 1 else "done"

    def where(handle: events.Handle) -> str:
        callback = getattr(handle, "_callback", None)
        task = getattr(callback, "__self__", None)
        if isinstance(task, asyncio.Task):
            line = waiting_at(task.get_coro())
            coro = task.get_coro()
            return f"{getattr(coro, '__qualname__', coro)!r:.80} now at {line}"
        return repr(handle)[:160]

    steps: dict[str, int] = {}  # task steps, by the task's coroutine

    # Over LONG_MS, how much of a callback's or a turn's time the loop's thread spent on a CPU: the
    # rest it was waiting (for the GIL, held by another thread; or for a core, the machine busy).
    long_callbacks = [0, 0.0, 0.0]  # count, wall ms, CPU ms
    long_turns = [0, 0.0, 0.0]

    def timed(self: events.Handle) -> None:
        begun, cpu = time.perf_counter(), time.thread_time()
        run(self)
        ms = (time.perf_counter() - begun) * 1000
        if ms > _LONG_MS:
            long_callbacks[:] = [
                long_callbacks[0] + 1,
                long_callbacks[1] + ms,
                long_callbacks[2] + (time.thread_time() - cpu) * 1000,
            ]
        task = getattr(getattr(self, "_callback", None), "__self__", None)
        if isinstance(task, asyncio.Task):
            name = getattr(task.get_coro(), "__qualname__", "?")
            steps[name] = steps.get(name, 0) + 1
        counts[sum(ms > edge for edge in _EDGES_MS)] += 1
        if ms > 0.5:
            place = where(self)
            seen = by_place.setdefault(place, [0, 0.0])
            seen[0] += 1
            seen[1] += ms
        if ms > 1.0 and (len(slowest) < _KEEP or ms > slowest[-1][0]):
            slowest.append((ms, where(self)))
            slowest.sort(key=lambda s: -s[0])
            del slowest[_KEEP:]

    events.Handle._run = timed  # type: ignore[method-assign]

    # A whole turn of the loop: from `select` returning to the next `select`. A request that
    # arrives meanwhile is seen only at the next `select`, and its handler runs a turn later still,
    # after every callback that became ready with it: an ack waits for turns, not for one callback.
    turns = [0] * (len(_EDGES_MS) + 1)
    left_select: list[float] = []
    select = selectors.EpollSelector.select

    def timed_select(self: selectors.EpollSelector, timeout: float | None = None) -> object:
        if left_select:
            ms = (time.perf_counter() - left_select[0]) * 1000
            turns[sum(ms > edge for edge in _EDGES_MS)] += 1
            if ms > _LONG_MS:
                long_turns[:] = [
                    long_turns[0] + 1,
                    long_turns[1] + ms,
                    long_turns[2] + (time.thread_time() - left_select[1]) * 1000,
                ]
        found = select(self, timeout)
        left_select[:] = [time.perf_counter(), time.thread_time()]
        return found

    selectors.EpollSelector.select = timed_select  # type: ignore[method-assign,assignment]

    # The garbage collector's passes, which hold the loop inside whichever callback allocates.
    collections: dict[int, list[float]] = {0: [], 1: [], 2: []}
    collecting: list[float] = []
    full: list[tuple[float, float, int]] = []  # each full pass: seconds after start, ms, objects then
    begun_at = time.perf_counter()

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting[:] = [time.perf_counter()]
        elif collecting:
            ms = (time.perf_counter() - collecting[0]) * 1000
            collections[info["generation"]].append(ms)
            if info["generation"] == 2:
                full.append((round(collecting[0] - begun_at, 2), round(ms, 2), len(gc.get_objects(2))))

    gc.callbacks.append(on_gc)

    def write() -> None:
        labels = [f"<={e}ms" for e in _EDGES_MS] + [f">{_EDGES_MS[-1]}ms"]
        Path(str(_OUT)).write_text(
            json.dumps(
                {
                    "callbacks": sum(counts),
                    "histogram": dict(zip(labels, counts, strict=True)),
                    "turns": dict(zip(labels, turns, strict=True)),
                    "slowest": [{"ms": round(ms, 2), "where": w} for ms, w in slowest],
                    "over_half_ms": {w: [int(c), round(t, 1)] for w, (c, t) in by_place.items()},
                    "full_passes": full,
                    f"over_{_LONG_MS}ms_on_cpu": {
                        name: {"count": c, "wall_ms": round(w, 1), "cpu_ms": round(u, 1)}
                        for name, (c, w, u) in (("callbacks", long_callbacks), ("turns", long_turns))
                    },
                    "steps": dict(sorted(steps.items(), key=lambda kv: -kv[1])[:12]),
                    "gc": {
                        str(g): {"count": len(ms), "max_ms": round(max(ms, default=0), 2)}
                        | {"total_ms": round(sum(ms), 1)}
                        for g, ms in collections.items()
                    },
                }
            )
        )

    atexit.register(write)
