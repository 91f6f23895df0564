"""Reading Slack payloads for the listeners: who, from where, which value, where to answer.

Payloads are hostile until checked: every field is read with a type check, and a field of the
wrong shape reads as absent. The workspace and the Enterprise org come from Bolt's context, which
handles every payload shape (a Grid click may carry the org only as `team.enterprise_id`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.core import Click
from bot.domain.policy import Actor
from bot.slack.replier import Destination


def field(data: object, *path: str) -> str | None:
    """The non-empty string at `path` inside nested dicts, or None for anything else."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data if isinstance(data, str) and data else None


def first_action(body: dict[str, Any]) -> dict[str, Any]:
    """The clicked element of a `block_actions` payload (an empty dict when there is none)."""
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    return first if isinstance(first, dict) else {}


def actor_from_command(body: dict[str, Any], context: AsyncBoltContext) -> Actor:
    """Who sent a slash command, from where."""
    return Actor(
        user_id=field(body, "user_id") or "",
        workspace=context.team_id or field(body, "team_id"),
        enterprise_id=context.enterprise_id or field(body, "enterprise_id"),
        channel_id=field(body, "channel_id"),
    )


def actor_from_action(body: dict[str, Any], context: AsyncBoltContext) -> Actor:
    """Who clicked a button, from where.

    In a shared channel `user.team_id` is the clicker's home workspace while `team.id` is the
    channel's; the clicker's own workspace is what decides whether they belong to ours.
    """
    return Actor(
        user_id=field(body, "user", "id") or "",
        workspace=field(body, "user", "team_id") or context.team_id,
        enterprise_id=context.enterprise_id,
        channel_id=field(body, "channel", "id") or field(body, "container", "channel_id"),
    )


def command_destination(body: dict[str, Any]) -> Destination:
    """Where replies to a slash command go."""
    return Destination(
        response_url=field(body, "response_url"),
        channel=field(body, "channel_id"),
        user=field(body, "user_id"),
    )


def action_destination(body: dict[str, Any]) -> Destination:
    """Where replies to a click go."""
    return Destination(
        response_url=field(body, "response_url"),
        channel=field(body, "channel", "id") or field(body, "container", "channel_id"),
        user=field(body, "user", "id"),
    )


def click_of(body: dict[str, Any]) -> Click:
    """What a `block_actions` payload's press carries: a button's value, or a menu's chosen option's."""
    action = first_action(body)
    return Click(
        action_id=field(action, "action_id") or "",
        value=field(action, "value") or field(action, "selected_option", "value"),
        block_id=field(action, "block_id"),
        trigger_id=field(body, "trigger_id"),
    )
