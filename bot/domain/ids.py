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
