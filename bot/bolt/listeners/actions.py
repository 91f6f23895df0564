"""Presses on the bot's buttons and menus, of every family the core declares: acked at once, then handed
to the core (which finds the family by the action id, and the team by the channel)."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import action_destination, actor_from_action, click_of
from bot.core import Core


def register(app: AsyncApp, core: Core) -> None:
    """Attach one listener per action id the core's button families answer."""

    async def on_press(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        work = core.click(actor_from_action(body, context), action_destination(body), click_of(body))
        core.inflight.spawn(work, "click")

    for action_id in core.action_ids:
        app.action(action_id)(on_press)
