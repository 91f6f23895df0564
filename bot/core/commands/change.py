"""The changes that need a confirmation: `/nebula delete|stop|start|reboot <instance> …`.

Each asks for the usual confirmation (`bot.core.confirmations.requests`): every rule applies, and only
a confirmed click calls Nebula, once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Self

from bot.core.commands import CommandSet, Fits, word
from bot.core.confirmations import Requests
from bot.domain.commands import Command, Parse, UsageError, references
from bot.domain.fleet.fit import fits
from bot.domain.policy import Actor
from bot.domain.verbs import DELETE, MAX_IDS, REBOOT, START, STOP, VERBS, Verb
from bot.slack.replier import Destination


@dataclass(frozen=True)
class Change(Command):
    """A state change of one or more instances, to be confirmed."""

    verb: Verb
    instance_ids: tuple[str, ...]

    def text(self) -> str:
        return " ".join((self.verb.name, *self.instance_ids))

    def references(self) -> tuple[str, ...]:
        return self.instance_ids

    def resolved(self, ids: Mapping[str, str]) -> Self:
        unique = tuple(dict.fromkeys(ids.get(r, r) for r in self.instance_ids))
        return type(self)(self.verb, unique)


def _change(limit: int) -> Parse:
    def parse(verb: str, args: Sequence[str]) -> Command | UsageError:
        found = references(verb, args, limit)
        return found if isinstance(found, UsageError) else Change(VERBS[verb], found)

    return parse


def _fitting(verb: Verb) -> Fits:
    """A menu offers the instances the verb fits as listed (none that is changing)."""
    return lambda instance, protected: fits(verb, instance)


class ChangeWords(CommandSet):
    """delete, stop, start, reboot."""

    def __init__(self, *, requests: Requests) -> None:
        self._requests = requests

    async def _ask(self, actor: Actor, to: Destination, command: Change) -> None:
        await self._requests.request(actor, to, command.verb, command.instance_ids)

    @word(
        DELETE.name,
        usage="delete <id> [<id> …]",
        example="delete notebook-ana",
        parse=_change(MAX_IDS),
        aliases=("kill", "remove", "rm", "terminate", "destroy"),
        rank=30,
        fits=_fitting(DELETE),
        menu="to delete",
        admit=False,  # a request checks its requester itself, and audits a refusal
    )
    async def delete(self, actor: Actor, to: Destination, command: Change) -> None:
        """delete instances (up to 10), after confirmation; this cannot be undone"""
        await self._ask(actor, to, command)

    @word(
        STOP.name,
        usage="stop <id>",
        example="stop llm-train-01",
        parse=_change(1),
        rank=31,
        fits=_fitting(STOP),
        menu="to stop",
        admit=False,  # a request checks its requester itself, and audits a refusal
    )
    async def stop(self, actor: Actor, to: Destination, command: Change) -> None:
        """stop a running instance, after confirmation"""
        await self._ask(actor, to, command)

    @word(
        START.name,
        usage="start <id>",
        example="start eval-harness",
        parse=_change(1),
        rank=32,
        fits=_fitting(START),
        menu="to start",
        admit=False,  # a request checks its requester itself, and audits a refusal
    )
    async def start(self, actor: Actor, to: Destination, command: Change) -> None:
        """start a stopped instance, after confirmation"""
        await self._ask(actor, to, command)

    @word(
        REBOOT.name,
        usage="reboot <id>",
        example="reboot llm-train-01",
        parse=_change(1),
        aliases=("restart",),
        rank=33,
        fits=_fitting(REBOOT),
        menu="to reboot",
        admit=False,  # a request checks its requester itself, and audits a refusal
    )
    async def reboot(self, actor: Actor, to: Destination, command: Change) -> None:
        """reboot a running instance, after confirmation"""
        await self._ask(actor, to, command)
