"""The collaborators every part of the core shares, in one place, and the prologue every handler runs.

A handler is a part's method that answers a person: `@handler()` runs it in flight (so shutdown
waits for it) and never silently (after the ack nobody else would tell the person a bug happened);
`@handler(admit=True)` also admits the person first (resolving their groups), or tells them why not.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, TypeVar

from bot.core.access import Access
from bot.core.announce import Announcer
from bot.core.config import CoreConfig
from bot.core.owners import Owners
from bot.core.protections import Protections
from bot.core.trail import Subject, Trail
from bot.domain.audit import Step
from bot.domain.policy import Actor
from bot.domain.refusals import Reason
from bot.infra import logs
from bot.infra.clock import Clock
from bot.infra.health import Health
from bot.infra.inflight import InFlight
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaClient
from bot.nebula.gate import acting_for
from bot.slack.messages.confirmations import internal_error
from bot.slack.messages.refusals import refusal, refusal_text
from bot.slack.replier import Destination, Replier, say
from bot.store.contract import Store
from bot.store.records import Records


@dataclass(frozen=True)
class Services:
    """What the parts of the core share: configuration, clock, the outside world, and the rails."""

    config: CoreConfig
    clock: Clock
    access: Access
    nebula: NebulaClient
    store: Store
    records: Records
    replier: Replier
    trail: Trail
    announcer: Announcer
    protections: Protections
    owners: Owners
    metrics: Metrics
    inflight: InFlight
    health: Health

    async def refuse(self, user: str, reason: Reason, subject: Subject, to: Destination) -> None:
        """Tell `user` why not, and keep the refusal in the audit trail."""
        await self.trail.record(Step.REFUSED, "not_allowed", subject, user, message=refusal_text(reason))
        await say(self.replier, to, refusal(reason))

    @asynccontextmanager
    async def handling(self, user: str, to: Destination) -> AsyncIterator[None]:
        """In flight, and never silent: a bug or a dead store ends in a reply, not in silence. The Nebula
        calls made inside are `user`'s, for the gate's turns."""
        async with self.inflight.track():
            with acting_for(user):
                try:
                    yield
                except Exception:
                    logs.failure("flow.failed", user=user, channel=to.channel)
                    await say(self.replier, to, internal_error())


class Part:
    """A part of the core, holding the shared services."""

    def __init__(self, services: Services) -> None:
        self.services = services


PartT = TypeVar("PartT", bound=Part)
P = ParamSpec("P")
Method = Callable[Concatenate[PartT, Actor, Destination, P], Awaitable[None]]


def handler(*, admit: bool = False) -> Callable[[Method[PartT, P]], Method[PartT, P]]:
    """Run a part's method (called with the actor and where to answer) under `Services.handling`;
    with `admit`, only for an admitted actor, who is passed on with their groups resolved."""

    def wrap(method: Method[PartT, P]) -> Method[PartT, P]:
        @functools.wraps(method)
        async def run(
            part: PartT, actor: Actor, to: Destination, /, *args: P.args, **kwargs: P.kwargs
        ) -> None:
            services = part.services
            async with services.handling(actor.user_id, to):
                if admit:
                    admitted = await services.access.admit(actor, services.replier, to)
                    if admitted is None:
                        return
                    actor = admitted
                await method(part, actor, to, *args, **kwargs)

        return run

    return wrap
