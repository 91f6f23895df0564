"""Asking for a change: check the requester, look the instances up, and post the confirmation.

However a change is asked for (the command, a listed instance's menu, a reminder's button), it comes
here, and every rule applies: who may ask, protections, the owner rule, the pending limit.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.core.budgets import over_budget
from bot.core.services import Part, Services, handler
from bot.core.trail import Subject
from bot.domain.audit import Step
from bot.domain.commands import ChangeCommand
from bot.domain.confirmation import Confirmation, new_confirmation_id
from bot.domain.instance import Instance
from bot.domain.policy import ALLOW, Actor, Ruling, Verdict, owner_approval, refuse
from bot.domain.refusals import TooManyPending
from bot.domain.verbs import START
from bot.nebula.errors import NebulaError, NebulaNotFound
from bot.slack.messages import confirmations as messages
from bot.slack.messages import texts
from bot.slack.messages.kit import notice, people
from bot.slack.messages.mrkdwn import code
from bot.slack.messages.refusals import refusal_text
from bot.slack.replier import Destination, say


class Requests(Part):
    """Everything between a `/nebula <verb> <id>` and the confirmation in the channel."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self._requesting: Counter[str] = Counter()

    @handler()
    async def request(self, actor: Actor, to: Destination, command: ChangeCommand) -> None:
        """Check the requester, look the instances up, and post the confirmation in the channel."""
        s = self.services
        problem = s.health.problem("store")
        if problem is not None:
            # A confirmation the store cannot keep would be lost (or acted on twice) after a restart.
            await say(s.replier, to, notice(texts.store_down(problem)))
            return
        actor = await s.access.resolve(actor)
        subject = Subject.request(command.verb, command.instance_ids, actor.team_id, actor.channel_id)
        ruling = s.access.may_request(actor)
        if ruling.allowed:
            ruling = await s.protections.check(command.verb, command.instance_ids)
        # The limit is checked last: from its check to the increment below there is no await.
        if ruling.allowed:
            ruling = await self._within_pending_limit(actor.user_id)
        if not ruling.allowed:
            await s.refuse(actor.user_id, ruling.why, subject, to)
            return
        # Counted from here until the confirmation is stored, so a burst cannot slip past the limit.
        self._requesting[actor.user_id] += 1
        try:
            await self._look_up_and_ask(actor, command, subject, to)
        finally:
            self._requesting[actor.user_id] -= 1
            if not self._requesting[actor.user_id]:
                del self._requesting[actor.user_id]

    async def _within_pending_limit(self, user: str) -> Ruling:
        s = self.services
        limit = s.config.max_pending_per_user
        waiting = await s.store.count_pending_for(user, s.clock()) + self._requesting[user]
        return ALLOW if waiting < limit else refuse(TooManyPending(limit))

    async def _look_up_and_ask(
        self, actor: Actor, command: ChangeCommand, subject: Subject, to: Destination
    ) -> None:
        s = self.services
        verb, ids = command.verb, command.instance_ids
        looked_up = await asyncio.gather(*(self._look_up(iid) for iid in ids))
        missing = [iid for iid, found in zip(ids, looked_up, strict=True) if found is None]
        errors = [found for found in looked_up if isinstance(found, NebulaError)]
        if missing or errors:
            text = (
                "No instance " + ", ".join(code(iid) for iid in missing) + "."
                if missing
                else f"Could not look up {', '.join(code(iid) for iid in ids)}: "
                f"{texts.nebula_error(errors[0])}"
            )
            outcome = "not_found" if missing else "error"
            await s.trail.record(
                Step.LOOKUP, outcome, subject, actor.user_id, message=text, warn=bool(errors)
            )
            await say(s.replier, to, notice(text))
            return
        instances = tuple(found for found in looked_up if isinstance(found, Instance))
        owned = await s.owners.of(instances)
        ruling = owner_approval(s.access.rules, actor, owned.owners, verb.guarded, owned.unsure)
        over = await over_budget(s) if verb is START and ruling.allowed else None
        if over is not None and not ruling.needs_approval:
            # The budget is spent: a start (more spending) needs an approver, and the message says why.
            ruling = Ruling(Verdict.APPROVAL, over) if over.approvers else refuse(over)
        if not ruling.allowed:
            await s.refuse(actor.user_id, ruling.why, subject, to)
            return
        now = s.clock()
        confirmation = Confirmation(
            id=new_confirmation_id(),
            verb=verb,
            instances=instances,
            requester=actor.user_id,
            team_id=actor.team_id or "",
            channel_id=actor.channel_id or "",
            response_url=to.response_url or "",
            created_at=now,
            expires_at=now + s.config.confirm_ttl,
            needs_approval=ruling.needs_approval,
            owners=tuple(sorted(owned.owners.items())),
        )
        await s.store.add(confirmation)
        await s.trail.record(Step.REQUESTED, "pending", Subject.of(confirmation), actor.user_id)
        rules = s.access.rules
        approval = people(rules.approvers) if rules.needs_approval or confirmation.needs_approval else None
        why = refusal_text(over) if over is not None else ""
        message = messages.confirmation(confirmation, approval, dry_run=s.config.dry_run, why=why)
        message_ts = await s.announcer.ask(confirmation, message, to)
        if message_ts is not None:
            await s.store.attach_message(confirmation.id, message_ts)

    async def _look_up(self, instance_id: str) -> Instance | NebulaError | None:
        """The instance, None when Nebula does not know it, or the error that stopped the lookup."""
        try:
            return await self.services.nebula.get_instance(instance_id)
        except NebulaNotFound:
            return None
        except NebulaError as exc:
            return exc
