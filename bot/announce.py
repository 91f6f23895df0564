"""Telling the channel (and the audit channel) what came of a confirmation, and recording it."""

from __future__ import annotations

from bot import blocks, logs
from bot.audit import Step
from bot.model import Confirmation, InstanceOutcome, summarize
from bot.replies import Destination, Replier, ReplyError, say
from bot.trail import Subject, Trail


def origin(confirmation: Confirmation) -> Destination:
    """Where the confirmation was posted: its command's response_url, then the channel."""
    return Destination(confirmation.response_url or None, confirmation.channel_id, confirmation.requester)


class Announcer:
    """Posts outcomes where people will look for them."""

    def __init__(self, replier: Replier, trail: Trail, audit_channel: str | None) -> None:
        self._replier = replier
        self._trail = trail
        self._audit_channel = audit_channel

    async def announce(
        self,
        confirmation: Confirmation,
        confirmer: str,
        outcomes: tuple[InstanceOutcome, ...],
        to: Destination,
        step: Step = Step.OUTCOME,
    ) -> None:
        """Post the outcome in the channel (and the audit channel) and record it as `step`."""
        message = blocks.outcome(confirmation, confirmer, outcomes)
        text = " ".join(f"{o.instance_id}: {o.status}: {o.message}" for o in outcomes)
        # The channel first: a store slow to take the audit record must not keep people waiting.
        await say(self._replier, to, message, in_channel=True)
        await self._trail.record(step, summarize(outcomes), Subject.of(confirmation), confirmer, message=text)
        if self._audit_channel:
            try:
                await self._replier.post(self._audit_channel, message)
            except ReplyError as exc:
                logs.warning("audit_channel.post_failed", channel=self._audit_channel, error=str(exc))
