"""`/nebula undo`: Undo, typed: the newest change the person confirmed (or asked for) in this channel
that still waits out its undo window. The same rules as the button's."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.commands import CommandSet, word
from bot.core.confirmations import UndoWindow
from bot.domain.commands import Command, bare
from bot.domain.confirmation import State
from bot.domain.policy import Actor
from bot.infra.clock import Clock
from bot.slack.messages import confirmations as messages
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination
from bot.store import Confirmations


@dataclass(frozen=True)
class Undo(Command):
    """`/nebula undo`."""

    def text(self) -> str:
        return "undo"


class UndoWords(CommandSet):
    """undo."""

    def __init__(
        self, *, window: UndoWindow, confirmations: Confirmations, outbox: Outbox, clock: Clock
    ) -> None:
        self._window = window
        self._confirmations = confirmations
        self._outbox = outbox
        self._clock = clock

    @word("undo", usage="undo", example="undo", parse=bare(Undo), rank=40, admit=False)
    async def undo(self, actor: Actor, to: Destination, command: Undo) -> None:
        """stop your last confirmed stop or delete while its undo window is open (as its Undo button)"""
        waiting = [
            entry
            for entry in await self._confirmations.open_confirmations(self._clock())
            if entry.state is State.SCHEDULED
            and entry.confirmation.channel_id == actor.channel_id
            and actor.user_id in (entry.confirmation.requester, entry.decided_by)
        ]
        if not waiting:
            await self._outbox.reply(to, messages.nothing_to_undo(self._window.seconds))
            return
        newest = max(waiting, key=lambda entry: entry.decided_at or 0.0)
        await self._window.undo(actor, to, newest.confirmation.id)
