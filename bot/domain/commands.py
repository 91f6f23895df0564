"""Parsing the text of `/nebula ...` into a typed command, before any I/O."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Final

from bot.domain.durations import parse_duration
from bot.domain.ids import is_instance_id
from bot.domain.verbs import MAX_IDS, VERBS, Verb
from bot.slack.messages.mrkdwn import code

USAGE: Final = (
    "*Usage*\n"
    "• `/nebula list`: your team's instances, with buttons to act on each\n"
    "• `/nebula show <id>`: one instance's details\n"
    "• `/nebula delete <id> [<id> …]`: delete instances (up to 10), after confirmation\n"
    "• `/nebula stop <id>`, `/nebula start <id>`, `/nebula reboot <id>`: the same, after confirmation\n"
    "• `/nebula cost`: running instances by cost so far, and the fleet's burn rate\n"
    "• `/nebula lease <id> 8h`: have the bot act on the instance when 8 hours are up "
    "(`/nebula lease <id>` shows it, `/nebula lease <id> off` removes it, `/nebula leases` lists all)\n"
    "• `/nebula protect <id> [reason]`: nobody may stop, reboot or delete it until "
    "`/nebula unprotect <id>`; `/nebula protected` lists them\n"
    "• `/nebula claim <id>`: you own it (`/nebula claim <id> off` to let go)\n"
    "• `/nebula help`: this message\n"
    "Example: `/nebula delete 102cade84ea-e703-4400-b77d-8ed545d198ee`. Ids are 1 to 64 letters, digits, "
    "`-` or `_` (starting with a letter or digit), as the Nebula console and `/nebula list` show them."
)

_ALL_VERBS: Final = (
    "help", "list", "show", "cost", "lease", "leases", "protect", "unprotect", "protected", "claim", *VERBS
)  # fmt: skip


@dataclass(frozen=True)
class HelpCommand:
    """`/nebula help`, or a bare `/nebula`."""


@dataclass(frozen=True)
class ListCommand:
    """`/nebula list`."""


@dataclass(frozen=True)
class ShowCommand:
    """`/nebula show <id>`."""

    instance_id: str


@dataclass(frozen=True)
class ChangeCommand:
    """`/nebula delete|stop|start|reboot <id> …`: a state change that needs confirmation."""

    verb: Verb
    instance_ids: tuple[str, ...]


@dataclass(frozen=True)
class CostCommand:
    """`/nebula cost`."""


@dataclass(frozen=True)
class LeaseCommand:
    """`/nebula lease <id> [<duration>|off]`: set (`seconds`), remove (`off`), or show a lease."""

    instance_id: str
    seconds: float | None = None
    off: bool = False


@dataclass(frozen=True)
class LeasesCommand:
    """`/nebula leases`."""


@dataclass(frozen=True)
class ProtectCommand:
    """`/nebula protect <id> [reason…]`."""

    instance_id: str
    reason: str = ""


@dataclass(frozen=True)
class UnprotectCommand:
    """`/nebula unprotect <id>`."""

    instance_id: str


@dataclass(frozen=True)
class ProtectedCommand:
    """`/nebula protected`."""


@dataclass(frozen=True)
class ClaimCommand:
    """`/nebula claim <id> [off]`: the sender owns the instance (or no longer does)."""

    instance_id: str
    off: bool = False


@dataclass(frozen=True)
class UsageError:
    """Text that is not a command; `message` tells the user what to type instead."""

    message: str


Command = (
    HelpCommand
    | ListCommand
    | ShowCommand
    | ChangeCommand
    | CostCommand
    | LeaseCommand
    | LeasesCommand
    | ProtectCommand
    | UnprotectCommand
    | ProtectedCommand
    | ClaimCommand
)
ParseResult = Command | UsageError


_BARE: Final[dict[str, type[CostCommand | LeasesCommand | ProtectedCommand]]] = {
    "cost": CostCommand,
    "leases": LeasesCommand,
    "protected": ProtectedCommand,
}


def parse(text: str) -> ParseResult:
    """Parse the text after `/nebula`. Never raises; anything unusable becomes a `UsageError`."""
    words = text.split()
    if not words:
        return HelpCommand()
    verb, args = words[0].lower(), words[1:]
    if verb == "help" and not args:
        return HelpCommand()
    if verb == "list":
        return ListCommand() if not args else UsageError(f"`/nebula list` takes no arguments.\n{USAGE}")
    if verb in _BARE:
        return _BARE[verb]() if not args else UsageError(f"`/nebula {verb}` takes no arguments.\n{USAGE}")
    if verb == "protect":
        ids = _ids(verb, args[:1], limit=1)
        return ids if isinstance(ids, UsageError) else ProtectCommand(ids[0], " ".join(args[1:]))
    if verb == "unprotect":
        ids = _ids(verb, args, limit=1)
        return ids if isinstance(ids, UsageError) else UnprotectCommand(ids[0])
    if verb == "claim":
        off = len(args) == 2 and args[1].lower() == "off"
        ids = _ids(verb, args[:1] if off else args, limit=1)
        return ids if isinstance(ids, UsageError) else ClaimCommand(ids[0], off=off)
    if verb == "lease":
        return _lease(args)
    if verb == "show":
        ids = _ids(verb, args, limit=1)
        return ids if isinstance(ids, UsageError) else ShowCommand(ids[0])
    if verb in VERBS:
        ids = _ids(verb, args, limit=MAX_IDS if verb == "delete" else 1)
        return ids if isinstance(ids, UsageError) else ChangeCommand(VERBS[verb], ids)
    guess = difflib.get_close_matches(verb, _ALL_VERBS, n=1, cutoff=0.6)
    hint = f" Did you mean `{guess[0]}`?" if guess else ""
    return UsageError(f"Unknown command {code(verb)}.{hint}\n{USAGE}")


def _lease(args: list[str]) -> LeaseCommand | UsageError:
    if not args or len(args) > 2:
        return UsageError(f"Write `/nebula lease <instance-id> <duration>`, e.g. 8h.\n{USAGE}")
    ids = _ids("lease", args[:1], limit=1)
    if isinstance(ids, UsageError):
        return ids
    if len(args) == 1:
        return LeaseCommand(ids[0])
    if args[1].lower() == "off":
        return LeaseCommand(ids[0], off=True)
    try:
        return LeaseCommand(ids[0], seconds=parse_duration(args[1]))
    except ValueError as exc:
        return UsageError(f"{code(args[1])}: {exc}. Or write `off` to remove the lease.")


def _ids(verb: str, args: list[str], limit: int) -> tuple[str, ...] | UsageError:
    if not args:
        return UsageError(f"Which instance? Add its id: `/nebula {verb} <instance-id>`.\n{USAGE}")
    for arg in args:
        if not is_instance_id(arg):
            return UsageError(f"{code(arg)} is not a valid instance id.\n{USAGE}")
    unique = tuple(dict.fromkeys(args))  # duplicates dropped, order kept
    if len(unique) > limit:
        many = "exactly one instance id" if limit == 1 else f"at most {limit} instance ids"
        return UsageError(f"`/nebula {verb}` takes {many}.\n{USAGE}")
    return unique
