"""The confirm and Cancel buttons of a confirmation, and Undo while a confirmed change waits."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import field, first_action, routed
from bot.core.teams import Teams
from bot.slack.messages import action_ids


def register(app: AsyncApp, teams: Teams) -> None:
    """Attach the button listeners."""

    @app.action(action_ids.CONFIRM)
    async def on_confirm(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        value = field(first_action(body), "value") or ""
        found = routed(teams, body, context)
        if found is not None:  # another team's channel knows no such confirmation
            core, actor, to = found
            await core.decisions.confirm(actor, to, value)
            teams.home_changed(actor)

    @app.action(action_ids.CANCEL)
    async def on_cancel(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        value = field(first_action(body), "value") or ""
        found = routed(teams, body, context)
        if found is not None:
            core, actor, to = found
            await core.decisions.cancel(actor, to, value)
            teams.home_changed(actor)

    @app.action(action_ids.UNDO)
    async def on_undo(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        value = field(first_action(body), "value") or ""
        found = routed(teams, body, context)
        if found is not None:
            core, actor, to = found
            await core.undo.undo(actor, to, value)
