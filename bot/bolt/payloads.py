"""Reading Slack payloads for the listeners: who, from where, which value, where to answer.

Payloads are hostile until checked: every field is read with a type check, and a field of the
wrong shape reads as absent. The workspace and the Enterprise org come from Bolt's context, which
handles every payload shape (a Grid click may carry the org only as `team.enterprise_id`).
"""

from __future__ import annotations

import json
from typing import Any, Final

from slack_bolt.context.async_context import AsyncBoltContext

from bot.core import Click
from bot.domain.fleet.ids import is_slack_id
from bot.domain.launch import Field, Filled, Submitted
from bot.domain.policy import Actor
from bot.slack.replier import Destination, Opened

# The longest value the bot's own options carry, or a name typed in a form; anything longer is not one.
VALUE_LIMIT: Final = 100


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
        trigger_id=field(body, "trigger_id"),
    )


def action_destination(body: dict[str, Any]) -> Destination:
    """Where replies to a click go."""
    return Destination(
        response_url=field(body, "response_url"),
        channel=field(body, "channel", "id") or field(body, "container", "channel_id"),
        user=field(body, "user", "id"),
        trigger_id=field(body, "trigger_id"),
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


def form_of(body: dict[str, Any]) -> Submitted | None:
    """The launch form in a `view_submission` (or a `block_actions` from inside it): its id, the channel
    it was opened for (carried in its metadata), and each field's value. None without a view id."""
    view = body.get("view")
    view_id = field(view, "id")
    if not isinstance(view, dict) or view_id is None:
        return None
    values = view.get("state", {}).get("values") if isinstance(view.get("state"), dict) else None

    def chosen(name: Field) -> str | None:
        element = values.get(name.value, {}).get(name.action_id) if isinstance(values, dict) else None
        if not isinstance(element, dict):
            return None
        picked = field(element, "selected_option", "value") or field(element, "value")
        return picked if picked is not None and len(picked) <= VALUE_LIMIT else None

    filled = Filled(
        product_id=chosen(Field.GPU),
        image_id=chosen(Field.IMAGE),
        key_id=chosen(Field.KEY),
        name=chosen(Field.NAME),
        lease=chosen(Field.LEASE),
    )
    return Submitted(view_id, _form_channel(field(view, "private_metadata")), filled)


def opened_of(body: dict[str, Any]) -> Opened | None:
    """The modal a `block_actions` came from, with the hash that a `views.update` must name."""
    view_id, hashed = field(body, "view", "id"), field(body, "view", "hash")
    return Opened(view_id, hashed) if view_id and hashed else None


def _form_channel(metadata: str | None) -> str | None:
    """The channel in the form's metadata (the bot wrote it; Slack returns it signed): a channel id or
    nothing."""
    try:
        found = json.loads(metadata or "")
    except ValueError:
        return None
    channel = found.get("channel") if isinstance(found, dict) else None
    return channel if is_slack_id(channel, "CGD") else None
