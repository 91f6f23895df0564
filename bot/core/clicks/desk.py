"""One team's door for presses: each button family's handler, run as every request is (in flight, as the
person's, never silent), after admitting the presser where the family asks for it."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.clicks.spec import Click, ClickHandler, Family
from bot.core.confirmations import Rulings
from bot.core.fleet import Names
from bot.core.handling import Handling
from bot.domain.policy import Actor
from bot.infra import logs
from bot.slack.replier import Destination


class ClickDesk:
    """Presses, by action id, and the message shortcut."""

    def __init__(
        self,
        *,
        handlers: Mapping[str, tuple[Family, ClickHandler]],
        rulings: Rulings,
        handling: Handling,
        names: Names,
    ) -> None:
        self._handlers = handlers
        self._rulings = rulings
        self._handling = handling
        self._names = names

    @property
    def action_ids(self) -> tuple[str, ...]:
        """The action ids the families answer."""
        return tuple(sorted(self._handlers))

    async def click(self, actor: Actor, to: Destination, click: Click) -> Family | None:
        """Handle a press; the family it belonged to (None: no family answers that action id)."""
        found = self._handlers.get(click.action_id)
        if found is None:
            logs.warning("click.unknown_action", user=actor.user_id, channel=actor.channel_id)
            return None
        spec, handler = found
        async with self._handling.of(actor.user_id, to):
            admitted = await self._rulings.admit(actor, to) if spec.admit else actor
            if admitted is not None:
                await handler(admitted, to, click)
        return spec

    async def shortcut(self, actor: Actor, to: Destination, text: str) -> None:
        """The message shortcut: the instances a message names, each with its ⋯ menu."""
        async with self._handling.of(actor.user_id, to):
            admitted = await self._rulings.admit(actor, to)
            if admitted is not None:
                await self._names.in_message(admitted, to, text)
