"""Guard rails people set from Slack: `/nebula protect`, `unprotect`, `protected`, `claim`.

The rails themselves are enforced in the core (`bot.core.protections`, `bot.core.owners`,
`bot.domain.policy`); this module is the commands that set and show them.
"""

from __future__ import annotations

from bot.core.access import Access
from bot.core.confirmations import Confirmations
from bot.core.owners import Owners
from bot.core.protections import REASON_LIMIT, Protections
from bot.core.reads import instance_or_say
from bot.core.trail import Subject, Trail
from bot.domain.audit import Step
from bot.domain.commands import ChangeCommand, ClaimCommand, ProtectCommand, UnprotectCommand
from bot.domain.policy import Actor, is_approver
from bot.domain.verbs import UNPROTECT
from bot.infra.inflight import InFlight
from bot.nebula.client import NebulaClient
from bot.slack.messages import blocks
from bot.slack.messages.kit import moment, who
from bot.slack.messages.mrkdwn import code, literal
from bot.slack.replier import Destination, Replier, guard, say


class Rails:
    """The commands that set, lift and list protections and owners."""

    def __init__(
        self,
        access: Access,
        nebula: NebulaClient,
        protections: Protections,
        owners: Owners,
        confirmations: Confirmations,
        replier: Replier,
        trail: Trail,
        inflight: InFlight,
    ) -> None:
        self._access = access
        self._nebula = nebula
        self._protections = protections
        self._owners = owners
        self._confirmations = confirmations
        self._replier = replier
        self._trail = trail
        self._inflight = inflight

    async def protect(self, actor: Actor, command: ProtectCommand, to: Destination) -> None:
        """Protect an instance: stop, reboot and delete are refused until it is unprotected."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            admitted = await self._access.admit(actor, self._replier, to)
            if (
                admitted is None
                or await instance_or_say(self._nebula, self._replier, to, command.instance_id) is None
            ):
                return
            protection, made = await self._protections.protect(
                command.instance_id, admitted.user_id, command.reason
            )
            if not made:
                text = (
                    f":lock: {code(protection.instance_id)} is already protected by {who(protection.by)} "
                    f"since {moment(protection.at)}."
                )
                await say(self._replier, to, blocks.notice(text))
                return
            subject = Subject("protect", command.instance_id, admitted.team_id, admitted.channel_id)
            await self._trail.record(
                Step.PROTECTED, "protected", subject, admitted.user_id, message=protection.reason
            )
            why = f": {literal(protection.reason, REASON_LIMIT)}" if protection.reason else ""
            text = (
                f":lock: {code(command.instance_id)} is protected by {who(admitted.user_id)}{why}. "
                f"Stop, reboot and delete are refused until `/nebula unprotect {command.instance_id}`."
            )
            await say(self._replier, to, blocks.notice(text), in_channel=True)

    async def unprotect(self, actor: Actor, command: UnprotectCommand, to: Destination) -> None:
        """Lift a protection; under the two-person rule, only after an approver confirms."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            admitted = await self._access.admit(actor, self._replier, to)
            if admitted is None:
                return
            instance_id = command.instance_id
            if not await self._protections.of([instance_id]):
                await say(self._replier, to, blocks.notice(f"{code(instance_id)} is not protected."))
                return
            if self._access.rules.needs_approval:
                await self._confirmations.request(admitted, ChangeCommand(UNPROTECT, (instance_id,)), to)
                return
            lifted = await self._protections.lift(instance_id)
            if lifted is None:
                await say(self._replier, to, blocks.notice(f"{code(instance_id)} is not protected."))
                return
            subject = Subject("protect", instance_id, admitted.team_id, admitted.channel_id)
            await self._trail.record(Step.UNPROTECTED, "unprotected", subject, admitted.user_id)
            text = f":unlock: {code(instance_id)} is no longer protected ({who(admitted.user_id)} lifted it)."
            await say(self._replier, to, blocks.notice(text), in_channel=True)

    async def show_protected(self, actor: Actor, to: Destination) -> None:
        """`/nebula protected`: every protection, for the asker."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            if await self._access.admit(actor, self._replier, to) is None:
                return
            found = await self._protections.all()
            if not found:
                await say(self._replier, to, blocks.notice("No instance is protected."))
                return
            lines = [
                f"• {code(p.instance_id)}: by {who(p.by)} since {moment(p.at)}"
                + (f": {literal(p.reason, 100)}" if p.reason else "")
                for p in found[:40]
            ]
            more = f"\nand {len(found) - 40} more" if len(found) > 40 else ""
            await say(
                self._replier, to, blocks.notice(f"*Protected* ({len(found)})\n" + "\n".join(lines) + more)
            )

    async def claim(self, actor: Actor, command: ClaimCommand, to: Destination) -> None:
        """`/nebula claim <id> [off]`. Under the owner rule, only the owner or an approver may change
        an owned instance's owner: otherwise a claim would be a way around the rule."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            admitted = await self._access.admit(actor, self._replier, to)
            if admitted is None:
                return
            instance = await instance_or_say(self._nebula, self._replier, to, command.instance_id)
            if instance is None:
                return
            owner = (await self._owners.of([instance])).get(instance.id)
            rules = self._access.rules
            if (
                rules.owner_rule
                and owner not in (None, admitted.user_id)
                and not is_approver(rules, admitted)
            ):
                text = (
                    f"{code(instance.id)} belongs to {who(owner or '')}: "
                    "only they or an approver can change its owner."
                )
                await say(self._replier, to, blocks.notice(text))
                return
            subject = Subject("claim", instance.id, admitted.team_id, admitted.channel_id)
            if command.off:
                released = await self._owners.release(instance.id)
                if released is None:
                    await say(self._replier, to, blocks.notice(f"Nobody had claimed {code(instance.id)}."))
                    return
                await self._trail.record(Step.RELEASED_OWNER, "removed", subject, admitted.user_id)
                text = f"{who(admitted.user_id)} removed {who(released)}'s claim on {code(instance.id)}."
                await say(self._replier, to, blocks.notice(text), in_channel=True)
                return
            previous, took = await self._owners.claim(instance.id, admitted.user_id)
            if not took:
                await say(
                    self._replier, to, blocks.notice("Someone else changed its owner just now: try again.")
                )
                return
            await self._trail.record(Step.CLAIMED_OWNER, "claimed", subject, admitted.user_id)
            was = f" (was {who(previous)})" if previous else ""
            text = f":bust_in_silhouette: {who(admitted.user_id)} now owns {code(instance.id)}{was}."
            await say(self._replier, to, blocks.notice(text), in_channel=True)
