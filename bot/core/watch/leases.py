"""Leases people set: `/nebula lease <id> 8h` (show, `off`), `/nebula leases`, and a lease notice's
buttons (Keep, and Stop or Delete, which open the usual confirmation).

Every change to a lease gives it a new version; a notice's buttons carry the version they were posted
with, so a press on a notice of an earlier lease changes nothing. What happens when a lease ends is
`bot.core.watch.lease_ends`.
"""

from __future__ import annotations

import dataclasses

from bot.core.confirmations import Lookup, Requests, Rulings
from bot.core.rails import Subject, Trail
from bot.core.watch.lease_book import REMIND, LeaseBook, agreed_id
from bot.domain.audit import Step, Topic
from bot.domain.confirmation import State, summarize
from bot.domain.controls import NoticeRef
from bot.domain.fleet.names import Called
from bot.domain.policy import Actor
from bot.domain.records import Lease, LeaseAction, new_serial
from bot.domain.verbs import Verb
from bot.slack.messages.notices import fleet as fleet_messages
from bot.slack.messages.notices import leases as messages
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination


class Leases:
    """Sets, shows and removes leases, and answers their notices' buttons."""

    def __init__(
        self,
        *,
        book: LeaseBook,
        rulings: Rulings,
        lookup: Lookup,
        requests: Requests,
        outbox: Outbox,
        trail: Trail,
    ) -> None:
        self._book = book
        self._rulings = rulings
        self._lookup = lookup
        self._requests = requests
        self._outbox = outbox
        self._trail = trail

    @property
    def action(self) -> LeaseAction:
        """What a lease's end does. Under the two-person rule nobody acts alone, so a lease only reminds."""
        return REMIND if self._rulings.access.rules.needs_approval else self._book.config.lease_action

    async def show(self, to: Destination, instance_id: str) -> None:
        """`/nebula lease <id>`."""
        current = await self._book.records.get(Lease, instance_id)
        found = current.record if current else None
        called = self._lookup.called(instance_id)
        await self._outbox.reply(to, messages.lease_shown(found, called, self._book.config.dry_run))

    async def set(self, actor: Actor, to: Destination, instance_id: str, seconds: float) -> None:
        """`/nebula lease <id> <duration>`: posted in the channel, so that the team sees it."""
        book = self._book
        now = book.clock()
        current = await book.records.get(Lease, instance_id)
        extends = current is not None and (
            current.record.ended_at is not None or now + seconds > current.record.ends_at
        )
        subject = Subject(Topic.LEASE, instance_id, actor.workspace, actor.channel_id)
        if extends and await self._rulings.over_budget(actor, subject, to):
            return
        instance = await self._lookup.one(instance_id, to)
        if instance is None:
            return
        lease = self._lease(instance_id, instance.host_name, seconds, actor.user_id, actor)
        if await book.records.put(current, lease) is None:
            await self._outbox.reply(to, messages.changed_meanwhile())
            return
        if current is not None and current.record.action_id is not None:
            await book.withdraw(current.record, actor.user_id)
        await self._trail.note(
            Step.LEASE_SET, lease.action, subject, actor.user_id, message=f"ends {lease.ends_at:.0f}"
        )
        note = messages.TWO_PERSON_NOTE if lease.action != book.config.lease_action else ""
        await self._outbox.reply(to, messages.lease_set(lease, book.config.dry_run, note), public=True)

    async def grant(
        self, user: str, instance_id: str, host_name: str | None, seconds: float, at: Actor
    ) -> Lease | None:
        """A lease on an instance the bot has just launched for `user` (asked for from `at`'s channel),
        kept in the audit trail; None when the instance already has one."""
        lease = self._lease(instance_id, host_name, seconds, user, at)
        if await self._book.records.put(None, lease) is None:
            return None
        subject = Subject(Topic.LEASE, instance_id, at.workspace, at.channel_id)
        await self._trail.note(
            Step.LEASE_SET, lease.action, subject, user, message=f"ends {lease.ends_at:.0f}"
        )
        return lease

    def _lease(self, instance_id: str, host_name: str | None, seconds: float, user: str, at: Actor) -> Lease:
        now = self._book.clock()
        return Lease(
            instance_id=instance_id,
            host_name=host_name,
            ends_at=now + seconds,
            set_by=user,
            set_at=now,
            channel_id=at.channel_id or "",
            workspace=at.workspace or "",
            action=self.action,
            serial=new_serial(),
        )

    async def remove(self, actor: Actor, to: Destination, instance_id: str) -> None:
        """`/nebula lease <id> off`."""
        current = await self._book.records.get(Lease, instance_id)
        if current is None or not await self._book.records.remove(current):
            await self._outbox.reply(
                to, messages.lease_removed(self._lookup.called(instance_id), found=False)
            )
            return
        if current.record.action_id is not None:
            await self._book.withdraw(current.record, actor.user_id)
        subject = Subject(Topic.LEASE, instance_id, actor.workspace, actor.channel_id)
        await self._trail.note(Step.LEASE_REMOVED, "removed", subject, actor.user_id)
        called = Called(instance_id, current.record.host_name, instance_id)
        await self._outbox.reply(to, messages.lease_removed(called, found=True), public=True)

    async def show_all(self, to: Destination) -> None:
        """`/nebula leases`: the leases, for the asker only."""
        found = [v.record for v in await self._book.records.all(Lease)]
        await self._outbox.reply(to, messages.leases(found))

    async def keep(self, actor: Actor, to: Destination, ref: NoticeRef) -> None:
        """Keep on a lease notice: the lease runs NEBULA_BOT_SNOOZE more; its pending change is withdrawn."""
        book = self._book
        ends_at = book.clock() + book.config.snooze
        subject = Subject(Topic.LEASE, ref.instance_id, actor.workspace, actor.channel_id)
        if await self._rulings.over_budget(actor, subject, to):
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

        changed = await book.records.update(Lease, ref.instance_id, kept)
        if changed is None or changed[0].serial != ref.serial:
            await self._stale(ref, to)
            return
        before, after = changed
        if before.action_id is not None:
            transition = await book.withdraw(before, actor.user_id)
            entry = transition.entry
            if not transition.won and entry is not None and entry.state is not State.CANCELLED:
                outcome = summarize(entry.outcomes).value if entry.outcomes else ""
                await self._outbox.reply(to, messages.keep_too_late(before.action, outcome, after.ends_at))
                return
        self._book.count(before.action, "kept")
        await self._trail.note(
            Step.KEPT, "kept", subject, actor.user_id, message=f"until {after.ends_at:.0f}"
        )
        shown = messages.lease_kept(after, actor.user_id)
        await self._outbox.edit(before.channel_id, before.notice_ts, shown, click=to)

    async def act(self, actor: Actor, to: Destination, ref: NoticeRef, verb: Verb) -> None:
        """Stop or Delete on a lease notice: the usual confirmation, if the notice is still current."""
        found = await self._book.records.get(Lease, ref.instance_id)
        if found is None or found.record.serial != ref.serial:
            await self._stale(ref, to)
            return
        await self._requests.request(actor, to, verb, (ref.instance_id,))

    async def _stale(self, ref: NoticeRef, to: Destination) -> None:
        """A press on a notice whose lease has moved on: if its change was sent, say so with its outcome."""
        entry = await self._book.agreed_entry(agreed_id(ref.serial)) if ref.serial else None
        if entry is not None and entry.state in (State.CLAIMED, State.DONE):
            outcome = summarize(entry.outcomes).value if entry.outcomes else ""
            await self._outbox.reply(to, messages.already_sent(entry.confirmation.verb.name, outcome))
            return
        await self._outbox.reply(to, fleet_messages.out_of_date())
