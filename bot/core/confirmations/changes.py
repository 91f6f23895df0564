"""Changes being carried out by this process, and their outcomes: sent once, saved, then told.

Only the caller that won a confirmation's claim gets here. Its outcome goes to the store (and the
audit trail) first, so that it never depends on Slack taking the message; then it is posted in the
confirmation's thread. An outcome the store could not take yet is held here and saved by the
sweeper, or at shutdown. Before a change goes ahead, its instances' protections are read once more.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

from bot.core.confirmations.announce import Announcer
from bot.core.confirmations.execution import Executor
from bot.core.rails import Protections, Subject, Trail
from bot.domain.audit import PROTECTED, SYSTEM_ACTOR, Step
from bot.domain.confirmation import Confirmation, Entry, InstanceOutcome, State, Status, summarize
from bot.domain.policy import Actor
from bot.domain.records import Protection
from bot.domain.refusals import Protected
from bot.infra import logs
from bot.infra.clock import Clock, finish_within
from bot.infra.inflight import InFlight
from bot.slack.messages import confirmations as messages
from bot.slack.messages import texts
from bot.slack.messages.notices.protection import refused
from bot.slack.messages.refusals import refusal, refusal_text
from bot.slack.replier import Destination
from bot.store import Confirmations

# How long the outcome waits for "Deleting…" to land before going out anyway.
PROGRESS_GRACE: Final = 15.0
# How long people wait for the store to take an outcome before it is posted all the same.
SAVE_GRACE: Final = 2.0
# At shutdown, how long posting an outcome may take (Slack may be rate limiting).
SHUTDOWN_POST_GRACE: Final = 5.0


@dataclass
class _Running:
    """A change being carried out by this process."""

    confirmation: Confirmation
    message_ts: str | None
    confirmer: str
    to: Destination
    task: asyncio.Task[object] | None
    answered: bool = False


class Changes:
    """Carries out claimed changes and saves their outcomes, exactly once."""

    def __init__(
        self,
        *,
        confirmations: Confirmations,
        executor: Executor,
        protections: Protections,
        trail: Trail,
        announcer: Announcer,
        inflight: InFlight,
        clock: Clock,
    ) -> None:
        self._confirmations = confirmations
        self._executor = executor
        self._protections = protections
        self._trail = trail
        self._announcer = announcer
        self._inflight = inflight
        self._clock = clock
        self._running: dict[str, _Running] = {}
        self._unsaved: dict[str, tuple[InstanceOutcome, ...]] = {}

    async def carry_out(
        self, confirmation: Confirmation, message_ts: str | None, actor: Actor, to: Destination
    ) -> tuple[InstanceOutcome, ...]:
        """After a won claim: Nebula once per instance, then the outcome, saved and announced."""
        async with self._inflight.track():
            running = _Running(confirmation, message_ts, actor.user_id, to, asyncio.current_task())
            self._running[confirmation.id] = running
            try:
                # The claim is already durable; its audit line is written alongside the call rather than
                # before it, and "Deleting…" is posted alongside too: Slack must not hold the change up.
                claimed = asyncio.create_task(
                    self._trail.note(Step.CONFIRMED, "claimed", Subject.of(confirmation), actor.user_id)
                )
                progress = asyncio.create_task(
                    self._announcer.show(
                        confirmation, message_ts, messages.in_progress(confirmation, actor.user_id), to
                    )
                )
                outcomes = tuple(
                    await asyncio.gather(
                        *(
                            self._executor.send(confirmation, actor.user_id, iid)
                            for iid in confirmation.instance_ids
                        )
                    )
                )
                running.answered = True
                self._unsaved[confirmation.id] = outcomes
                saving = asyncio.create_task(self._conclude(confirmation, actor.user_id, outcomes))
                await asyncio.wait({saving}, timeout=SAVE_GRACE)
                await claimed
                # The outcome goes after "Deleting…", never before it; a post stuck longer is dropped.
                await finish_within(progress, PROGRESS_GRACE)
                await self._announcer.announce(confirmation, actor.user_id, outcomes, message_ts, to)
                await saving
                return outcomes
            finally:
                self._running.pop(confirmation.id, None)

    async def _conclude(
        self, confirmation: Confirmation, confirmer: str, outcomes: tuple[InstanceOutcome, ...]
    ) -> None:
        """The outcome into the audit trail and the store (now, or later by `save_outcomes`)."""
        text = " ".join(f"{o.instance_id}: {o.status}: {o.message}" for o in outcomes)
        await self._trail.note(
            Step.OUTCOME, summarize(outcomes), Subject.of(confirmation), confirmer, message=text
        )
        await self.save_outcomes(confirmation.id)

    async def conclude_once(
        self,
        entry: Entry,
        outcomes: tuple[InstanceOutcome, ...],
        to: Destination | None,
        step: Step = Step.OUTCOME,
        *,
        post_within: float | None = None,
    ) -> bool:
        """Save an outcome the bot decided on its own (a crash found later, a shutdown), and announce it
        if this call saved it: saving is a compare-and-set, so of several replicas exactly one tells.
        `post_within` bounds how long the announcement may take."""
        confirmation = entry.confirmation
        confirmer = entry.decided_by or confirmation.requester
        try:
            won = await self._confirmations.finish(confirmation.id, outcomes)
        except Exception as exc:
            logs.warning("outcome.record_failed", confirmation=confirmation.id, error=type(exc).__name__)
            return False
        if not won:
            return False
        text = " ".join(f"{o.instance_id}: {o.status}: {o.message}" for o in outcomes)
        await self._trail.note(step, summarize(outcomes), Subject.of(confirmation), confirmer, message=text)
        telling = asyncio.create_task(
            self._announcer.announce(confirmation, confirmer, outcomes, entry.message_ts, to)
        )
        await (finish_within(telling, post_within) if post_within is not None else telling)
        return True

    async def save_outcomes(self, only: str | None = None) -> int:
        """Save outcomes known but not yet in the store. Returns how many still wait."""
        for confirmation_id, outcomes in list(self._unsaved.items()):
            if only is not None and confirmation_id != only:
                continue
            try:
                await self._confirmations.finish(confirmation_id, outcomes)
            except Exception as exc:
                logs.warning("outcome.record_failed", confirmation=confirmation_id, error=type(exc).__name__)
                continue
            self._unsaved.pop(confirmation_id, None)
        return len(self._unsaved)

    async def abandon(self) -> int:
        """At shutdown: save every known outcome not yet saved, and for every change still waiting on
        Nebula save and post "outcome unknown". Returns how many were reported as unknown. The tasks
        themselves are cancelled afterwards."""
        await self.save_outcomes()
        reported = 0
        for running in list(self._running.values()):
            if running.answered:
                continue
            confirmation = running.confirmation
            outcomes = tuple(
                InstanceOutcome(iid, Status.UNKNOWN, texts.STOPPING) for iid in confirmation.instance_ids
            )
            entry = Entry(confirmation, State.CLAIMED, running.confirmer, None, (), running.message_ts)
            if await self.conclude_once(entry, outcomes, running.to, post_within=SHUTDOWN_POST_GRACE):
                reported += 1
        return reported

    def handles(self, confirmation_id: str) -> bool:
        """True while this process is carrying out the confirmation or still has to save its outcome."""
        return confirmation_id in self._running or confirmation_id in self._unsaved

    def running_tasks(self) -> list[asyncio.Task[object]]:
        """The tasks carrying out changes right now (for cancelling them at shutdown)."""
        return [r.task for r in self._running.values() if r.task is not None]

    async def close_forbidden(self, protection: Protection) -> None:
        """Close, for good, the confirmations still open on a just-protected instance that the protection
        forbids (lifting it later does not bring them back: people ask again)."""
        for entry in await self._confirmations.open_confirmations(self._clock()):
            confirmation = entry.confirmation
            if not confirmation.verb.guarded or protection.instance_id not in confirmation.instance_ids:
                continue
            closing = (
                self._confirmations.release if entry.state is State.SCHEDULED else self._confirmations.decide
            )
            transition = await closing(confirmation.id, State.CANCELLED, SYSTEM_ACTOR, self._clock())
            if not transition.won:
                continue  # decided meanwhile: claimed before the protection, or closed by someone else
            reason = refused(protection, confirmation.verb)
            subject = Subject.of(confirmation)
            await self._trail.note(Step.REFUSED, PROTECTED, subject, SYSTEM_ACTOR, message=reason)
            shown = messages.refused(confirmation, reason)
            await self._announcer.show(confirmation, entry.message_ts, shown, None)

    async def may_proceed(self, entry: Entry, to: Destination | None) -> bool:
        """Check the protections again before a change goes ahead; a change that an instance's protection
        now forbids is closed for good (cancelled, and its message says why)."""
        confirmation = entry.confirmation
        ruling = await self._protections.check(confirmation.verb, confirmation.instance_ids)
        if not isinstance(ruling.reason, Protected):
            return True
        closing = (
            self._confirmations.release if entry.state is State.SCHEDULED else self._confirmations.decide
        )
        transition = await closing(confirmation.id, State.CANCELLED, SYSTEM_ACTOR, self._clock())
        reason = refusal_text(ruling.reason)
        if transition.won:
            subject = Subject.of(confirmation)
            await self._trail.note(Step.REFUSED, PROTECTED, subject, SYSTEM_ACTOR, message=reason)
            shown = messages.refused(confirmation, reason)
            await self._announcer.show(confirmation, entry.message_ts, shown, to)
        elif to is not None:
            await self._announcer.tell(to, refusal(ruling.reason))
        return False
