"""`/nebula protect`, `unprotect` and `protected`: the commands that set, lift and list protections.

The rail itself (`bot.core.protections`) is enforced wherever a change can start or be sent. Protecting
an instance also closes, for good, every confirmation still open on it that the protection forbids:
lifting the protection later does not bring them back; people ask again.
"""

from __future__ import annotations

from bot.core.lookup import instance_or_say
from bot.core.requests import Requests
from bot.core.services import Part, Services, handler
from bot.core.trail import Subject
from bot.domain.audit import SYSTEM_ACTOR, Step
from bot.domain.commands import ChangeCommand, ProtectCommand, UnprotectCommand
from bot.domain.confirmation import State
from bot.domain.policy import Actor
from bot.domain.records import Protection
from bot.domain.verbs import UNPROTECT
from bot.slack.messages import confirmations as messages
from bot.slack.messages import protection as protection_messages
from bot.slack.replier import Destination, say

VERB = "protect"


class ProtectionCommands(Part):
    """protect, unprotect, protected."""

    def __init__(self, services: Services, *, requests: Requests) -> None:
        super().__init__(services)
        self._requests = requests

    @handler(admit=True)
    async def protect(self, actor: Actor, to: Destination, command: ProtectCommand) -> None:
        """Protect an instance: stop, reboot and delete are refused until it is unprotected."""
        s = self.services
        if await instance_or_say(s, to, command.instance_id) is None:
            return
        protection, made = await s.protections.protect(command.instance_id, actor.user_id, command.reason)
        if not made:
            await say(s.replier, to, protection_messages.already_protected(protection))
            return
        subject = Subject(VERB, command.instance_id, actor.team_id, actor.channel_id)
        await s.trail.record(Step.PROTECTED, "protected", subject, actor.user_id, message=protection.reason)
        await self._close_open(protection)
        await say(s.replier, to, protection_messages.protected(protection), in_channel=True)

    async def _close_open(self, protection: Protection) -> None:
        """Close the confirmations still open on the instance that the protection forbids."""
        s = self.services
        for entry in await s.store.open_confirmations(s.clock()):
            confirmation = entry.confirmation
            if not confirmation.verb.guarded or protection.instance_id not in confirmation.instance_ids:
                continue
            closing = s.store.release if entry.state is State.SCHEDULED else s.store.decide
            transition = await closing(confirmation.id, State.CANCELLED, SYSTEM_ACTOR, s.clock())
            if not transition.won:
                continue  # decided meanwhile: claimed before the protection, or closed by someone else
            reason = protection_messages.refused(protection, confirmation.verb)
            await s.trail.record(
                Step.REFUSED, "protected", Subject.of(confirmation), SYSTEM_ACTOR, message=reason
            )
            await s.announcer.show(
                confirmation, entry.message_ts, messages.refused(confirmation, reason), None
            )

    @handler(admit=True)
    async def unprotect(self, actor: Actor, to: Destination, command: UnprotectCommand) -> None:
        """Lift a protection; under the two-person rule, only after an approver confirms."""
        s = self.services
        instance_id = command.instance_id
        if not await s.protections.of([instance_id]):
            await say(s.replier, to, protection_messages.not_protected(instance_id))
            return
        if s.access.rules.needs_approval:
            await self._requests.request(actor, to, ChangeCommand(UNPROTECT, (instance_id,)))
            return
        if await s.protections.lift(instance_id) is None:
            await say(s.replier, to, protection_messages.not_protected(instance_id))
            return
        subject = Subject(VERB, instance_id, actor.team_id, actor.channel_id)
        await s.trail.record(Step.UNPROTECTED, "unprotected", subject, actor.user_id)
        await say(s.replier, to, protection_messages.unprotected(instance_id, actor.user_id), in_channel=True)

    @handler(admit=True)
    async def show_all(self, actor: Actor, to: Destination) -> None:
        """`/nebula protected`: every protection, for the asker."""
        s = self.services
        await say(s.replier, to, protection_messages.protections(await s.protections.all()))
