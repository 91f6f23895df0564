"""`/nebula ...`: answer at once (usage and refusals in the ack itself), then do the work."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import actor_from_command, command_destination, field
from bot.core import Core
from bot.slack.messages.confirmations import INTERNAL_ERROR

COMMAND = "/nebula"


def register(app: AsyncApp, core: Core) -> None:
    """Attach the `/nebula` command listener."""

    @app.command(COMMAND)
    async def on_nebula(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        actor = actor_from_command(body, context)
        try:
            answer = core.command(
                actor, field(body, "text") or "", command_destination(body), field(body, "trigger_id")
            )
        except Exception:
            # Whatever went wrong, Slack must get its ack, and the user an honest answer.
            await ack(text=INTERNAL_ERROR, response_type="ephemeral")
            raise
        if answer.now is None:
            await ack()
        else:
            await ack(text=answer.now.text, blocks=list(answer.now.blocks), response_type="ephemeral")
        if answer.later is not None:
            # The ack goes out when this listener returns (process_before_response): the work goes on
            # after it, counted in flight, so that a shutdown waits for it.
            core.inflight.spawn(answer.later, "command")
