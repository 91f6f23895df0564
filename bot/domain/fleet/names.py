"""Which instance a typed word means: its id, its host name, or the start of its id.

The rules, pure: a word written as Nebula writes ids is that id; otherwise it is looked for among the
instances of a read of the fleet, as an id, a host name (any case) and an id prefix of at least eight
characters (`102cade8…`, as messages show ids). One instance found: that one. Several: the person
chooses. None: host names containing the word, or close to it, are offered. No word that was not
resolved to an id on the read goes anywhere near Nebula's URLs.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.domain.fleet.ids import MIN_PREFIX, has_nebula_id_shape, is_reference, prefix_of
from bot.domain.fleet.instance import Instance

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
    """No instance goes by the word; `closest` are host names near it; `short`: the word could be the
    start of an id, but too short a one to go by."""

    reference: str
    closest: tuple[str, ...] = ()
    short: bool = False


Match = Found | Ambiguous | Unknown


@dataclass(frozen=True)
class Called:
    """How messages name an instance known by its id: its host name as last read (None: not known), and
    what a suggested command types for it (the name where it is unique, else the id)."""

    instance_id: str
    host_name: str | None
    reference: str


def needs_fleet(reference: str) -> bool:
    """True when only a read of the fleet can say what `reference` means."""
    return not has_nebula_id_shape(reference)


def match(reference: str, instances: Sequence[Instance] | None) -> Match:
    """What `reference` means among `instances` (None: the fleet could not be read)."""
    if not needs_fleet(reference):
        return Found(reference)
    if instances is None:
        return Unknown(reference)
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
    import difflib  # only here, on a word that matched nothing: it costs 0.2 MB held from start

    similar = difflib.get_close_matches(reference, names, n=CLOSEST, cutoff=0.6)
    closest = tuple(dict.fromkeys([*containing, *similar]))[:CLOSEST]
    short = len(reference) < MIN_PREFIX and _HEX.fullmatch(reference) is not None
    return Unknown(reference, closest, short)


_HEX: Final = re.compile(r"[0-9a-f-]+…?", re.IGNORECASE)


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


def references(instances: Iterable[Instance], fleet: Sequence[Instance] | None) -> dict[str, str]:
    """How to name each of `instances` in a command the bot suggests: its host name where `match` on
    `fleet` would find exactly it by that name, else its id (also when the fleet is not known)."""
    if fleet is None:
        return {i.id: i.id for i in instances}
    named: dict[str, int] = {}
    for one in fleet:
        if one.host_name:
            named[one.host_name.casefold()] = named.get(one.host_name.casefold(), 0) + 1
    ids = sorted(one.id.casefold() for one in fleet)
    known = {one.id for one in fleet}
    found = {}
    for instance in instances:
        name = instance.host_name
        found[instance.id] = instance.id
        if not name or named.get(name.casefold()) != 1 or not is_reference(name) or not needs_fleet(name):
            continue
        if instance.id not in known:
            continue  # not in the read: its name would find nothing
        # Not another instance's id, nor the start of one (`match` looks at ids before names).
        start = prefix_of(name)
        wanted = (start or name).casefold()
        at = bisect.bisect_left(ids, wanted)
        taken = at < len(ids) and (ids[at] == wanted or (start is not None and ids[at].startswith(wanted)))
        if not taken:
            found[instance.id] = name
    return found
