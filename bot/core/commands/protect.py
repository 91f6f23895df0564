"""Protections: `/nebula protect <instance> [reason]`, `unprotect <instance>`, `protected`.

The rail itself (`bot.core.rails.protections`) is enforced wherever a change can start or be sent.
Protecting an instance also closes, for good, every confirmation still open on it that the protection
forbids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.commands import CommandSet, word
from bot.core.confirmations import Changes, Lookup, Requests
from bot.core.rails import Access, Protections, Subject, Trail
from bot.domain.audit import Step, Topic
from bot.domain.commands import Command, OnInstance, UsageError, bare, on_instance, reference
from bot.domain.fleet.instance import Instance
from bot.domain.policy import Actor
from bot.domain.verbs import UNPROTECT
from bot.slack.messages.notices import protection as messages
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination


@dataclass(frozen=True)
class Protect(OnInstance):
    """`/nebula protect <instance> [reason…]`."""

    reason: str = ""

    def text(self) -> str:
        return f"protect {self.instance_id} {self.reason}".rstrip()


@dataclass(frozen=True)
class Unprotect(OnInstance):
    """`/nebula unprotect <instance>`."""

    def text(self) -> str:
        return f"unprotect {self.instance_id}"


@dataclass(frozen=True)
class AllProtected(Command):
    """`/nebula protected`."""

    def text(self) -> str:
        return "protected"


def parse_protect(verb: str, args: Sequence[str]) -> Command | UsageError:
    """The instance, then the reason (any words)."""
    found = reference(verb, args[:1])
    return found if isinstance(found, UsageError) else Protect(found, " ".join(args[1:]))


def _unprotected(instance: Instance, protected: bool) -> bool:
    return not protected


def _protected(instance: Instance, protected: bool) -> bool:
    return protected


class ProtectWords(CommandSet):
    """protect, unprotect, protected."""

    def __init__(
        self,
        *,
        lookup: Lookup,
        protections: Protections,
        changes: Changes,
        requests: Requests,
        access: Access,
        trail: Trail,
        outbox: Outbox,
    ) -> None:
        self._lookup = lookup
        self._protections = protections
        self._changes = changes
        self._requests = requests
        self._access = access
        self._trail = trail
        self._outbox = outbox

    @word(
        "protect",
        usage="protect <id> [reason]",
        example="protect llm-train-01 final eval run",
        parse=parse_protect,
        rank=50,
        fits=_unprotected,
        menu="to protect",
    )
    async def protect(self, actor: Actor, to: Destination, command: Protect) -> None:
        """nobody may stop, reboot or delete it until it is unprotected"""
        instance = await self._lookup.one(command.instance_id, to)
        if instance is None:
            return
        protection, made = await self._protections.protect(
            instance.id, actor.user_id, command.reason, instance.host_name
        )
        if not made:
            await self._outbox.reply(to, messages.already_protected(protection))
            return
        subject = Subject(Topic.PROTECT, command.instance_id, actor.workspace, actor.channel_id)
        await self._trail.note(Step.PROTECTED, "protected", subject, actor.user_id, message=protection.reason)
        await self._changes.close_forbidden(protection)
        await self._outbox.reply(to, messages.protected(protection), public=True)

    @word(
        UNPROTECT.name,
        usage="unprotect <id>",
        example="unprotect llm-train-01",
        parse=on_instance(Unprotect),
        rank=51,
        fits=_protected,
        menu="to unprotect",
    )
    async def unprotect(self, actor: Actor, to: Destination, command: Unprotect) -> None:
        """lift a protection (under the two-person rule, once an approver confirms)"""
        instance_id = command.instance_id
        if not await self._protections.of([instance_id]):
            await self._outbox.reply(to, messages.not_protected(self._lookup.called(instance_id)))
            return
        if self._access.rules.needs_approval:
            await self._requests.request(actor, to, UNPROTECT, (instance_id,))
            return
        lifted = await self._protections.lift(instance_id)
        if lifted is None:
            await self._outbox.reply(to, messages.not_protected(self._lookup.called(instance_id)))
            return
        subject = Subject(Topic.PROTECT, instance_id, actor.workspace, actor.channel_id)
        await self._trail.note(Step.UNPROTECTED, "unprotected", subject, actor.user_id)
        await self._outbox.reply(to, messages.unprotected(lifted, actor.user_id), public=True)

    @word(
        "protected", usage="protected", example="protected", parse=bare(AllProtected), rank=52, writes=False
    )
    async def protected(self, actor: Actor, to: Destination, command: AllProtected) -> None:
        """every protected instance, and why"""
        await self._outbox.reply(to, messages.protections(await self._protections.all()))
