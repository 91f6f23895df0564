"""Bolt listeners: each module translates one kind of Slack payload into a call on the core flow."""

from __future__ import annotations

from typing import Any

from bot.policy import Actor
from bot.replies import Destination


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


def command_destination(body: dict[str, Any]) -> Destination:
    """Where replies to a slash command go."""
    return Destination(
        response_url=body.get("response_url"), channel=body.get("channel_id"), user=body.get("user_id")
    )


def action_destination(body: dict[str, Any]) -> Destination:
    """Where replies to a click go; the message's ts lets a fallback edit the message clicked."""
    container = body.get("container") or {}
    return Destination(
        response_url=body.get("response_url"),
        channel=_id_of(body.get("channel")) or container.get("channel_id"),
        user=_id_of(body.get("user")),
        message_ts=container.get("message_ts"),
    )
