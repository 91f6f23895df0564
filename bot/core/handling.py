"""The prologue every request runs in: in flight (so that shutdown waits for it), as the person's (so
that their Nebula calls take their turns at the gate), and never silent (after the ack nobody else would
tell the person a bug happened)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.infra import logs
from bot.infra.inflight import InFlight
from bot.nebula.gate import acting_for
from bot.slack.messages import texts
from bot.slack.messages.confirmations import internal_error
from bot.slack.messages.kit import notice
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination
from bot.store import StoreBusy


class Handling:
    """Runs a person's request."""

    def __init__(self, *, inflight: InFlight, outbox: Outbox) -> None:
        self._inflight = inflight
        self._outbox = outbox

    @asynccontextmanager
    async def of(self, user: str, to: Destination) -> AsyncIterator[None]:
        """In flight, and never silent: a bug or a dead store ends in a reply, not in silence. The Nebula
        calls made inside are `user`'s, for the gate's turns."""
        async with self._inflight.track():
            with acting_for(user):
                try:
                    yield
                except StoreBusy:
                    logs.warning("flow.store_busy", user=user, channel=to.channel, outcome="busy")
                    await self._outbox.reply(to, notice(texts.store_busy()))
                except Exception:
                    logs.failure("flow.failed", user=user, channel=to.channel)
                    await self._outbox.reply(to, internal_error())
