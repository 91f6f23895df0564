"""What happens when a lease ends: a notice where the lease was set, and, for stop or delete, the change
after NEBULA_BOT_LEASE_GRACE unless someone clicks Keep.

That change is a confirmation agreed in advance (`bot.core.agreed`) whose id is fixed when the lease
ends, so it is sent exactly once across replicas and restarts, with the usual audit, dry run and
outcome in the notice's thread; Keep withdraws the same confirmation, so of Keep and the change
exactly one wins. Each decision is taken on a fresh read of that one instance: while Nebula cannot be
read, a due lease waits (saying so once) and is decided on the first good read.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Final

from bot.core.agreed import AgreedChanges
from bot.core.services import Part, Services
from bot.core.trail import Subject
from bot.domain.audit import LEASE_ACTOR, Step
from bot.domain.confirmation import Confirmation, State, summarize
from bot.domain.instance import Instance
from bot.domain.policy import Actor, owner_approval
from bot.domain.records import Lease, new_serial
from bot.domain.verbs import VERBS
from bot.infra import logs
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet
from bot.slack.messages import fleet as fleet_messages
from bot.slack.messages import texts
from bot.slack.messages.kit import notice
from bot.slack.messages.protection import badge
from bot.slack.messages.refusals import refusal_text
from bot.slack.replier import post_or_log
from bot.store.records import Versioned

VERB: Final = "lease"


def agreed_id(serial: str) -> str:
    """The id of the change a lease's end agreed to: the same on every replica."""
    return f"lease-{serial}"


def agreed_change(lease: Lease, now: float, ttl: float, instance: Instance | None = None) -> Confirmation:
    """The confirmation a lease's end agreed to."""
    start = max(now, lease.act_at or now)
    return Confirmation(
        id=lease.action_id or agreed_id(lease.serial),
        verb=VERBS[lease.action if lease.action != "remind" else "stop"],
        instances=(instance or Instance(id=lease.instance_id, host_name=lease.host_name),),
        requester=lease.set_by,
        team_id=lease.team_id,
        channel_id=lease.channel_id,
        response_url="",
        created_at=now,
        expires_at=start + ttl,
    )


class LeaseEnds(Part):
    """Finds the leases with something to do, and does it."""

    def __init__(self, services: Services, *, agreed: AgreedChanges, fleet: Fleet) -> None:
        super().__init__(services)
        self._agreed = agreed
        self._fleet = fleet

    async def due(self) -> list[Versioned[Lease]]:
        """Leases with something to do now: ended and not yet noticed, or past their grace."""
        now = self.services.clock()
        return [
            v
            for v in await self.services.records.all(Lease)
            if (v.record.ended_at is None and v.record.ends_at <= now)
            or (v.record.act_at is not None and v.record.act_at <= now)
        ]

    async def handle(self, due: list[Versioned[Lease]]) -> None:
        """Post the notices of leases that ended, and carry out the changes whose grace is over."""
        for lease in due:
            try:
                try:
                    instance = await self._fleet.look(lease.record.instance_id)
                except NebulaError as exc:
                    await self._wait(lease, exc)
                    continue
                if lease.record.ended_at is None:
                    await self._end(lease, instance)
                else:
                    await self._act(lease, instance)
            except Exception:  # one lease's failure must not hold up the others
                logs.failure(
                    "lease.failed", instance=lease.record.instance_id, channel=lease.record.channel_id
                )

    async def _wait(self, current: Versioned[Lease], exc: NebulaError) -> None:
        """Nebula cannot be read: decide nothing on old data; say so once, and try again next cycle."""
        lease = current.record
        logs.warning("lease.waiting", instance=lease.instance_id, error=type(exc).__name__, outcome="waiting")
        if (
            lease.waiting
            or await self.services.records.put(current, dataclasses.replace(lease, waiting=True)) is None
        ):
            return
        text = (
            f":stopwatch: The lease on {fleet_messages.name(lease.instance_id, lease.host_name)} is due, "
            f"but Nebula cannot be read right now ({texts.nebula_error(exc)}). "
            "The bot decides as soon as Nebula answers."
        )
        await post_or_log(
            self.services.replier,
            lease.channel_id,
            notice(text),
            "lease.notice_failed",
            thread_ts=lease.notice_ts,
        )

    async def _end(self, current: Versioned[Lease], instance: Instance | None) -> None:
        s = self.services
        lease = current.record
        if instance is None or not instance.is_running:
            await self._moot(current, instance)
            return
        if await self._protected(current, instance):
            return
        now = s.clock()
        acts = lease.action != "remind"
        serial = new_serial()
        ended = dataclasses.replace(
            lease,
            ended_at=now,
            act_at=now + s.config.lease_grace if acts else None,
            action_id=agreed_id(serial) if acts else None,
            host_name=instance.host_name or lease.host_name,
            serial=serial,
            waiting=False,
        )
        if await s.records.put(current, ended) is None:
            return
        owner = (await s.owners.of([instance])).owners.get(instance.id)
        notice_message = fleet_messages.lease_ended(
            ended, ended.act_at, s.config.snooze, s.config.dry_run, owner
        )
        subject = Subject(VERB, lease.instance_id, lease.team_id, lease.channel_id)
        await s.trail.record(Step.LEASE_ENDED, "notified", subject, lease.set_by)
        if not acts:
            s.metrics.lease_actions.labels(lease.action, "reminded").inc()
        ts = await post_or_log(s.replier, lease.channel_id, notice_message, "lease.notice_failed")
        if ts is None:
            return
        # Kept or removed meanwhile, the lease has moved on: the notice is then not its any more.
        await s.records.update(
            Lease,
            lease.instance_id,
            lambda r: dataclasses.replace(r, notice_ts=ts) if r.serial == serial else r,
        )

    async def _protected(self, current: Versioned[Lease], instance: Instance) -> bool:
        """A lease that would stop or delete a protected instance does nothing (and is forgotten)."""
        if current.record.action == "remind":
            return False
        protection = (await self.services.protections.of([instance.id])).get(instance.id)
        if protection is None:
            return False
        await self._moot(current, instance, badge(protection))
        return True

    async def _moot(self, current: Versioned[Lease], instance: Instance | None, protected: str = "") -> None:
        """The lease ended on an instance already stopped or gone, or protected: say so, do nothing,
        forget the lease."""
        s = self.services
        lease = current.record
        if not await s.records.remove(current):
            return
        if lease.action_id is not None:
            await self._agreed.withdraw(
                agreed_change(lease, s.clock(), s.config.confirm_ttl, instance), LEASE_ACTOR
            )
        outcome = "protected" if protected else "gone" if instance is None else "not_running"
        s.metrics.lease_actions.labels(lease.action, outcome).inc()
        subject = Subject(VERB, lease.instance_id, lease.team_id, lease.channel_id)
        await s.trail.record(Step.LEASE_ENDED, outcome, subject, lease.set_by)
        status = instance.status if instance is not None else None
        message = fleet_messages.lease_moot(lease, status, protected)
        await post_or_log(
            s.replier, lease.channel_id, message, "lease.notice_failed", thread_ts=lease.notice_ts
        )

    async def _act(self, current: Versioned[Lease], instance: Instance | None) -> None:
        s = self.services
        lease = current.record
        entry = await s.store.get(lease.action_id) if lease.action_id else None
        if entry is not None and entry.state is not State.PENDING:
            await s.records.remove(current)  # carried out, or withdrawn, earlier: the lease is done
            return
        if instance is None or instance.is_gone or (lease.action == "stop" and not instance.is_running):
            await self._moot(current, instance)
            return
        if await self._protected(current, instance):
            return
        setter = await s.access.resolve(
            Actor(lease.set_by, lease.team_id or None, None, lease.channel_id or None)
        )
        ruling = s.access.may_request(setter)
        if ruling.allowed:
            # Under the owner rule a lease acts for its setter alone: never on someone else's instance.
            owned = await s.owners.of([instance])
            if owned.unsure and s.access.rules.owner_rule:
                logs.warning(
                    "lease.waiting", instance=lease.instance_id, detail="owner unknown", outcome="waiting"
                )
                return  # Slack could not say whose it is: decide on a later cycle, never on a guess
            ruling = owner_approval(s.access.rules, setter, owned.owners, guarded=True)
        if ruling.reason is not None:
            if await s.records.remove(current):
                await self._agreed.withdraw(
                    agreed_change(lease, s.clock(), s.config.confirm_ttl, instance), LEASE_ACTOR
                )
                s.metrics.lease_actions.labels(lease.action, "refused").inc()
                message = fleet_messages.lease_not_carried_out(lease, refusal_text(ruling.reason))
                await post_or_log(
                    s.replier, lease.channel_id, message, "lease.notice_failed", thread_ts=lease.notice_ts
                )
            return
        lease_actor = Actor(LEASE_ACTOR, lease.team_id or None, None, lease.channel_id or None)
        # A task of its own: if the watcher is stopped mid-cycle, the change still finishes (or is
        # reported as unknown) through the shutdown drain, like a click's.
        change = agreed_change(lease, s.clock(), s.config.confirm_ttl, instance)
        task = asyncio.create_task(self._agreed.carry_out(change, lease.notice_ts, lease_actor))
        outcomes = await asyncio.shield(task)
        if outcomes is None:
            return
        summary = summarize(outcomes)
        s.metrics.lease_actions.labels(lease.action, summary.value).inc()
        subject = Subject(VERB, lease.instance_id, lease.team_id, lease.channel_id, change.id)
        await s.trail.record(
            Step.LEASE_ACTION, summary, subject, LEASE_ACTOR, message=f"lease set by {lease.set_by}"
        )
        await s.records.remove(current)
