"""Leases: `/nebula lease <id> 8h`, and what happens when one ends.

At a lease's end the bot posts a notice where the lease was set. With NEBULA_BOT_LEASE_ACTION
`stop` or `delete`, the change follows after NEBULA_BOT_LEASE_GRACE unless someone clicks Keep.
That change is a confirmation agreed in advance, with an id fixed when the lease ended: every
replica (and a restarted bot) adds it at most once and asks the store to claim it, so it is sent
exactly once, with the usual audit, dry run, and outcome in the notice's thread. Keep cancels the
same confirmation, so of Keep and the change exactly one wins.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Final

from bot.core.access import Access
from bot.core.config import CoreConfig
from bot.core.confirmations import LEASE_ACTOR, Confirmations
from bot.core.protections import Protections, badge
from bot.core.reads import instance_or_say
from bot.core.trail import Subject, Trail
from bot.domain.audit import Step
from bot.domain.commands import LeaseCommand
from bot.domain.costs import is_running
from bot.domain.model import Confirmation, Instance, Lease, LeaseAction, State, new_confirmation_id, summarize
from bot.domain.policy import Actor, Decision, owner_approval
from bot.domain.verbs import VERBS
from bot.infra import logs
from bot.infra.inflight import InFlight
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaClient
from bot.nebula.fleet import Snapshot
from bot.slack.messages import blocks
from bot.slack.messages import fleet as fleet_messages
from bot.slack.messages.kit import moment
from bot.slack.replier import Destination, Replier, edit, guard, post_or_log, say
from bot.store.marks import Held, Marks

VERB: Final = "lease"
TWO_PERSON_NOTE: Final = (
    "With the two-person rule (NEBULA_BOT_APPROVERS), a lease only reminds: stopping or deleting "
    "still needs an approver's confirmation."
)


class Leases:
    """Sets, shows and removes leases, and carries out what their ends call for."""

    def __init__(
        self,
        config: CoreConfig,
        access: Access,
        nebula: NebulaClient,
        marks: Marks,
        protections: Protections,
        replier: Replier,
        trail: Trail,
        confirmations: Confirmations,
        metrics: Metrics,
        inflight: InFlight,
        clock: Callable[[], float],
    ) -> None:
        self._config = config
        self._access = access
        self._nebula = nebula
        self._marks = marks
        self._protections = protections
        self._replier = replier
        self._trail = trail
        self._confirmations = confirmations
        self._metrics = metrics
        self._inflight = inflight
        self._clock = clock

    @property
    def action(self) -> LeaseAction:
        """What a lease's end does. Under the two-person rule nobody acts alone, so a lease only reminds."""
        return "remind" if self._access.rules.needs_approval else self._config.lease_action

    async def command(self, actor: Actor, command: LeaseCommand, to: Destination) -> None:
        """`/nebula lease <id> [<duration>|off]`."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            admitted = await self._access.admit(actor, self._replier, to)
            if admitted is None:
                return
            actor = admitted
            current = await self._marks.get(Lease, command.instance_id)
            if command.off:
                await self._remove(actor, command.instance_id, current, to)
            elif command.seconds is None:
                shown = fleet_messages.lease_shown(
                    current.mark if current else None, command.instance_id, self._config.dry_run
                )
                await say(self._replier, to, shown)
            else:
                await self._set(actor, command.instance_id, command.seconds, current, to)

    async def _set(
        self, actor: Actor, instance_id: str, seconds: float, current: Held[Lease] | None, to: Destination
    ) -> None:
        instance = await instance_or_say(self._nebula, self._replier, to, instance_id)
        if instance is None:
            return
        now = self._clock()
        lease = Lease(
            instance_id=instance_id,
            host_name=instance.host_name,
            ends_at=now + seconds,
            set_by=actor.user_id,
            set_at=now,
            channel_id=actor.channel_id or "",
            team_id=actor.team_id or "",
            action=self.action,
        )
        if await self._marks.put(current, lease) is None:
            await say(
                self._replier, to, blocks.notice("Someone else changed this lease just now: try again.")
            )
            return
        if current is not None and current.mark.action_id is not None:
            await self._confirmations.withdraw(self._agreed(current.mark), actor.user_id)
        await self._trail.record(
            Step.LEASE_SET,
            lease.action,
            Subject(VERB, instance_id, actor.team_id, actor.channel_id),
            actor.user_id,
            message=f"ends {lease.ends_at:.0f}",
        )
        note = TWO_PERSON_NOTE if lease.action != self._config.lease_action else ""
        await say(
            self._replier, to, fleet_messages.lease_set(lease, self._config.dry_run, note), in_channel=True
        )

    async def _remove(
        self, actor: Actor, instance_id: str, current: Held[Lease] | None, to: Destination
    ) -> None:
        if current is None or not await self._marks.remove(current):
            await say(self._replier, to, fleet_messages.lease_removed(instance_id, found=False))
            return
        if current.mark.action_id is not None:
            await self._confirmations.withdraw(self._agreed(current.mark), actor.user_id)
        await self._trail.record(
            Step.LEASE_REMOVED,
            "removed",
            Subject(VERB, instance_id, actor.team_id, actor.channel_id),
            actor.user_id,
        )
        await say(self._replier, to, fleet_messages.lease_removed(instance_id, found=True), in_channel=True)

    async def show_all(self, actor: Actor, to: Destination) -> None:
        """`/nebula leases`: every lease, for the asker only."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            admitted = await self._access.admit(actor, self._replier, to)
            if admitted is None:
                return
            actor = admitted
            found = [held.mark for held in await self._marks.all(Lease)]
            await say(self._replier, to, fleet_messages.leases(found))

    async def due(self) -> list[Held[Lease]]:
        """Leases with something to do now: ended and not yet noticed, or past their grace."""
        now = self._clock()
        return [
            held
            for held in await self._marks.all(Lease)
            if (held.mark.ended_at is None and held.mark.ends_at <= now)
            or (held.mark.act_at is not None and held.mark.act_at <= now)
        ]

    async def settle(self, due: list[Held[Lease]], snapshot: Snapshot) -> None:
        """Post the notices of leases that ended, and carry out the changes whose grace is over."""
        for held in due:
            try:
                if held.mark.ended_at is None:
                    await self._end(held, snapshot)
                else:
                    await self._act(held, snapshot)
            except Exception:  # one lease's failure must not hold up the others
                logs.failure("lease.failed", instance=held.mark.instance_id, channel=held.mark.channel_id)

    async def _end(self, held: Held[Lease], snapshot: Snapshot) -> None:
        lease = held.mark
        instance = snapshot.find(lease.instance_id)
        if instance is None or not is_running(instance):
            await self._moot(held, instance)
            return
        if await self._protected(held, instance):
            return
        now = self._clock()
        acts = lease.action != "remind"
        ended = dataclasses.replace(
            lease,
            ended_at=now,
            act_at=now + self._config.lease_grace if acts else None,
            action_id=new_confirmation_id() if acts else None,
            host_name=instance.host_name or lease.host_name,
        )
        won = await self._marks.put(held, ended)
        if won is None:
            return
        owner = (await self._confirmations.owners_of([instance])).get(instance.id)
        notice = fleet_messages.lease_ended(
            ended, ended.act_at, self._config.snooze, self._config.dry_run, owner
        )
        await self._trail.record(
            Step.LEASE_ENDED,
            "notified",
            Subject(VERB, lease.instance_id, lease.team_id, lease.channel_id),
            lease.set_by,
        )
        if not acts:
            self._metrics.lease_actions.labels(lease.action, "reminded").inc()
        ts = await post_or_log(self._replier, lease.channel_id, notice, "lease.notice_failed")
        if ts is None:
            return
        # Kept or removed meanwhile, the lease has moved on: the notice is then not its any more.
        await self._marks.update(
            Lease,
            lease.instance_id,
            lambda mark: dataclasses.replace(mark, notice_ts=ts) if mark.ended_at == ended.ended_at else mark,
        )

    async def _protected(self, held: Held[Lease], instance: Instance) -> bool:
        """A lease that would stop or delete a protected instance does nothing (and is forgotten)."""
        if held.mark.action == "remind":
            return False
        protection = (await self._protections.of([instance.id])).get(instance.id)
        if protection is None:
            return False
        await self._moot(held, instance, badge(protection))
        return True

    async def _moot(self, held: Held[Lease], instance: Instance | None, protected: str = "") -> None:
        """The lease ended on an instance already stopped or gone, or protected: say so, do nothing,
        forget the lease."""
        lease = held.mark
        if not await self._marks.remove(held):
            return
        if lease.action_id is not None:
            await self._confirmations.withdraw(self._agreed(lease, instance), LEASE_ACTOR)
        outcome = "protected" if protected else "gone" if instance is None else "not_running"
        self._metrics.lease_actions.labels(lease.action, outcome).inc()
        await self._trail.record(
            Step.LEASE_ENDED,
            outcome,
            Subject(VERB, lease.instance_id, lease.team_id, lease.channel_id),
            lease.set_by,
        )
        status = instance.status if instance is not None else None
        message = fleet_messages.lease_moot(lease, status, protected)
        await post_or_log(
            self._replier, lease.channel_id, message, "lease.notice_failed", thread_ts=lease.notice_ts
        )

    def _agreed(self, lease: Lease, instance: Instance | None = None) -> Confirmation:
        """The confirmation a lease's end agreed to; the same id on every replica."""
        now = self._clock()
        start = max(now, lease.act_at or now)
        return Confirmation(
            id=lease.action_id or "",
            verb=VERBS[lease.action if lease.action != "remind" else "stop"],
            instances=(instance or Instance(id=lease.instance_id, host_name=lease.host_name),),
            requester=lease.set_by,
            team_id=lease.team_id,
            channel_id=lease.channel_id,
            response_url="",
            created_at=now,
            expires_at=start + self._config.confirm_ttl,
        )

    async def _act(self, held: Held[Lease], snapshot: Snapshot) -> None:
        lease = held.mark
        instance = snapshot.find(lease.instance_id)
        entry = await self._confirmations.entry(lease.action_id) if lease.action_id else None
        if entry is not None and entry.state is not State.PENDING:
            await self._marks.remove(held)  # carried out, or cancelled, earlier: the lease is done
            return
        if instance is None or _gone(instance) or (lease.action == "stop" and not is_running(instance)):
            await self._moot(held, instance)
            return
        if await self._protected(held, instance):
            return
        setter = Actor(lease.set_by, lease.team_id or None, None, lease.channel_id or None)
        setter = await self._access.resolve(setter)
        decision = self._access.may_request(setter)
        if decision.allowed:
            # Under the owner rule a lease acts for its setter alone: never on someone else's instance.
            owners = await self._confirmations.owners_of([instance])
            ruling = owner_approval(self._access.rules, setter, owners, guarded=True)
            if ruling.reason:
                decision = Decision(False, ruling.reason)
        if not decision.allowed:
            if await self._marks.remove(held):
                await self._confirmations.withdraw(self._agreed(lease, instance), LEASE_ACTOR)
                self._metrics.lease_actions.labels(lease.action, "refused").inc()
                message = fleet_messages.lease_not_carried_out(lease, decision.reason)
                await post_or_log(
                    self._replier, lease.channel_id, message, "lease.notice_failed", thread_ts=lease.notice_ts
                )
            return
        lease_actor = Actor(LEASE_ACTOR, lease.team_id or None, None, lease.channel_id or None)
        # A task of its own: if the watcher is stopped mid-cycle, the change still finishes (or is
        # reported as unknown) through the shutdown drain, like a click's.
        task = asyncio.create_task(
            self._confirmations.carry_out_agreed(self._agreed(lease, instance), lease.notice_ts, lease_actor)
        )
        outcomes = await asyncio.shield(task)
        if outcomes is None:
            return
        summary = summarize(outcomes)
        self._metrics.lease_actions.labels(lease.action, summary.value).inc()
        await self._trail.record(
            Step.LEASE_ACTION,
            summary,
            Subject(VERB, lease.instance_id, lease.team_id, lease.channel_id, lease.action_id),
            LEASE_ACTOR,
            message=f"lease set by {lease.set_by}",
        )
        await self._marks.remove(held)

    async def keep(self, actor: Actor, instance_id: str, to: Destination) -> None:
        """Keep on a lease notice: the lease runs NEBULA_BOT_SNOOZE more; its pending change is cancelled."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            admitted = await self._access.admit(actor, self._replier, to)
            if admitted is None:
                return
            actor = admitted
            ends_at = self._clock() + self._config.snooze
            kept = await self._marks.update(
                Lease,
                instance_id,
                lambda mark: dataclasses.replace(
                    mark, ends_at=ends_at, ended_at=None, act_at=None, action_id=None, notice_ts=None
                ),
            )
            if kept is None:
                await say(self._replier, to, blocks.notice(f"There is no lease on `{instance_id}` any more."))
                return
            before, after = kept
            subject = Subject(VERB, instance_id, actor.team_id, actor.channel_id)
            if before.action_id is not None:
                transition = await self._confirmations.withdraw(self._agreed(before), actor.user_id)
                if (
                    not transition.won
                    and transition.entry is not None
                    and transition.entry.state is not State.CANCELLED
                ):
                    text = (
                        f"Too late: the bot has already sent the {before.action} (see the thread). "
                        f"The lease now ends {moment(after.ends_at)}."
                    )
                    await say(self._replier, to, blocks.notice(text))
                    return
            self._metrics.lease_actions.labels(before.action, "kept").inc()
            await self._trail.record(
                Step.KEPT, "kept", subject, actor.user_id, message=f"until {after.ends_at:.0f}"
            )
            shown = fleet_messages.lease_kept(after, actor.user_id)
            await edit(self._replier, before.channel_id, before.notice_ts, shown, to)


def _gone(instance: Instance) -> bool:
    return (instance.status or "").strip().lower() in ("deleted", "deleting", "completed")
