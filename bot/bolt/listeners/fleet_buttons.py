"""The buttons on reminders and lease notices: Keep, and Stop / Delete (which open a confirmation)."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.listeners import action_destination, actor_from_action, field, first_action
from bot.core.dispatch import Core
from bot.domain.ids import is_instance_id
from bot.slack.messages.fleet import FLEET_DELETE_ACTION_ID, FLEET_STOP_ACTION_ID, KEEP_ACTION_ID


def register(app: AsyncApp, core: Core) -> None:
    """Attach the fleet buttons' listeners."""

    @app.action(KEEP_ACTION_ID)
    async def on_keep(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        actor, to = actor_from_action(body, context), action_destination(body)
        kind, _, instance_id = (field(first_action(body), "value") or "").partition(":")
        if not is_instance_id(instance_id):
            await core.reads.refuse_forged(actor, to)
        elif kind == "reminder":
            await core.reminders.keep(actor, instance_id, to)
        elif kind == "lease":
            await core.leases.keep(actor, instance_id, to)
        else:
            await core.reads.refuse_forged(actor, to)

    async def choose(verb: str, body: dict[str, Any], context: AsyncBoltContext) -> None:
        instance_id = field(first_action(body), "value") or ""
        # The same path as the list's menu: the id is checked there, and a confirmation asked for.
        await core.confirmations.choose(
            actor_from_action(body, context), f"{verb}:{instance_id}", action_destination(body)
        )

    @app.action(FLEET_STOP_ACTION_ID)
    async def on_stop(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await choose("stop", body, context)

    @app.action(FLEET_DELETE_ACTION_ID)
    async def on_delete(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await choose("delete", body, context)
