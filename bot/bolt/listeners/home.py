"""The App Home tab: publish a person's Home when they open it, and the ⋯ menus shown there."""

from __future__ import annotations

import dataclasses
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import actor_from_action, field, first_action
from bot.core.teams import Teams
from bot.domain.commands import ChangeCommand
from bot.domain.controls import read_menu_value
from bot.domain.policy import Actor
from bot.infra import logs
from bot.slack.messages import action_ids


def register(app: AsyncApp, teams: Teams) -> None:
    """Attach the Home listeners."""

    @app.event("app_home_opened")
    async def on_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
        user = field(event, "user")
        if user is None or field(event, "tab") != "home":
            return  # the Messages tab, or a payload without a person
        actor = Actor(
            user_id=user, team_id=context.team_id, enterprise_id=context.enterprise_id, channel_id=None
        )
        await teams.home_opened(actor)

    @app.action(action_ids.HOME_MENU)
    async def on_menu(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        actor = actor_from_action(body, context)
        choice = read_menu_value(field(first_action(body), "selected_option", "value"))
        core = teams.from_block(field(first_action(body), "block_id"))  # several teams: the menu's own
        to = await core.home.where(actor) if core is not None else None
        if choice is None or core is None or to is None:
            logs.warning(
                "home.action_dropped", user=actor.user_id, outcome="no_channel" if choice else "forged"
            )
            return
        verb, instance_id = choice
        # Confirmed where others can see it, with every rule of the channel it is posted in.
        here = dataclasses.replace(actor, channel_id=to.channel)
        await core.requests.request(here, to, ChangeCommand(verb, (instance_id,)))
        teams.home_changed(actor)
