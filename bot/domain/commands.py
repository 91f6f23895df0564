"""The grammar of `/nebula …`: what every command shares, and the pieces each word's parser is made of.

Each word declares its own command type and parser, with everything else about it, in one module of
`bot.core.commands`. What they share is here, pure: a command names instances as typed until they
are resolved to ids, it writes itself back as the text that parses to it (what a "Which one?" button
runs once an instance is chosen), and text that cannot be parsed becomes a `UsageError` carrying the
facts; the sentences a person reads are in `bot.slack.messages.help`.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Self, TypeVar

from bot.domain.fleet.ids import is_reference
from bot.domain.typed import words_of


@dataclass(frozen=True)
class Command(ABC):
    """A parsed command."""

    @abstractmethod
    def text(self) -> str:
        """The text after `/nebula` that parses back to this command."""

    def references(self) -> tuple[str, ...]:
        """The instances it names, as typed (ids, host names or id prefixes)."""
        return ()

    def resolved(self, ids: Mapping[str, str]) -> Self:
        """This command with each reference replaced by the id it was resolved to."""
        return self


@dataclass(frozen=True)
class OnInstance(Command, ABC):
    """A command about one instance."""

    instance_id: str

    def references(self) -> tuple[str, ...]:
        return (self.instance_id,)

    def resolved(self, ids: Mapping[str, str]) -> Self:
        return dataclasses.replace(self, instance_id=ids.get(self.instance_id, self.instance_id))


@dataclass(frozen=True)
class Pick(Command):
    """A word that acts on an instance, typed without one: a menu of the instances it fits follows."""

    word: str

    def text(self) -> str:
        return self.word


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
    "launch_form",
]


@dataclass(frozen=True)
class UsageError:
    """Text that is not a command: what is wrong (`problem`), with the word or verb concerned."""

    problem: Problem
    verb: str = ""
    word: str = ""
    guess: str | None = None  # the word a misspelt one probably meant
    limit: int = 0  # how many instances the word takes
    detail: str = ""  # why a duration or a window could not be read
    choices: tuple[str, ...] = ()  # what an ambiguous word may mean (`PST`: America/Los_Angeles)


C = TypeVar("C", bound=Command)
On = TypeVar("On", bound=OnInstance)
# A word's parser: given the word as declared and the words typed after it.
Parse = Callable[[str, Sequence[str]], Command | UsageError]


def bare(make: Callable[[], C]) -> Parse:
    """A word that takes nothing after it."""
    return lambda verb, args: make() if not args else UsageError("takes_nothing", verb=verb)


def on_instance(make: Callable[[str], On]) -> Parse:
    """A word followed by exactly one instance."""

    def parse(verb: str, args: Sequence[str]) -> Command | UsageError:
        found = reference(verb, args)
        return found if isinstance(found, UsageError) else make(found)

    return parse


def references(verb: str, args: Sequence[str], limit: int) -> tuple[str, ...] | UsageError:
    """`args` as up to `limit` instance references, duplicates dropped (the order kept). Each is taken
    as meant: without backticks or quotes around it or a comma after it (`bot.domain.typed`)."""
    words = words_of(list(args))
    if not words:
        return UsageError("missing_id", verb=verb)
    for word in words:
        if not is_reference(word):
            return UsageError("bad_id", verb=verb, word=word)
    unique = tuple(dict.fromkeys(words))
    if len(unique) > limit:
        return UsageError("too_many_ids", verb=verb, limit=limit)
    return unique


def reference(verb: str, args: Sequence[str]) -> str | UsageError:
    """`args` as exactly one instance reference."""
    found = references(verb, args, 1)
    return found if isinstance(found, UsageError) else found[0]


def is_off(word: str) -> bool:
    """The word that removes a setting: `off`, in any case."""
    return word.lower() == "off"
