"""The options Slack asks for while a person types in a menu searched as one types (more than 100
instances): answered in the ack, within Slack's 3 s."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import actor_from_action, field
from bot.core import Core
from bot.slack.messages import action_ids


def register(app: AsyncApp, core: Core) -> None:
    """Attach the options listener."""

    @app.options(action_ids.PICK)
    async def on_options(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        actor = actor_from_action(body, context)
        offered = await core.options(actor, field(body, "block_id") or "", field(body, "value") or "")
        await ack(options=[option.to_dict() for option in offered])
