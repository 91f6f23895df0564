"""A confirmation's buttons: confirm and Cancel, and Undo while a confirmed change waits. Each checks its
own rules (who may decide is the confirmation's business, not the presser's admission)."""

from __future__ import annotations

from bot.core.clicks.spec import ButtonSet, Click, family
from bot.core.confirmations import Decisions, UndoWindow
from bot.domain.policy import Actor
from bot.slack.messages import action_ids
from bot.slack.replier import Destination


class DecisionButtons(ButtonSet):
    """confirm, cancel, undo."""

    def __init__(self, *, decisions: Decisions, window: UndoWindow) -> None:
        self._decisions = decisions
        self._window = window

    @family(action_ids.CONFIRM, admit=False, refreshes_home=True)
    async def confirm(self, actor: Actor, to: Destination, click: Click) -> None:
        """claim the confirmation, then call Nebula once"""
        await self._decisions.confirm(actor, to, click.value or "")

    @family(action_ids.CANCEL, admit=False, refreshes_home=True)
    async def cancel(self, actor: Actor, to: Destination, click: Click) -> None:
        """close the confirmation: nothing is done"""
        await self._decisions.cancel(actor, to, click.value or "")

    @family(action_ids.UNDO, admit=False)
    async def undo(self, actor: Actor, to: Destination, click: Click) -> None:
        """stop a confirmed change that waits out its undo window"""
        await self._window.undo(actor, to, click.value or "")
