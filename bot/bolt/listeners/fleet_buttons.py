"""The buttons on reminders and lease notices: Keep, and Stop / Delete (which open a confirmation)."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import field, first_action, routed
from bot.core.teams import Teams
from bot.domain.commands import ChangeCommand
from bot.domain.controls import read_notice_value
from bot.domain.ids import is_instance_id
from bot.domain.verbs import DELETE, STOP, Verb
from bot.slack.messages import action_ids


def register(app: AsyncApp, teams: Teams) -> None:
    """Attach the fleet buttons' listeners."""

    @app.action(action_ids.KEEP)
    async def on_keep(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        found = routed(teams, body, context)
        if found is None:
            return
        core, actor, to = found
        ref = read_notice_value(field(first_action(body), "value"))
        if ref is None:
            await core.reads.refuse_forged(actor, to)
        elif ref.kind == "reminder":
            await core.reminders.keep(actor, to, ref)
        elif ref.kind == "schedule":
            await core.schedules.keep(actor, to, ref)
        else:
            await core.leases.keep(actor, to, ref)

    async def act(verb: Verb, body: dict[str, Any], context: AsyncBoltContext) -> None:
        found = routed(teams, body, context)
        if found is None:
            return
        core, actor, to = found
        value = field(first_action(body), "value")
        ref = read_notice_value(value)
        if ref is not None and ref.kind != "schedule":  # a schedule's notice has no such button
            await (core.reminders if ref.kind == "reminder" else core.leases).act(actor, to, ref, verb)
        elif is_instance_id(value):  # a notice posted before notices carried versions: the id alone
            await core.requests.request(actor, to, ChangeCommand(verb, (value or "",)))
        else:
            await core.reads.refuse_forged(actor, to)

    @app.action(action_ids.FLEET_STOP)
    async def on_stop(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await act(STOP, body, context)

    @app.action(action_ids.FLEET_DELETE)
    async def on_delete(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await act(DELETE, body, context)
