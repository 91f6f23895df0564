"""Reminders about instances that have run for long: one per instance per snooze period, with Keep.

Which replica posts is decided by the store: the reminder record is swapped in before anything is
posted, so of several replicas (or a restarted one) exactly one posts, and none again until its
`quiet_until` has passed. A reminder is closed only when a fresh read of its instance confirms that it
stopped or is gone: one odd list or detail read resets nothing. Its buttons carry its version, so a
press on an older reminder is told it is out of date.
"""

from __future__ import annotations

from typing import Final

from bot.core.confirmations import Requests
from bot.core.rails import Owners, Protections, Subject
from bot.core.watch.reminder_book import ReminderBook
from bot.domain.audit import Topic
from bot.domain.controls import NoticeRef
from bot.domain.fleet.instance import Instance
from bot.domain.money.costs import FleetCost, Usage
from bot.domain.policy import Actor
from bot.domain.records import Reminder
from bot.domain.verbs import Verb
from bot.infra import logs
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet, Snapshot
from bot.slack.messages.notices.protection import badge
from bot.slack.replier import Destination
from bot.store import Versioned

MAX_PER_CYCLE: Final = 20


class Reminders:
    """Decides which instances get a reminder, which reminders close, and answers their buttons."""

    def __init__(
        self,
        *,
        book: ReminderBook,
        fleet: Fleet,
        protections: Protections,
        owners: Owners,
        requests: Requests,
    ) -> None:
        self._book = book
        self._fleet = fleet
        self._protections = protections
        self._owners = owners
        self._requests = requests
        self._doubted: set[str] = set()  # instances whose figures were discarded (logged once each)

    async def check(self, snapshot: Snapshot, costs: FleetCost) -> int:
        """Remind about every running instance past NEBULA_BOT_REMIND_AFTER that is not quiet (`costs`:
        the running ones' figures this cycle); close the reminders of instances no longer running.
        Returns how many reminders this call posted."""
        config = self._book.config
        channel = config.watch_channel
        if channel is None:
            return 0
        now = self._book.clock()
        held = await self._book.held()
        due: list[tuple[Usage, Versioned[Reminder] | None]] = []
        for use in costs.rows:
            self._note_discarded(use)
            if use.running_seconds is None or use.running_seconds < config.remind_after:
                continue
            current = held.get(use.instance.id)
            if current is None or current.record.quiet_until <= now:
                due.append((use, current))
        # Slack takes about one message a second per channel: a cycle posts the costliest few, and
        # the next cycles the rest, rather than holding the watcher for minutes.
        due.sort(key=lambda item: item[0].cost or 0.0, reverse=True)
        chosen = due[:MAX_PER_CYCLE]
        locks = await self._protections.of(use.instance.id for use, _ in chosen)
        owned = await self._owners.of(use.instance for use, _ in chosen)
        posted = 0
        for use, current in chosen:
            iid = use.instance.id
            lock = badge(locks[iid]) if iid in locks else ""
            posted += await self._book.remind(channel, current, use, lock, owned.owners.get(iid))
        for instance_id, current in held.items():
            listed = snapshot.find(instance_id)
            if listed is None or not listed.is_running:
                await self._close_if_confirmed(current, listed)
        return posted

    def _note_discarded(self, use: Usage) -> None:
        iid = use.instance.id
        if use.discarded and iid not in self._doubted:
            self._doubted.add(iid)
            logs.warning("figures.discarded", instance=iid, figure=use.discarded, since=use.since)

    async def _close_if_confirmed(self, current: Versioned[Reminder], listed: Instance | None) -> None:
        """Close the reminder if a fresh read of its instance agrees that it stopped or is gone."""
        record = current.record
        try:
            now_read = await self._fleet.look(record.instance_id)
        except NebulaError as exc:
            logs.warning("reminder.unconfirmed", instance=record.instance_id, error=type(exc).__name__)
            return
        if now_read is not None and now_read.is_running:
            seen = "absent from the list" if listed is None else f"listed as {listed.status}"
            logs.warning("reminder.odd_read_ignored", instance=record.instance_id, detail=seen)
            return
        await self._book.close(current, now_read)

    async def keep(self, actor: Actor, to: Destination, ref: NoticeRef) -> None:
        """Keep: no reminder about the instance until NEBULA_BOT_SNOOZE from now."""
        if await self._book.current(ref, to) is None:
            return
        subject = Subject(Topic.REMIND, ref.instance_id, actor.workspace, actor.channel_id)
        lock = (await self._protections.of([ref.instance_id])).get(ref.instance_id)
        await self._book.keep(actor.user_id, to, ref, subject, badge(lock) if lock else "")

    async def act(self, actor: Actor, to: Destination, ref: NoticeRef, verb: Verb) -> None:
        """Stop or Delete on a reminder: the usual confirmation, if the reminder is still current."""
        if await self._book.current(ref, to) is None:
            return
        await self._requests.request(actor, to, verb, (ref.instance_id,))
