"""Whether a change fits an instance's status, and what fits instead. Pure.

A verb applies to the statuses it `needs` (a start to a stopped instance). Any other is answered at
once, with no confirmation and no call to Nebula: with the verbs that would apply to a settled instance
(never a delete, which nobody should be steered to), with nothing while it is changing (deploying,
being deleted, or a status the bot does not know) so that nothing races the change, and as gone once
Nebula says it was deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from bot.domain.fleet.instance import Instance
from bot.domain.verbs import REBOOT, RUNNING, START, STOP, STOPPED, VERBS, Verb

GONE: Final = frozenset({"deleted", "completed"})
SETTLED: Final = frozenset({RUNNING, STOPPED})
# What a verb leaves an instance in: asking for it there is asking for what already is.
_LEAVES: Final = {START: RUNNING, STOP: STOPPED}
# What may be offered instead, in this order.
_INSTEAD: Final = (START, STOP, REBOOT)

Kind = Literal["already", "other", "changing", "gone"]


@dataclass(frozen=True)
class Misfit:
    """`verb` does not fit `instance`: it is `already` what the verb would make it, in an `other`
    settled status, `changing`, or `gone`. `instead`: the verbs that fit; `reference`: how to name it
    in a command (its name where that is unique)."""

    instance: Instance
    verb: Verb
    kind: Kind
    instead: tuple[Verb, ...]
    reference: str


def misfit(verb: Verb, instance: Instance, reference: str | None = None) -> Misfit | None:
    """None when `verb` fits `instance`; else why not, and what would."""
    status = instance.status_word
    if not verb.needs or status in verb.needs:
        return None
    named = reference or instance.id
    if status in GONE:
        return Misfit(instance, verb, "gone", (), named)
    if status not in SETTLED:
        return Misfit(instance, verb, "changing", (), named)
    instead = tuple(other for other in _INSTEAD if status in other.needs)
    kind: Kind = "already" if _LEAVES.get(verb) == status else "other"
    return Misfit(instance, verb, kind, instead, named)


def leaves(verb: Verb) -> str | None:
    """The status a verb leaves an instance in, when it settles one (a stop: stopped)."""
    return _LEAVES.get(verb)


def fits(verb: Verb, instance: Instance) -> bool:
    """True when `verb` applies to `instance` as it is."""
    return misfit(verb, instance) is None


def fitting_verbs(instance: Instance) -> tuple[Verb, ...]:
    """The changes that apply to `instance` as it is (a listed instance's menu)."""
    return tuple(verb for verb in VERBS.values() if fits(verb, instance))


def sort_out(
    verb: Verb, instances: Iterable[Instance], references: Mapping[str, str]
) -> tuple[tuple[Instance, ...], tuple[Misfit, ...]]:
    """The instances `verb` fits, and why it does not fit the others."""
    fitting: list[Instance] = []
    misfits: list[Misfit] = []
    for instance in instances:
        found = misfit(verb, instance, references.get(instance.id))
        if found is None:
            fitting.append(instance)
        else:
            misfits.append(found)
    return tuple(fitting), tuple(misfits)
