"""Protected instances in messages: the badge on lists and reminders, and the answers to protect,
unprotect and protected."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot.domain.records import Protection
from bot.domain.verbs import Verb
from bot.slack.messages.kit import Message, context, message, moment, notice, section, who
from bot.slack.messages.mrkdwn import code, literal_within
from bot.slack.messages.wording import wording

REASON_LIMIT: Final = 200
ROWS: Final = 40


def badge(protection: Protection) -> str:
    """How list, show and reminders mark a protected instance: "🔒 protected: <reason>"."""
    reason = f": {literal_within(protection.reason, 60)}" if protection.reason else ""
    return f":lock: protected{reason}"


def _why(protection: Protection) -> str:
    return f": {literal_within(protection.reason, REASON_LIMIT)}" if protection.reason else ""


def refused(protection: Protection, verb: Verb) -> str:
    """Why `verb` is refused: who protected the instance, when, why, and how to lift it."""
    return (
        f":lock: {code(protection.instance_id)} is protected by {who(protection.by)} since "
        f"{moment(protection.at)}{_why(protection)}. Nothing was {wording(verb).past}. "
        f"To {verb.name} it, first "
        f"`/nebula unprotect {protection.instance_id}`."
    )


def protected(protection: Protection) -> Message:
    """The answer to `/nebula protect`, in the channel."""
    return notice(
        f":lock: {code(protection.instance_id)} is protected by {who(protection.by)}{_why(protection)}. "
        f"Stop, reboot and delete are refused until `/nebula unprotect {protection.instance_id}`."
    )


def already_protected(protection: Protection) -> Message:
    """The answer to `/nebula protect` on an instance someone protected already."""
    return notice(
        f":lock: {code(protection.instance_id)} is already protected by {who(protection.by)} "
        f"since {moment(protection.at)}."
    )


def not_protected(instance_id: str) -> Message:
    """The answer to `/nebula unprotect` on an instance nobody protected."""
    return notice(f"{code(instance_id)} is not protected.")


def unprotected(instance_id: str, by: str) -> Message:
    """The answer to `/nebula unprotect`, in the channel."""
    return notice(f":unlock: {code(instance_id)} is no longer protected ({who(by)} lifted it).")


def protections(found: Sequence[Protection]) -> Message:
    """`/nebula protected`: every protection, oldest first, the total stated."""
    if not found:
        return notice("No instance is protected.")
    rows = [
        section(f"• {code(p.instance_id)}: by {who(p.by)} since {moment(p.at)}{_why(p)}")
        for p in found[:ROWS]
    ]
    more = [context(f"and {len(found) - ROWS} more, not shown.")] if len(found) > ROWS else []
    return message(
        f"{len(found)} protected instances", [section(f"*Protected* ({len(found)})"), *rows, *more]
    )
