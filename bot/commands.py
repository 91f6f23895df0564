"""Parsing the text of `/nebula ...` into a typed command, before any I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bot.mrkdwn import code

# Nebula does not specify its id format; documented ids are hex groups and dashes. Ids go into a
# URL path, so only this set is ever accepted: no `/`, `.`, `%`, `?`, `#` or whitespace can pass.
INSTANCE_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")

USAGE: Final = (
    "Usage:\n"
    "• `/nebula delete <instance-id>`: delete a GPU instance (asks for confirmation first)\n"
    "• `/nebula help`: this message\n"
    "Instance ids are 1 to 64 letters, digits, `-` or `_`, as shown in the Nebula console."
)


def is_valid_instance_id(value: str) -> bool:
    """True when `value` is safe to use as an instance id in a Nebula URL path."""
    return INSTANCE_ID_PATTERN.fullmatch(value) is not None


@dataclass(frozen=True)
class DeleteCommand:
    """`/nebula delete <id>`."""

    instance_id: str


@dataclass(frozen=True)
class HelpCommand:
    """`/nebula help`, or a bare `/nebula`."""


@dataclass(frozen=True)
class UsageError:
    """Text that is not a command; `message` tells the user what to type instead."""

    message: str


Command = DeleteCommand | HelpCommand
ParseResult = Command | UsageError


def parse(text: str) -> ParseResult:
    """Parse the text after `/nebula`. Never raises; anything unusable becomes a `UsageError`."""
    words = text.split()
    if not words or words == ["help"]:
        return HelpCommand()
    verb, args = words[0].lower(), words[1:]
    if verb == "delete":
        return _parse_delete(args)
    return UsageError(f"Unknown command {code(verb)}.\n{USAGE}")


def _parse_delete(args: list[str]) -> ParseResult:
    if not args:
        return UsageError(f"Which instance? Add its id: `/nebula delete <instance-id>`.\n{USAGE}")
    if len(args) > 1:
        return UsageError(f"`/nebula delete` takes exactly one instance id.\n{USAGE}")
    if not is_valid_instance_id(args[0]):
        return UsageError(f"{code(args[0])} is not a valid instance id.\n{USAGE}")
    return DeleteCommand(instance_id=args[0])
