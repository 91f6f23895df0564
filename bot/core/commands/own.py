"""Ownership: `/nebula own <instance> [off]` (older spelling: `claim`), saying whose an instance is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.commands import CommandSet, any_instance, word
from bot.core.confirmations import Lookup
from bot.core.rails import Access, Owners, Subject, Trail
from bot.domain.audit import Step, Topic
from bot.domain.commands import Command, OnInstance, UsageError, is_off, reference
from bot.domain.policy import Actor
from bot.slack.messages.notices import owners as messages
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination


@dataclass(frozen=True)
class Own(OnInstance):
    """`/nebula own <instance> [off]`: the sender owns the instance (or no longer does)."""

    off: bool = False

    def text(self) -> str:
        return f"own {self.instance_id}{' off' if self.off else ''}"


def parse_own(verb: str, args: Sequence[str]) -> Command | UsageError:
    """`<instance>` or `<instance> off`."""
    off = len(args) == 2 and is_off(args[1])
    found = reference(verb, args[:1] if off else args)
    return found if isinstance(found, UsageError) else Own(found, off=off)


class OwnWords(CommandSet):
    """own."""

    def __init__(
        self, *, lookup: Lookup, owners: Owners, access: Access, trail: Trail, outbox: Outbox
    ) -> None:
        self._lookup = lookup
        self._owners = owners
        self._access = access
        self._trail = trail
        self._outbox = outbox

    @word(
        "own",
        usage="own <id> [off]",
        example="own notebook-ana",
        parse=parse_own,
        rank=60,
        aliases=("claim",),
        fits=any_instance,
        menu="to own",
    )
    async def own(self, actor: Actor, to: Destination, command: Own) -> None:
        """the instance is yours (`off` to let go); the owner rule and Home use it"""
        instance = await self._lookup.one(command.instance_id, to)
        if instance is None:
            return
        owner = (await self._owners.of([instance])).owners.get(instance.id)
        # Under the owner rule, only the owner or an approver may change an owned instance's owner:
        # otherwise owning would be a way around the rule.
        rules = self._access.rules
        if rules.owner_rule and owner not in (None, actor.user_id) and not self._access.is_approver(actor):
            await self._outbox.reply(to, messages.not_yours(instance, owner or ""))
            return
        subject = Subject(Topic.OWN, instance.id, actor.workspace, actor.channel_id)
        if command.off:
            previous = await self._owners.unassign(instance.id)
            if previous is None:
                await self._outbox.reply(to, messages.nobody(instance))
                return
            await self._trail.note(Step.OWNER_REMOVED, "removed", subject, actor.user_id)
            await self._outbox.reply(to, messages.released(instance, actor.user_id, previous), public=True)
            return
        previous, took = await self._owners.assign(instance.id, actor.user_id)
        if not took:
            await self._outbox.reply(to, messages.changed_meanwhile())
            return
        await self._trail.note(Step.OWNER_SET, "owned", subject, actor.user_id)
        await self._outbox.reply(to, messages.owned(instance, actor.user_id, previous), public=True)
