"""`/nebula create`: from what a person typed to a confirmation with the price (`request`), and from the
press on Launch to the one POST (`launch`), or to nothing (`cancel`).

The order that makes a launch happen at most once: the launch's record is claimed (pending to claimed,
one winner), then its name (one launch per name), then the fleet is read for that name, and only then
is the POST sent, once. A POST that got no answer is never sent again: `Follows` settles it by listing.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.confirmations import Rulings
from bot.core.fleet import FleetView
from bot.core.launch.book import FOLLOW_FOR, LaunchBook
from bot.core.launch.offer import Offer
from bot.core.money import Standing
from bot.domain.audit import Step
from bot.domain.controls import read_launch_value
from bot.domain.launch import Failure, Launch, Plan, Stage, Unchosen, Wanted, choose
from bot.domain.policy import Actor
from bot.domain.refusals import (
    CostlyLaunch,
    NoApprovers,
    NotApprover,
    NotRequester,
    OtherChannel,
    OwnRequest,
    Reason,
    Unleased,
)
from bot.infra import logs
from bot.nebula.client import NebulaClient
from bot.nebula.errors import (
    NebulaBadResponse,
    NebulaBusy,
    NebulaError,
    NebulaOutcomeUnknown,
    NebulaTimeout,
    NebulaUnreachable,
)
from bot.slack.messages.kit import notice, people
from bot.slack.messages.notices import launches as messages
from bot.slack.messages.refusals import refusal, refusal_text
from bot.slack.messages.texts import nebula_error
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination
from bot.store import Versioned


class Launches:
    """Launch requests and the presses on their buttons."""

    def __init__(
        self,
        *,
        book: LaunchBook,
        offer: Offer,
        view: FleetView,
        nebula: NebulaClient,
        rulings: Rulings,
        standing: Standing,
        outbox: Outbox,
    ) -> None:
        self._book = book
        self._offer = offer
        self._view = view
        self._nebula = nebula
        self._rulings = rulings
        self._standing = standing
        self._outbox = outbox

    async def request(
        self, actor: Actor, to: Destination, wanted: Wanted, written: Callable[[Wanted], str]
    ) -> None:
        """`/nebula create …`: the confirmation with the price, in the channel; or what is missing, with
        the commands that would choose it (`written`: what asks for a `Wanted`)."""
        book = self._book
        try:
            catalogue = await self._offer.read()
            fleet = await self._view.read(details=False)
        except NebulaError as exc:
            logs.warning(
                "launch.unread", user=actor.user_id, channel=actor.channel_id, error=type(exc).__name__
            )
            await self._outbox.reply(
                to, notice(f"The bot could not read what Nebula offers. {nebula_error(exc)}")
            )
            return
        taken = frozenset((i.host_name or "").lower() for i in fleet.instances) | await book.held_names()
        plan = choose(catalogue, wanted, taken, book.config.launch_lease)
        if isinstance(plan, Unchosen):
            part = plan.part
            shown = messages.unchosen(plan, catalogue, lambda word: written(wanted.chose(part, word)))
            await self._outbox.reply(to, shown)
            return
        reason = await self._needs_approval(actor, plan)
        if isinstance(reason, Unleased | NoApprovers) or (
            isinstance(reason, CostlyLaunch) and not reason.approvers
        ):
            await self._outbox.reply(to, refusal(reason))
            return
        launch = Launch.of(
            plan,
            requester=actor.user_id,
            workspace=actor.workspace or "",
            channel_id=actor.channel_id or "",
            now=book.clock(),
            ttl=book.config.confirm_ttl,
            approval=reason is not None,
        )
        stored = await book.records.put(None, launch)
        if stored is None:
            await self._outbox.reply(to, notice("That launch could not be kept. Try again."))
            return
        approvers = self._rulings.access.rules.approvers
        shown = messages.confirmation(
            launch,
            lease_action=book.config.lease_action,
            budget=await self._budget(plan),
            approvers=people(approvers) if reason is not None else None,
            why=refusal_text(reason) if reason is not None else "",
            dry_run=book.config.dry_run,
        )
        await book.note(Step.REQUESTED, "pending", launch, actor.user_id, _priced(launch))
        ts = await self._outbox.post(launch.channel_id, shown) if launch.channel_id else None
        if ts is None:
            await self._outbox.reply(to, shown, public=True)
            return
        kept = await book.keep_message(launch.id, ts)
        if kept is not None and kept.stage_now is not Stage.PENDING:  # pressed before the ts was kept
            await book.show(kept)

    async def _needs_approval(self, actor: Actor, plan: Plan) -> Reason | None:
        """Why an approver other than the requester must press Launch (None: the requester may)."""
        access = self._rulings.access
        approvers = access.rules.approvers
        if (
            plan.lease_seconds is None
            and not self._book.config.launch_unleased
            and not access.is_approver(actor)
        ):
            return Unleased(approvers)
        limit = self._book.config.launch_approval_per_hour
        if limit is not None and plan.product.price_per_hour > limit:
            return CostlyLaunch(plan.product.price_per_hour, limit, approvers)
        over = await self._standing.over()
        if over is not None:
            return over if over.approvers else NoApprovers()
        return None

    async def _budget(self, plan: Plan) -> str:
        found = await self._standing.now()
        if found is None:
            return ""
        budget, figures = found
        return messages.budget_line(figures.spent, budget.amount, budget.period, plan.lease_cost)

    async def launch(self, actor: Actor, to: Destination, value: str | None) -> None:
        """Launch pressed: claim the launch, then its name, then look for the name, then POST once."""
        book = self._book
        launch_id = read_launch_value(value)
        current = await book.records.get(Launch, launch_id) if launch_id else None
        if current is None:
            await self._outbox.reply(to, notice("This launch is no longer known; nothing was created."))
            return
        launch = current.record
        actor = await self._rulings.access.resolve(actor)
        refused = self._may_launch(actor, launch)
        if refused is not None:
            await self._outbox.reply(to, refusal(refused))
            return
        if launch.stage_now is not Stage.PENDING:
            await self._outbox.reply(to, messages.progress(launch))
            return
        now = book.clock()
        if now >= launch.expires_at:
            expired = await book.advance(launch.id, Stage.PENDING, stage=Stage.EXPIRED.value, decided_at=now)
            if expired is not None:
                await book.note(Step.EXPIRED, "expired", launch, None)
                await book.show(expired.record)
            return
        claimed = await book.advance(
            launch.id, Stage.PENDING, stage=Stage.CLAIMED.value, decided_by=actor.user_id, decided_at=now
        )
        if claimed is None:  # another press, or another replica, got there first
            await self._outbox.reply(to, notice("This launch is already under way."))
            return
        await book.note(Step.CONFIRMED, "claimed", launch, actor.user_id, _priced(claimed.record))
        await book.show(claimed.record)
        await self._send(claimed)

    def _may_launch(self, actor: Actor, launch: Launch) -> Reason | None:
        if actor.channel_id != launch.channel_id:
            return OtherChannel()
        approvers = self._rulings.access.rules.approvers
        if not launch.needs_approval:
            return None if actor.user_id == launch.requester else NotRequester(launch.requester)
        if actor.user_id == launch.requester:
            return OwnRequest(approvers)
        return None if self._rulings.access.is_approver(actor) else NotApprover(approvers)

    async def _send(self, claimed: Versioned[Launch]) -> None:
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

    async def cancel(self, actor: Actor, to: Destination, value: str | None) -> None:
        """Cancel pressed: the launch is closed, nothing is created."""
        book = self._book
        launch_id = read_launch_value(value)
        current = await book.records.get(Launch, launch_id) if launch_id else None
        if current is None or current.record.stage_now is not Stage.PENDING:
            shown = (
                messages.progress(current.record) if current else notice("This launch is no longer known.")
            )
            await self._outbox.reply(to, shown)
            return
        launch = current.record
        actor = await self._rulings.access.resolve(actor)
        if actor.channel_id != launch.channel_id:
            await self._outbox.reply(to, refusal(OtherChannel()))
            return
        if actor.user_id != launch.requester and not self._rulings.access.is_approver(actor):
            await self._outbox.reply(to, refusal(NotRequester(launch.requester, cancel=True)))
            return
        moved = await book.advance(
            launch.id,
            Stage.PENDING,
            stage=Stage.CANCELLED.value,
            decided_by=actor.user_id,
            decided_at=book.clock(),
        )
        if moved is None:
            await self._outbox.reply(to, notice("This launch changed meanwhile; look at its message."))
            return
        await book.note(Step.CANCELLED, "cancelled", launch, actor.user_id)
        await book.show(moved.record)


def _priced(launch: Launch) -> str:
    price = f"${launch.price_per_hour:.4f}/h"
    return f"{launch.product_label} ({launch.product_id}) at {price}, image {launch.image_id}"
