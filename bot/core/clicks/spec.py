"""What a family of buttons is: one spec per family, declared once beside its handler.

A family is a method of a `ButtonSet`, decorated with `@family(...)` naming the action ids it answers
(the messages write them, `bot.slack.messages.action_ids`). Every value a button carries is read by
the family's handler through `bot.domain.controls`, where anything the bot could not have written
reads as None.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from bot.domain.policy import Actor
from bot.slack.replier import Destination


@dataclass(frozen=True)
class Click:
    """A press on one of the bot's controls, as Slack reports it: which one, and what it carries (a
    button's value, or the value of the option chosen in a menu)."""

    action_id: str
    value: str | None
    block_id: str | None = None
    trigger_id: str | None = None


ClickHandler = Callable[[Actor, Destination, Click], Awaitable[None]]
F = TypeVar("F", bound=Callable[..., Awaitable[None]])


@dataclass(frozen=True)
class Family:
    """A family of buttons, as declared."""

    name: str
    action_ids: tuple[str, ...]
    summary: str  # what pressing one does: the handler's docstring's first line
    admit: bool = True  # only for people who may look or act (a decision checks its own rules)
    refreshes_home: bool = False  # what it changes shows on the presser's Home tab


def family(*action_ids: str, admit: bool = True, refreshes_home: bool = False) -> Callable[[F], F]:
    """Declare the decorated method as the handler of the buttons `action_ids`."""

    def declare(handler: F) -> F:
        summary = (inspect.getdoc(handler) or "").split("\n", 1)[0]
        declared = Family(handler.__name__, action_ids, summary, admit, refreshes_home)
        handler.__family__ = declared  # type: ignore[attr-defined]
        return handler

    return declare


class ButtonSet:
    """Families of buttons sharing collaborators (which come by keyword)."""

    SPECS: ClassVar[tuple[Family, ...]] = ()

    def __init_subclass__(cls, **rest: object) -> None:
        super().__init_subclass__(**rest)
        cls.SPECS = tuple(
            member.__family__ for _, member in inspect.getmembers(cls) if hasattr(member, "__family__")
        )

    def handlers(self) -> list[tuple[Family, ClickHandler]]:
        """Each family with its bound handler."""
        found: list[tuple[Family, Any]] = []
        for _, member in inspect.getmembers(self):
            spec = getattr(member, "__family__", None)
            if isinstance(spec, Family):
                found.append((spec, member))
        return found
