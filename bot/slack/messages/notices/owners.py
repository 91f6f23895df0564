"""What ownership says: who owns an instance now, and why someone may not change it."""

from __future__ import annotations

from bot.domain.fleet.instance import Instance
from bot.slack.messages.kit import Message, label, notice, who


def not_yours(instance: Instance, owner: str) -> Message:
    """Under the owner rule, someone else owns it."""
    return notice(
        f"{label(instance)} belongs to {who(owner)}: only they or an approver can change its owner."
    )


def nobody(instance: Instance) -> Message:
    """`own … off` on an instance nobody said they own."""
    return notice(f"Nobody had said they own {label(instance)}.")


def released(instance: Instance, by: str, previous: str) -> Message:
    """`own … off`: the claim is gone."""
    whose = "their own claim" if previous == by else f"{who(previous)}'s claim"
    return notice(f"{who(by)} removed {whose} on {label(instance)}.")


def changed_meanwhile() -> Message:
    """Two people changed the owner at once; this one lost."""
    return notice("Someone else changed its owner just now: try again.")


def owned(instance: Instance, owner: str, previous: str | None) -> Message:
    """`own`: who owns it now."""
    was = f" (was {who(previous)})" if previous else ""
    return notice(f":bust_in_silhouette: {who(owner)} now owns {label(instance)}{was}.")
