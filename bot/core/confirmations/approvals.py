"""Approvals that reach people: a confirmation or a launch that needs an approver is copied, buttons
and all, to each approver named (users, and the members of named groups, up to a limit) by direct
message, since an approver may not be in the channel. Every copy is kept in step with the channel's
message, so that once one approver decides, the others' copies say by whom; the requester is told by
direct message when it is approved, rejected or expires. NEBULA_BOT_APPROVAL_DM=false keeps it in the
channel.

Which copies were sent is kept in the store: a click on a copy counts as made in the request's channel
for that approver only, on every replica and after restarts.
"""

from __future__ import annotations

from typing import Final

from bot.core.config import CoreConfig
from bot.core.rails import Access
from bot.domain.confirmation import Confirmation
from bot.domain.policy import Actor
from bot.domain.records import ApprovalCopies, Asked
from bot.infra import logs
from bot.infra.clock import Clock
from bot.slack.messages.kit import Message
from bot.slack.messages.notices import approvals as messages
from bot.slack.outbox import Outbox
from bot.slack.usergroups import UserGroups
from bot.store import Records, Retention

# Direct messages per request at most: a group of two hundred is asked in the channel, not one by one.
LIMIT: Final = 10
# How long the copies are remembered: far past the longest a request can be decided or followed (a
# confirmation's TTL, at most half an hour; a launch's, and its quarter-hour follow-up).
KEEP: Final = 7 * 86400.0


class ApprovalDMs:
    """Copies requests that need an approver to the approvers' direct messages, and keeps them in step."""

    def __init__(
        self,
        *,
        config: CoreConfig,
        access: Access,
        usergroups: UserGroups,
        records: Records,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._on = config.approval_dm
        self._access = access
        self._usergroups = usergroups
        self._records = records
        self._outbox = outbox
        self._clock = clock
        self._retention = Retention(records, ApprovalCopies, lambda c: c.made_at, KEEP)

    def asked(self, confirmation: Confirmation) -> Asked:
        """`confirmation` as a request: it needs an approver by the rules, or by its own."""
        rules = self._access.rules
        return Asked(
            confirmation.id,
            confirmation.requester,
            confirmation.channel_id,
            rules.needs_approval or confirmation.needs_approval,
        )

    def _told(self, asked: Asked) -> bool:
        return self._on and asked.approval and bool(self._access.rules.approvers)

    async def send(self, asked: Asked, message: Message) -> None:
        """Copy the request to each approver other than its requester."""
        if not self._told(asked):
            return
        copies = []
        for approver in await self._approvers(asked.requester):
            channel = await self._outbox.open_dm(approver)
            if channel is None:
                continue  # logged by the outbox; the channel's message still asks
            ts = await self._outbox.post(
                channel, messages.approval_copy(asked, message), event="approval.dm_failed"
            )
            if ts is not None:
                copies.append((approver, channel, ts))
        if copies:
            now = self._clock()
            await self._records.put(None, ApprovalCopies(asked.id, tuple(copies), now))
            await self._retention.forget_old(now)
        logs.event(
            "approval.dms",
            user=asked.requester,
            channel=asked.channel_id,
            request=asked.id,
            outcome=f"{len(copies)} sent",
        )

    async def mirror(self, asked: Asked, message: Message) -> None:
        """Make every copy show what the channel's message now shows."""
        for _, channel, ts in await self._copies(asked.id):
            await self._outbox.edit(channel, ts, messages.approval_copy(asked, message))

    async def copied_to(self, request_id: str, actor: Actor) -> bool:
        """Whether `actor`'s click comes from the copy sent to them."""
        return any(
            user == actor.user_id and channel == actor.channel_id
            for user, channel, _ in await self._copies(request_id)
        )

    async def tell_requester(self, asked: Asked, message: Message) -> None:
        """A direct message to the requester about their request's decision (approved, rejected,
        expired), when an approver was needed."""
        if not self._told(asked):
            return
        channel = await self._outbox.open_dm(asked.requester)
        if channel is not None:
            await self._outbox.post(channel, message, event="approval.requester_dm_failed")

    async def _copies(self, request_id: str) -> list[tuple[str, str, str]]:
        if not self._on:
            return []
        found = await self._records.get(ApprovalCopies, request_id)
        # Read back from JSON, each copy is a list: taken as it is, three strings.
        return [(str(u), str(c), str(t)) for u, c, t in found.record.copies] if found is not None else []

    async def _approvers(self, requester: str) -> list[str]:
        """The people named as approvers (and the members of approver groups), without the requester,
        at most LIMIT of them."""
        rules = self._access.rules
        people = sorted(a for a in rules.approvers if not a.startswith("S"))
        for group in sorted(rules.approver_groups):  # a group Slack cannot list adds nobody
            people.extend(sorted(await self._usergroups.members(group)))
        unique = [p for p in dict.fromkeys(people) if p != requester]  # in order, each once
        if len(unique) > LIMIT:
            logs.warning("approval.too_many", approvers=len(unique), outcome=f"first {LIMIT} told")
        return unique[:LIMIT]
