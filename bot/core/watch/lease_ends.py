"""What happens when a lease ends: a notice where the lease was set, and, for stop or delete, the change
after NEBULA_BOT_LEASE_GRACE unless someone clicks Keep.

That change is agreed in advance (`bot.core.confirmations.agreed`) with an id fixed when the lease ends,
so it is sent exactly once across replicas and restarts; Keep withdraws the same change, so of Keep
and the change exactly one wins. It is settled by `bot.core.watch.settle` (a fresh read, gone,
protected, the setter still allowed); `LeaseEnd` is what each step means for a lease. While Nebula
cannot be read, a due lease waits (saying so once) and is decided on the first good read.
"""

from __future__ import annotations

from bot.core.rails import Owners, Protections
from bot.core.watch.lease_book import REMIND, LeaseBook
from bot.core.watch.settle import Settlement
from bot.domain.audit import LEASE_ACTOR
from bot.domain.confirmation import InstanceOutcome, State
from bot.domain.fleet.instance import Instance
from bot.domain.policy import Actor, Rules, Ruling, owner_approval
from bot.domain.records import Lease, Protection
from bot.domain.refusals import Reason
from bot.domain.verbs import STOP
from bot.infra import logs
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet
from bot.slack.messages.notices.protection import badge
from bot.store import Versioned


class LeaseEnds:
    """Finds the leases with something to do, and does it."""

    def __init__(
        self,
        *,
        book: LeaseBook,
        fleet: Fleet,
        owners: Owners,
        protections: Protections,
        settlement: Settlement,
    ) -> None:
        self._book = book
        self._fleet = fleet
        self._owners = owners
        self._protections = protections
        self._settlement = settlement

    async def due(self) -> list[Versioned[Lease]]:
        """Leases with something to do now: ended and not yet noticed, or past their grace."""
        now = self._book.clock()
        return [
            v
            for v in await self._book.records.all(Lease)
            if (v.record.ended_at is None and v.record.ends_at <= now)
            or (v.record.act_at is not None and v.record.act_at <= now)
        ]

    async def handle(self, due: list[Versioned[Lease]]) -> None:
        """Post the notices of leases that ended, and settle the changes whose grace is over."""
        for current in due:
            try:
                if current.record.ended_at is None:
                    await self._end(current)
                elif await self._book.agreed_state(current.record) in (None, State.PENDING):
                    end = LeaseEnd(self._book, current)
                    await self._settlement.settle(end.change, current.record.notice_ts, end)
                else:
                    await self._book.records.remove(current)  # carried out, or withdrawn, earlier
            except Exception:  # one lease's failure must not hold up the others
                logs.failure(
                    "lease.failed", instance=current.record.instance_id, channel=current.record.channel_id
                )

    async def _end(self, current: Versioned[Lease]) -> None:
        """The lease's time is up: decided on a fresh read of its instance."""
        lease = current.record
        try:
            instance = await self._fleet.look(lease.instance_id)
        except NebulaError as exc:
            await self._book.waiting(current, exc)
            return
        if instance is None or not instance.is_running:
            await self._book.moot(current, instance)
            return
        if lease.action != REMIND:
            protection = (await self._protections.of([instance.id])).get(instance.id)
            if protection is not None:
                await self._book.moot(current, instance, badge(protection))
                return
        owner = (await self._owners.of([instance])).owners.get(instance.id)
        await self._book.ended(current, instance, owner)


class LeaseEnd:
    """One lease whose grace is over: what each step of its settlement means (`settle.Policy`)."""

    def __init__(self, book: LeaseBook, current: Versioned[Lease]) -> None:
        self._book = book
        self._current = current
        lease = current.record
        self.change = book.change(lease)
        self.actor = Actor(LEASE_ACTOR, lease.workspace or None, None, lease.channel_id or None)
        self.setter = Actor(lease.set_by, lease.workspace or None, None, lease.channel_id or None)

    def applies(self, instance: Instance) -> bool:
        return instance.is_running or self.change.verb is not STOP

    def permits(
        self, rules: Rules, setter: Actor, instance_id: str, owner: str | None, unsure: str | None
    ) -> Ruling | None:
        # Under the owner rule a lease acts for its setter alone: never on someone else's instance.
        if unsure is not None and rules.owner_rule:
            return None
        return owner_approval(rules, setter, {instance_id: owner} if owner else {}, guarded=True)

    async def unreadable(self, error: NebulaError) -> None:
        await self._book.waiting(self._current, error)

    async def gone(self) -> None:
        await self._book.moot(self._current, None)

    async def moot(self, instance: Instance) -> None:
        await self._book.moot(self._current, instance)

    async def protected(self, instance: Instance, protection: Protection) -> None:
        await self._book.moot(self._current, instance, badge(protection))

    async def refused(self, instance: Instance, reason: Reason) -> None:
        await self._book.refused(self._current, instance, reason)

    async def going_ahead(self) -> None:
        pass  # the change's id was fixed when the lease ended

    async def carried_out(self, outcomes: tuple[InstanceOutcome, ...]) -> None:
        await self._book.carried_out(self._current, self.change, outcomes)

    async def missed(self) -> None:
        pass  # another replica carried it out (and forgets the lease), or a Keep withdrew it
