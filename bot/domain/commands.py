"""Parsing the text of `/nebula ...` into a typed command, before any I/O.

What cannot be parsed becomes a `UsageError` carrying the facts (which word, which verb); the
sentences a person reads are in `bot.slack.messages.help`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Final, Literal

from bot.domain.budgets import Period, parse_budget
from bot.domain.durations import parse_duration
from bot.domain.ids import is_reference
from bot.domain.schedules import WindowError, parse_window
from bot.domain.verbs import MAX_IDS, VERBS, Verb

MIN_LEASE_SECONDS: Final = 1.0
# Every word `/nebula` understands; `claim` is the older spelling of `own`.
WORDS: Final = (
    "help", "list", "show", "cost", "lease", "leases", "protect", "unprotect", "protected", "own", "claim",
    "schedule", "schedules", "budget", *VERBS,
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
class OwnCommand:
    """`/nebula own <id> [off]`: the sender owns the instance (or no longer does)."""

    instance_id: str
    off: bool = False


# The words that act on one instance chosen from a menu when no instance is named.
PICKABLE: Final = (
    "show", "delete", "stop", "start", "reboot", "lease", "protect", "unprotect", "own", "schedule",
)  # fmt: skip


@dataclass(frozen=True)
class ScheduleCommand:
    """`/nebula schedule <id> <days> HH:MM-HH:MM [zone]` (set), `… off` (remove), or `<id>` alone (show).

    `window` holds the words after the id as typed; the zone is the configured one when none is given.
    """

    instance_id: str
    window: tuple[str, ...] = ()
    off: bool = False


@dataclass(frozen=True)
class BudgetCommand:
    """`/nebula budget` (show), `/nebula budget 5000/month` (set), `/nebula budget off` (remove)."""

    amount: float | None = None
    period: Period = "month"
    off: bool = False


@dataclass(frozen=True)
class SchedulesCommand:
    """`/nebula schedules`."""


@dataclass(frozen=True)
class PickCommand:
    """`/nebula delete` (or another word of PICKABLE) without an instance: offer a menu of them."""

    word: str


Problem = Literal[
    "unknown_verb",
    "takes_nothing",
    "missing_id",
    "bad_id",
    "too_many_ids",
    "lease_form",
    "bad_duration",
    "schedule_form",
    "budget_form",
]


@dataclass(frozen=True)
class UsageError:
    """Text that is not a command: what is wrong (`problem`), with the word or verb concerned."""

    problem: Problem
    verb: str = ""
    word: str = ""
    guess: str | None = None  # the verb a misspelt word probably meant
    limit: int = 0  # how many ids the verb takes
    detail: str = ""  # why a duration could not be read


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
    | OwnCommand
    | PickCommand
    | ScheduleCommand
    | SchedulesCommand
    | BudgetCommand
)
ParseResult = Command | UsageError


_BARE: Final[
    dict[str, type[ListCommand | CostCommand | LeasesCommand | ProtectedCommand | SchedulesCommand]]
] = {
    "list": ListCommand,
    "cost": CostCommand,
    "leases": LeasesCommand,
    "protected": ProtectedCommand,
    "schedules": SchedulesCommand,
}


def parse(text: str) -> ParseResult:
    """Parse the text after `/nebula`. Never raises; anything unusable becomes a `UsageError`."""
    words = text.split()
    if not words:
        return HelpCommand()
    verb, args = words[0].lower(), words[1:]
    if verb == "help" and not args:
        return HelpCommand()
    if not args and (verb in PICKABLE or verb == "claim"):
        return PickCommand("own" if verb == "claim" else verb)
    if verb in _BARE:
        return _BARE[verb]() if not args else UsageError("takes_nothing", verb=verb)
    if verb == "protect":
        ids = _ids(verb, args[:1], limit=1)
        return ids if isinstance(ids, UsageError) else ProtectCommand(ids[0], " ".join(args[1:]))
    if verb == "unprotect":
        ids = _ids(verb, args, limit=1)
        return ids if isinstance(ids, UsageError) else UnprotectCommand(ids[0])
    if verb in ("own", "claim"):
        off = len(args) == 2 and args[1].lower() == "off"
        ids = _ids("own", args[:1] if off else args, limit=1)
        return ids if isinstance(ids, UsageError) else OwnCommand(ids[0], off=off)
    if verb == "lease":
        return _lease(args)
    if verb == "schedule":
        return _schedule(args)
    if verb == "budget":
        return _budget(args)
    if verb == "show":
        ids = _ids(verb, args, limit=1)
        return ids if isinstance(ids, UsageError) else ShowCommand(ids[0])
    if verb in VERBS:
        ids = _ids(verb, args, limit=MAX_IDS if verb == "delete" else 1)
        return ids if isinstance(ids, UsageError) else ChangeCommand(VERBS[verb], ids)
    guess = difflib.get_close_matches(verb, WORDS, n=1, cutoff=0.6)
    return UsageError("unknown_verb", word=verb, guess=guess[0] if guess else None)


def _lease(args: list[str]) -> LeaseCommand | UsageError:
    if not args or len(args) > 2:
        return UsageError("lease_form", verb="lease")
    ids = _ids("lease", args[:1], limit=1)
    if isinstance(ids, UsageError):
        return ids
    if len(args) == 1:
        return LeaseCommand(ids[0])
    if args[1].lower() == "off":
        return LeaseCommand(ids[0], off=True)
    try:
        seconds = parse_duration(args[1])
    except ValueError as exc:
        return UsageError("bad_duration", verb="lease", word=args[1], detail=str(exc))
    if seconds < MIN_LEASE_SECONDS:
        return UsageError(
            "bad_duration", verb="lease", word=args[1], detail="a lease lasts at least a second"
        )
    return LeaseCommand(ids[0], seconds=seconds)


def _budget(args: list[str]) -> BudgetCommand | UsageError:
    if not args:
        return BudgetCommand()
    if len(args) == 1 and args[0].lower() == "off":
        return BudgetCommand(off=True)
    parsed = parse_budget(args[0]) if len(args) == 1 else None
    if parsed is None:
        return UsageError("budget_form", verb="budget", word=" ".join(args))
    return BudgetCommand(amount=parsed[0], period=parsed[1])


def _schedule(args: list[str]) -> ScheduleCommand | UsageError:
    ids = _ids("schedule", args[:1], limit=1)
    if isinstance(ids, UsageError):
        return ids
    rest = args[1:]
    if not rest:
        return ScheduleCommand(ids[0])
    if len(rest) == 1 and rest[0].lower() == "off":
        return ScheduleCommand(ids[0], off=True)
    window = parse_window(rest, "UTC")  # the configured zone is applied later; the form is checked now
    if isinstance(window, WindowError):
        return UsageError("schedule_form", verb="schedule", word=window.word, detail=window.problem)
    return ScheduleCommand(ids[0], tuple(rest))


def _ids(verb: str, args: list[str], limit: int) -> tuple[str, ...] | UsageError:
    if not args:
        return UsageError("missing_id", verb=verb)
    for arg in args:
        if not is_reference(arg):
            return UsageError("bad_id", verb=verb, word=arg)
    unique = tuple(dict.fromkeys(args))  # duplicates dropped, order kept
    if len(unique) > limit:
        return UsageError("too_many_ids", verb=verb, limit=limit)
    return unique
