"""Who may do what, applied to a live request: admitting a person, refusing one (told, and kept in the
audit trail), and the ruling on a request for a change (the person, protections, owners, budget)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.money import Standing
from bot.core.rails import Access, Owned, Owners, Protections, Subject, Trail
from bot.domain.audit import Step
from bot.domain.fleet.instance import Instance
from bot.domain.policy import Actor, Ruling, Verdict, owner_approval, refuse
from bot.domain.refusals import OverBudget, Reason
from bot.domain.verbs import START, Verb
from bot.infra import logs
from bot.slack.messages.refusals import refusal, refusal_text
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination


@dataclass(frozen=True)
class OnInstances:
    """The ruling on a change to instances once they are known: with their owners, and the budget
    when it is what asks for an approver (`over`)."""

    ruling: Ruling
    owned: Owned
    over: OverBudget | None


class Rulings:
    """The rules, with what they need to know, and the person told when the answer is no."""

    def __init__(
        self,
        *,
        access: Access,
        protections: Protections,
        owners: Owners,
        standing: Standing,
        trail: Trail,
        outbox: Outbox,
    ) -> None:
        self.access = access
        self._protections = protections
        self._owners = owners
        self._standing = standing
        self._trail = trail
        self._outbox = outbox

    async def admit(self, actor: Actor, to: Destination) -> Actor | None:
        """The resolved `actor` if they may look or act; otherwise they are told why, and None."""
        actor = await self.access.resolve(actor)
        ruling = self.access.may_request(actor)
        if ruling.allowed:
            return actor
        logs.event("request.refused", user=actor.user_id, channel=actor.channel_id, outcome="not_allowed")
        await self._outbox.reply(to, refusal(ruling.why))
        return None

    async def refuse(
        self,
        user: str,
        reason: Reason,
        subject: Subject,
        to: Destination,
        instances: Iterable[Instance] = (),
    ) -> None:
        """Tell `user` why not (naming `instances` by name), and keep the refusal in the audit trail."""
        names = {instance.id: instance.host_name for instance in instances}
        await self._trail.note(Step.REFUSED, "not_allowed", subject, user, message=refusal_text(reason))
        await self._outbox.reply(to, refusal(reason, names))

    async def on_request(self, actor: Actor, verb: Verb, instance_ids: Iterable[str]) -> Ruling:
        """May a resolved `actor` ask for `verb` on these instances (before they are looked up)?"""
        ruling = self.access.may_request(actor)
        if ruling.allowed:
            ruling = await self._protections.check(verb, instance_ids)
        return ruling

    async def on_instances(self, actor: Actor, verb: Verb, instances: tuple[Instance, ...]) -> OnInstances:
        """The owner rule on the instances as looked up, then the budget for a start (more spending)."""
        owned = await self._owners.of(instances)
        rules = self.access.rules
        ruling = owner_approval(rules, actor, owned.owners, verb.guarded, owned.unsure)
        over = await self._standing.over() if verb is START and ruling.allowed else None
        if over is not None and not ruling.needs_approval:
            # The budget is spent: a start needs an approver, and the message says why.
            ruling = Ruling(Verdict.APPROVAL, over) if over.approvers else refuse(over)
        return OnInstances(ruling, owned, over)

    async def over_budget(self, actor: Actor, subject: Subject, to: Destination) -> bool:
        """True (after saying why) when the budget is spent and `actor` is no approver: more spending
        (a longer lease, say) then needs one."""
        over = await self._standing.over()
        if over is None or self.access.is_approver(actor):
            return False
        await self.refuse(actor.user_id, over, subject, to)
        return True
