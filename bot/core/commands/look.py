"""Looking without changing: `/nebula list` (paged), `/nebula show <instance>`, `/nebula cost`,
`/nebula digest`. Answered to the asker only, and only for people who may act (they show addresses and
costs)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.commands import CommandSet, any_instance, word
from bot.core.fleet import Reads
from bot.core.watch import Digests
from bot.domain.commands import Command, OnInstance, bare, on_instance
from bot.domain.policy import Actor
from bot.infra.clock import Clock
from bot.slack.replier import Destination


@dataclass(frozen=True)
class ListAll(Command):
    """`/nebula list`."""

    def text(self) -> str:
        return "list"


@dataclass(frozen=True)
class Show(OnInstance):
    """`/nebula show <instance>`."""

    def text(self) -> str:
        return f"show {self.instance_id}"


@dataclass(frozen=True)
class Cost(Command):
    """`/nebula cost`."""

    def text(self) -> str:
        return "cost"


@dataclass(frozen=True)
class Digest(Command):
    """`/nebula digest`."""

    def text(self) -> str:
        return "digest"


class LookWords(CommandSet):
    """list, show, cost, digest."""

    def __init__(self, *, reads: Reads, digests: Digests, clock: Clock) -> None:
        self._reads = reads
        self._digests = digests
        self._clock = clock

    @word("list", usage="list", example="list", parse=bare(ListAll), rank=10, writes=False, aliases=("ls",))
    async def list(self, actor: Actor, to: Destination, command: ListAll) -> None:
        """your team's instances, with a ⋯ menu on each to act on it"""
        await self._reads.list_page(actor, to, 0)

    @word(
        "show",
        usage="show <id>",
        example="show notebook-ana",
        parse=on_instance(Show),
        aliases=("status", "info", "describe", "details"),
        rank=11,
        fits=any_instance,
        menu="to show",
        writes=False,
    )
    async def show(self, actor: Actor, to: Destination, command: Show) -> None:
        """one instance's details (never a password)"""
        await self._reads.show(actor, to, command.instance_id, self._clock())

    @word("cost", usage="cost", example="cost", parse=bare(Cost), rank=12, writes=False)
    async def cost(self, actor: Actor, to: Destination, command: Cost) -> None:
        """running instances by cost so far, and the fleet's burn rate"""
        await self._reads.cost(actor, to)

    @word("digest", usage="digest", example="digest", parse=bare(Digest), rank=13, writes=False)
    async def digest(self, actor: Actor, to: Destination, command: Digest) -> None:
        """the daily digest, now: the fleet's cost, the budget, the last days' spend"""
        await self._reads.digest(actor, to, self._digests)
