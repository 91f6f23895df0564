"""Leases: `/nebula lease <instance> <duration>` (show, `off`) and `/nebula leases`. What happens when a
lease ends is the watcher's (`bot.core.watch.lease_ends`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.commands import CommandSet, any_instance, word
from bot.core.watch import Leases
from bot.domain.calendar.durations import format_seconds, parse_duration
from bot.domain.commands import Command, OnInstance, UsageError, bare, is_off, reference
from bot.domain.policy import Actor
from bot.domain.typed import bare_word
from bot.slack.replier import Destination

MIN_LEASE_SECONDS = 1.0


@dataclass(frozen=True)
class Lease(OnInstance):
    """`/nebula lease <instance> [<duration>|off]`: set (`seconds`), remove (`off`), or show a lease."""

    seconds: float | None = None
    off: bool = False

    def text(self) -> str:
        how = "off" if self.off else (format_seconds(self.seconds) if self.seconds is not None else "")
        return f"lease {self.instance_id} {how}".rstrip()


@dataclass(frozen=True)
class AllLeases(Command):
    """`/nebula leases`."""

    def text(self) -> str:
        return "leases"


def parse_lease(verb: str, args: Sequence[str]) -> Command | UsageError:
    """`<instance>`, `<instance> off` or `<instance> <duration>` (`8h`, `1h 30m`, `8 hours`)."""
    if not args:
        return UsageError("lease_form", verb=verb)
    found = reference(verb, args[:1])
    if isinstance(found, UsageError):
        return found
    if len(args) == 1:
        return Lease(found)
    rest = " ".join(args[1:])
    if len(args) == 2 and is_off(bare_word(rest)):
        return Lease(found, off=True)
    try:
        seconds = parse_duration(bare_word(rest))
    except ValueError as exc:
        return UsageError("bad_duration", verb=verb, word=rest, detail=str(exc))
    if seconds < MIN_LEASE_SECONDS:
        return UsageError("bad_duration", verb=verb, word=rest, detail="a lease lasts at least a second")
    return Lease(found, seconds=seconds)


class LeaseWords(CommandSet):
    """lease, leases."""

    def __init__(self, *, leases: Leases) -> None:
        self._leases = leases

    @word(
        "lease",
        usage="lease <id> [<duration>|off]",
        example="lease notebook-ana 8h",
        parse=parse_lease,
        rank=40,
        fits=any_instance,
        menu="whose lease to see or set",
    )
    async def lease(self, actor: Actor, to: Destination, command: Lease) -> None:
        """have the bot act on the instance when the time is up (alone: show it; `off`: remove it)"""
        if command.off:
            await self._leases.remove(actor, to, command.instance_id)
        elif command.seconds is None:
            await self._leases.show(to, command.instance_id)
        else:
            await self._leases.set(actor, to, command.instance_id, command.seconds)

    @word("leases", usage="leases", example="leases", parse=bare(AllLeases), rank=41, writes=False)
    async def leases(self, actor: Actor, to: Destination, command: AllLeases) -> None:
        """every lease, ending soonest first"""
        await self._leases.show_all(to)
