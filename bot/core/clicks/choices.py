"""Choosing an instance: a "Which one?" button and a menu's option. Each carries the command it runs,
which is then screened and run exactly as if the person had typed it."""

from __future__ import annotations

from bot.core.clicks.spec import ButtonSet, Click, family
from bot.core.dispatch import Commands
from bot.core.forged import Forged
from bot.domain.policy import Actor
from bot.slack.messages import action_ids
from bot.slack.replier import Destination


class ChoiceButtons(ButtonSet):
    """choose."""

    def __init__(self, *, commands: Commands, forged: Forged) -> None:
        self._commands = commands
        self._forged = forged

    @family(action_ids.CHOOSE, action_ids.PICK, admit=False)
    async def choose(self, actor: Actor, to: Destination, click: Click) -> None:
        """the command with the chosen instance, screened and run as if typed"""
        if click.value is None:
            await self._forged.refuse(actor, to)
            return
        await self._commands.answer(actor, click.value, to, click.trigger_id)
