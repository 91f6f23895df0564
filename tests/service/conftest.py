"""The core without Bolt or HTTP in front of it: its parts driven directly, as the listeners would,
against an in-memory Slack, a real SQLite store and the stand-in Nebula. Each test takes milliseconds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.assembly import build_core
from bot.core.config import CoreConfig
from bot.core.dispatch import Core
from bot.domain.policy import Actor, Identity, Rules
from bot.infra.health import Health
from bot.infra.inflight import InFlight
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaClient
from bot.slack.directory import EmailDirectory
from bot.slack.replier import Destination
from bot.slack.usergroups import UserGroups
from bot.store.contract import Store, open_store
from tests.service.memory_slack import MemorySlack
from tests.standins.servers import BOT_TOKEN, NEBULA_KEY, TEAM_ID, FakeNebula, FakeSlack
from tests.standins.stack import ALICE, FakeClock

CHANNEL = "C0OPS"


@dataclass
class Bench:
    """One core, and everything around it a test looks at."""

    core: Core
    slack: MemorySlack
    store: Store
    nebula: FakeNebula
    clock: FakeClock

    def actor(self, user: str = ALICE, channel: str = CHANNEL) -> Actor:
        return Actor(user_id=user, team_id=TEAM_ID, enterprise_id=None, channel_id=channel)

    def to(self, user: str = ALICE, channel: str = CHANNEL) -> Destination:
        return Destination(response_url=None, channel=channel, user=user)


Build = Callable[..., Awaitable[Bench]]


@pytest.fixture
async def bench(nebula: FakeNebula, slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Build]:
    """Builds a core with the given rules and config fields (defaults: Alice and Bob may act)."""
    made: list[tuple[Store, NebulaClient]] = []
    async with aiohttp.ClientSession() as session:
        web = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url, session=session)

        async def build(rules: Rules | None = None, **config: Any) -> Bench:
            clock = FakeClock()
            store = await open_store(f"sqlite:///{tmp_path / f'state-{len(made)}.sqlite3'}")
            metrics = Metrics()
            client = NebulaClient(nebula.api_url, NEBULA_KEY, 2.0, metrics=metrics)
            made.append((store, client))
            memory = MemorySlack()
            core = build_core(
                CoreConfig(**{"confirm_ttl": 600, "nebula_timeout": 2.0, "watch_channel": CHANNEL, **config}),
                rules=rules or Rules(allowed_users=frozenset({ALICE, "U0BOB"})),
                identity=Identity(team_id=TEAM_ID),
                nebula=client,
                store=store,
                replier=memory,
                usergroups=UserGroups(web, 60, metrics),
                directory=EmailDirectory(web, 60, metrics),
                health=Health(),
                inflight=InFlight(),
                metrics=metrics,
                clock=clock,
            )
            return Bench(core, memory, store, nebula, clock)

        yield build
        for store, client in made:
            await client.aclose()
            await store.close()
