"""The message shortcut "Act on instances in this message": the instances a message names, with menus."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import action_destination, actor_from_action, field
from bot.core import Core
from bot.slack.messages import action_ids


def register(app: AsyncApp, core: Core) -> None:
    """Attach the shortcut's listener."""

    @app.shortcut(action_ids.ACT_ON_MESSAGE)
    async def on_shortcut(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        actor, to = actor_from_action(body, context), action_destination(body)
        core.inflight.spawn(core.shortcut(actor, to, field(body, "message", "text") or ""), "shortcut")
