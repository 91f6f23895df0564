"""Bolt listeners: each module translates one kind of Slack payload into a call on the core flow."""

from __future__ import annotations

from typing import Any

from bot.policy import Actor


def _id_of(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else None


def actor_from_command(body: dict[str, Any]) -> Actor:
    """Who sent a slash command, from where."""
    return Actor(
        user_id=str(body.get("user_id", "")),
        team_id=body.get("team_id"),
        enterprise_id=body.get("enterprise_id") or None,
        channel_id=body.get("channel_id"),
    )


def actor_from_action(body: dict[str, Any]) -> Actor:
    """Who clicked a button, from where.

    In a shared channel `user.team_id` is the clicker's home workspace while `team.id` is the
    channel's; the clicker's own workspace is what decides whether they belong to ours.
    """
    user = body.get("user") or {}
    return Actor(
        user_id=str(user.get("id", "")),
        team_id=user.get("team_id") or _id_of(body.get("team")),
        enterprise_id=_id_of(body.get("enterprise")),
        channel_id=_id_of(body.get("channel")),
    )
