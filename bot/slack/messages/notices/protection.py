"""Protected instances in messages: the badge on lists and reminders, and the answers to protect,
unprotect and protected."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot.domain.fleet.ids import is_reference
from bot.domain.fleet.names import Called
from bot.domain.records import Protection
from bot.domain.verbs import Verb
from bot.slack.messages.kit import Message, context, message, moment, named, notice, plural, section, who
from bot.slack.messages.mrkdwn import literal_within
from bot.slack.messages.wording import wording

REASON_LIMIT: Final = 200
ROWS: Final = 40


def badge(protection: Protection) -> str:
    """How list, show and reminders mark a protected instance: "🔒 protected: <reason>"."""
    reason = f": {literal_within(protection.reason, 60)}" if protection.reason else ""
    return f":lock: protected{reason}"


def _name(protection: Protection) -> str:
    return named(protection.instance_id, protection.host_name)


def _typed(protection: Protection) -> str:
    """What to type for it: the name it had when protected, else its id."""
    return (
        protection.host_name
        if protection.host_name and is_reference(protection.host_name)
        else protection.instance_id
    )


def _why(protection: Protection) -> str:
    return f": {literal_within(protection.reason, REASON_LIMIT)}" if protection.reason else ""


def refused(protection: Protection, verb: Verb) -> str:
    """Why `verb` is refused: who protected the instance, when, why, and how to lift it."""
    return (
        f":lock: {_name(protection)} is protected by {who(protection.by)} since "
        f"{moment(protection.at)}{_why(protection)}. Nothing was {wording(verb).past}. "
        f"To {verb.name} it, first "
        f"`/nebula unprotect {_typed(protection)}`."
    )


def protected(protection: Protection) -> Message:
    """The answer to `/nebula protect`, in the channel."""
    return notice(
        f":lock: {_name(protection)} is protected by {who(protection.by)}{_why(protection)}. "
        f"Stop, reboot and delete are refused until `/nebula unprotect {_typed(protection)}`."
    )


def already_protected(protection: Protection) -> Message:
    """The answer to `/nebula protect` on an instance someone protected already."""
    return notice(
        f":lock: {_name(protection)} is already protected by {who(protection.by)} "
        f"since {moment(protection.at)}."
    )


def not_protected(called: Called) -> Message:
    """The answer to `/nebula unprotect` on an instance nobody protected."""
    return notice(f"{named(called.instance_id, called.host_name)} is not protected.")


def unprotected(protection: Protection, by: str) -> Message:
    """The answer to `/nebula unprotect`, in the channel."""
    return notice(f":unlock: {_name(protection)} is no longer protected ({who(by)} lifted it).")


def protections(found: Sequence[Protection]) -> Message:
    """`/nebula protected`: every protection, oldest first, the total stated."""
    if not found:
        return notice("No instance is protected.")
    rows = [section(f"• {_name(p)}: by {who(p.by)} since {moment(p.at)}{_why(p)}") for p in found[:ROWS]]
    more = [context(f"and {len(found) - ROWS} more, not shown.")] if len(found) > ROWS else []
    return message(
        plural(len(found), "protected instance"), [section(f"*Protected* ({len(found)})"), *rows, *more]
    )
