"""Id formats: Nebula instance ids (they go into URL paths) and Slack ids (users, groups, channels).

One place for the patterns, used by the command parser, the Nebula client and the settings alike.
"""

from __future__ import annotations

import re
from typing import Final

# Nebula does not specify its id format; documented ids are hex groups and dashes. Ids go into a
# URL path, so only this set is ever accepted: no `/`, `.`, `%`, `?`, `#` or whitespace can pass.
# The first character must be a letter or digit, so that `--force` is not taken for an id.
INSTANCE_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
INSTANCE_ID_MAX: Final = 64


def is_instance_id(value: object) -> bool:
    """True when `value` is a string safe to use as an instance id in a Nebula URL path."""
    return isinstance(value, str) and INSTANCE_ID_PATTERN.fullmatch(value) is not None


def is_slack_id(value: object, kinds: str) -> bool:
    """True for a Slack id whose first letter is one of `kinds` (`U`, `W`, `S`, `C`, `T`, …)."""
    return (
        isinstance(value, str)
        and 2 <= len(value) <= 32
        and value[0] in kinds
        and value.isascii()
        and value.isalnum()
        and value.isupper()
    )


# What a person may type where an instance is meant: its id, its host name, or the start of its id
# (as messages show it, with or without the `…`). Nothing typed here reaches a URL until it has been
# resolved to an id on a read of the fleet (`bot.core.names`).
REFERENCE_MAX: Final = 64
# Nebula's ids are hex groups joined by dashes (`102cade84ea-e703-4400-b77d-8ed545d198ee`).
_NEBULA_ID_SHAPE: Final = re.compile(r"[0-9a-f]{8,}(?:-[0-9a-f]{4,}){3,}", re.IGNORECASE)
ELLIPSES: Final = ("…", "...")
MIN_PREFIX: Final = 8


# Letters, digits, `_`, `.` and `-` (any script, as host names are written), starting with a letter or
# digit; a trailing `…` marks a shortened id. No `/`, `?`, `#`, `%`, quotes, markup or controls.
_REFERENCE: Final = re.compile(rf"[^\W_][\w.-]{{0,{REFERENCE_MAX - 1}}}…?")


def is_reference(value: object) -> bool:
    """True for a word that may name an instance: an id, a host name, or the start of an id."""
    return isinstance(value, str) and _REFERENCE.fullmatch(value) is not None


def has_nebula_id_shape(value: str) -> bool:
    """True when `value` is written as Nebula writes ids, so it is taken for an id without a fleet read."""
    return _NEBULA_ID_SHAPE.fullmatch(value) is not None


def prefix_of(reference: str) -> str | None:
    """The id prefix a reference stands for (`102cade8…` or `102cade8`), or None when it is too short
    or cannot start an id."""
    for ellipsis in ELLIPSES:
        if reference.endswith(ellipsis):
            reference = reference[: -len(ellipsis)]
            break
    return reference if len(reference) >= MIN_PREFIX and is_instance_id(reference) else None
