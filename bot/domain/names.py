"""Which instance a typed word means: its id, its host name, or the start of its id.

The rules, pure: a word written as Nebula writes ids is that id; otherwise it is looked for among the
instances of a read of the fleet, as an id, a host name (any case) and an id prefix of at least eight
characters (`102cade8…`, as messages show ids). One instance found: that one. Several: the person
chooses. None: host names containing the word, or close to it, are offered; with none, a word that
can be an id is tried as one (a list may lag behind Nebula; the instance's own read decides), and any
other word is answered "no instance called".
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.domain.commands import (
    ChangeCommand,
    Command,
    LeaseCommand,
    OwnCommand,
    ProtectCommand,
    ScheduleCommand,
    ShowCommand,
    UnprotectCommand,
)
from bot.domain.durations import format_seconds
from bot.domain.ids import has_nebula_id_shape, is_instance_id, prefix_of
from bot.domain.instance import Instance

CLOSEST: Final = 3
MENTION_TEXT_MAX: Final = 40_000  # a message's text is read this far for instance names


@dataclass(frozen=True)
class Found:
    """The word means the instance with this id."""

    instance_id: str


@dataclass(frozen=True)
class Ambiguous:
    """The word fits several instances: the person must choose."""

    reference: str
    candidates: tuple[Instance, ...]


@dataclass(frozen=True)
class Unknown:
    """No instance goes by the word; `closest` are host names near it."""

    reference: str
    closest: tuple[str, ...] = ()


Match = Found | Ambiguous | Unknown


def needs_fleet(reference: str) -> bool:
    """True when only a read of the fleet can say what `reference` means."""
    return not has_nebula_id_shape(reference)


def match(reference: str, instances: Sequence[Instance] | None) -> Match:
    """What `reference` means among `instances` (None: the fleet could not be read)."""
    if not needs_fleet(reference):
        return Found(reference)
    if instances is None:
        return Found(reference) if is_instance_id(reference) else Unknown(reference)
    exact = [i for i in instances if i.id == reference]
    if exact:
        return Found(exact[0].id)
    wanted = reference.casefold()
    by_name = [i for i in instances if i.host_name is not None and i.host_name.casefold() == wanted]
    prefix = prefix_of(reference)
    start = None if prefix is None else prefix.casefold()
    by_prefix = [] if start is None else [i for i in instances if i.id.casefold().startswith(start)]
    candidates = tuple({i.id: i for i in (*by_name, *by_prefix)}.values())
    if len(candidates) == 1:
        return Found(candidates[0].id)
    if candidates:
        return Ambiguous(reference, candidates)
    names = sorted({i.host_name for i in instances if i.host_name})
    containing = [name for name in names if wanted in name.casefold()]
    similar = difflib.get_close_matches(reference, names, n=CLOSEST, cutoff=0.6)
    closest = tuple(dict.fromkeys([*containing, *similar]))[:CLOSEST]
    if not closest and is_instance_id(reference):
        return Found(reference)
    return Unknown(reference, closest)


MENTIONED_MAX: Final = 20
_WORD: Final = re.compile(r"[^\W_][\w.-]*…?")


def mentioned(text: str, instances: Sequence[Instance]) -> tuple[Instance, ...]:
    """The instances a message names (by id, host name or id prefix), in the order it names them."""
    by_id = {i.id.casefold(): i for i in instances}
    by_name: dict[str, list[Instance]] = {}
    for instance in instances:
        if instance.host_name:
            by_name.setdefault(instance.host_name.casefold(), []).append(instance)
    found: dict[str, Instance] = {}
    for word in _WORD.findall(text[:MENTION_TEXT_MAX]):
        key = word.casefold()
        prefix = prefix_of(word)
        hits = [by_id[key]] if key in by_id else by_name.get(key, [])
        if not hits and prefix is not None:
            start = prefix.casefold()
            hits = [i for i in instances if i.id.casefold().startswith(start)]
        for hit in hits:
            found.setdefault(hit.id, hit)
        if len(found) >= MENTIONED_MAX:
            break
    return tuple(found.values())[:MENTIONED_MAX]


# Commands that name instances, as typed and as resolved.
Named = (
    ShowCommand
    | ChangeCommand
    | LeaseCommand
    | ProtectCommand
    | UnprotectCommand
    | OwnCommand
    | ScheduleCommand
)


def references(command: Command) -> tuple[str, ...]:
    """The instances a command names, as typed (ids, host names or id prefixes)."""
    if isinstance(command, ChangeCommand):
        return command.instance_ids
    if isinstance(
        command, ShowCommand | LeaseCommand | ProtectCommand | UnprotectCommand | OwnCommand | ScheduleCommand
    ):
        return (command.instance_id,)
    return ()


def with_ids(command: Named, ids: dict[str, str]) -> Named:
    """`command` with each reference replaced by the id it was resolved to (duplicates dropped)."""
    if isinstance(command, ChangeCommand):
        resolved = tuple(dict.fromkeys(ids.get(r, r) for r in command.instance_ids))
        return dataclasses.replace(command, instance_ids=resolved)
    return dataclasses.replace(command, instance_id=ids.get(command.instance_id, command.instance_id))


def command_text(command: Named) -> str:
    """The text that parses back to `command` (what a "Which one?" button runs once an id is chosen)."""
    match command:
        case ChangeCommand(verb, ids):
            return " ".join((verb.name, *ids))
        case ShowCommand(instance_id) | UnprotectCommand(instance_id):
            return f"{'show' if isinstance(command, ShowCommand) else 'unprotect'} {instance_id}"
        case LeaseCommand(instance_id, seconds, off):
            how = "off" if off else (format_seconds(seconds) if seconds is not None else "")
            return f"lease {instance_id} {how}".rstrip()
        case ProtectCommand(instance_id, reason):
            return f"protect {instance_id} {reason}".rstrip()
        case OwnCommand(instance_id, off):
            return f"own {instance_id}{' off' if off else ''}"
        case ScheduleCommand(instance_id, window, off):
            return " ".join(("schedule", instance_id, *(("off",) if off else window)))
