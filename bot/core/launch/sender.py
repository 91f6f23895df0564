"""The one POST of a claimed launch: its name held, the fleet read for that name, then the create, sent
once; what came of it kept, and shown. A create that got no answer, or an answer the bot cannot read,
is left for `Follows` to settle by listing: it is never sent again (each success bills)."""

from __future__ import annotations

from bot.core.fleet import FleetView
from bot.core.launch.book import FOLLOW_FOR, LaunchBook
from bot.core.launch.offer import Offer
from bot.domain.audit import Step
from bot.domain.launch import Failure, Launch, Stage
from bot.nebula.client import NebulaClient
from bot.nebula.errors import (
    NebulaBadResponse,
    NebulaBusy,
    NebulaError,
    NebulaOutcomeUnknown,
    NebulaTimeout,
    NebulaUnreachable,
)
from bot.slack.messages.texts import nebula_error
from bot.store import Versioned


class Sender:
    """Sends claimed launches to Nebula, each once."""

    def __init__(self, *, book: LaunchBook, offer: Offer, view: FleetView, nebula: NebulaClient) -> None:
        self._book = book
        self._offer = offer
        self._view = view
        self._nebula = nebula

    async def send(self, claimed: Versioned[Launch]) -> None:
        """The name, the fleet, then the one POST; what came of it, kept and shown."""
        book, launch = self._book, claimed.record
        if not await book.claim(launch):
            await self._fail(claimed, Failure.NAME_HELD)
            return
        try:
            fleet = await self._view.read(details=False)
        except NebulaError as exc:
            await self._fail(claimed, Failure.FLEET_UNREAD, nebula_error(exc))
            return
        if any((i.host_name or "").lower() == launch.name for i in fleet.instances):
            await self._fail(claimed, Failure.NAME_IN_FLEET)
            return
        if book.config.dry_run:
            await self._fail(claimed, Failure.DRY_RUN)
            return
        try:
            result = await self._nebula.create(launch.name, launch.product_id, launch.image_id, launch.key_id)
        except (NebulaOutcomeUnknown, NebulaTimeout, NebulaBadResponse) as exc:
            # Sent, and the answer lost or unreadable: it may have been created. Settled by listing.
            await self._settle(claimed, Stage.UNSURE, exc.nebula_message, f"unsure: {type(exc).__name__}")
            return
        except (NebulaUnreachable, NebulaBusy) as exc:
            await self._fail(claimed, Failure.NOT_SENT, nebula_error(exc))
            return
        except NebulaError as exc:
            self._offer.forget()  # a product gone, a key removed: the next launch reads the catalogue anew
            await self._fail(claimed, Failure.REFUSED, nebula_error(exc))
            return
        await self._settle(claimed, Stage.CREATED, result.message, "created")

    async def _settle(self, claimed: Versioned[Launch], stage: Stage, said: str, outcome: str) -> None:
        book = self._book
        follow_until = book.clock() + FOLLOW_FOR
        moved = await book.advance(
            claimed.record.id,
            Stage.CLAIMED,
            stage=stage.value,
            nebula_message=said,
            follow_until=follow_until,
        )
        launch = moved.record if moved is not None else claimed.record
        await book.note(Step.OUTCOME, outcome, launch, launch.decided_by, said)
        await book.show(launch)

    async def _fail(self, claimed: Versioned[Launch], failure: Failure, detail: str = "") -> None:
        book = self._book
        moved = await book.advance(
            claimed.record.id, Stage.CLAIMED, stage=Stage.FAILED.value, failure=failure.value, detail=detail
        )
        launch = moved.record if moved is not None else claimed.record
        await book.release(launch)
        await book.note(Step.OUTCOME, failure.value, launch, launch.decided_by, detail)
        await book.show(launch)
