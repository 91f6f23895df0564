"""A watcher nobody can forget: every bot process looks, in the store's cycle claims, whether some
process has run a watcher cycle in the last two intervals. When none has (NEBULA_BOT_WATCHER=apart
and no `nebula-bot watch` running, say), /healthz says so (degraded), a warning is logged once, and a
line is posted once in the watch channel (whichever replica gets there first); all of it clears when
cycles resume.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from bot.core.config import CoreConfig
from bot.domain.calendar.durations import format_duration
from bot.domain.records import Silence
from bot.infra.clock import Clock
from bot.slack.messages.notices import fleet as messages
from bot.slack.outbox import Outbox
from bot.store import Cycles, Records

SILENCE: Final = "watcher"  # the key of the one Silence record
QUIET_INTERVALS: Final = 2  # intervals without a cycle before anything is said


class Watchdog:
    """Says when the watcher's cycles stopped, and when they resume."""

    def __init__(
        self, *, config: CoreConfig, clock: Clock, cycles: Cycles, records: Records, outbox: Outbox
    ) -> None:
        self._config = config
        self._clock = clock
        self._cycles = cycles
        self._records = records
        self._outbox = outbox

    async def look(self, up_since: float) -> str | None:
        """What is wrong with the watcher now (None: its cycles run), for a bot up since `up_since`."""
        interval, now = self._config.watch_interval, self._clock()
        last = await self._cycles.last_cycle()
        # A process just started gives its own watcher (or the one apart) two intervals to be seen.
        if now - max(last or 0.0, up_since) <= QUIET_INTERVALS * interval:
            await self._resumed(last)
            return None
        since = last if last is not None else up_since
        await self._silent(since)
        hint = "; NEBULA_BOT_WATCHER=apart: is `nebula-bot watch` running?" if self._apart else ""
        every = format_duration(interval)
        return f"no watcher cycle since {format_duration(now - since)} ago (one is due every {every}){hint}"

    @property
    def _apart(self) -> bool:
        return self._config.watcher == "apart"

    async def _silent(self, since: float) -> None:
        channel = self._config.watch_channel
        if channel is None or await self._records.get(Silence, SILENCE) is not None:
            return
        won = await self._records.put(None, Silence(since, channel))
        if won is None:
            return  # another replica says it
        shown = messages.watcher_silent(since, self._config.watch_interval, self._apart)
        ts = await self._outbox.post(channel, shown, event="watcher.silence_post_failed")
        if ts is not None:
            await self._records.put(won, dataclasses.replace(won.record, message_ts=ts))

    async def _resumed(self, last: float | None) -> None:
        """Said once cycles run again: only a cycle after the silence ends it (not a process that just
        started, nor a look that began before the silence was said)."""
        found = await self._records.get(Silence, SILENCE)
        if found is None or last is None or last <= found.record.since:
            return
        if not await self._records.remove(found):
            return
        silence = found.record
        back = messages.watcher_back(silence.since)
        if not await self._outbox.edit(silence.channel_id, silence.message_ts, back):
            await self._outbox.post(silence.channel_id, back, event="watcher.silence_post_failed")
