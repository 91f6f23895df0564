"""The values the bot's buttons and menus carry, written and read in one place.

Every value from Slack is hostile until read here: anything the bot could not have written reads
as None. A notice's buttons (a reminder's, a lease notice's) name the version of the record they
act on, so a press on a superseded notice can be told apart from a press on the current one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.domain.fleet.ids import is_instance_id
from bot.domain.verbs import VERBS, Verb


class NoticeKind(StrEnum):
    """What a notice is about: carried in its buttons' values, so never renamed."""

    REMINDER = "reminder"
    LEASE = "lease"
    SCHEDULE = "schedule"


# A record's version: a short random token (`secrets.token_hex`), or empty for records written
# before versions existed.
_SERIAL: Final = re.compile(r"[0-9a-f]{0,32}", re.ASCII)
# A page offset the bot itself could have put in a "More" button: ASCII digits, bounded.
MAX_OFFSET: Final = 1_000_000


@dataclass(frozen=True)
class NoticeRef:
    """Which notice a button belongs to: its kind, its instance, and the record's version."""

    kind: NoticeKind
    instance_id: str
    serial: str


def menu_value(verb: Verb, instance_id: str) -> str:
    """What a listed instance's menu option carries: `delete:<id>`."""
    return f"{verb.name}:{instance_id}"


def read_menu_value(value: str | None) -> tuple[Verb, str] | None:
    """The verb and instance a menu option names, or None when the bot did not write it."""
    verb_name, _, instance_id = (value or "").partition(":")
    verb = VERBS.get(verb_name)
    return (verb, instance_id) if verb is not None and is_instance_id(instance_id) else None


def notice_value(kind: NoticeKind, instance_id: str, serial: str) -> str:
    """What a notice's buttons carry: `reminder:<id>:<serial>`."""
    return f"{kind}:{instance_id}:{serial}"


def read_notice_value(value: str | None) -> NoticeRef | None:
    """The notice a button names, or None when the bot did not write it."""
    parts = (value or "").split(":")
    if len(parts) == 2:  # written before notices carried versions
        parts.append("")
    if len(parts) != 3:
        return None
    kind, instance_id, serial = parts
    if not is_instance_id(instance_id) or not _SERIAL.fullmatch(serial):
        return None
    return (
        NoticeRef(NoticeKind(kind), instance_id, serial) if kind in NoticeKind.__members__.values() else None
    )


def read_offset(value: str | None) -> int | None:
    """The offset a "More" button carries, or None when the value is not one the bot wrote."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 7:
        return None
    offset = int(value)
    return offset if offset <= MAX_OFFSET else None


_TOKEN: Final = re.compile(r"[0-9a-f]{16,32}", re.ASCII)
CHOICES_MAX: Final = 100


def choice_value(token: str, index: int) -> str:
    """What a "Which one?" button carries: `choice:<token>:<index>`."""
    return f"choice:{token}:{index}"


def read_choice_value(value: str | None) -> tuple[str, int] | None:
    """The choice and the index a button names, or None when the bot did not write it."""
    parts = (value or "").split(":")
    if len(parts) != 3 or parts[0] != "choice" or not _TOKEN.fullmatch(parts[1]):
        return None
    index = parts[2]
    if not (index.isascii() and index.isdigit() and len(index) <= 3) or int(index) >= CHOICES_MAX:
        return None
    return parts[1], int(index)


# A launch's id, as `secrets.token_urlsafe(16)` writes it.
_LAUNCH_ID: Final = re.compile(r"[A-Za-z0-9_-]{16,43}", re.ASCII)


def read_launch_value(value: str | None) -> str | None:
    """The launch a Launch or Cancel button names, or None when the bot could not have written it."""
    return value if value is not None and _LAUNCH_ID.fullmatch(value) else None
