"""When a change agreed in advance comes due (a lease's stop or delete, a schedule's stop or start), one
mechanism settles it, the same steps whatever agreed to it: a fresh read of the instance, gone, not
applicable, protected, its setter still allowed, then carried out or found already had. What each step
means for a lease or a schedule (what is said, what is kept) is its `Policy`.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from bot.core.confirmations import AgreedChanges
from bot.core.rails import Access, Owners, Protections
from bot.domain.confirmation import Confirmation, InstanceOutcome
from bot.domain.fleet.instance import Instance
from bot.domain.policy import Actor, Rules, Ruling
from bot.domain.records import Protection
from bot.domain.refusals import Reason
from bot.infra import logs
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet


class Policy(Protocol):
    """What a step means for one kind of agreement."""

    @property
    def actor(self) -> Actor:
        """Who carries the change out, for the audit (`lease`, `schedule`)."""

    @property
    def setter(self) -> Actor:
        """Who agreed to it: the rules as they are now must still allow them."""

    def applies(self, instance: Instance) -> bool:
        """Whether the change still makes sense (a stop, on a running instance)."""

    def permits(
        self, rules: Rules, setter: Actor, instance_id: str, owner: str | None, unsure: str | None
    ) -> Ruling | None:
        """The owner rule for this kind of agreement (`unsure`: why Slack could not tell the owner);
        None when it cannot be told now, and the change waits."""

    async def unreadable(self, error: NebulaError) -> None:
        """Nebula could not be read: nothing is decided on old data."""

    async def gone(self) -> None:
        """The instance is gone."""

    async def moot(self, instance: Instance) -> None:
        """The change no longer applies (stopped already, say)."""

    async def protected(self, instance: Instance, protection: Protection) -> None:
        """A protection forbids the change."""

    async def refused(self, instance: Instance, reason: Reason) -> None:
        """The setter may no longer have it done."""

    async def going_ahead(self) -> None:
        """Everything allows it: it is about to be carried out."""

    async def carried_out(self, outcomes: tuple[InstanceOutcome, ...]) -> None:
        """This replica carried it out."""

    async def missed(self) -> None:
        """Another replica carried it out, or it was withdrawn (Keep)."""


class Settlement:
    """Settles changes agreed in advance, exactly once across replicas and restarts."""

    def __init__(
        self,
        *,
        fleet: Fleet,
        protections: Protections,
        owners: Owners,
        access: Access,
        agreed: AgreedChanges,
    ) -> None:
        self._fleet = fleet
        self._protections = protections
        self._owners = owners
        self._access = access
        self._agreed = agreed

    async def settle(self, change: Confirmation, notice_ts: str | None, policy: Policy) -> None:
        """Decide `change` on a fresh read of its instance, and carry it out if it still stands."""
        instance_id = change.instance_ids[0]
        try:
            instance = await self._fleet.look(instance_id)
        except NebulaError as exc:
            await policy.unreadable(exc)
            return
        if instance is None or instance.is_gone:
            await policy.gone() if instance is None else await policy.moot(instance)
            return
        if not policy.applies(instance):
            await policy.moot(instance)
            return
        protection = (await self._protections.of([instance_id])).get(instance_id)
        if change.verb.guarded and protection is not None:
            await policy.protected(instance, protection)
            return
        ruling = await self._permission(instance, policy)
        if ruling is None:
            logs.warning("agreed.waiting", instance=instance_id, detail="owner unknown", outcome="waiting")
            return  # Slack could not say whose it is: decided on a later cycle, never on a guess
        if ruling.reason is not None:
            await policy.refused(instance, ruling.reason)
            return
        await policy.going_ahead()
        # A task of its own: if the watcher is stopped mid-cycle, the change still finishes (or is
        # reported as unknown) through the shutdown drain, like a click's.
        task = asyncio.create_task(self._agreed.carry_out(change, notice_ts, policy.actor))
        outcomes = await asyncio.shield(task)
        await (policy.missed() if outcomes is None else policy.carried_out(outcomes))

    async def _permission(self, instance: Instance, policy: Policy) -> Ruling | None:
        """May the setter still have it done, by the rules as they are now? (The person's rules: the
        channel it was agreed in was allowed then, and the change is not asked for from any channel.)"""
        setter = await self._access.resolve(policy.setter)
        ruling = self._access.may_see(setter)
        if not ruling.allowed:
            return ruling
        owned = await self._owners.of([instance])
        owner, unsure = owned.owners.get(instance.id), owned.unsure.get(instance.id)
        return policy.permits(self._access.rules, setter, instance.id, owner, unsure)
