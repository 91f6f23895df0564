"""What Slack sends the bot, as the shell sends it for a person at the terminal: a slash command, a
click, a menu's search, the message shortcut, opening Home. Shaped as in Slack's own payloads."""

from __future__ import annotations

from typing import Any

from bot.shell.local_slack import TEAM_ID, Shown
from bot.shell.render import Control
from bot.slack.messages import action_ids


def slash_command(user: str, channel: str, text: str, response_url: str, trigger_id: str) -> dict[str, Any]:
    """`/nebula <text>` typed in `channel`."""
    return {
        "token": "shell",
        "team_id": TEAM_ID,
        "team_domain": "shell",
        "channel_id": channel,
        "channel_name": "shell",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/nebula",
        "text": text,
        "api_app_id": "A0SHELL",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def interaction(kind: str, user: str, channel: str, shown: Shown) -> dict[str, Any]:
    """What every interaction with the message `shown` carries (`block_actions`, `block_suggestion`)."""
    return {
        "type": kind,
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0SHELL",
        "token": "shell",
        "container": {
            "type": "message",
            "message_ts": shown.ts,
            "channel_id": channel,
            "is_ephemeral": shown.ephemeral,
        },
        "team": {"id": TEAM_ID, "domain": "shell"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "shell"},
    }


def view_submission(
    user: str, view: dict[str, Any], values: dict[str, dict[str, Any]], trigger_id: str
) -> dict[str, Any]:
    """The submission of the modal `view` with `values` (block id -> its element's state), as Slack
    sends it: the view with its id, hash, metadata and `state`."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "shell"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0SHELL",
        "token": "shell",
        "trigger_id": trigger_id,
        "view": view | {"state": {"values": values}},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def action(control: Control, option: str | None) -> dict[str, Any]:
    """A press on `control` (a button), or the choice of `option` (a menu)."""
    pressed: dict[str, Any] = {
        "action_id": control.action_id,
        "block_id": control.block_id or "shell",
        "type": control.kind,
        "action_ts": "1700000000.000200",
    }
    if control.kind != "button":
        pressed["selected_option"] = {"text": {"type": "plain_text", "text": option or ""}, "value": option}
    else:
        pressed["value"] = control.value
        pressed["text"] = {"type": "plain_text", "text": control.label}
    return pressed


def message_shortcut(
    user: str, channel: str, text: str, response_url: str, trigger_id: str, now: float
) -> dict[str, Any]:
    """The message shortcut run on a message saying `text` (`message_action`)."""
    return {
        "type": "message_action",
        "token": "shell",
        "action_ts": f"{now:.6f}",
        "team": {"id": TEAM_ID, "domain": "shell"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "channel": {"id": channel, "name": "shell"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": action_ids.ACT_ON_MESSAGE,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": f"{now:.6f}",
        "message": {"type": "message", "user": "U0SOMEONE", "text": text},
    }


def home_opened(user: str, event_id: str, now: float) -> dict[str, Any]:
    """`app_home_opened`: `user` opens the bot's Home tab."""
    event = {"type": "app_home_opened", "user": user, "channel": "D0SHELL", "tab": "home"}
    return {
        "token": "shell",
        "team_id": TEAM_ID,
        "api_app_id": "A0SHELL",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(now),
        "event": event | {"event_ts": f"{now:.6f}"},
    }
