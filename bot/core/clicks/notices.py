"""The buttons of notices (reminders, lease notices, schedule notices): Keep, and Stop or Delete, which
open the usual confirmation. Each carries the version of the record it was posted with."""

from __future__ import annotations

from bot.core.clicks.spec import ButtonSet, Click, family
from bot.core.confirmations import Requests
from bot.core.forged import Forged
from bot.core.watch import Leases, Reminders, Schedules
from bot.domain.controls import NoticeKind, read_notice_value
from bot.domain.fleet.ids import is_instance_id
from bot.domain.policy import Actor
from bot.domain.verbs import DELETE, STOP
from bot.slack.messages import action_ids
from bot.slack.replier import Destination


class NoticeButtons(ButtonSet):
    """keep, act."""

    def __init__(
        self,
        *,
        reminders: Reminders,
        leases: Leases,
        schedules: Schedules,
        requests: Requests,
        forged: Forged,
    ) -> None:
        self._reminders = reminders
        self._leases = leases
        self._schedules = schedules
        self._requests = requests
        self._forged = forged

    @family(action_ids.KEEP)
    async def keep(self, actor: Actor, to: Destination, click: Click) -> None:
        """the instance keeps running: the reminder is quiet, the lease longer, tonight's stop skipped"""
        ref = read_notice_value(click.value)
        if ref is None:
            await self._forged.refuse(actor, to)
        elif ref.kind is NoticeKind.REMINDER:
            await self._reminders.keep(actor, to, ref)
        elif ref.kind is NoticeKind.SCHEDULE:
            await self._schedules.keep(actor, to, ref)
        else:
            await self._leases.keep(actor, to, ref)

    @family(action_ids.FLEET_STOP, action_ids.FLEET_DELETE)
    async def act(self, actor: Actor, to: Destination, click: Click) -> None:
        """the usual confirmation of a stop or a delete, if the notice is still current"""
        verb = STOP if click.action_id == action_ids.FLEET_STOP else DELETE
        ref = read_notice_value(click.value)
        if ref is not None and ref.kind is not NoticeKind.SCHEDULE:  # a schedule's notice has no such button
            await (self._reminders if ref.kind is NoticeKind.REMINDER else self._leases).act(
                actor, to, ref, verb
            )
        elif is_instance_id(click.value):  # a notice posted before notices carried versions: the id alone
            await self._requests.request(actor, to, verb, (click.value or "",))
        else:
            await self._forged.refuse(actor, to)
