"""What a `/nebula` word is: one spec with everything about it, declared once, beside its handler.

A word is a method of a `CommandSet` (a family of words sharing collaborators), decorated with `@word`:
its docstring's first line is its help, and the decorator says the rest (its usage, an example that
works in the demo, its parser, the instances it fits when it names one, what its menu says, its audit
label). Help, usage, the parser's vocabulary, menus and dispatch are all derived from the specs
(`bot.core.commands.Words`); a test checks that every spec has every facet. A family's collaborators
come by keyword, by name, from what the core is built with.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from bot.domain.commands import Parse
from bot.domain.fleet.instance import Instance
from bot.domain.policy import Actor
from bot.slack.messages.kit import Message
from bot.slack.replier import Destination

# Whether a word's menu offers an instance (which is protected, or not).
Fits = Callable[[Instance, bool], bool]
# A word's handler: after the ack, with who asked, where to answer, and the parsed command.
Handler = Callable[[Actor, Destination, Any], Awaitable[None]]
# A word answered at once, in the ack itself (no I/O): help.
Instant = Callable[[Actor, Any], Message]
F = TypeVar("F", bound=Callable[..., Any])


def any_instance(instance: Instance, protected: bool) -> bool:
    """Every instance there is (that is not gone)."""
    return True


@dataclass(frozen=True)
class Word:
    """One word of `/nebula`, as declared."""

    name: str
    usage: str  # what follows `/nebula`: "lease <instance> [<duration>|off]"
    summary: str  # what it does: the handler's docstring's first line
    example: str  # what follows `/nebula` in an example that works in the demo
    parse: Parse  # the words after the word itself
    rank: int  # its place in the help
    aliases: tuple[str, ...] = ()  # other spellings it answers to
    fits: Fits | None = None  # the instances it applies to, when it names one (for menus)
    menu: str = ""  # what a menu of them is for: "to stop"
    audit: str = ""  # what its audit lines and metrics call it (the word itself when empty)
    admit: bool = True  # only for people who may look or act (help is for everyone)
    writes: bool = True  # it keeps something: refused at once while the store cannot be written
    bare: bool = False  # what `/nebula` alone means
    instant: bool = False  # answered in the ack: its handler is an `Instant`

    @property
    def pickable(self) -> bool:
        """Typed alone, it offers a menu of the instances it fits."""
        return self.fits is not None

    @property
    def label(self) -> str:
        """What audit lines and metrics call it."""
        return self.audit or self.name


def word(
    name: str,
    *,
    usage: str,
    example: str,
    parse: Parse,
    rank: int,
    aliases: tuple[str, ...] = (),
    fits: Fits | None = None,
    menu: str = "",
    audit: str = "",
    admit: bool = True,
    writes: bool = True,
    bare: bool = False,
) -> Callable[[F], F]:
    """Declare the decorated method as the handler of `/nebula <name>`; its docstring is its help. A
    method that is not a coroutine function answers at once, in the ack."""

    def declare(handler: F) -> F:
        summary = (inspect.getdoc(handler) or "").split("\n", 1)[0]
        instant = not inspect.iscoroutinefunction(handler)
        handler.__word__ = Word(  # type: ignore[attr-defined]
            name,
            usage,
            summary,
            example,
            parse,
            rank,
            aliases,
            fits,
            menu,
            audit,
            admit,
            writes,
            bare,
            instant,
        )
        return handler

    return declare


class CommandSet:
    """A family of words: each `@word` method is one, and the family's collaborators come by keyword."""

    SPECS: ClassVar[tuple[Word, ...]] = ()

    def __init_subclass__(cls, **rest: object) -> None:
        super().__init_subclass__(**rest)
        cls.SPECS = tuple(
            member.__word__ for _, member in inspect.getmembers(cls) if hasattr(member, "__word__")
        )

    def handlers(self) -> list[tuple[Word, Handler | Instant]]:
        """Each word of the family with its bound handler."""
        found = []
        for _, member in inspect.getmembers(self):
            spec = getattr(member, "__word__", None)
            if isinstance(spec, Word):
                found.append((spec, member))
        return found
