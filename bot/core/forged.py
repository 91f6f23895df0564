"""Answering a control whose value the bot never wrote: politely, and doing nothing."""

from __future__ import annotations

from bot.domain.policy import Actor
from bot.infra import logs
from bot.slack.messages.choices import not_offered
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination


class Forged:
    """Says so, and logs it."""

    def __init__(self, *, outbox: Outbox) -> None:
        self._outbox = outbox

    async def refuse(self, actor: Actor, to: Destination) -> None:
        """A control whose value the bot never wrote."""
        logs.warning("click.forged", user=actor.user_id, channel=actor.channel_id)
        await self._outbox.reply(to, not_offered())
