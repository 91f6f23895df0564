"""Choosing an instance: a "Which one?" button, a menu's choice, and the options Slack asks for while
a person types in a long menu. A choice carries the command it runs, which is then screened and run
exactly as if the person had typed it."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import actor_from_action, field, first_action, routed
from bot.core.teams import Teams
from bot.domain.commands import PICKABLE
from bot.slack.messages import action_ids
from bot.slack.messages.choices import PICK_BLOCK


def register(app: AsyncApp, teams: Teams) -> None:
    """Attach the listeners of choices."""

    @app.action(action_ids.CHOOSE)
    async def on_choose(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await _run(teams, body, context, field(first_action(body), "value"))

    @app.action(action_ids.PICK)
    async def on_pick(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await _run(teams, body, context, field(first_action(body), "selected_option", "value"))

    @app.options(action_ids.PICK)
    async def on_options(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        block = field(body, "block_id") or ""
        word = block.removeprefix(PICK_BLOCK)
        if not block.startswith(PICK_BLOCK) or word not in PICKABLE:
            await ack(options=[])
            return
        actor = actor_from_action(body, context)
        core = teams.route(actor.channel_id)
        offered = [] if core is None else await core.names.options(actor, word, field(body, "value") or "")
        await ack(options=[o.to_dict() for o in offered])


async def _run(teams: Teams, body: dict[str, Any], context: AsyncBoltContext, text: str | None) -> None:
    found = routed(teams, body, context)
    if found is None:
        return
    core, actor, to = found
    if text is None:
        await core.reads.refuse_forged(actor, to)
        return
    await core.answer(actor, text, to, field(body, "trigger_id"))
