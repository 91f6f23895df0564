"""One bot process: start (check Slack, open the store, serve, connect), run the background loops, and
stop (stop taking requests, let in-flight work finish within the drain timeout, release everything)."""

from __future__ import annotations

import asyncio
import gc
import signal
import time
from collections.abc import Callable
from typing import Final

import aiohttp
import httpx
from slack_bolt.app.async_app import AsyncApp

from bot.bolt.app import build_app
from bot.core import Core, World, build_core, store_health, watcher_health
from bot.infra import logs, redact
from bot.infra.clock import Clock, Pause, finish_within, pause
from bot.infra.health import Health
from bot.infra.inflight import InFlight
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaClient
from bot.nebula.fleet import DETAIL_CONCURRENCY
from bot.service.server import Server
from bot.service.socket import SocketLink
from bot.service.startup import StartupError, UnusableSetting, fetch_identity
from bot.service.wiring import nebula_client, replier, setup, slack_client
from bot.settings.settings import Settings
from bot.settings.teams import team_settings
from bot.slack.directory import EmailDirectory
from bot.slack.usergroups import UserGroups
from bot.store import Store, Trouble, explain, open_store

__all__ = ["BotRuntime", "StartupError", "UnusableSetting"]

STORE_PROBE_INTERVAL: Final = 5.0
# A background loop gets this long to finish its pass at shutdown before it is cancelled.
LOOP_STOP_TIMEOUT: Final = 10.0
# Once the drain timeout is over, how long cancelled changes get to wind down.
WIND_DOWN: Final = 5.0


class BotRuntime:
    """One bot process: call `start`, then `stop` (or `serve_until_signalled` for both)."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock = time.time,
        *,
        pause: Pause = pause,
        source: str = "slack",
        nebula_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._pause = pause
        self._source = source
        self._nebula_transport = nebula_transport
        # Each team's settings (the environment's alone, without a teams file); every key is a secret.
        self.team_settings = team_settings(settings)
        for team in self.team_settings:
            redact.register(team.settings.secrets())
        self.inflight = InFlight()
        self.metrics = Metrics()
        self.health = Health()
        self._server = Server(
            health=self.health,
            metrics=self.metrics,
            clock=clock,
            mode="socket" if settings.socket_mode else "http",
        )
        self._socket = SocketLink(self.health)
        self._stores: dict[str, Store] = {}
        self._session: aiohttp.ClientSession | None = None
        self._nebulas: dict[str, NebulaClient] = {}
        self._loops: list[asyncio.Task[None]] = []
        self._halt = asyncio.Event()  # set at stop(): the background loops finish their pass and end
        self._serving = False
        self._started = 0.0  # when start() began, by the bot's clock
        self.core: Core | None = None  # the front door, over every team's core
        self.app: AsyncApp | None = None

    @property
    def port(self) -> int:
        """The port the HTTP server listens on (useful when configured as 0)."""
        return self._server.port

    @property
    def loops(self) -> list[str]:
        """The background loops running (sweeper, store probe, watcher, socket)."""
        return [loop.get_name() for loop in self._loops if not loop.done()]

    @property
    def ready(self) -> bool:
        """Taking requests."""
        return self._server.phase == "ready"

    async def start(self, *, serve_http: bool = True, background: bool = True, inbound: bool = True) -> None:
        """Check the configuration against Slack, open the store, and start taking requests.

        Without `serve_http` no port is opened: requests reach `self.app` some other way (the shell).
        Without `background` the sweeper, the watcher and the store probe do not run: only what
        requests ask for happens (an operator's console leaves the rest to the bot). Without
        `inbound` (`nebula-bot watch`) nothing comes from Slack: the port serves /healthz and /metrics
        only, and the watcher runs whatever NEBULA_BOT_WATCHER says.
        """
        settings = self.settings
        self._started = self._clock()
        try:
            self._session = aiohttp.ClientSession()
            client = slack_client(settings, self._session)
            identity = await fetch_identity(client)
            ttl = settings.nebula_bot_usergroup_cache_ttl
            world = World(
                identity=identity,
                replier=replier(settings, self._session, client, self.metrics),
                usergroups=UserGroups(client, ttl, self.metrics),
                directory=EmailDirectory(client, ttl, self.metrics),
                health=self.health,
                inflight=self.inflight,
                metrics=self.metrics,
                clock=self._clock,
                pause=self._pause,
                detail_slots=asyncio.Semaphore(DETAIL_CONCURRENCY),  # in all, whatever the number of teams
            )
            setups = {}
            for each in self.team_settings:
                store = self._stores[each.name] = await self._open_store(each.name)
                nebula = self._nebulas[each.name] = nebula_client(
                    each.settings, self.metrics, self._nebula_transport, key_source=each.key_source
                )
                self.health.ask(f"nebula:{each.name}", _problem_of(nebula))
                shares = tuple(
                    other.name
                    for other in self.team_settings
                    if other.name != each.name and other.settings.api_key() == each.settings.api_key()
                )
                setups[each.name] = setup(each, self._source, nebula, store, shares)
            channels = {each.name: each.settings.nebula_bot_allowed_channels for each in self.team_settings}
            self.core = build_core(setups, world, channels)
            self.app = build_app(settings, identity, self.core)
            if serve_http:
                self._server.stores = dict(self._stores)
                secret = settings.slack_signing_secret
                app = None if settings.socket_mode or not inbound else self.app
                await self._server.start(
                    settings.nebula_bot_host,
                    settings.nebula_bot_port,
                    app,
                    secret.get_secret_value() if secret else "",
                )
                self._serving = True
            if settings.slack_app_token is not None and inbound:
                await self._socket.connect(
                    self.app, settings.slack_api_url, settings.slack_app_token.get_secret_value()
                )
        except BaseException:
            await self._close_resources()
            raise
        if background:
            await self.probe_store()  # /healthz says what the store's first write found, from the start
            self._loops = [asyncio.create_task(self._probe_store_until(self._halt), name="store probe")]
            for name, core in self.core.teams.items():
                suffix = "" if not self.core.several else f" {name}"
                work = core.background
                self._loops.append(asyncio.create_task(work.sweep_until(self._halt), name=f"sweeper{suffix}"))
                self._loops.append(
                    asyncio.create_task(work.follow_until(self._halt), name=f"launches{suffix}")
                )
                if not inbound or settings.nebula_bot_watcher == "here":
                    self._loops.append(
                        asyncio.create_task(work.watch_until(self._halt), name=f"watcher{suffix}")
                    )
        if settings.socket_mode and inbound:
            self._loops.append(asyncio.create_task(self._socket.watch_until(self._halt), name="socket"))
        self._server.phase = "ready"
        mode = "watch" if not inbound else "socket" if settings.socket_mode else "http"
        logs.event(
            "bot.ready", mode=mode, workspace=identity.workspace, port=self.port if self._serving else None
        )

    async def _open_store(self, team: str) -> Store:
        url = self.settings.nebula_bot_state_url
        volatile = self.settings.nebula_bot_allow_volatile_redis
        try:
            return await open_store(url, allow_volatile=volatile, team=team)
        except Exception as exc:
            raise UnusableSetting(explain(url, exc, team=team)) from None

    async def _probe_store_until(self, stop: asyncio.Event) -> None:
        """Write to the store every few seconds, and look whether the watchers run, for /healthz."""
        while not stop.is_set():
            await self.probe_store()
            await self.look_after_watchers()
            await pause(stop, STORE_PROBE_INTERVAL)

    async def look_after_watchers(self) -> None:
        """Whether some process runs each team's watcher cycles: /healthz says when none does (degraded)."""
        for name, core in (self.core.teams if self.core is not None else {}).items():
            try:
                problem = await core.background.watcher_problem(self._started)
            except Exception as exc:  # the store cannot be read: its own probe says so
                logs.warning("watcher.unknown", team=name, error=type(exc).__name__)
                continue
            self.health.report(watcher_health(name), problem, degrades=True)

    async def probe_store(self) -> None:
        """One write to each team's store, so that its health (its last write's) stays current for
        /healthz and for that team's new requests even while nobody asks for anything. A store that is
        busy (another process holds its lock) degrades the bot; one that cannot be written stops it,
        in that team only."""
        for team, store in list(self._stores.items()):
            try:
                async with asyncio.timeout(STORE_PROBE_INTERVAL):
                    await store.probe()
            except Exception as exc:
                trouble = store.trouble or Trouble(redact.redact(str(exc)) or type(exc).__name__)
                said = (
                    f"store is {trouble.what}" if trouble.busy else f"store cannot be written: {trouble.what}"
                )
                self.health.report(store_health(team), said, error=type(exc).__name__, degrades=trouble.busy)
                continue
            self.health.report(store_health(team), None)

    async def stop(self) -> bool:
        """Stop taking requests, let in-flight work finish (bounded), release everything.

        Returns True when all in-flight work finished, or was reported as "outcome unknown" in its
        channel because Nebula had not answered by the drain timeout.
        """
        self._server.phase = "stopping"
        logs.event("bot.stopping", in_flight=self.inflight.count)
        await self._socket.close()
        self._halt.set()
        for loop in self._loops:
            await finish_within(loop, LOOP_STOP_TIMEOUT)
        self._loops = []
        reported = 0
        drained = True
        cores = list(self.core.teams.values()) if self.core is not None else []
        if cores:
            for core in cores:
                core.background.disarm()
            drained = await self.inflight.drain(self.settings.nebula_bot_drain_timeout)
            if not drained:
                # Nebula has not answered some changes: say so in their channels, keep it, then stop them.
                tasks = []
                for core in cores:
                    abandoned, running = await core.background.abandon()
                    reported += abandoned
                    tasks += running
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                drained = await self.inflight.drain(WIND_DOWN)
            # Every outcome known by now is in the store, whatever Slack did with its message.
            for core in cores:
                await core.background.save_outcomes()
        logs.event("bot.stopped", drained=drained, abandoned=reported, in_flight=self.inflight.count)
        await self._close_resources()
        return drained

    async def _close_resources(self) -> None:
        await self._server.stop()
        for nebula in self._nebulas.values():
            await nebula.aclose()
        self._nebulas = {}
        if self._session is not None:
            await self._session.close()
            self._session = None
        for store in self._stores.values():
            await store.close()
        self._stores = {}

    async def serve_until_signalled(self, *, inbound: bool = True) -> bool:
        """Run until SIGTERM or SIGINT, then stop gracefully. Without `inbound`, the watcher's process
        (`nebula-bot watch`): the watcher and the sweeper, no requests from Slack."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await self.start(inbound=inbound)
        # Everything loaded so far lives as long as the process: keep it out of the collector's
        # full passes, which otherwise walk it during request bursts and show up as tail latency.
        gc.collect()
        gc.freeze()
        await stop.wait()
        return await self.stop()


def _problem_of(nebula: NebulaClient) -> Callable[[], str | None]:
    """What /healthz asks of one Nebula client."""
    return lambda: nebula.problem
