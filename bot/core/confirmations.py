"""The confirmable changes (delete, stop, start, reboot): request, confirm, cancel.

Knows nothing of Bolt. The one rule that makes state changes trustworthy lives in `confirm`: the
store's atomic claim comes first, and only its single winner calls Nebula. Every step leaves an
audit record.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from bot.core.access import Access
from bot.core.announce import Announcer
from bot.core.config import CoreConfig
from bot.core.execution import Executor
from bot.core.owners import Owners
from bot.core.protections import Protections
from bot.core.trail import Subject, Trail
from bot.domain.audit import Step
from bot.domain.commands import ChangeCommand
from bot.domain.ids import is_instance_id
from bot.domain.model import (
    Confirmation,
    Entry,
    Instance,
    InstanceOutcome,
    State,
    Status,
    Transition,
    new_confirmation_id,
)
from bot.domain.policy import Actor, Decision, approvers_text, owner_approval
from bot.domain.verbs import DELETE, STOP, VERBS
from bot.infra import logs
from bot.infra.inflight import InFlight
from bot.nebula.client import NebulaClient, NebulaError, NebulaNotFound
from bot.slack.messages import blocks, texts
from bot.slack.replier import Destination, Replier, guard, say
from bot.store.contract import ConfirmationStore

Clock = Callable[[], float]
SYSTEM_ACTOR: Final = "system"
LEASE_ACTOR: Final = "lease"
# How long the outcome waits for "Deleting…" to land before going out anyway.
PROGRESS_GRACE: Final = 15.0


@dataclass
class _Running:
    """A change being carried out by this process."""

    confirmation: Confirmation
    message_ts: str | None
    confirmer: str
    to: Destination
    task: asyncio.Task[object] | None
    answered: bool = False


async def _within(task: asyncio.Task[None], seconds: float) -> None:
    """Wait for `task` at most `seconds`; then cancel it."""
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()


# The changes an undo window delays (NEBULA_BOT_UNDO_SECONDS): the ones that lose work or the instance.
UNDOABLE: Final = frozenset({DELETE.name, STOP.name})

_DECIDED_WORDS: Final = {
    State.SCHEDULED: "confirmed and is waiting to be sent (Undo is on the message until then)",
    State.CLAIMED: "confirmed and is being carried out (its outcome is posted here when Nebula answers; "
    "if nothing appears, check the Nebula console)",
    State.DONE: "carried out",
    State.CANCELLED: "cancelled",
    State.EXPIRED: "expired",
}


class Confirmations:
    """Everything between a `/nebula <verb> <id>` and Nebula's answer in the channel."""

    def __init__(
        self,
        config: CoreConfig,
        access: Access,
        nebula: NebulaClient,
        store: ConfirmationStore,
        replier: Replier,
        trail: Trail,
        announcer: Announcer,
        inflight: InFlight,
        protections: Protections,
        owners: Owners,
        clock: Clock = time.time,
    ) -> None:
        self._config = config
        self._executor = Executor(config, nebula, protections, owners, trail)
        self._protections = protections
        self._owners = owners
        self._access = access
        self._nebula = nebula
        self._store = store
        self._replier = replier
        self._trail = trail
        self._announcer = announcer
        self._inflight = inflight
        self._clock = clock
        self._running: dict[str, _Running] = {}
        # Called with a confirmation's id and its window when it is scheduled (see bot.core.undo).
        self.when_scheduled: Callable[[str, float], None] | None = None
        self._unrecorded: dict[str, tuple[InstanceOutcome, ...]] = {}
        self._requesting: Counter[str] = Counter()

    async def choose(self, actor: Actor, choice: str, to: Destination) -> None:
        """A choice in a listed instance's menu (`verb:id`): the same confirmation as the slash command."""
        verb_name, _, instance_id = choice.partition(":")
        if verb_name not in VERBS or not is_instance_id(instance_id):
            logs.warning("menu.invalid", user=actor.user_id, channel=actor.channel_id)
            await say(
                self._replier, to, blocks.notice("That choice is not one the bot offered; nothing was done.")
            )
            return
        await self.request(actor, ChangeCommand(VERBS[verb_name], (instance_id,)), to)

    async def request(self, actor: Actor, command: ChangeCommand, to: Destination) -> None:
        """Check the requester, look the instances up, and post the confirmation in the channel."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            actor = await self._access.resolve(actor)
            subject = Subject.request(command.verb, command.instance_ids, actor.team_id, actor.channel_id)
            decision = self._access.may_request(actor)
            if decision.allowed:
                decision = await self._protections.check(command.verb, command.instance_ids)
            # The limit is checked last: from its check to the increment below there is no await.
            if decision.allowed:
                decision = await self._within_pending_limit(actor.user_id)
            if not decision.allowed:
                await self._refuse(actor, decision, subject, to)
                return
            # Counted from here until the confirmation is stored, so a burst cannot slip past the limit.
            self._requesting[actor.user_id] += 1
            try:
                await self._look_up_and_ask(actor, command, subject, to)
            finally:
                self._requesting[actor.user_id] -= 1
                if not self._requesting[actor.user_id]:
                    del self._requesting[actor.user_id]

    async def _within_pending_limit(self, user: str) -> Decision:
        limit = self._config.max_pending_per_user
        waiting = await self._store.count_pending_for(user, self._clock()) + self._requesting[user]
        return Decision(True) if waiting < limit else Decision(False, texts.too_many_pending(limit))

    async def _look_up_and_ask(
        self, actor: Actor, command: ChangeCommand, subject: Subject, to: Destination
    ) -> None:
        verb, ids = command.verb, command.instance_ids
        looked_up = await asyncio.gather(*(self._look_up(iid) for iid in ids))
        missing = [iid for iid, found in zip(ids, looked_up, strict=True) if found is None]
        errors = [found for found in looked_up if isinstance(found, NebulaError)]
        if missing or errors:
            text = (
                "No instance " + ", ".join(f"`{iid}`" for iid in missing) + "."
                if missing
                else f"Could not look up {', '.join(f'`{iid}`' for iid in ids)}: "
                f"{texts.nebula_error(errors[0])}"
            )
            outcome = "not_found" if missing else "error"
            await self._trail.record(
                Step.LOOKUP, outcome, subject, actor.user_id, message=text, warn=bool(errors)
            )
            await say(self._replier, to, blocks.notice(text))
            return
        instances = tuple(found for found in looked_up if isinstance(found, Instance))
        owners = await self._owners.of(instances)
        ruling = owner_approval(self._access.rules, actor, owners, verb.guarded)
        if not ruling.allowed:
            await self._refuse(actor, ruling, subject, to)
            return
        now = self._clock()
        confirmation = Confirmation(
            id=new_confirmation_id(),
            verb=verb,
            instances=instances,
            requester=actor.user_id,
            team_id=actor.team_id or "",
            channel_id=actor.channel_id or "",
            response_url=to.response_url or "",
            created_at=now,
            expires_at=now + self._config.confirm_ttl,
            needs_approval=bool(ruling.reason),
            owners=tuple(sorted(owners.items())),
        )
        await self._store.add(confirmation)
        await self._trail.record(Step.REQUESTED, "pending", Subject.of(confirmation), actor.user_id)
        rules = self._access.rules
        approval = approvers_text(rules) if rules.needs_approval or confirmation.needs_approval else None
        message = blocks.confirmation(confirmation, approval, dry_run=self._config.dry_run)
        message_ts = await self._announcer.ask(confirmation, message, to)
        if message_ts is not None:
            await self._store.attach_message(confirmation.id, message_ts)

    async def _look_up(self, instance_id: str) -> Instance | NebulaError | None:
        """The instance, None when Nebula does not know it, or the error that stopped the lookup."""
        try:
            return await self._nebula.get_instance(instance_id)
        except NebulaNotFound:
            return None
        except NebulaError as exc:
            return exc

    async def confirm(self, actor: Actor, confirmation_id: str, to: Destination) -> None:
        """A click on the confirm button: claim atomically, call Nebula once, post the outcome."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            delay = self._config.undo_seconds
            later = False
            if delay > 0:  # only then does the verb matter before the claim
                found = await self._store.get(confirmation_id)
                later = found is not None and found.confirmation.verb.name in UNDOABLE
            entry = await self._decide(
                actor, confirmation_id, to, State.SCHEDULED if later else State.CLAIMED
            )
            if entry is None:
                return
            if later:
                confirmation = entry.confirmation
                await self._trail.record(Step.SCHEDULED, "scheduled", Subject.of(confirmation), actor.user_id)
                shown = blocks.scheduled(confirmation, actor.user_id, self._clock() + delay, delay)
                await self._announcer.show(confirmation, entry.message_ts, shown, to)
                if self.when_scheduled is not None:
                    self.when_scheduled(confirmation.id, delay)
                return
            await self._carry_out(entry.confirmation, entry.message_ts, actor, to)

    async def carry_out_agreed(
        self, confirmation: Confirmation, message_ts: str | None, actor: Actor
    ) -> tuple[InstanceOutcome, ...] | None:
        """A change agreed beforehand (a lease's): stored once, claimed by exactly one caller, who
        carries it out. Its outcomes for that caller; None for every other (or when it was withdrawn).
        """
        async with self._inflight.track():
            await self._store.add(confirmation)
            if message_ts is not None:
                await self._store.attach_message(confirmation.id, message_ts)
            transition = await self._store.decide(
                confirmation.id, State.CLAIMED, actor.user_id, self._clock()
            )
            if not transition.won:
                return None
            to = Destination(None, confirmation.channel_id, None)
            return await self._carry_out(confirmation, message_ts, actor, to)

    async def owners_of(self, instances: list[Instance]) -> dict[str, str]:
        """The known owners of `instances` (see `bot.core.owners`)."""
        return await self._owners.of(instances)

    async def entry(self, confirmation_id: str) -> Entry | None:
        """The store's entry for a confirmation."""
        return await self._store.get(confirmation_id)

    async def withdraw(self, confirmation: Confirmation, actor: str) -> Transition:
        """Make sure an agreed change (a lease's) is never carried out, unless it already was.

        `won` is True when this call cancelled it; otherwise the entry says what became of it.
        """
        await self._store.add(confirmation)
        transition = await self._store.decide(confirmation.id, State.CANCELLED, actor, self._clock())
        if transition.won:
            await self._trail.record(Step.CANCELLED, "cancelled", Subject.of(confirmation), actor)
        return transition

    async def carry_out(
        self, confirmation: Confirmation, message_ts: str | None, actor: Actor, to: Destination
    ) -> tuple[InstanceOutcome, ...]:
        """After a won claim: Nebula once per instance, then the outcome, recorded and announced."""
        async with self._inflight.track():
            return await self._carry_out(confirmation, message_ts, actor, to)

    async def _carry_out(
        self, confirmation: Confirmation, message_ts: str | None, actor: Actor, to: Destination
    ) -> tuple[InstanceOutcome, ...]:
        running = _Running(confirmation, message_ts, actor.user_id, to, asyncio.current_task())
        self._running[confirmation.id] = running
        try:
            # The claim is already durable; its audit line is written alongside the call rather than
            # before it (the store's writer takes it first all the same, and the log line is out now).
            claimed = asyncio.create_task(
                self._trail.record(Step.CONFIRMED, "claimed", Subject.of(confirmation), actor.user_id)
            )
            # Slack being slow to take "Deleting…" must not hold the state change up: post it alongside.
            progress = asyncio.create_task(
                self._announcer.show(
                    confirmation, message_ts, blocks.in_progress(confirmation, actor.user_id), to
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
            await claimed
            # The outcome goes after "Deleting…", never before it; a post stuck longer than this is dropped.
            await _within(progress, PROGRESS_GRACE)
            # Nebula's answer is known: the channel hears it first, the store records it (now, or once
            # it can: the sweeper retries). Only this claim's holder records it, so no check is needed.
            self._unrecorded[confirmation.id] = outcomes
            await self._announcer.announce(confirmation, actor.user_id, outcomes, message_ts, to)
            await self.record_unrecorded(confirmation.id)
            return outcomes
        finally:
            self._running.pop(confirmation.id, None)

    async def settle(
        self,
        confirmation: Confirmation,
        message_ts: str | None,
        confirmer: str,
        outcomes: tuple[InstanceOutcome, ...],
        to: Destination | None,
        step: Step = Step.OUTCOME,
    ) -> bool:
        """Record an outcome nobody else may have recorded yet, and announce it if this call won.

        For outcomes the bot decides on its own (a crash found later, a shutdown): recording is a
        compare-and-set, so of several replicas exactly one announces.
        """
        try:
            won = await self._store.finish(confirmation.id, outcomes)
        except Exception as exc:
            logs.warning("outcome.record_failed", confirmation=confirmation.id, error=type(exc).__name__)
            return False
        if won:
            await self._announcer.announce(confirmation, confirmer, outcomes, message_ts, to, step)
        return won

    async def record_unrecorded(self, only: str | None = None) -> int:
        """Record outcomes already announced but not yet in the store. Returns how many still wait."""
        for confirmation_id, outcomes in list(self._unrecorded.items()):
            if only is not None and confirmation_id != only:
                continue
            try:
                await self._store.finish(confirmation_id, outcomes)
            except Exception as exc:
                logs.warning("outcome.record_failed", confirmation=confirmation_id, error=type(exc).__name__)
                continue
            self._unrecorded.pop(confirmation_id, None)
        return len(self._unrecorded)

    async def abandon(self) -> int:
        """At shutdown, for every change still waiting on Nebula: record and post "outcome unknown".

        Returns how many were reported. The tasks themselves are cancelled afterwards.
        """
        reported = 0
        for running in list(self._running.values()):
            if running.answered:
                continue
            confirmation = running.confirmation
            outcomes = tuple(
                InstanceOutcome(iid, Status.UNKNOWN, texts.STOPPING) for iid in confirmation.instance_ids
            )
            if await self.settle(confirmation, running.message_ts, running.confirmer, outcomes, running.to):
                reported += 1
        return reported

    def handles(self, confirmation_id: str) -> bool:
        """True while this process is carrying out the confirmation or still has to record its outcome."""
        return confirmation_id in self._running or confirmation_id in self._unrecorded

    def running_tasks(self) -> list[asyncio.Task[object]]:
        """The tasks carrying out changes right now (for cancelling them at shutdown)."""
        return [r.task for r in self._running.values() if r.task is not None]

    async def cancel(self, actor: Actor, confirmation_id: str, to: Destination) -> None:
        """A click on Cancel: the confirmation can no longer be carried out."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            entry = await self._decide(actor, confirmation_id, to, State.CANCELLED)
            if entry is None:
                return
            confirmation = entry.confirmation
            await self._trail.record(Step.CANCELLED, "cancelled", Subject.of(confirmation), actor.user_id)
            cancelled = blocks.cancelled(confirmation, actor.user_id)
            await self._announcer.show(confirmation, entry.message_ts, cancelled, to)

    async def _decide(
        self, actor: Actor, confirmation_id: str, to: Destination, to_state: State
    ) -> Entry | None:
        """If `actor` may, move the confirmation to `to_state` (compare-and-set); the entry if this call won.

        Otherwise the actor has been told why (not allowed, someone else decided first, expired).
        """
        entry = await self._decidable(actor, confirmation_id, to, cancel=to_state is State.CANCELLED)
        if entry is None:
            return None
        transition = await self._store.decide(confirmation_id, to_state, actor.user_id, self._clock())
        if not transition.won:
            await self._lost(actor, confirmation_id, transition.entry, to)
            return None
        # The entry as the claim left it: read after the claim, by the writer, so it holds the message
        # ts even when the click came before the first read could see it.
        return transition.entry or entry

    async def _decidable(
        self, actor: Actor, confirmation_id: str, to: Destination, *, cancel: bool
    ) -> Entry | None:
        """The entry if `actor` may confirm (or cancel) it; otherwise tell them why not, and None."""
        entry = await self._store.get(confirmation_id)
        if entry is None:
            logs.event("click.unknown", user=actor.user_id, channel=actor.channel_id, outcome="unknown")
            await say(self._replier, to, blocks.unknown_confirmation())
            return None
        actor = await self._access.resolve(actor)
        rule = self._access.may_cancel if cancel else self._access.may_confirm
        decision = rule(actor, entry.confirmation)
        if not decision.allowed:
            # Audited where the click came from, which is what a refusal is about.
            subject = replace(
                Subject.of(entry.confirmation), workspace=actor.team_id, channel=actor.channel_id
            )
            await self._refuse(actor, decision, subject, to)
            return None
        if not cancel and not await self.still_allowed(entry, to):
            return None
        return entry

    async def still_allowed(self, entry: Entry, to: Destination | None) -> bool:
        """Check the protections again just before a change goes ahead; a change that an instance's
        protection now forbids is closed for good (cancelled, and its message says why)."""
        confirmation = entry.confirmation
        decision = await self._protections.check(confirmation.verb, confirmation.instance_ids)
        if decision.allowed:
            return True
        closing = self._store.release if entry.state is State.SCHEDULED else self._store.decide
        transition = await closing(confirmation.id, State.CANCELLED, SYSTEM_ACTOR, self._clock())
        if transition.won:
            await self._trail.record(
                Step.REFUSED, "protected", Subject.of(confirmation), SYSTEM_ACTOR, message=decision.reason
            )
            await self._announcer.show(
                confirmation, entry.message_ts, blocks.refused(confirmation, decision.reason), to
            )
        elif to is not None:
            await say(self._replier, to, blocks.notice(decision.reason))
        return False

    async def _lost(self, actor: Actor, confirmation_id: str, entry: Entry | None, to: Destination) -> None:
        """Someone else decided first, or time ran out: say so, and never act."""
        if entry is None:
            await say(self._replier, to, blocks.unknown_confirmation())
            return
        confirmation = entry.confirmation
        if entry.state is State.PENDING:
            # Still pending yet not claimable: it is past its expiry. Close it for good.
            transition = await self._store.decide(confirmation_id, State.EXPIRED, SYSTEM_ACTOR, self._clock())
            if transition.won:
                await self._trail.record(Step.EXPIRED, "expired", Subject.of(confirmation), actor.user_id)
            await self._announcer.show(confirmation, entry.message_ts, blocks.expired(confirmation), to)
            return
        if entry.state is State.EXPIRED:
            await say(self._replier, to, blocks.already_decided("expired"))
            return
        logs.event(
            "click.duplicate",
            user=actor.user_id,
            channel=actor.channel_id,
            confirmation=confirmation_id,
            outcome=entry.state.value,
        )
        await say(self._replier, to, blocks.already_decided(_DECIDED_WORDS[entry.state]))

    async def _refuse(self, actor: Actor, decision: Decision, subject: Subject, to: Destination) -> None:
        await self._trail.record(Step.REFUSED, "not_allowed", subject, actor.user_id, message=decision.reason)
        await say(self._replier, to, blocks.notice(decision.reason))
