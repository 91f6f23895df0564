"""The core without Bolt or HTTP in front of it: driven through its front door (a command, a click), as
the listeners drive it, against the same in-process Slack the shell uses, a real SQLite store and
Nebula through httpx's MockTransport. Each test takes milliseconds."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Click, Core, CoreConfig, Setup, World, build_core
from bot.domain.policy import Actor, Identity, Rules
from bot.infra.health import Health
from bot.infra.inflight import InFlight
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaClient
from bot.shell.local_slack import SHELL_TOKEN, LocalSlack, Shown
from bot.slack.directory import EmailDirectory
from bot.slack.replier import Destination, SlackReplier
from bot.slack.usergroups import UserGroups
from bot.store import Store, open_store
from tests.helpers import buttons, shown
from tests.standins.memory_nebula import MemoryNebula
from tests.standins.servers import NEBULA_KEY, TEAM_ID
from tests.standins.stack import ALICE, BOB, FakeClock

CHANNEL = "C0OPS"
_triggers = itertools.count(1)


@dataclass
class Bench:
    """One core, and everything around it a test looks at."""

    core: Core
    slack: LocalSlack
    store: Store
    nebula: MemoryNebula
    clock: FakeClock

    def actor(self, user: str = ALICE, channel: str = CHANNEL) -> Actor:
        return Actor(user_id=user, workspace=TEAM_ID, enterprise_id=None, channel_id=channel)

    def to(self, user: str = ALICE, channel: str = CHANNEL) -> Destination:
        return Destination(response_url=self.slack.response_url(channel), channel=channel, user=user)

    async def command(self, text: str, user: str = ALICE) -> None:
        """`user` types `/nebula <text>`: the ack's answer is shown, and the work after it is done."""
        to = self.to(user)
        answer = self.core.command(self.actor(user), text, to, f"service.{next(_triggers)}")
        if answer.now is not None:
            self.slack.messages.append(Shown(f"ack.{next(_triggers)}", CHANNEL, answer.now.payload(), True))
        if answer.later is not None:
            await answer.later

    async def click(self, action_id: str, value: str | None, user: str = ALICE) -> None:
        """`user` presses a control carrying `value`."""
        await self.core.click(self.actor(user), self.to(user), Click(action_id, value))

    def texts(self) -> list[str]:
        """What was said, in order, as people read it."""
        return [shown(message.body) for message in self.slack.messages]

    def with_buttons(self, action_id: str) -> list[Shown]:
        """The messages that show a button or menu with `action_id` now."""
        return [message for message in self.slack.messages if action_id in buttons(message.body)]


Build = Callable[..., Awaitable[Bench]]


@pytest.fixture
async def bench(tmp_path: Path) -> AsyncIterator[Build]:
    """Builds a core with the given rules and config fields (defaults: Alice and Bob may act)."""
    made: list[tuple[Store, NebulaClient, LocalSlack]] = []
    async with aiohttp.ClientSession() as session:

        async def build(rules: Rules | None = None, **config: Any) -> Bench:
            clock, metrics, nebula = FakeClock(), Metrics(), MemoryNebula()
            slack = LocalSlack(lambda _: None)
            await slack.start()
            store = await open_store(f"sqlite:///{tmp_path / f'state-{len(made)}.sqlite3'}")
            client = NebulaClient(
                nebula.api_url, NEBULA_KEY, 2.0, metrics=metrics, transport=nebula.transport()
            )
            made.append((store, client, slack))
            web = AsyncWebClient(token=SHELL_TOKEN, base_url=slack.api_url, session=session)
            world = World(
                identity=Identity(workspace=TEAM_ID),
                replier=SlackReplier(
                    session, web, metrics, response_url_prefixes=(slack.response_prefix,), pace=0
                ),
                usergroups=UserGroups(web, 60, metrics),
                directory=EmailDirectory(web, 60, metrics),
                health=Health(),
                inflight=InFlight(),
                metrics=metrics,
                clock=clock,
                pause=clock.pause,
                detail_slots=asyncio.Semaphore(8),
            )
            settings = {"confirm_ttl": 600, "nebula_timeout": 2.0, "watch_channel": CHANNEL, **config}
            setup = Setup(
                CoreConfig(**settings), rules or Rules(allowed_users=frozenset({ALICE, BOB})), client, store
            )
            core = build_core({"default": setup}, world, {})
            return Bench(core, slack, store, nebula, clock)

        yield build
        for store, client, slack in made:
            await client.aclose()
            await store.close()
            await slack.stop()
            assert not slack.rejected, f"Slack would have refused: {slack.rejected[:3]}"
