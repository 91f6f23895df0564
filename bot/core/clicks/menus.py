"""Menus on instances: each listed row's ⋯ (and the Home tab's), and the list's "More"."""

from __future__ import annotations

import dataclasses

from bot.core.clicks.spec import ButtonSet, Click, family
from bot.core.confirmations import Requests
from bot.core.fleet import Reads
from bot.core.forged import Forged
from bot.core.home_channel import HomeChannel
from bot.domain.controls import read_menu_value, read_offset
from bot.domain.policy import Actor
from bot.infra import logs
from bot.slack.messages import action_ids
from bot.slack.replier import Destination


class MenuButtons(ButtonSet):
    """instance_menu, home_menu, more."""

    def __init__(
        self, *, requests: Requests, reads: Reads, home_channel: HomeChannel, forged: Forged
    ) -> None:
        self._requests = requests
        self._reads = reads
        self._home_channel = home_channel
        self._forged = forged

    @family(action_ids.INSTANCE_MENU, admit=False)
    async def instance_menu(self, actor: Actor, to: Destination, click: Click) -> None:
        """the usual confirmation of the change chosen, with every rule"""
        choice = read_menu_value(click.value)
        if choice is None:
            await self._forged.refuse(actor, to)
            return
        verb, instance_id = choice
        await self._requests.request(actor, to, verb, (instance_id,))

    @family(action_ids.HOME_MENU, admit=False, refreshes_home=True)
    async def home_menu(self, actor: Actor, to: Destination, click: Click) -> None:
        """the usual confirmation, posted where others see it (a Home tab has no channel)"""
        choice = read_menu_value(click.value)
        where = await self._home_channel.where(actor) if choice is not None else None
        if choice is None or where is None:
            logs.warning(
                "home.action_dropped", user=actor.user_id, outcome="no_channel" if choice else "forged"
            )
            return
        verb, instance_id = choice
        # Confirmed where others can see it, with every rule of the channel it is posted in.
        here = dataclasses.replace(actor, channel_id=where.channel)
        await self._requests.request(here, where, verb, (instance_id,))

    @family(action_ids.LIST_MORE)
    async def more(self, actor: Actor, to: Destination, click: Click) -> None:
        """the list's next page, in place of the one shown"""
        offset = read_offset(click.value)
        if offset is None:
            await self._forged.refuse(actor, to)
            return
        await self._reads.list_page(actor, to, offset, replace=True)
