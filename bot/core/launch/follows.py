"""Following launches to Running: every few seconds while any is open, the fleet is listed once and
each open launch moves on (found under its name, its status, its address, or given up after 15
minutes), on whichever replica gets there first. Nothing is ever sent to Nebula again from here: a
launch whose POST got no answer is settled by what the list shows.

It reads the store, not a process's memory, so a launch goes on being followed after a restart, and a
replica that crashed between claiming a launch and recording its outcome leaves it to be settled here.
"""

from __future__ import annotations

import asyncio

from bot.core.fleet import FleetView
from bot.core.launch.book import FOLLOW_FOR, KEEP_FINISHED, LaunchBook
from bot.core.rails import Owners
from bot.core.watch import Leases
from bot.domain.audit import Step
from bot.domain.fleet.instance import Instance
from bot.domain.launch import Failure, Launch, Stage
from bot.domain.policy import Actor
from bot.infra import logs
from bot.infra.clock import Pause
from bot.nebula.errors import NebulaError
from bot.slack.messages.notices import approvals as dm_messages
from bot.store import Versioned

# Statuses after which an instance will not come to run by itself.
FAILED_STATUSES = frozenset({"error", "failed", "deleted", "deleting", "stopped"})


class Follows:
    """The launches' follow-up, one pass at a time."""

    def __init__(
        self, *, book: LaunchBook, view: FleetView, owners: Owners, leases: Leases, pause: Pause
    ) -> None:
        self._book = book
        self._view = view
        self._owners = owners
        self._leases = leases
        self._pause = pause

    async def run_until(self, stop: asyncio.Event) -> None:
        """A pass every NEBULA_BOT_LAUNCH_FOLLOW_EVERY until `stop` is set."""
        while not stop.is_set():
            try:
                await self.step()
            except Exception as exc:  # one bad pass must not end the follow-up for good
                logs.warning("launch.follow_failed", error=type(exc).__name__)
            await self._pause(stop, self._book.config.launch_follow_every)

    async def step(self) -> int:
        """One pass; how many launches were open."""
        book = self._book
        now = book.clock()
        following = []
        for current in await book.records.all(Launch):
            launch = current.record
            stage = launch.stage_now
            if stage is Stage.PENDING and now >= launch.expires_at:
                await self._expire(current)
            elif stage is Stage.CLAIMED and now - (launch.decided_at or now) > book.config.stale_claim_after:
                await self._orphaned(current, now)
            elif stage in (Stage.CREATED, Stage.UNSURE, Stage.FOUND):
                following.append(current)
            elif book.finished(launch) and now - (launch.decided_at or launch.created_at) > KEEP_FINISHED:
                await book.records.remove(current)
        if not following:
            return 0
        try:
            fleet = await self._view.read(details=False)
        except NebulaError as exc:
            logs.warning("launch.follow_unread", error=type(exc).__name__, open=len(following))
            return len(following)
        by_name = {(i.host_name or "").lower(): i for i in fleet.instances}
        by_id = {i.id: i for i in fleet.instances}
        for current in following:
            launch = current.record
            listed = by_id.get(launch.instance_id or "") or (
                None if launch.instance_id else by_name.get(launch.name)
            )
            await self._look(current, listed, now)
        return len(following)

    async def _expire(self, current: Versioned[Launch]) -> None:
        book = self._book
        moved = await book.advance(
            current.record.id, Stage.PENDING, stage=Stage.EXPIRED.value, decided_at=book.clock()
        )
        if moved is not None:
            await book.note(Step.EXPIRED, "expired", moved.record, None)
            await book.show(moved.record)
            await book.tell_requester(moved.record, dm_messages.launch_expired(moved.record))

    async def _orphaned(self, current: Versioned[Launch], now: float) -> None:
        """Claimed long ago with no outcome: the replica that held it stopped, maybe after the POST."""
        book = self._book
        moved = await book.advance(
            current.record.id, Stage.CLAIMED, stage=Stage.UNSURE.value, follow_until=now + FOLLOW_FOR
        )
        if moved is not None:
            await book.note(Step.RECOVERED, "unsure", moved.record, None, "claimed without an outcome")
            await book.show(moved.record)

    async def _look(self, current: Versioned[Launch], listed: Instance | None, now: float) -> None:
        launch = current.record
        over = launch.follow_until is not None and now >= launch.follow_until
        if listed is None:
            if launch.stage_now is Stage.FOUND:
                await self._end(current, Stage.FAILED, Failure.GONE)
            elif over:
                await self._end(current, Stage.FAILED, Failure.NEVER_APPEARED)
            return
        just_found = launch.instance_id is None
        if just_found:
            found = await self._found(current, listed)
            if found is None:
                return
            current, launch = found, found.record
        status = listed.status_word
        if listed.is_running:
            await self._end(current, Stage.RUNNING, address=listed.public_ipv4)
        elif status in FAILED_STATUSES:
            await self._end(current, Stage.FAILED, Failure.BROKE, status=listed.status)
        elif over:
            await self._end(current, Stage.GAVE_UP, status=listed.status)
        elif just_found:
            await self._book.show(launch)
        elif listed.status != launch.status:
            moved = await self._book.move(current, status=listed.status)
            if moved is not None:
                await self._book.show(moved.record)

    async def _found(self, current: Versioned[Launch], listed: Instance) -> Versioned[Launch] | None:
        """Listed under its name: its id is known; the requester owns it and its lease is set."""
        book, launch = self._book, current.record
        moved = await book.move(current, stage=Stage.FOUND.value, instance_id=listed.id, status=listed.status)
        if moved is None:
            return None
        launch = moved.record
        await book.release(launch)
        await self._owners.assign(listed.id, launch.requester)
        if launch.lease_seconds is not None:
            at = Actor(launch.requester, launch.workspace or None, None, launch.channel_id or None)
            await self._leases.grant(launch.requester, listed.id, launch.name, launch.lease_seconds, at)
        await book.note(Step.OUTCOME, "found", launch, launch.decided_by, f"listed as {listed.id}")
        return moved

    async def _end(
        self,
        current: Versioned[Launch],
        stage: Stage,
        failure: Failure | None = None,
        *,
        address: str | None = None,
        status: str | None = None,
    ) -> None:
        book = self._book
        changes: dict[str, object] = {"stage": stage.value}
        if failure is not None:
            changes["failure"] = failure.value
        if address:
            changes["address"] = address
        if status:
            changes["status"] = status
        moved = await book.move(current, **changes)
        if moved is None:
            return
        launch = moved.record
        if stage is Stage.FAILED:
            await book.release(launch)
        await book.note(Step.OUTCOME, failure.value if failure else stage.value, launch, launch.decided_by)
        await book.show(launch)
