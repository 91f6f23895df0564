"""A launch's buttons: Launch (the one POST) and Cancel. Each checks its own rules (who may press is the
launch's business)."""

from __future__ import annotations

import dataclasses

from bot.core.clicks.spec import ButtonSet, Click, family
from bot.core.commands.launch import written
from bot.core.home_channel import HomeChannel
from bot.core.launch import Launches, LaunchForm
from bot.domain.launch import Wanted
from bot.domain.policy import Actor
from bot.infra import logs
from bot.slack.messages import action_ids
from bot.slack.replier import Destination


class LaunchButtons(ButtonSet):
    """launch, cancel a launch, and the Home tab's button that opens the launch form."""

    def __init__(self, *, launches: Launches, launch_form: LaunchForm, home_channel: HomeChannel) -> None:
        self._launches = launches
        self._form = launch_form
        self._home_channel = home_channel

    @family(action_ids.LAUNCH, admit=False, refreshes_home=True)
    async def launch(self, actor: Actor, to: Destination, click: Click) -> None:
        """claim the launch and its name, then create the instance once"""
        await self._launches.launch(actor, to, click.value)

    @family(action_ids.CANCEL_LAUNCH, admit=False)
    async def cancel_launch(self, actor: Actor, to: Destination, click: Click) -> None:
        """close the launch: nothing is created"""
        await self._launches.cancel(actor, to, click.value)

    @family(action_ids.HOME_LAUNCH)
    async def open_launch_form(self, actor: Actor, to: Destination, click: Click) -> None:
        """open the launch form; the launch is posted in the team's Home channel"""
        where = await self._home_channel.where(actor)
        if where is None or where.channel is None:
            logs.warning("launch.no_channel", user=actor.user_id)
            return
        at = dataclasses.replace(actor, channel_id=where.channel)
        form_to = dataclasses.replace(where, trigger_id=click.trigger_id or to.trigger_id)
        if not await self._form.open(at, form_to, Wanted()):  # no modal here (the shell): in words
            await self._launches.request(at, where, Wanted(), written)
