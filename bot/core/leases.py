"""Leases people set: `/nebula lease <id> 8h` (show, `off`), `/nebula leases`, and a lease notice's
buttons (Keep, and Stop or Delete, which open the usual confirmation).

Every change to a lease gives it a new version; a notice's buttons carry the version they were posted
with, so a press on a notice of an earlier lease changes nothing. What happens when a lease ends is
`bot.core.lease_ends`.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from bot.core.agreed import AgreedChanges
from bot.core.budgets import over_budget
from bot.core.lease_ends import agreed_change, agreed_id
from bot.core.lookup import instance_or_say
from bot.core.requests import Requests
from bot.core.services import Part, Services, handler
from bot.core.trail import Subject
from bot.domain.audit import Step
from bot.domain.commands import ChangeCommand, LeaseCommand
from bot.domain.confirmation import State, summarize
from bot.domain.controls import NoticeRef
from bot.domain.policy import Actor, is_approver
from bot.domain.records import Lease, LeaseAction, new_serial
from bot.domain.verbs import Verb
from bot.slack.messages import fleet as fleet_messages
from bot.slack.messages.kit import moment, notice
from bot.slack.replier import Destination, edit, say
from bot.store.records import Versioned

VERB: Final = "lease"
TWO_PERSON_NOTE: Final = (
    "With the two-person rule (NEBULA_BOT_APPROVERS), a lease only reminds: stopping or deleting "
    "still needs an approver's confirmation."
)


class Leases(Part):
    """Sets, shows and removes leases, and answers their notices' buttons."""

    def __init__(self, services: Services, *, agreed: AgreedChanges, requests: Requests) -> None:
        super().__init__(services)
        self._agreed = agreed
        self._requests = requests

    @property
    def action(self) -> LeaseAction:
        """What a lease's end does. Under the two-person rule nobody acts alone, so a lease only reminds."""
        s = self.services
        return "remind" if s.access.rules.needs_approval else s.config.lease_action

    @handler(admit=True)
    async def command(self, actor: Actor, to: Destination, command: LeaseCommand) -> None:
        """`/nebula lease <id> [<duration>|off]`."""
        s = self.services
        current = await s.records.get(Lease, command.instance_id)
        if command.off:
            await self._remove(actor, command.instance_id, current, to)
        elif command.seconds is None:
            shown = fleet_messages.lease_shown(
                current.record if current else None, command.instance_id, s.config.dry_run
            )
            await say(s.replier, to, shown)
        else:
            await self._set(actor, command.instance_id, command.seconds, current, to)

    async def _set(
        self,
        actor: Actor,
        instance_id: str,
        seconds: float,
        current: Versioned[Lease] | None,
        to: Destination,
    ) -> None:
        s = self.services
        now = s.clock()
        extends = current is not None and (
            current.record.ended_at is not None or now + seconds > current.record.ends_at
        )
        if extends and await self._over_budget(actor, instance_id, to):
            return
        instance = await instance_or_say(s, to, instance_id)
        if instance is None:
            return
        lease = Lease(
            instance_id=instance_id,
            host_name=instance.host_name,
            ends_at=now + seconds,
            set_by=actor.user_id,
            set_at=now,
            channel_id=actor.channel_id or "",
            team_id=actor.team_id or "",
            action=self.action,
            serial=new_serial(),
        )
        if await s.records.put(current, lease) is None:
            await say(s.replier, to, notice("Someone else changed this lease just now: try again."))
            return
        if current is not None and current.record.action_id is not None:
            await self._agreed.withdraw(
                agreed_change(current.record, now, s.config.confirm_ttl), actor.user_id
            )
        subject = Subject(VERB, instance_id, actor.team_id, actor.channel_id)
        await s.trail.record(
            Step.LEASE_SET, lease.action, subject, actor.user_id, message=f"ends {lease.ends_at:.0f}"
        )
        note = TWO_PERSON_NOTE if lease.action != s.config.lease_action else ""
        await say(s.replier, to, fleet_messages.lease_set(lease, s.config.dry_run, note), in_channel=True)

    async def _remove(
        self, actor: Actor, instance_id: str, current: Versioned[Lease] | None, to: Destination
    ) -> None:
        s = self.services
        if current is None or not await s.records.remove(current):
            await say(s.replier, to, fleet_messages.lease_removed(instance_id, found=False))
            return
        if current.record.action_id is not None:
            await self._agreed.withdraw(
                agreed_change(current.record, s.clock(), s.config.confirm_ttl), actor.user_id
            )
        subject = Subject(VERB, instance_id, actor.team_id, actor.channel_id)
        await s.trail.record(Step.LEASE_REMOVED, "removed", subject, actor.user_id)
        await say(s.replier, to, fleet_messages.lease_removed(instance_id, found=True), in_channel=True)

    @handler(admit=True)
    async def show_all(self, actor: Actor, to: Destination) -> None:
        """`/nebula leases`: the leases, for the asker only."""
        s = self.services
        found = [v.record for v in await s.records.all(Lease)]
        await say(s.replier, to, fleet_messages.leases(found))

    @handler(admit=True)
    async def keep(self, actor: Actor, to: Destination, ref: NoticeRef) -> None:
        """Keep on a lease notice: the lease runs NEBULA_BOT_SNOOZE more; its pending change is withdrawn."""
        s = self.services
        ends_at = s.clock() + s.config.snooze
        if await self._over_budget(actor, ref.instance_id, to):
            return

        def kept(lease: Lease) -> Lease:
            if lease.serial != ref.serial:
                return lease
            return dataclasses.replace(
                lease,
                ends_at=ends_at,
                ended_at=None,
                act_at=None,
                action_id=None,
                notice_ts=None,
                serial=new_serial(),
            )

        changed = await s.records.update(Lease, ref.instance_id, kept)
        if changed is None or changed[0].serial != ref.serial:
            await self._stale(ref, to)
            return
        before, after = changed
        if before.action_id is not None:
            transition = await self._agreed.withdraw(
                agreed_change(before, s.clock(), s.config.confirm_ttl), actor.user_id
            )
            entry = transition.entry
            if not transition.won and entry is not None and entry.state is not State.CANCELLED:
                outcome = f": {summarize(entry.outcomes).value}" if entry.outcomes else ""
                text = (
                    f"Too late: the bot has already sent the {before.action}{outcome} (see the thread). "
                    f"The lease now ends {moment(after.ends_at)}."
                )
                await say(s.replier, to, notice(text))
                return
        s.metrics.lease_actions.labels(before.action, "kept").inc()
        subject = Subject(VERB, ref.instance_id, actor.team_id, actor.channel_id)
        await s.trail.record(Step.KEPT, "kept", subject, actor.user_id, message=f"until {after.ends_at:.0f}")
        await edit(
            s.replier,
            before.channel_id,
            before.notice_ts,
            fleet_messages.lease_kept(after, actor.user_id),
            to,
        )

    async def _over_budget(self, actor: Actor, instance_id: str, to: Destination) -> bool:
        """True (after saying why) when the budget is spent and `actor` is no approver: extending a lease
        is more spending, which then needs one."""
        s = self.services
        over = await over_budget(s)
        if over is None or is_approver(s.access.rules, actor):
            return False
        await s.refuse(actor.user_id, over, Subject(VERB, instance_id, actor.team_id, actor.channel_id), to)
        return True

    async def _stale(self, ref: NoticeRef, to: Destination) -> None:
        """A press on a notice whose lease has moved on: if its change was sent, say so with its outcome."""
        s = self.services
        entry = await s.store.get(agreed_id(ref.serial)) if ref.serial else None
        if entry is not None and entry.state in (State.CLAIMED, State.DONE):
            verb = entry.confirmation.verb.name
            outcome = f" Its outcome: {summarize(entry.outcomes).value}." if entry.outcomes else ""
            text = (
                f"Too late: the bot already sent the {verb} when the lease ended (see the thread).{outcome}"
            )
            await say(s.replier, to, notice(text))
            return
        await say(s.replier, to, fleet_messages.out_of_date())

    @handler(admit=True)
    async def act(self, actor: Actor, to: Destination, ref: NoticeRef, verb: Verb) -> None:
        """Stop or Delete on a lease notice: the usual confirmation, if the notice is still current."""
        found = await self.services.records.get(Lease, ref.instance_id)
        if found is None or found.record.serial != ref.serial:
            await self._stale(ref, to)
            return
        await self._requests.request(actor, to, ChangeCommand(verb, (ref.instance_id,)))
