"""The instance list's controls: each row's action menu, and the "More" button."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import field, first_action, routed
from bot.core.teams import Teams
from bot.domain.commands import ChangeCommand
from bot.domain.controls import read_menu_value, read_offset
from bot.slack.messages import action_ids


def register(app: AsyncApp, teams: Teams) -> None:
    """Attach the list's listeners."""

    @app.action(action_ids.INSTANCE_MENU)
    async def on_menu(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        found = routed(teams, body, context)
        if found is None:
            return
        core, actor, to = found
        choice = read_menu_value(field(first_action(body), "selected_option", "value"))
        if choice is None:
            await core.reads.refuse_forged(actor, to)
            return
        verb, instance_id = choice
        # The same confirmation as the slash command, with every rule.
        await core.requests.request(actor, to, ChangeCommand(verb, (instance_id,)))

    @app.action(action_ids.LIST_MORE)
    async def on_more(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        found = routed(teams, body, context)
        if found is None:
            return
        core, actor, to = found
        offset = read_offset(field(first_action(body), "value"))
        if offset is None:
            await core.reads.refuse_forged(actor, to)
            return
        await core.reads.list_page(actor, to, offset, replace=True)
