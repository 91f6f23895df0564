"""What ownership says: who owns an instance now, and why someone may not change it."""

from __future__ import annotations

from bot.slack.messages.kit import Message, notice, who
from bot.slack.messages.mrkdwn import code


def not_yours(instance_id: str, owner: str) -> Message:
    """Under the owner rule, someone else owns it."""
    return notice(
        f"{code(instance_id)} belongs to {who(owner)}: only they or an approver can change its owner."
    )


def nobody(instance_id: str) -> Message:
    """`own … off` on an instance nobody said they own."""
    return notice(f"Nobody had said they own {code(instance_id)}.")


def released(instance_id: str, by: str, previous: str) -> Message:
    """`own … off`: the claim is gone."""
    whose = "their own claim" if previous == by else f"{who(previous)}'s claim"
    return notice(f"{who(by)} removed {whose} on {code(instance_id)}.")


def changed_meanwhile() -> Message:
    """Two people changed the owner at once; this one lost."""
    return notice("Someone else changed its owner just now: try again.")


def owned(instance_id: str, owner: str, previous: str | None) -> Message:
    """`own`: who owns it now."""
    was = f" (was {who(previous)})" if previous else ""
    return notice(f":bust_in_silhouette: {who(owner)} now owns {code(instance_id)}{was}.")
