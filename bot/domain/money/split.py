"""Which instances are a team's own, where teams share one Nebula key (one account, one bill): those
whose names match the patterns the team gave in its table (`instances = ["research-*"]`). Nebula
says nothing of teams, so the team says; without patterns, nothing of the account is split. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Final

MAX_PATTERNS: Final = 20
MAX_PATTERN: Final = 64


def is_pattern(value: str) -> bool:
    """A pattern a person can read: printable, without spaces, at most MAX_PATTERN characters, and
    not one that matches every name."""
    text = value.strip("*")
    return 0 < len(value) <= MAX_PATTERN and value.isprintable() and " " not in value and bool(text)


def owns(patterns: Iterable[str], name: str | None) -> bool:
    """Whether an instance called `name` is the team's (case as written; no name, no match)."""
    return name is not None and any(fnmatchcase(name, pattern) for pattern in patterns)
