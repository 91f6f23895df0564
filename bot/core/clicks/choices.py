"""Choosing an instance: a "Which one?" button (which names, by reference, the command it runs) and a
menu's option (which carries it). The command is then screened and run exactly as if typed."""

from __future__ import annotations

from bot.core.clicks.spec import ButtonSet, Click, family
from bot.core.dispatch import Commands
from bot.core.fleet import Choices
from bot.core.forged import Forged
from bot.domain.controls import read_choice_value
from bot.domain.policy import Actor
from bot.slack.messages import action_ids, choices
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination


class ChoiceButtons(ButtonSet):
    """choose, pick."""

    def __init__(self, *, commands: Commands, choices: Choices, outbox: Outbox, forged: Forged) -> None:
        self._commands = commands
        self._choices = choices
        self._outbox = outbox
        self._forged = forged

    @family(action_ids.CHOOSE, admit=False)
    async def choose(self, actor: Actor, to: Destination, click: Click) -> None:
        """the command of the candidate chosen ("Which one?"), screened and run as if typed"""
        reference = read_choice_value(click.value)
        if reference is None:
            await self._forged.refuse(actor, to)
            return
        text = await self._choices.take(*reference)
        if text is None:
            await self._outbox.reply(to, choices.choice_gone())
            return
        await self._commands.answer(actor, text, to, click.trigger_id)

    @family(action_ids.PICK, admit=False)
    async def pick(self, actor: Actor, to: Destination, click: Click) -> None:
        """the command of the instance chosen in a menu (`<word> <id>`), screened and run as if typed"""
        if click.value is None:
            await self._forged.refuse(actor, to)
            return
        await self._commands.answer(actor, click.value, to, click.trigger_id)
