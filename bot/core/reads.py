"""Looking without changing: `/nebula list` (paged), `/nebula show <id>`, `/nebula cost`. Answers only
the asker."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.core.access import Access
from bot.core.owners import Owners
from bot.core.protections import Protections
from bot.domain.costs import fleet_cost
from bot.domain.model import FirstSeen, Instance
from bot.domain.policy import Actor
from bot.infra import logs
from bot.infra.inflight import InFlight
from bot.nebula.client import NebulaClient, NebulaError, NebulaNotFound
from bot.nebula.fleet import Fleet
from bot.slack.messages import blocks, texts
from bot.slack.messages import fleet as fleet_messages
from bot.slack.replier import Destination, Replier, guard, say
from bot.store.marks import Marks

FORGED = "That button is not one the bot offered; nothing was done."
# `/nebula cost` answers from a fleet read at most this old (the watcher's, or an earlier cost's).
COST_MAX_AGE = 60.0


async def instance_or_say(
    nebula: NebulaClient, replier: Replier, to: Destination, instance_id: str
) -> Instance | None:
    """The instance, or None after telling the user it does not exist or could not be looked up."""
    try:
        return await nebula.get_instance(instance_id)
    except NebulaNotFound:
        await say(replier, to, blocks.notice(f"No instance `{instance_id}`."))
    except NebulaError as exc:
        await say(replier, to, blocks.notice(f"Could not look up `{instance_id}`: {texts.nebula_error(exc)}"))
    return None


class Reads:
    """List and show, for the same people who may act (they show addresses and costs)."""

    def __init__(
        self,
        access: Access,
        nebula: NebulaClient,
        fleet: Fleet,
        marks: Marks,
        protections: Protections,
        owners: Owners,
        replier: Replier,
        inflight: InFlight,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._access = access
        self._nebula = nebula
        self._fleet = fleet
        self._marks = marks
        self._protections = protections
        self._owners = owners
        self._replier = replier
        self._inflight = inflight
        self._clock = clock

    async def list_page(self, actor: Actor, offset: int, to: Destination, *, replace: bool = False) -> None:
        """One page of the team's instances, ephemeral; `replace` swaps it for the page the user had."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            if await self._access.admit(actor, self._replier, to) is None:
                return
            offset = max(0, offset)
            try:
                page = await self._nebula.list_instances(blocks.LIST_PAGE_SIZE, offset)
            except NebulaError as exc:
                logs.warning(
                    "list.failed", user=actor.user_id, channel=actor.channel_id, error=type(exc).__name__
                )
                text = f"Could not list instances: {texts.nebula_error(exc)}"
                await say(self._replier, to, blocks.notice(text))
                return
            logs.event("list.shown", user=actor.user_id, channel=actor.channel_id, count=len(page.instances))
            protected = await self._protections.of(i.id for i in page.instances)
            listed = blocks.instance_list(page, offset, protected)
            await say(self._replier, to, listed, replace_original=replace)

    async def show(self, actor: Actor, instance_id: str, to: Destination) -> None:
        """One instance's details, ephemeral."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            if await self._access.admit(actor, self._replier, to) is None:
                return
            instance = await instance_or_say(self._nebula, self._replier, to, instance_id)
            if instance is None:
                return
            logs.event("show.shown", user=actor.user_id, channel=actor.channel_id, instance=instance_id)
            owner = (await self._owners.of([instance])).get(instance.id)
            protection = (await self._protections.of([instance.id])).get(instance.id)
            await say(self._replier, to, blocks.instance_details(instance, owner, protection))

    async def cost(self, actor: Actor, to: Destination) -> None:
        """Running instances by cost so far, and the fleet's burn rate, ephemeral."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            if await self._access.admit(actor, self._replier, to) is None:
                return
            try:
                snapshot = await self._fleet.read(details=True, max_age=COST_MAX_AGE)
            except NebulaError as exc:
                text = f"Could not read the fleet: {texts.nebula_error(exc)}"
                await say(self._replier, to, blocks.notice(text))
                return
            first_seen = {h.mark.instance_id: h.mark.at for h in await self._marks.all(FirstSeen)}
            summary = fleet_cost(snapshot.instances, self._clock(), first_seen)
            logs.event("cost.shown", user=actor.user_id, channel=actor.channel_id, count=len(summary.rows))
            await say(self._replier, to, fleet_messages.cost(summary))

    async def refuse_forged(self, actor: Actor, to: Destination) -> None:
        """A control whose value the bot never wrote: answer politely, do nothing."""
        logs.warning("click.forged", user=actor.user_id, channel=actor.channel_id)
        await say(self._replier, to, blocks.notice(FORGED))
