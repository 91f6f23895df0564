"""Looking without changing: `/nebula list` (paged), `/nebula show <id>`, `/nebula cost`. Answers only
the asker, and only people who may act (they show addresses and costs)."""

from __future__ import annotations

from typing import Final

from bot.core.costing import costed
from bot.core.lookup import instance_or_say
from bot.core.services import Part, Services, handler
from bot.domain.policy import Actor
from bot.domain.records import FirstSeen
from bot.infra import logs
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet
from bot.slack.messages import fleet as fleet_messages
from bot.slack.messages import instances as instance_messages
from bot.slack.messages import texts
from bot.slack.messages.kit import notice
from bot.slack.replier import Destination, say

FORGED: Final = "That button is not one the bot offered; nothing was done."
# `/nebula cost` answers from a fleet read at most this old (the watcher's, or an earlier cost's).
COST_MAX_AGE: Final = 60.0


class Reads(Part):
    """List, show and cost."""

    def __init__(self, services: Services, *, fleet: Fleet) -> None:
        super().__init__(services)
        self._fleet = fleet

    @handler(admit=True)
    async def list_page(self, actor: Actor, to: Destination, offset: int, *, replace: bool = False) -> None:
        """One page of the team's instances, ephemeral; `replace` swaps it for the page the user had."""
        s = self.services
        offset = max(0, offset)
        try:
            page = await s.nebula.list_instances(instance_messages.LIST_PAGE_SIZE, offset)
        except NebulaError as exc:
            logs.warning(
                "list.failed", user=actor.user_id, channel=actor.channel_id, error=type(exc).__name__
            )
            await say(s.replier, to, notice(f"Could not list instances: {texts.nebula_error(exc)}"))
            return
        logs.event("list.shown", user=actor.user_id, channel=actor.channel_id, count=len(page.instances))
        protected = await s.protections.of(i.id for i in page.instances)
        listed = instance_messages.instance_list(page, offset, protected)
        await say(s.replier, to, listed, replace_original=replace)

    @handler(admit=True)
    async def show(self, actor: Actor, to: Destination, instance_id: str) -> None:
        """One instance's details, ephemeral."""
        s = self.services
        instance = await instance_or_say(s, to, instance_id)
        if instance is None:
            return
        logs.event("show.shown", user=actor.user_id, channel=actor.channel_id, instance=instance_id)
        owned = await s.owners.of([instance])
        protection = (await s.protections.of([instance.id])).get(instance.id)
        unsure = owned.unsure.get(instance.id)
        note = f"Slack could not say who it is: {unsure}" if unsure else ""
        shown = instance_messages.instance_details(
            instance, s.clock(), owned.owners.get(instance.id), protection, owner_note=note
        )
        await say(s.replier, to, shown)

    @handler(admit=True)
    async def cost(self, actor: Actor, to: Destination) -> None:
        """Running instances by cost so far, and the fleet's burn rate, ephemeral."""
        s = self.services
        try:
            snapshot = await self._fleet.read(details=True, max_age=COST_MAX_AGE)
        except NebulaError as exc:
            await say(s.replier, to, notice(f"Could not read the fleet: {texts.nebula_error(exc)}"))
            return
        first_seen = {v.record.instance_id: v.record.at for v in await s.records.all(FirstSeen)}
        summary = await costed(snapshot.instances, s.clock(), first_seen)
        logs.event("cost.shown", user=actor.user_id, channel=actor.channel_id, count=len(summary.rows))
        await say(s.replier, to, fleet_messages.cost(summary))

    async def refuse_forged(self, actor: Actor, to: Destination) -> None:
        """A control whose value the bot never wrote: answer politely, do nothing."""
        logs.warning("click.forged", user=actor.user_id, channel=actor.channel_id)
        await say(self.services.replier, to, notice(FORGED))
