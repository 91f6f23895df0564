"""Where a change asked for from the Home tab is confirmed: a Home tab has no channel of its own, so
NEBULA_BOT_HOME_CHANNEL, else the watch channel, else the first allowed channel (where channels are
limited; a DM is not among them), else a direct message with the person."""

from __future__ import annotations

from bot.domain.policy import Actor
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination


class HomeChannel:
    """The channel a team confirms Home's changes in (`channel`, None: a DM)."""

    def __init__(self, *, channel: str | None, outbox: Outbox) -> None:
        self._channel = channel
        self._outbox = outbox

    async def where(self, actor: Actor) -> Destination | None:
        """Where `actor`'s change is confirmed, or None when no channel can be had."""
        channel = self._channel or await self._outbox.open_dm(actor.user_id)
        return Destination(response_url=None, channel=channel, user=actor.user_id) if channel else None
