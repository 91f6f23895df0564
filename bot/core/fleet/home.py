"""The App Home tab: what one team's part of each person's Home shows.

All Homes answer from one recent read of the fleet (a read under way is joined), so 200 people opening
Home at once cost Nebula one read. Publishing it (when opened, and a few seconds after a change the
person made) and where a change asked for there is confirmed are the front door's (`bot.core.front`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Final

from bot.core.fleet.view import FleetView
from bot.core.money import Costing
from bot.core.rails import Access, Owners
from bot.domain.confirmation import Confirmation, State
from bot.domain.fleet.instance import Instance
from bot.domain.money.costs import FleetCost
from bot.domain.money.credits import Runway
from bot.domain.policy import Actor
from bot.domain.records import Lease, Protection
from bot.infra.clock import Clock
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Snapshot
from bot.slack.messages import texts
from bot.slack.messages.home import HomeFacts
from bot.slack.messages.refusals import refusal_text
from bot.store import Confirmations, Records

# Home answers from a fleet read at most this old.
HOME_MAX_AGE: Final = 60.0
# What all Homes show alike (the fleet, its owners and cost, leases, protections, open confirmations) is
# gathered once for everyone who opens Home within this many seconds.
SHARED_MAX_AGE: Final = 2.0
LEASE_HORIZON: Final = 24 * 3600.0


@dataclass(frozen=True)
class _Shared:
    at: float  # monotonic time it was gathered
    now: float
    open: tuple[Confirmation, ...]
    leases: tuple[Lease, ...]
    protected: tuple[Protection, ...]
    instances: tuple[Instance, ...] = ()
    owners: dict[str, str] = field(default_factory=dict)
    cost: FleetCost | None = None
    running: int = 0
    problem: str | None = None
    read_at: float | None = None  # when the fleet it shows was read
    runway: Runway | None = None


class Home:
    """What one team's part of a person's Home shows (publishing it is the front door's)."""

    def __init__(
        self,
        *,
        view: FleetView,
        access: Access,
        confirmations: Confirmations,
        records: Records,
        owners: Owners,
        costing: Costing,
        clock: Clock,
    ) -> None:
        self._view = view
        self._access = access
        self._confirmations = confirmations
        self._records = records
        self._owners = owners
        self._costing = costing
        self._clock = clock
        self._gathering = asyncio.Lock()
        self._last: _Shared | None = None

    async def facts(self, actor: Actor) -> HomeFacts | str:
        """What `actor`'s Home shows of this team, or why they may not see it."""
        actor = await self._access.resolve(actor)
        ruling = self._access.may_see(actor)
        if not ruling.allowed:
            return refusal_text(ruling.why)
        shared = await self._shared()
        waiting = [
            c
            for c in shared.open
            if c.requester == actor.user_id or self._access.may_confirm(actor, c).allowed
        ]
        mine = [i for i in shared.instances if shared.owners.get(i.id) == actor.user_id]
        return HomeFacts(
            user=actor.user_id,
            now=shared.now,
            waiting=waiting,
            mine=mine,
            leases=shared.leases,
            protected=shared.protected,
            protections={p.instance_id: p for p in shared.protected},
            cost=shared.cost,
            running=shared.running,
            fleet_problem=shared.problem,
            read_at=shared.read_at,
            runway=shared.runway,
        )

    async def _shared(self) -> _Shared:
        """What every Home shows alike, gathered once for all who open Home within SHARED_MAX_AGE."""
        async with self._gathering:
            if self._last is not None and time.monotonic() - self._last.at <= SHARED_MAX_AGE:
                return self._last
            self._last = await self._gather()
            return self._last

    async def _gather(self) -> _Shared:
        now = self._clock()
        opened = await self._confirmations.open_confirmations(now)
        pending = tuple(e.confirmation for e in opened if e.state == State.PENDING)
        leases = sorted(
            (
                v.record
                for v in await self._records.all(Lease)
                if v.record.ended_at is None and v.record.ends_at <= now + LEASE_HORIZON
            ),
            key=lambda lease: lease.ends_at,
        )
        protected = tuple(v.record for v in await self._records.all(Protection))
        snapshot, problem = await self._snapshot()
        if snapshot is None:
            return _Shared(time.monotonic(), now, pending, tuple(leases), protected, problem=problem)
        owned = await self._owners.of(snapshot.instances)
        cost = await self._costing.of(snapshot.instances)
        return _Shared(
            time.monotonic(),
            now,
            pending,
            tuple(leases),
            protected,
            instances=snapshot.instances,
            owners=dict(owned.owners),
            cost=cost,
            running=len(snapshot.running),
            read_at=snapshot.at,
            runway=await self._costing.runway(cost),
        )

    async def _snapshot(self) -> tuple[Snapshot | None, str | None]:
        recent = await self._view.recent(HOME_MAX_AGE)
        if recent is not None:
            return recent, None
        try:
            return await self._view.read(details=False, max_age=HOME_MAX_AGE), None
        except NebulaError as exc:
            return None, texts.nebula_error(exc)
