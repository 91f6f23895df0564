"""A launch's buttons: Launch (the one POST) and Cancel. Each checks its own rules (who may press is the
launch's business)."""

from __future__ import annotations

from bot.core.clicks.spec import ButtonSet, Click, family
from bot.core.launch import Launches
from bot.domain.policy import Actor
from bot.slack.messages import action_ids
from bot.slack.replier import Destination


class LaunchButtons(ButtonSet):
    """launch, cancel a launch."""

    def __init__(self, *, launches: Launches) -> None:
        self._launches = launches

    @family(action_ids.LAUNCH, admit=False, refreshes_home=True)
    async def launch(self, actor: Actor, to: Destination, click: Click) -> None:
        """claim the launch and its name, then create the instance once"""
        await self._launches.launch(actor, to, click.value)

    @family(action_ids.CANCEL_LAUNCH, admit=False)
    async def cancel_launch(self, actor: Actor, to: Destination, click: Click) -> None:
        """close the launch: nothing is created"""
        await self._launches.cancel(actor, to, click.value)
