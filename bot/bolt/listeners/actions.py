"""Presses on the bot's buttons and menus, of every family the core declares: acked at once, then handed
to the core (which finds the family by the action id, and the team by the channel)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import action_destination, actor_from_action, click_of
from bot.core import Core


def register(app: AsyncApp, core: Core) -> None:
    """Attach the listener for every action id the core's button families answer."""

    async def on_press(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        work = core.click(actor_from_action(body, context), action_destination(body), click_of(body))
        core.inflight.spawn(work, "click")

    # One listener for them all: Bolt tries its listeners in turn for every request, and a press on the
    # last of twenty ids would be tried against every one before it (about 10 us each, before the ack).
    # Bolt searches with the pattern: anchored at both ends (\Z, not $, which allows a newline).
    exactly = "|".join(re.escape(action_id) for action_id in core.action_ids)
    app.action(re.compile(rf"\A(?:{exactly})\Z"))(on_press)
