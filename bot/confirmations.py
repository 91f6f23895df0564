"""The confirmable changes (delete, stop, start, reboot): request, confirm, cancel.

Knows nothing of Bolt. The one rule that makes state changes trustworthy lives in `confirm`: the
store's atomic claim comes first, and only its single winner calls Nebula. Every step leaves an
audit record.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from bot import blocks, logs, texts
from bot.access import Access
from bot.announce import Announcer
from bot.audit import Step
from bot.commands import ChangeCommand
from bot.ids import is_instance_id
from bot.inflight import InFlight
from bot.model import Confirmation, Entry, Instance, InstanceOutcome, State, Status, new_confirmation_id
from bot.nebula import NebulaBadResponse, NebulaClient, NebulaError, NebulaNotFound, NebulaOutcomeUnknown
from bot.policy import Actor, Decision, approvers_text
from bot.replies import Destination, Replier, guard, say
from bot.store import ConfirmationStore
from bot.trail import Subject, Trail
from bot.verbs import VERBS, Verb

Clock = Callable[[], float]
SYSTEM_ACTOR: Final = "system"

_DECIDED_WORDS: Final = {
    State.CLAIMED: "confirmed and is being carried out (its outcome is posted here when Nebula answers; "
    "if nothing appears, check the Nebula console)",
    State.DONE: "carried out",
    State.CANCELLED: "cancelled",
    State.EXPIRED: "expired",
}


@dataclass(frozen=True)
class CoreConfig:
    """The parts of the settings the core needs."""

    confirm_ttl: int
    nebula_timeout: float
    audit_channel: str | None = None
    dry_run: bool = False

    @property
    def stale_claim_after(self) -> float:
        """Seconds after which a claim with no outcome cannot still be in flight on any replica."""
        # A live replica finishes within: the state change, the follow-up read, and some slack.
        return 2 * self.nebula_timeout + 60


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
        clock: Clock = time.time,
    ) -> None:
        self._config = config
        self._access = access
        self._nebula = nebula
        self._store = store
        self._replier = replier
        self._trail = trail
        self._announcer = announcer
        self._inflight = inflight
        self._clock = clock

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
            verb, ids = command.verb, command.instance_ids
            subject = Subject.request(verb, ids, actor.team_id, actor.channel_id)
            decision = self._access.may_request(actor)
            if not decision.allowed:
                await self._refuse(actor, decision, subject, to)
                return
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
                await self._trail.record(
                    Step.LOOKUP,
                    "not_found" if missing else "error",
                    subject,
                    actor.user_id,
                    message=text,
                    warn=bool(errors),
                )
                await say(self._replier, to, blocks.notice(text))
                return
            now = self._clock()
            confirmation = Confirmation(
                id=new_confirmation_id(),
                verb=verb,
                instances=tuple(found for found in looked_up if isinstance(found, Instance)),
                requester=actor.user_id,
                team_id=actor.team_id or "",
                channel_id=actor.channel_id or "",
                response_url=to.response_url or "",
                created_at=now,
                expires_at=now + self._config.confirm_ttl,
            )
            await self._store.add(confirmation)
            await self._trail.record(Step.REQUESTED, "pending", Subject.of(confirmation), actor.user_id)
            rules = self._access.rules
            approval = approvers_text(rules) if rules.needs_approval else None
            message = blocks.confirmation(confirmation, approval, dry_run=self._config.dry_run)
            await say(self._replier, to, message, in_channel=True)

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
            entry = await self._decidable(actor, confirmation_id, to, cancel=False)
            if entry is None:
                return
            transition = await self._store.decide(
                confirmation_id, State.CLAIMED, actor.user_id, self._clock()
            )
            if not transition.won:
                await self._lost(actor, confirmation_id, transition.entry, to)
                return
            confirmation = entry.confirmation
            await self._trail.record(Step.CONFIRMED, "claimed", Subject.of(confirmation), actor.user_id)
            await say(
                self._replier, to, blocks.in_progress(confirmation, actor.user_id), replace_original=True
            )
            outcomes = await asyncio.gather(
                *(self._perform(confirmation, actor, iid) for iid in confirmation.instance_ids)
            )
            await self._store.finish(confirmation_id, tuple(outcomes))
            await self._announcer.announce(confirmation, actor.user_id, tuple(outcomes), to)

    async def _perform(self, confirmation: Confirmation, actor: Actor, instance_id: str) -> InstanceOutcome:
        verb = confirmation.verb
        subject = Subject.of(confirmation, instance_id)
        started = time.monotonic()
        if self._config.dry_run:
            would = f"Dry run: would have sent {self._nebula.describe(verb, instance_id)}"
            await self._trail.record(Step.EXECUTED, Status.DRY_RUN, subject, actor.user_id, message=would)
            return InstanceOutcome(instance_id, Status.DRY_RUN, would)
        try:
            result = await self._nebula.perform(verb, instance_id)
        except NebulaError as exc:
            outcome = await self._failure(verb, instance_id, exc)
        else:
            said = texts.nebula_words(result.message) if result.message else texts.REPORTED_SUCCESS
            outcome = InstanceOutcome(instance_id, Status.SUCCESS, said, result.http_status)
        await self._trail.record(
            Step.EXECUTED,
            outcome.status,
            subject,
            actor.user_id,
            message=outcome.message,
            latency_ms=round((time.monotonic() - started) * 1000),
            warn=outcome.status is not Status.SUCCESS,
        )
        return outcome

    async def _failure(self, verb: Verb, instance_id: str, exc: NebulaError) -> InstanceOutcome:
        """What a failed change means: failed, or unknown when Nebula may have acted all the same."""
        unread_success = (
            isinstance(exc, NebulaBadResponse) and exc.problem == "too_large" and exc.http_status < 300
        )
        if isinstance(exc, NebulaOutcomeUnknown) or unread_success:
            # No answer, or a success too large to read: Nebula may have acted. Look once.
            now_true = await self._now_true(verb, instance_id)
            return InstanceOutcome(instance_id, Status.UNKNOWN, f"{texts.nebula_error(exc)} {now_true}")
        said = texts.nebula_error(exc, after_change=verb.name == "delete")
        return InstanceOutcome(instance_id, Status.FAILED, said, exc.http_status)

    async def _now_true(self, verb: Verb, instance_id: str) -> str:
        """After a state change with no answer, one read to tell the user what is true now."""
        try:
            instance = await self._nebula.get_instance(instance_id)
        except NebulaNotFound:
            return "Checked afterwards: the instance is gone."
        except NebulaError:
            return "Checked afterwards: still unknown (Nebula did not answer the check either)."
        # After a delete, any status means it survived; after a power action, the status is the answer.
        still = "still" if verb.name == "delete" else "now"
        return f"Checked afterwards: the instance is {still} {instance.status or 'listed'}."

    async def cancel(self, actor: Actor, confirmation_id: str, to: Destination) -> None:
        """A click on Cancel: the confirmation can no longer be carried out."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            entry = await self._decidable(actor, confirmation_id, to, cancel=True)
            if entry is None:
                return
            transition = await self._store.decide(
                confirmation_id, State.CANCELLED, actor.user_id, self._clock()
            )
            if not transition.won:
                await self._lost(actor, confirmation_id, transition.entry, to)
                return
            confirmation = entry.confirmation
            await self._trail.record(Step.CANCELLED, "cancelled", Subject.of(confirmation), actor.user_id)
            await say(self._replier, to, blocks.cancelled(confirmation, actor.user_id), replace_original=True)

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
        return entry

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
            await say(self._replier, to, blocks.expired(confirmation), replace_original=True)
            return
        if entry.state is State.EXPIRED:
            await say(self._replier, to, blocks.expired(confirmation), replace_original=True)
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
