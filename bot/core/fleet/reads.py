"""Looking without changing: `/nebula list` (paged), `/nebula show <id>`, `/nebula cost`. Answers only
the asker, and only people who may act (they show addresses and costs)."""

from __future__ import annotations

from typing import Final

from bot.core.confirmations import Lookup
from bot.core.fleet.view import FleetView, stale_since
from bot.core.money import Costing
from bot.core.rails import Owners, Protections
from bot.core.watch import Digests
from bot.domain.money.costs import FleetCost
from bot.domain.policy import Actor
from bot.infra import logs
from bot.infra.clock import Clock
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Snapshot
from bot.slack.messages import instances as instance_messages
from bot.slack.messages.notices import fleet as fleet_messages
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination

# `/nebula cost` answers from a fleet read at most this old (the watcher's, or an earlier cost's).
COST_MAX_AGE: Final = 60.0


class Reads:
    """List, show and cost."""

    def __init__(
        self,
        *,
        view: FleetView,
        lookup: Lookup,
        protections: Protections,
        owners: Owners,
        costing: Costing,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._view = view
        self._lookup = lookup
        self._protections = protections
        self._owners = owners
        self._costing = costing
        self._outbox = outbox
        self._clock = clock

    async def list_page(self, actor: Actor, to: Destination, offset: int, *, replace: bool = False) -> None:
        """One page of the team's instances, ephemeral; `replace` swaps it for the page the user had."""
        offset = max(0, offset)
        try:
            page = await self._view.page(instance_messages.LIST_PAGE_SIZE, offset)
        except NebulaError as exc:
            logs.warning(
                "list.failed", user=actor.user_id, channel=actor.channel_id, error=type(exc).__name__
            )
            await self._outbox.reply(to, instance_messages.not_listed(exc))
            return
        logs.event("list.shown", user=actor.user_id, channel=actor.channel_id, count=len(page.instances))
        protected = await self._protections.of(i.id for i in page.instances)
        listed = instance_messages.instance_list(page, offset, protected)
        await self._outbox.reply(to, listed, replace=replace)

    async def show(self, actor: Actor, to: Destination, instance_id: str, now: float) -> None:
        """One instance's details, ephemeral."""
        instance = await self._lookup.one(instance_id, to)
        if instance is None:
            return
        logs.event("show.shown", user=actor.user_id, channel=actor.channel_id, instance=instance_id)
        owned = await self._owners.of([instance])
        protection = (await self._protections.of([instance.id])).get(instance.id)
        shown = instance_messages.instance_details(
            instance,
            now,
            owned.owners.get(instance.id),
            protection,
            owner_unsure=owned.unsure.get(instance.id),
        )
        await self._outbox.reply(to, shown)

    async def digest(self, actor: Actor, to: Destination, digests: Digests) -> None:
        """The daily digest, now, for the asker only."""
        costs = await self.costs(actor, to, "digest.shown")
        if costs is not None:
            await self._outbox.reply(to, await digests.digest(costs[0], "Cost digest, now"))

    async def cost(self, actor: Actor, to: Destination) -> None:
        """Running instances by cost since they started, and the fleet's burn rate, ephemeral."""
        costs = await self.costs(actor, to, "cost.shown")
        if costs is not None:
            summary, snapshot = costs
            as_of = stale_since(snapshot, self._clock())
            await self._outbox.reply(to, fleet_messages.cost(summary, as_of=as_of))

    async def costs(self, actor: Actor, to: Destination, event: str) -> tuple[FleetCost, Snapshot] | None:
        """The running fleet's costs from a recent read, or None after telling the person why not."""
        try:
            snapshot = await self._view.read(details=True, max_age=COST_MAX_AGE)
        except NebulaError as exc:
            await self._outbox.reply(to, fleet_messages.not_read(exc))
            return None
        summary = await self._costing.of(snapshot.instances)
        logs.event(event, user=actor.user_id, channel=actor.channel_id, count=len(summary.rows))
        return summary, snapshot
