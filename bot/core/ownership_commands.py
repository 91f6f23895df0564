"""`/nebula own <id> [off]` (older spelling: `claim`): saying whose an instance is."""

from __future__ import annotations

from bot.core.lookup import instance_or_say
from bot.core.services import Part, handler
from bot.core.trail import Subject
from bot.domain.audit import Step
from bot.domain.commands import OwnCommand
from bot.domain.policy import Actor, is_approver
from bot.slack.messages.kit import notice, who
from bot.slack.messages.mrkdwn import code
from bot.slack.replier import Destination, say

VERB = "own"


class OwnershipCommands(Part):
    """own, and own … off."""

    @handler(admit=True)
    async def own(self, actor: Actor, to: Destination, command: OwnCommand) -> None:
        """Under the owner rule, only the owner or an approver may change an owned instance's owner:
        otherwise owning would be a way around the rule."""
        s = self.services
        instance = await instance_or_say(s, to, command.instance_id)
        if instance is None:
            return
        owner = (await s.owners.of([instance])).owners.get(instance.id)
        rules = s.access.rules
        if rules.owner_rule and owner not in (None, actor.user_id) and not is_approver(rules, actor):
            text = (
                f"{code(instance.id)} belongs to {who(owner or '')}: "
                "only they or an approver can change its owner."
            )
            await say(s.replier, to, notice(text))
            return
        subject = Subject(VERB, instance.id, actor.team_id, actor.channel_id)
        if command.off:
            previous = await s.owners.unassign(instance.id)
            if previous is None:
                await say(s.replier, to, notice(f"Nobody had said they own {code(instance.id)}."))
                return
            await s.trail.record(Step.OWNER_REMOVED, "removed", subject, actor.user_id)
            whose = "their own claim" if previous == actor.user_id else f"{who(previous)}'s claim"
            await say(
                s.replier,
                to,
                notice(f"{who(actor.user_id)} removed {whose} on {code(instance.id)}."),
                in_channel=True,
            )
            return
        previous, took = await s.owners.assign(instance.id, actor.user_id)
        if not took:
            await say(s.replier, to, notice("Someone else changed its owner just now: try again."))
            return
        await s.trail.record(Step.OWNER_SET, "claimed", subject, actor.user_id)
        was = f" (was {who(previous)})" if previous else ""
        text = f":bust_in_silhouette: {who(actor.user_id)} now owns {code(instance.id)}{was}."
        await say(s.replier, to, notice(text), in_channel=True)
