"""Bolt listeners: each module translates one kind of Slack payload into a call on the core."""

from __future__ import annotations

from slack_bolt.app.async_app import AsyncApp

from bot.bolt.listeners import (
    choices,
    decision_buttons,
    fleet_buttons,
    home,
    instance_list,
    message_shortcut,
    nebula_command,
)
from bot.core.teams import Teams


def register_all(app: AsyncApp, teams: Teams) -> None:
    """Attach every listener to `app`."""
    for listener in (
        nebula_command,
        decision_buttons,
        instance_list,
        fleet_buttons,
        choices,
        home,
        message_shortcut,
    ):
        listener.register(app, teams)
