"""Leases as the store keeps them and the channel hears of them: each change to a lease record, and
what is said where it was set. What decides when these happen is `lease_ends` (the watcher) and
`leases` (people)."""

from __future__ import annotations

import dataclasses
from typing import Final

from bot.core.config import CoreConfig
from bot.core.confirmations import AgreedChanges
from bot.core.rails import Subject, Trail
from bot.domain.audit import LEASE_ACTOR, PROTECTED, Step, Topic
from bot.domain.confirmation import Confirmation, Entry, InstanceOutcome, State, Transition, summarize
from bot.domain.fleet.instance import Instance
from bot.domain.records import Lease, LeaseAction, new_serial
from bot.domain.refusals import Reason
from bot.domain.verbs import STOP, VERBS
from bot.infra import logs
from bot.infra.clock import Clock
from bot.infra.metrics import Metrics
from bot.nebula.errors import NebulaError
from bot.slack.messages.kit import Message
from bot.slack.messages.notices import leases as messages
from bot.slack.messages.refusals import refusal_text
from bot.slack.outbox import Outbox
from bot.store import Records, Versioned

REMIND: Final[LeaseAction] = "remind"  # a lease whose end only reminds


def agreed_id(serial: str) -> str:
    """The id of the change a lease's end agreed to: the same on every replica."""
    return f"lease-{serial}"


def subject_of(lease: Lease) -> Subject:
    """What the lease's audit lines are about."""
    return Subject(Topic.LEASE, lease.instance_id, lease.workspace, lease.channel_id)


class LeaseBook:
    """Lease records, their notices, and the changes they agreed to."""

    def __init__(
        self,
        *,
        config: CoreConfig,
        clock: Clock,
        records: Records,
        outbox: Outbox,
        trail: Trail,
        metrics: Metrics,
        agreed: AgreedChanges,
    ) -> None:
        self.config = config
        self.clock = clock
        self.records = records
        self._outbox = outbox
        self._trail = trail
        self._metrics = metrics
        self._agreed = agreed

    def change(self, lease: Lease, instance: Instance | None = None) -> Confirmation:
        """The confirmation a lease's end agreed to (a stop, when it only reminds)."""
        now = self.clock()
        start = max(now, lease.act_at or now)
        return Confirmation(
            id=lease.action_id or agreed_id(lease.serial),
            verb=VERBS.get(lease.action, STOP),
            instances=(instance or Instance(id=lease.instance_id, host_name=lease.host_name),),
            requester=lease.set_by,
            workspace=lease.workspace,
            channel_id=lease.channel_id,
            response_url="",
            created_at=now,
            expires_at=start + self.config.confirm_ttl,
        )

    async def withdraw(self, lease: Lease, actor: str, instance: Instance | None = None) -> Transition:
        """Make sure the change `lease` agreed to is never carried out, unless it already was."""
        return await self._agreed.withdraw(self.change(lease, instance), actor)

    async def agreed_state(self, lease: Lease) -> State | None:
        """Where the change a lease's end agreed to stands (None: none agreed, or never stored)."""
        entry = await self._agreed.entry(lease.action_id) if lease.action_id else None
        return entry.state if entry is not None else None

    async def agreed_entry(self, change_id: str) -> Entry | None:
        """The change a lease's end agreed to, as the store keeps it."""
        return await self._agreed.entry(change_id)

    def count(self, action: str, outcome: str) -> None:
        """One more lease whose `action` came to `outcome`, for the metrics."""
        self._metrics.lease_actions.labels(action, outcome).inc()

    async def ended(self, current: Versioned[Lease], instance: Instance, owner: str | None) -> None:
        """The lease's time is up on a running instance: its notice, and for stop and delete the change
        agreed for after the grace."""
        lease, now, serial = current.record, self.clock(), new_serial()
        acts = lease.action != REMIND
        ended = dataclasses.replace(
            lease,
            ended_at=now,
            act_at=now + self.config.lease_grace if acts else None,
            action_id=agreed_id(serial) if acts else None,
            host_name=instance.host_name or lease.host_name,
            serial=serial,
            waiting=False,
        )
        if await self.records.put(current, ended) is None:
            return
        shown = messages.lease_ended(ended, ended.act_at, self.config.snooze, self.config.dry_run, owner)
        await self._trail.note(Step.LEASE_ENDED, "notified", subject_of(lease), lease.set_by)
        if not acts:
            self.count(lease.action, "reminded")
        ts = await self._outbox.post(lease.channel_id, shown, event="lease.notice_failed")
        if ts is None:
            return
        # Kept or removed meanwhile, the lease has moved on: the notice is then not its any more.
        await self.records.update(
            Lease,
            lease.instance_id,
            lambda r: dataclasses.replace(r, notice_ts=ts) if r.serial == serial else r,
        )

    async def waiting(self, current: Versioned[Lease], error: NebulaError) -> None:
        """Nebula cannot be read: decide nothing on old data; say so once, and try again next cycle."""
        lease = current.record
        logs.warning(
            "lease.waiting", instance=lease.instance_id, error=type(error).__name__, outcome="waiting"
        )
        if lease.waiting or await self.records.put(current, dataclasses.replace(lease, waiting=True)) is None:
            return
        await self._say(lease, messages.lease_waiting(lease, error))

    async def moot(self, current: Versioned[Lease], instance: Instance | None, protected: str = "") -> None:
        """The lease ended on an instance already stopped or gone, or protected: say so, do nothing,
        forget the lease."""
        lease = current.record
        if not await self.records.remove(current):
            return
        if lease.action_id is not None:
            await self.withdraw(lease, LEASE_ACTOR, instance)
        outcome = PROTECTED if protected else "gone" if instance is None else "not_running"
        self.count(lease.action, outcome)
        await self._trail.note(Step.LEASE_ENDED, outcome, subject_of(lease), lease.set_by)
        status = instance.status if instance is not None else None
        await self._say(lease, messages.lease_moot(lease, status, protected))

    async def refused(self, current: Versioned[Lease], instance: Instance, reason: Reason) -> None:
        """The setter may no longer have the change made: say so, forget the lease."""
        lease = current.record
        if not await self.records.remove(current):
            return
        await self.withdraw(lease, LEASE_ACTOR, instance)
        self.count(lease.action, "refused")
        await self._say(lease, messages.lease_not_carried_out(lease, refusal_text(reason)))

    async def carried_out(
        self, current: Versioned[Lease], change: Confirmation, outcomes: tuple[InstanceOutcome, ...]
    ) -> None:
        """The lease's change was made (its outcome is in the notice's thread): forget the lease."""
        lease = current.record
        summary = summarize(outcomes)
        self.count(lease.action, summary.value)
        subject = dataclasses.replace(subject_of(lease), confirmation=change.id)
        await self._trail.note(
            Step.LEASE_ACTION, summary, subject, LEASE_ACTOR, message=f"lease set by {lease.set_by}"
        )
        await self.records.remove(current)

    async def _say(self, lease: Lease, shown: Message) -> None:
        await self._outbox.post(
            lease.channel_id, shown, thread_ts=lease.notice_ts, event="lease.notice_failed"
        )
