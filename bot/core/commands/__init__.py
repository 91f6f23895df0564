"""`/nebula`'s words: one module per word, or per family of words, each declaring its specs beside its
handlers (`spec`). Every module of this package is found by `families()`: a new word is a new module.

`Words` is what the rest of the bot derives from the specs: the parser's vocabulary, the help, the
usage lines, and the menus.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from bot.core.commands.spec import CommandSet, Fits, Handler, Instant, Word, any_instance, word
from bot.domain.commands import Command, Pick, UsageError
from bot.domain.verbs import DELETE
from bot.slack.messages.help import HelpLine

__all__ = [
    "CommandSet",
    "Fits",
    "Handler",
    "Instant",
    "Word",
    "Words",
    "any_instance",
    "every_word",
    "families",
    "parse",
    "word",
]


class Words:
    """The words `/nebula` understands, from their specs."""

    def __init__(self, specs: Iterable[Word]) -> None:
        self.ordered = tuple(sorted(specs, key=lambda spec: (spec.rank, spec.name)))
        self._by_name: dict[str, Word] = {}
        for spec in self.ordered:
            for name in (spec.name, *spec.aliases):
                if name in self._by_name:
                    raise ValueError(f"two words are called {name!r}")
                self._by_name[name] = spec

    def find(self, name: str) -> Word | None:
        """The word called `name` (or spelt so), in any case."""
        return self._by_name.get(name.lower())

    @property
    def bare(self) -> Word:
        """What `/nebula` alone means."""
        return next(spec for spec in self.ordered if spec.bare)

    def parse(self, text: str) -> tuple[Word, Command] | UsageError:
        """The word `text` starts with, and the command it parses to. Never raises."""
        typed = text.split()
        spec = self.bare if not typed else self.find(typed[0])
        if spec is None:
            return UsageError("unknown_verb", word=typed[0].lower(), guess=self.guess(typed[0]))
        if len(typed) == 1 and spec.pickable:
            return spec, Pick(spec.name)
        parsed = spec.parse(spec.name, typed[1:])
        return parsed if isinstance(parsed, UsageError) else (spec, parsed)

    def lines(self) -> list[HelpLine]:
        """Every word's usage, what it does, and an example, in the help's order."""
        return [HelpLine(spec.name, spec.usage, spec.summary, spec.example) for spec in self.ordered]

    @property
    def example(self) -> str:
        """The help's example: the most consequential word's (a delete)."""
        featured = self.find(DELETE.name)
        return featured.example if featured is not None else self.bare.example

    def guess(self, typed: str) -> str | None:
        """The word a misspelt one probably meant (0.7: a typo, not a word that merely shares letters,
        such as `mine` and `terminate`)."""
        import difflib  # only on a misspelt word: it costs 0.2 MB held from start

        found = difflib.get_close_matches(typed.lower(), list(self._by_name), n=1, cutoff=0.7)
        if not found:
            return None
        spec = self._by_name[found[0]]
        return found[0] if found[0] in spec.aliases else spec.name


def families() -> list[type[CommandSet]]:
    """Every family of words: the `CommandSet` classes of this package's modules."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return sorted(_subclasses(CommandSet), key=lambda family: family.__qualname__)


def _subclasses(cls: type[CommandSet]) -> list[type[CommandSet]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def every_word() -> Words:
    """Every word there is, from every family's specs."""
    return Words(spec for family in families() for spec in family.SPECS)


def parse(text: str) -> Command | UsageError:
    """`text` (after `/nebula`) parsed by every word there is."""
    parsed = every_word().parse(text)
    return parsed if isinstance(parsed, UsageError) else parsed[1]
