"""Bolt listeners: each module translates one kind of Slack payload into a call on the core's front door."""

from __future__ import annotations

from slack_bolt.app.async_app import AsyncApp

from bot.bolt.listeners import actions, home, launch_form, message_shortcut, nebula_command, options
from bot.core import Core


def register_all(app: AsyncApp, core: Core) -> None:
    """Attach every listener to `app`."""
    for listener in (nebula_command, actions, options, home, message_shortcut, launch_form):
        listener.register(app, core)
