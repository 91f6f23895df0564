"""The confirm and Cancel buttons of a confirmation, and Undo while a confirmed change waits."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.listeners import action_destination, actor_from_action, field, first_action
from bot.core.dispatch import Core
from bot.slack.messages.blocks import CANCEL_ACTION_ID, CONFIRM_ACTION_ID, UNDO_ACTION_ID


def register(app: AsyncApp, core: Core) -> None:
    """Attach the button listeners."""

    @app.action(CONFIRM_ACTION_ID)
    async def on_confirm(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        value = field(first_action(body), "value") or ""
        await core.confirmations.confirm(actor_from_action(body, context), value, action_destination(body))

    @app.action(CANCEL_ACTION_ID)
    async def on_cancel(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        value = field(first_action(body), "value") or ""
        await core.confirmations.cancel(actor_from_action(body, context), value, action_destination(body))

    @app.action(UNDO_ACTION_ID)
    async def on_undo(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        value = field(first_action(body), "value") or ""
        await core.undo.undo(actor_from_action(body, context), value, action_destination(body))
