"""Carrying out one instance's change, once: the call to Nebula (or, for unprotect, the bot's own
record), and what its answer, or its silence, means. Never raises: a bug becomes an honest outcome.

A protection wins over every change it can still stop: it is checked once more after the call's turn
at Nebula has come, just before the request leaves (`NebulaClient.perform`'s `before_send`).
"""

from __future__ import annotations

import time

from bot.core.rails import OwnChanges, Owners, Protections, Subject, Trail
from bot.domain.audit import Step
from bot.domain.confirmation import Confirmation, InstanceOutcome, Status
from bot.domain.refusals import Protected
from bot.domain.verbs import DELETE, Verb
from bot.infra import logs
from bot.nebula.client import NebulaClient
from bot.nebula.errors import NebulaBadResponse, NebulaError, NebulaNotFound, NebulaOutcomeUnknown
from bot.slack.messages import texts
from bot.slack.messages.notices.protection import refused


class StillProtected(Exception):
    """Raised before a call is sent: the instance was protected meanwhile."""

    def __init__(self, reason: Protected) -> None:
        super().__init__(reason.protection.instance_id)
        self.reason = reason


class Executor:
    """Sends changes to Nebula for confirmations whose claim was won."""

    def __init__(
        self,
        *,
        nebula: NebulaClient,
        protections: Protections,
        owners: Owners,
        changed: OwnChanges,
        trail: Trail,
        dry_run: bool,
    ) -> None:
        self._dry_run = dry_run
        self._nebula = nebula
        self._protections = protections
        self._owners = owners
        self._changed = changed
        self._trail = trail

    async def send(self, confirmation: Confirmation, actor: str, instance_id: str) -> InstanceOutcome:
        """One instance's change, sent at most once. Never raises: a bug becomes an honest outcome."""
        sent = False
        started = time.monotonic()
        verb = confirmation.verb

        async def unprotected() -> None:
            nonlocal sent
            ruling = await self._protections.check(verb, [instance_id])
            if isinstance(ruling.reason, Protected):
                raise StillProtected(ruling.reason)
            sent = True

        try:
            if not verb.remote:  # unprotect: the bot's own record, not a Nebula call
                lifted = await self._protections.lift(instance_id)
                said = "Protection removed." if lifted else "It was not protected; nothing to remove."
                outcome = InstanceOutcome(instance_id, Status.SUCCESS, said)
            elif self._dry_run:
                would = f"Dry run: would have sent {self._nebula.describe(verb, instance_id)}"
                outcome = InstanceOutcome(instance_id, Status.DRY_RUN, would)
            else:
                try:
                    result = await self._nebula.perform(verb, instance_id, before_send=unprotected)
                except StillProtected as stop:
                    outcome = InstanceOutcome(
                        instance_id, Status.FAILED, refused(stop.reason.protection, verb)
                    )
                except NebulaError as exc:
                    outcome = await self._failure(verb, instance_id, exc)
                else:
                    said = texts.nebula_words(result.message) if result.message else texts.REPORTED_SUCCESS
                    outcome = InstanceOutcome(instance_id, Status.SUCCESS, said, result.http_status)
                    await self._changed.note(confirmation, actor, instance_id)
                    if verb is DELETE:
                        await self._forget(instance_id)
        except Exception:
            logs.failure("change.failed", confirmation=confirmation.id, instance=instance_id, sent=sent)
            outcome = InstanceOutcome(
                instance_id,
                Status.UNKNOWN if sent else Status.FAILED,
                texts.INTERNAL_AFTER_SENDING if sent else texts.NOTHING_SENT,
            )
        await self._trail.note(
            Step.EXECUTED,
            outcome.status,
            Subject.of(confirmation, instance_id),
            actor,
            message=outcome.message,
            latency_ms=round((time.monotonic() - started) * 1000),
            warn=outcome.status not in (Status.SUCCESS, Status.DRY_RUN),
        )
        return outcome

    async def _forget(self, instance_id: str) -> None:
        """A deleted instance's owner goes with it (a failure here changes nothing that matters)."""
        try:
            await self._owners.unassign(instance_id)
        except Exception as exc:
            logs.warning("owner.unassign_failed", instance=instance_id, error=type(exc).__name__)

    async def _failure(self, verb: Verb, instance_id: str, exc: NebulaError) -> InstanceOutcome:
        """What a failed change means: failed, or unknown when Nebula may have acted all the same."""
        maybe_done = (
            isinstance(exc, NebulaBadResponse)
            and exc.http_status < 300
            and exc.problem
            in (
                "too_large",
                "unclear",
            )
        )
        if isinstance(exc, NebulaOutcomeUnknown) or maybe_done:
            # No answer, or a 2xx unreadable or contradicting itself: Nebula may have acted. Look once.
            now_true = await self._now_true(verb, instance_id)
            return InstanceOutcome(instance_id, Status.UNKNOWN, f"{texts.nebula_error(exc)} {now_true}")
        said = texts.nebula_error(exc, after_change=verb is DELETE)
        return InstanceOutcome(instance_id, Status.FAILED, said, exc.http_status)

    async def _now_true(self, verb: Verb, instance_id: str) -> str:
        """After a state change with no usable answer, one read to tell the user what is true now."""
        try:
            instance = await self._nebula.get_instance(instance_id)
        except NebulaNotFound:
            return "Checked afterwards: the instance is gone."
        except NebulaError:
            return "Checked afterwards: still unknown (Nebula did not answer the check either)."
        # After a delete, any status means it survived; after a power action, the status is the answer.
        still = "still" if verb is DELETE else "now"
        return f"Checked afterwards: the instance is {still} {instance.status or 'listed'}."
