"""`/nebula ...`: answer at once (usage and refusals in the ack itself), then do the work."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import actor_from_command, command_destination, field
from bot.core.teams import Teams
from bot.slack.messages.confirmations import INTERNAL_ERROR
from bot.slack.messages.kit import Message

COMMAND = "/nebula"


def register(app: AsyncApp, teams: Teams) -> None:
    """Attach the `/nebula` command listener."""

    @app.command(COMMAND)
    async def on_nebula(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        actor = actor_from_command(body, context)
        core = teams.route(actor.channel_id)
        if core is None and teams.in_direct_message(actor):  # the person's teams, grouped
            await ack()
            await teams.overview(actor, command_destination(body))
            return
        if core is None:  # a channel of no team: one line, naming no team
            await ack(text=teams.where_to_use(actor), response_type="ephemeral")
            return
        try:
            screened = core.screen(actor, field(body, "text") or "")
        except Exception:
            # Whatever went wrong, Slack must get its ack, and the user an honest answer.
            await ack(text=INTERNAL_ERROR, response_type="ephemeral")
            raise
        if isinstance(screened, Message):
            await ack(text=screened.text, blocks=list(screened.blocks), response_type="ephemeral")
            return
        await ack()
        await core.run(actor, screened, command_destination(body), field(body, "trigger_id"))
