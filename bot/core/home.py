"""The App Home tab: each person's view, published when they open it and after a change they make.

All Homes answer from one recent read of the fleet (a read under way is joined), so 200 people opening
Home at once cost Nebula one read. `views.publish` is rate limited, so a person's Home is republished
at most once every few seconds; one that fails is logged, never retried in a loop. Actions from Home
have no channel of their own: their confirmation is posted in NEBULA_BOT_HOME_CHANNEL, else the watch
channel, else the first allowed channel (where channels are limited), else a direct message.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Final

from bot.core.costing import costed
from bot.core.services import Part, Services
from bot.domain.confirmation import Confirmation, State
from bot.domain.costs import FleetCost
from bot.domain.instance import Instance
from bot.domain.policy import Actor
from bot.domain.records import FirstSeen, Lease, Protection
from bot.infra import logs
from bot.infra.throttle import Throttle
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet, Snapshot
from bot.nebula.gate import acting_for
from bot.slack.errors import ReplyError
from bot.slack.messages import texts
from bot.slack.messages.home import HomeFacts, home_view, not_allowed_view
from bot.slack.messages.refusals import refusal_text
from bot.slack.replier import Destination

# Home answers from a fleet read at most this old.
HOME_MAX_AGE: Final = 60.0
# A person's Home is republished at most this often (views.publish allows about 100 a minute per app).
REPUBLISH_EVERY: Final = 5.0
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


class Home(Part):
    """Publishing each person's Home, and where actions taken there are confirmed."""

    def __init__(self, services: Services, *, fleet: Fleet) -> None:
        super().__init__(services)
        self._fleet = fleet
        self._opened: set[str] = set()  # who has opened Home here: only their Home is refreshed
        self._throttle = Throttle(REPUBLISH_EVERY)
        self._gathering = asyncio.Lock()
        self._last: _Shared | None = None

    async def opened(self, actor: Actor) -> None:
        """`app_home_opened`: publish the person's Home now."""
        self._opened.add(actor.user_id)
        await self.publish(actor)

    def refresh(self, actor: Actor) -> None:
        """After a change `actor` made: republish their Home (if they use it), at most once in a while."""
        if actor.user_id in self._opened:
            self._throttle.ask(actor.user_id, lambda: self.publish(actor))

    async def publish(self, actor: Actor) -> None:
        """Gather `actor`'s Home and publish it; a failure is logged, never raised or retried."""
        s = self.services
        async with s.inflight.track():
            with acting_for(actor.user_id):
                try:
                    view = await self._view(actor)
                    await s.replier.publish_home(actor.user_id, view)
                except ReplyError as exc:
                    logs.warning("home.publish_failed", user=actor.user_id, error=str(exc))
                    return
                except Exception:  # a bug must not take the listener down; the person sees the old Home
                    logs.failure("home.failed", user=actor.user_id)
                    return
                finally:
                    self._throttle.done(actor.user_id)
        logs.event("home.published", user=actor.user_id, outcome="published")

    async def where(self, actor: Actor) -> Destination | None:
        """Where a change asked for from Home is confirmed, or None when no channel can be had."""
        s = self.services
        allowed = sorted(s.access.rules.allowed_channels)
        # A DM is not among a team's channels: where channels are limited, the first of them instead.
        channel = s.config.home_channel or s.config.watch_channel or (allowed[0] if allowed else None)
        if channel is None:
            try:
                channel = await s.replier.open_dm(actor.user_id)
            except ReplyError as exc:
                logs.warning("home.no_channel", user=actor.user_id, error=str(exc))
                return None
        return Destination(response_url=None, channel=channel, user=actor.user_id)

    async def _view(self, actor: Actor) -> dict[str, object]:
        facts = await self.facts(actor)
        return not_allowed_view(facts) if isinstance(facts, str) else home_view(facts)

    async def facts(self, actor: Actor) -> HomeFacts | str:
        """What `actor`'s Home shows of this team, or why they may not see it."""
        s = self.services
        actor = await s.access.resolve(actor)
        ruling = s.access.may_see(actor)
        if not ruling.allowed:
            return refusal_text(ruling.why)
        shared = await self._shared()
        waiting = [
            c for c in shared.open if c.requester == actor.user_id or s.access.may_confirm(actor, c).allowed
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
        )

    async def _shared(self) -> _Shared:
        """What every Home shows alike, gathered once for all who open Home within SHARED_MAX_AGE."""
        async with self._gathering:
            if self._last is not None and time.monotonic() - self._last.at <= SHARED_MAX_AGE:
                return self._last
            self._last = await self._gather()
            return self._last

    async def _gather(self) -> _Shared:
        s = self.services
        now = s.clock()
        pending = [e.confirmation for e in await s.store.open_confirmations(now) if e.state == State.PENDING]
        leases = sorted(
            (
                v.record
                for v in await s.records.all(Lease)
                if v.record.ended_at is None and v.record.ends_at <= now + LEASE_HORIZON
            ),
            key=lambda lease: lease.ends_at,
        )
        protected = tuple(v.record for v in await s.records.all(Protection))
        snapshot, problem = await self._snapshot()
        if snapshot is None:
            return _Shared(time.monotonic(), now, tuple(pending), tuple(leases), protected, problem=problem)
        owned = await s.owners.of(snapshot.instances)
        first_seen = {v.record.instance_id: v.record.at for v in await s.records.all(FirstSeen)}
        return _Shared(
            time.monotonic(),
            now,
            tuple(pending),
            tuple(leases),
            protected,
            instances=snapshot.instances,
            owners=dict(owned.owners),
            cost=await costed(snapshot.instances, now, first_seen),
            running=len(snapshot.running),
        )

    async def _snapshot(self) -> tuple[Snapshot | None, str | None]:
        recent = self._fleet.recent(HOME_MAX_AGE)
        if recent is not None:
            return recent, None
        try:
            return await self._fleet.read(details=False, max_age=HOME_MAX_AGE), None
        except NebulaError as exc:
            return None, texts.nebula_error(exc)
