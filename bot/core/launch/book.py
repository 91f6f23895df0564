"""A launch's record and its one message, kept in step: every move of a launch is a compare-and-set on
its record (of two replicas, one moves it), then its message is edited to match."""

from __future__ import annotations

import dataclasses
from typing import Any, Final

from bot.core.config import CoreConfig
from bot.core.confirmations import ApprovalDMs
from bot.core.rails import Subject, Trail
from bot.core.watch import Leases
from bot.domain.audit import Step, Topic
from bot.domain.launch import Launch, NameClaim, Stage
from bot.domain.policy import Actor
from bot.domain.records import Asked, Lease
from bot.infra.clock import Clock
from bot.slack.messages.kit import Message
from bot.slack.messages.notices import launches as messages
from bot.slack.outbox import Outbox
from bot.store import Records, Versioned

# How long a launch's message follows its instance (Nebula's deploys take minutes), and how long a
# finished launch's record is kept (a press on its message after that finds nothing).
FOLLOW_FOR: Final = 15 * 60.0
KEEP_FINISHED: Final = 7 * 86400.0
# Reads again after a lost swap before giving up (each loss means another writer made progress).
ATTEMPTS: Final = 10


def subject(launch: Launch) -> Subject:
    """What a launch's audit lines are about: its name (and id, once it is known)."""
    about = f"{launch.name} {launch.instance_id}" if launch.instance_id else launch.name
    return Subject(Topic.LAUNCH, about, launch.workspace or None, launch.channel_id or None, launch.id)


class LaunchBook:
    """Moves launches from stage to stage and shows each move."""

    def __init__(
        self,
        *,
        records: Records,
        outbox: Outbox,
        trail: Trail,
        leases: Leases,
        clock: Clock,
        config: CoreConfig,
        approval_dms: ApprovalDMs,
    ) -> None:
        self._dms = approval_dms
        self.records = records
        self.trail = trail
        self.clock = clock
        self.config = config
        self._outbox = outbox
        self._leases = leases

    async def move(self, current: Versioned[Launch], **changes: Any) -> Versioned[Launch] | None:
        """`current` with `changes`, if nobody changed it since it was read (None: somebody did)."""
        return await self.records.put(current, dataclasses.replace(current.record, **changes))

    async def advance(self, launch_id: str, at: Stage, /, **changes: Any) -> Versioned[Launch] | None:
        """The launch with `changes` if it is at stage `at` (None: it is not, or no longer). A concurrent
        change that leaves it there (its message's ts kept, say) is read again, not lost to: of several
        callers moving it on from `at`, exactly one does."""
        for _ in range(ATTEMPTS):
            current = await self.records.get(Launch, launch_id)
            if current is None or current.record.stage_now is not at:
                return None
            moved = await self.move(current, **changes)
            if moved is not None:
                return moved
        return None

    async def keep_message(self, launch_id: str, ts: str) -> Launch | None:
        """Remember the ts of the launch's message, whatever stage it has reached meanwhile."""
        changed = await self.records.update(
            Launch, launch_id, lambda found: dataclasses.replace(found, message_ts=ts)
        )
        return changed[1] if changed is not None else None

    async def show(self, launch: Launch) -> None:
        """Edit the launch's message to say where it is."""
        if launch.message_ts is None:
            return
        lease = await self.records.get(Lease, launch.instance_id) if launch.instance_id else None
        shown = messages.progress(
            launch,
            lease_action=self._leases.action,
            lease_ends=lease.record.ends_at if lease is not None else None,
        )
        await self._outbox.edit(launch.channel_id, launch.message_ts, shown)
        await self._dms.mirror(_asked(launch), shown)

    async def ask_approvers(self, launch: Launch, shown: Message) -> None:
        """Copy a launch that needs an approver to each approver's direct messages."""
        await self._dms.send(_asked(launch), shown)

    async def tell_requester(self, launch: Launch, message: Message) -> None:
        """The requester's direct message about a launch an approver had to decide."""
        await self._dms.tell_requester(_asked(launch), message)

    async def from_copy(self, actor: Actor, launch: Launch) -> Actor:
        """`actor`, as in the launch's channel when the press came from the copy sent to them."""
        if actor.channel_id != launch.channel_id and await self._dms.copied_to(launch.id, actor):
            return dataclasses.replace(actor, channel_id=launch.channel_id)
        return actor

    async def note(
        self, step: Step, outcome: str, launch: Launch, actor: str | None, message: str = ""
    ) -> None:
        """One step of the launch in the log and the audit trail."""
        await self.trail.note(step, outcome, subject(launch), actor, message=message)

    async def release(self, launch: Launch) -> None:
        """Give back the name the launch held (it failed, or the fleet lists the instance now)."""
        held = await self.records.get(NameClaim, launch.name)
        if held is not None and held.record.launch_id == launch.id:
            await self.records.remove(held)

    async def claim(self, launch: Launch) -> bool:
        """Hold the launch's name; False when another launch holds it."""
        claim = NameClaim(launch.name, launch.id, self.clock())
        if await self.records.put(None, claim) is not None:
            return True
        held = await self.records.get(NameClaim, launch.name)
        return held is not None and held.record.launch_id == launch.id

    async def pending_for(self, user: str) -> int:
        """How many launches `user` asked for wait for Launch."""
        now = self.clock()
        return sum(
            1
            for found in await self.records.all(Launch)
            if found.record.requester == user
            and found.record.stage_now is Stage.PENDING
            and found.record.expires_at > now
        )

    async def held_names(self) -> frozenset[str]:
        """The names launches hold now."""
        return frozenset(found.record.name for found in await self.records.all(NameClaim))

    def finished(self, launch: Launch) -> bool:
        """Nothing more will happen to it."""
        return not launch.stage_now.open and launch.stage_now is not Stage.PENDING


def _asked(launch: Launch) -> Asked:
    return Asked(launch.id, launch.requester, launch.channel_id, launch.needs_approval)
