"""The message shortcut "Act on instances in this message": the instances a message names, with menus."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import action_destination, actor_from_action, field
from bot.core.teams import Teams
from bot.slack.messages import action_ids
from bot.slack.messages.kit import notice
from bot.slack.replier import say


def register(app: AsyncApp, teams: Teams) -> None:
    """Attach the shortcut's listener."""

    @app.shortcut(action_ids.ACT_ON_MESSAGE)
    async def on_shortcut(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        actor, to = actor_from_action(body, context), action_destination(body)
        core = teams.route(actor.channel_id)
        if core is None:
            await say(teams.first.services.replier, to, notice(teams.where_to_use(actor)))
            return
        await core.names.in_message(actor, to, field(body, "message", "text") or "")
