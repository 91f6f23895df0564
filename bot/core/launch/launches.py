"""`/nebula create`: from what a person typed to a confirmation with the price (`request`), and from the
press on Launch to the one POST (`launch`), or to nothing (`cancel`).

The order that makes a launch happen at most once: the launch's record is claimed (pending to claimed,
one winner), then its name (one launch per name), then the fleet is read for that name, and only then
is the POST sent, once. A POST that got no answer is never sent again: `Follows` settles it by listing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bot.core.confirmations import Rulings
from bot.core.fleet import FleetView
from bot.core.launch.book import LaunchBook
from bot.core.launch.offer import Offer
from bot.core.launch.sender import Sender
from bot.core.money import Standing
from bot.domain.audit import Step
from bot.domain.controls import read_launch_value
from bot.domain.launch import Launch, Plan, Stage, Unchosen, Wanted, Why, choose
from bot.domain.policy import Actor
from bot.domain.refusals import (
    CostlyLaunch,
    NoApprovers,
    NotApprover,
    NotRequester,
    OtherChannel,
    OwnRequest,
    Reason,
    TooManyPending,
    Unleased,
)
from bot.infra import logs
from bot.nebula.errors import (
    NebulaError,
)
from bot.slack.messages.kit import notice, people
from bot.slack.messages.notices import approvals as dm_messages
from bot.slack.messages.notices import launches as messages
from bot.slack.messages.refusals import refusal, refusal_text
from bot.slack.messages.texts import nebula_error
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination


class Launches:
    """Launch requests and the presses on their buttons."""

    def __init__(
        self,
        *,
        book: LaunchBook,
        offer: Offer,
        view: FleetView,
        sender: Sender,
        rulings: Rulings,
        standing: Standing,
        outbox: Outbox,
    ) -> None:
        self._book = book
        self._offer = offer
        self._view = view
        self._sender = sender
        self._rulings = rulings
        self._standing = standing
        self._outbox = outbox

    async def request(
        self, actor: Actor, to: Destination, wanted: Wanted, written: Callable[[Wanted], str]
    ) -> Unchosen | None:
        """`/nebula create …`: the confirmation with the price, in the channel; or what is wrong, with
        the commands that would choose it (`written`: what asks for a `Wanted`). A part left out that
        has several choices (the SSH key of a team with two) is returned instead, for a form to ask."""
        book = self._book
        try:
            catalogue = await self._offer.read()
            fleet = await self._view.read(details=False)
        except NebulaError as exc:
            logs.warning(
                "launch.unread", user=actor.user_id, channel=actor.channel_id, error=type(exc).__name__
            )
            await self._outbox.reply(to, messages.unread(nebula_error(exc)))
            return None
        taken = frozenset((i.host_name or "").lower() for i in fleet.instances) | await book.held_names()
        plan = choose(catalogue, wanted, taken, book.config.launch_lease)
        if isinstance(plan, Unchosen):
            if plan.why is Why.MISSING:
                return plan
            await self.tell_unchosen(to, plan, wanted, written)
            return None
        refused = await self.refused(actor, plan)
        if refused is not None:
            await self._outbox.reply(to, refusal(refused))
            return None
        await self.offer(actor, to, plan)
        return None

    async def tell_unchosen(
        self, to: Destination, plan: Unchosen, wanted: Wanted, written: Callable[[Wanted], str]
    ) -> None:
        """What could not be chosen, with a command to type for each choice."""
        try:
            catalogue = await self._offer.read()  # read a moment ago, and kept: no second call
        except NebulaError as exc:
            await self._outbox.reply(
                to, notice(f"The bot could not read what Nebula offers. {nebula_error(exc)}")
            )
            return
        part = plan.part
        await self._outbox.reply(
            to, messages.unchosen(plan, catalogue, lambda word: written(wanted.chose(part, word)))
        )

    async def resolve(self, actor: Actor) -> Actor:
        """`actor` with the user groups the rules name."""
        return await self._rulings.access.resolve(actor)

    def is_approver(self, actor: Actor) -> bool:
        """Is a resolved `actor` an approver?"""
        return self._rulings.access.is_approver(actor)

    async def refused(self, actor: Actor, plan: Plan) -> Reason | None:
        """Why a resolved `actor` may not ask for `plan` at all (None: they may, perhaps with an approver)."""
        admitted = self._rulings.access.may_request(actor)
        if not admitted.allowed and admitted.reason is not None:
            return admitted.reason
        reason = await self._needs_approval(actor, plan)
        if isinstance(reason, Unleased | NoApprovers) or (
            isinstance(reason, CostlyLaunch) and not reason.approvers
        ):
            return reason
        return None

    async def offer(
        self, actor: Actor, to: Destination, plan: Plan, *, launch_id: str | None = None, press: bool = False
    ) -> None:
        """Post the launch of `plan` with its price in the channel, kept under `launch_id` (new if None:
        a second offer under one id is dropped, as a form Slack delivers twice). `press`: the requester
        has seen the price in the form and pressed Launch there, so it is pressed for them (unless an
        approver must)."""
        book = self._book
        limit = book.config.max_pending_per_user
        if not press and await book.pending_for(actor.user_id) >= limit:
            await self._outbox.reply(to, refusal(TooManyPending(limit)))
            return
        reason = await self._needs_approval(actor, plan)
        launch = Launch.of(
            plan,
            requester=actor.user_id,
            workspace=actor.workspace or "",
            channel_id=actor.channel_id or "",
            now=book.clock(),
            ttl=book.config.confirm_ttl,
            approval=reason is not None,
        )
        if launch_id is not None:
            launch = dataclasses.replace(launch, id=launch_id)
        stored = await book.records.put(None, launch)
        if stored is None:
            if launch_id is None:
                await self._outbox.reply(to, notice("That launch could not be kept. Try again."))
            return  # this form was already taken
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
        else:
            kept = await book.keep_message(launch.id, ts)
            if kept is not None and kept.stage_now is not Stage.PENDING:  # pressed before the ts was kept
                await book.show(kept)
        await book.ask_approvers(launch, shown)
        if press and reason is None:
            await self.launch(actor, to, launch.id)

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
        actor = await self._rulings.access.resolve(await book.from_copy(actor, launch))
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
                await book.tell_requester(launch, dm_messages.launch_expired(launch))
            return
        claimed = await book.advance(
            launch.id, Stage.PENDING, stage=Stage.CLAIMED.value, decided_by=actor.user_id, decided_at=now
        )
        if claimed is None:  # another press, or another replica, got there first
            await self._outbox.reply(to, notice("This launch is already under way."))
            return
        await book.note(Step.CONFIRMED, "claimed", launch, actor.user_id, _priced(claimed.record))
        await book.show(claimed.record)
        await self._sender.send(claimed)
        if actor.user_id != launch.requester:  # after the POST: nothing waits for a DM
            await book.tell_requester(launch, dm_messages.launch_approved(launch, actor.user_id))

    def _may_launch(self, actor: Actor, launch: Launch) -> Reason | None:
        if actor.channel_id != launch.channel_id:
            return OtherChannel()
        approvers = self._rulings.access.rules.approvers
        if not launch.needs_approval:
            return None if actor.user_id == launch.requester else NotRequester(launch.requester)
        if actor.user_id == launch.requester:
            return OwnRequest(approvers)
        return None if self._rulings.access.is_approver(actor) else NotApprover(approvers)

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
        actor = await self._rulings.access.resolve(await book.from_copy(actor, launch))
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
        if actor.user_id != launch.requester:
            await book.tell_requester(launch, dm_messages.launch_rejected(launch, actor.user_id))


def _priced(launch: Launch) -> str:
    price = f"${launch.price_per_hour:.4f}/h"
    return f"{launch.product_label} ({launch.product_id}) at {price}, image {launch.image_id}"
