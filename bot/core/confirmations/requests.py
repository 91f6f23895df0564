"""Asking for a change: check the requester, look the instances up, and post the confirmation.

However a change is asked for (the command, a listed instance's menu, a reminder's button), it comes
here, and every rule applies: who may ask, protections, the owner rule, the budget, the pending limit.
"""

from __future__ import annotations

from collections import Counter

from bot.core.config import CoreConfig
from bot.core.confirmations.announce import Announcer
from bot.core.confirmations.lookup import Lookup
from bot.core.confirmations.rulings import Rulings
from bot.core.rails import Subject, Trail
from bot.domain.audit import Step
from bot.domain.confirmation import Confirmation, new_confirmation_id
from bot.domain.fleet.fit import sort_out
from bot.domain.policy import ALLOW, Actor, Ruling, refuse
from bot.domain.refusals import TooManyPending
from bot.domain.verbs import Verb
from bot.infra.clock import Clock
from bot.slack.messages import confirmations as messages
from bot.slack.messages import instances as instance_messages
from bot.slack.messages.kit import people
from bot.slack.messages.refusals import refusal_text
from bot.slack.replier import Destination
from bot.store import Confirmations


class Requests:
    """Everything between a `/nebula <verb> <id>` and the confirmation in the channel."""

    def __init__(
        self,
        *,
        config: CoreConfig,
        clock: Clock,
        rulings: Rulings,
        confirmations: Confirmations,
        lookup: Lookup,
        announcer: Announcer,
        trail: Trail,
    ) -> None:
        self._config = config
        self._clock = clock
        self._rulings = rulings
        self._confirmations = confirmations
        self._lookup = lookup
        self._announcer = announcer
        self._trail = trail
        self._requesting: Counter[str] = Counter()

    async def request(self, actor: Actor, to: Destination, verb: Verb, instance_ids: tuple[str, ...]) -> None:
        """Check the requester, look the instances up, and post the confirmation in the channel."""
        actor = await self._rulings.access.resolve(actor)
        subject = Subject.request(verb, instance_ids, actor.workspace, actor.channel_id)
        ruling = await self._rulings.on_request(actor, verb, instance_ids)
        # The limit is checked last: from its check to the increment below there is no await.
        if ruling.allowed:
            ruling = await self._within_pending_limit(actor.user_id)
        if not ruling.allowed:
            await self._rulings.refuse(actor.user_id, ruling.why, subject, to)
            return
        # Counted from here until the confirmation is stored, so a burst cannot slip past the limit.
        self._requesting[actor.user_id] += 1
        try:
            await self._look_up_and_ask(actor, verb, instance_ids, subject, to)
        finally:
            self._requesting[actor.user_id] -= 1
            if not self._requesting[actor.user_id]:
                del self._requesting[actor.user_id]

    async def _within_pending_limit(self, user: str) -> Ruling:
        limit = self._config.max_pending_per_user
        waiting = await self._confirmations.count_pending_for(user, self._clock()) + self._requesting[user]
        return ALLOW if waiting < limit else refuse(TooManyPending(limit))

    async def _look_up_and_ask(
        self, actor: Actor, verb: Verb, instance_ids: tuple[str, ...], subject: Subject, to: Destination
    ) -> None:
        looked_up = await self._lookup.all_of(instance_ids, subject, actor.user_id, to)
        if looked_up is None:
            return
        # Decided on the status just read: a change that cannot apply is answered now, and not asked.
        instances, misfits = sort_out(verb, looked_up, self._lookup.references(looked_up))
        if not instances:
            said = instance_messages.does_not_fit(misfits)
            await self._trail.note(Step.LOOKUP, "does_not_fit", subject, actor.user_id, message=said.text)
            await self._announcer.tell(to, said)
            return
        judged = await self._rulings.on_instances(actor, verb, instances)
        if not judged.ruling.allowed:
            await self._rulings.refuse(actor.user_id, judged.ruling.why, subject, to, instances)
            return
        now = self._clock()
        confirmation = Confirmation(
            id=new_confirmation_id(),
            verb=verb,
            instances=instances,
            requester=actor.user_id,
            workspace=actor.workspace or "",
            channel_id=actor.channel_id or "",
            response_url=to.response_url or "",
            created_at=now,
            expires_at=now + self._config.confirm_ttl,
            needs_approval=judged.ruling.needs_approval,
            owners=tuple(sorted(judged.owned.owners.items())),
        )
        await self._confirmations.add(confirmation)
        await self._trail.note(Step.REQUESTED, "pending", Subject.of(confirmation), actor.user_id)
        rules = self._rulings.access.rules
        approval = people(rules.approvers) if rules.needs_approval or confirmation.needs_approval else None
        why = refusal_text(judged.over) if judged.over is not None else ""
        left_out = " ".join(instance_messages.misfit_line(m) for m in misfits)
        message = messages.confirmation(
            confirmation, approval, dry_run=self._config.dry_run, why=why, left_out=left_out
        )
        message_ts = await self._announcer.ask(confirmation, message, to)
        if message_ts is not None:
            await self._confirmations.attach_message(confirmation.id, message_ts)
        await self._announcer.ask_approvers(confirmation, message)
