"""The running bot: start-up checks, the aiohttp server, Socket Mode, the background loops, shutdown."""

from __future__ import annotations

import asyncio
import gc
import signal
import time
from typing import TYPE_CHECKING, Final

import aiohttp
import httpx
from aiohttp import web
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.bolt.app import build_app
from bot.bolt.edge import MAX_BODY_BYTES, SlackEdge
from bot.bolt.endpoints import EVENTS_PATH, HEALTH_PATH, METRICS_PATH
from bot.core.config import CoreConfig
from bot.core.confirmations import Clock
from bot.core.dispatch import Core
from bot.core.owners import EmailDirectory
from bot.core.sweeper import pause
from bot.domain.policy import Identity, Rules
from bot.infra import logs, redact
from bot.infra.inflight import InFlight
from bot.infra.metrics import CONTENT_TYPE, Metrics
from bot.nebula.client import NebulaClient
from bot.settings.settings import Settings
from bot.slack.auth import SlackAuthFailed, auth_test
from bot.slack.messages import texts
from bot.slack.replier import SlackReplier, slack_error
from bot.slack.usergroups import UserGroups
from bot.store.contract import ConfirmationStore, open_store

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler


def rules(settings: Settings) -> Rules:
    """Who may do what, as the settings say."""
    return Rules(
        allowed_users=settings.nebula_bot_allowed_users,
        allowed_usergroups=settings.nebula_bot_allowed_usergroups,
        allowed_channels=settings.nebula_bot_allowed_channels,
        approvers=settings.nebula_bot_approvers,
        owner_rule=settings.nebula_bot_owner_rule == "owner-or-approver",
    )


def core_config(settings: Settings, source: str = "slack") -> CoreConfig:
    """The core's view of the settings; `source` says where requests come from, for the audit."""
    return CoreConfig(
        source=source,
        confirm_ttl=settings.nebula_bot_confirm_ttl,
        nebula_timeout=settings.nebula_api_timeout,
        audit_channel=settings.nebula_bot_audit_channel,
        dry_run=settings.nebula_bot_dry_run,
        max_pending_per_user=settings.nebula_bot_max_pending_per_user,
        watch_channel=settings.nebula_bot_watch_channel,
        watch_interval=settings.nebula_bot_watch_interval,
        remind_after=settings.nebula_bot_remind_after,
        snooze=settings.nebula_bot_snooze,
        lease_action=settings.nebula_bot_lease_action,
        lease_grace=settings.nebula_bot_lease_grace,
        digest_minute=settings.digest_minute,
        undo_seconds=settings.nebula_bot_undo_seconds,
    )


STORE_PROBE_INTERVAL: Final = 5.0
# chat.postMessage allows about one message per second per channel; a burst of outcomes waits its turn.
RATE_LIMIT_RETRIES: Final = 120
# Socket Mode: how often the connection is looked at, how long it may be down before /healthz says
# so, and slack_sdk's ping interval (which is also how soon it tries to reconnect).
SOCKET_CHECK_INTERVAL: Final = 1.0
SOCKET_DOWN_AFTER: Final = 10.0
SOCKET_PING_INTERVAL: Final = 10.0
# A background loop gets this long to finish its pass at shutdown before it is cancelled.
LOOP_STOP_TIMEOUT: Final = 10.0


async def _finish(task: asyncio.Task[None], within: float) -> None:
    """Let `task` end by itself within `within` seconds, else cancel it (and do not wait again)."""
    done, _ = await asyncio.wait({task}, timeout=within)
    if not done:
        task.cancel()


class StartupError(Exception):
    """The bot cannot start; the message says which setting or dependency to fix."""

    exit_code = 1


class UnusableSetting(StartupError):
    """A setting names something that cannot be used (a store, a port): exit 2, like bad configuration."""

    exit_code = 2


async def fetch_identity(client: AsyncWebClient) -> Identity:
    """Ask Slack (`auth.test`) which workspace the bot token belongs to; any doubt stops the start."""
    try:
        return (await auth_test(client)).identity
    except SlackAuthFailed as exc:
        if exc.kind == "rejected":
            raise StartupError(
                f"Slack rejected SLACK_BOT_TOKEN ({exc.error}). Check the token in the app's settings."
            ) from None
        if exc.kind == "unreachable":
            raise StartupError(texts.slack_unreachable(client.base_url, exc.error)) from None
        raise StartupError("auth.test returned no team_id; is SLACK_API_URL a Slack Web API?") from None


class BotRuntime:
    """One bot process: call `start`, then `stop` (or `serve_until_signalled` for both)."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock = time.time,
        *,
        source: str = "slack",
        nebula_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._source = source
        self._nebula_transport = nebula_transport
        redact.register(settings.secrets())
        self._clock = clock
        self.inflight = InFlight()
        self.metrics = Metrics()
        self.ready = False
        self._stopping = False
        self._store: ConfirmationStore | None = None
        self._session: aiohttp.ClientSession | None = None
        self._nebula: NebulaClient | None = None
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._prober: asyncio.Task[None] | None = None
        self._fleet_watch: asyncio.Task[None] | None = None
        self._halt = asyncio.Event()  # set at stop(): the background loops finish their pass and end
        self.store_problem: str | None = None
        self.socket_problem: str | None = None
        self._socket_seen = 0.0
        self._socket_monitor: asyncio.Task[None] | None = None
        self.core: Core | None = None
        self.app: AsyncApp | None = None

    @property
    def port(self) -> int:
        """The port the HTTP server listens on (useful when configured as 0)."""
        if self._runner is None:
            raise RuntimeError("not started")
        address = self._runner.addresses[0]
        return int(address[1])

    async def start(self, *, serve_http: bool = True) -> None:
        """Check the configuration against Slack, open the store, and start taking requests.

        Without `serve_http` no port is opened: requests reach `self.app` some other way (the shell).
        """
        settings = self.settings
        try:
            self._session = aiohttp.ClientSession()
            client = AsyncWebClient(
                token=settings.slack_bot_token.get_secret_value(),
                base_url=settings.slack_api_url,
                session=self._session,
                # A 429 means Slack took nothing, so waiting Retry-After and sending again is safe. A
                # dropped connection is not retried: a post might have landed, and would land twice.
                retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
            )
            identity = await fetch_identity(client)
            self._store = await self._open_store()
            self._nebula = NebulaClient(
                settings.nebula_api_url,
                settings.nebula_api_key.get_secret_value(),
                settings.nebula_api_timeout,
                self.metrics,
                self._nebula_transport,
            )
            self.core = Core.build(
                core_config(settings, self._source),
                rules(settings),
                identity,
                nebula=self._nebula,
                store=self._store,
                replier=SlackReplier(
                    self._session, client, self.metrics, settings.slack_response_url_prefixes
                ),
                usergroups=UserGroups(client, settings.nebula_bot_usergroup_cache_ttl, self.metrics),
                directory=EmailDirectory(client, settings.nebula_bot_usergroup_cache_ttl, self.metrics),
                inflight=self.inflight,
                metrics=self.metrics,
                clock=self._clock,
            )
            self.app = build_app(settings, identity, self.core)
            if serve_http:
                await self._serve_http(self.app)
            if settings.socket_mode:
                await self._connect_socket(self.app)
        except BaseException:
            await self._close_resources()
            raise
        self._sweeper = asyncio.create_task(self.core.sweeper.run_until(self._halt))
        self._prober = asyncio.create_task(self._probe_store_until(self._halt))
        self._fleet_watch = asyncio.create_task(self.core.watcher.run_until(self._halt))
        if self._socket is not None:
            self._socket_monitor = asyncio.create_task(self._watch_socket_until(self._halt))
        self.ready = True
        logs.event(
            "bot.ready",
            mode="socket" if settings.socket_mode else "http",
            team=identity.team_id,
            port=self.port if self._runner is not None else None,
        )

    async def _open_store(self) -> ConfirmationStore:
        location = self.settings.state_location
        try:
            return await open_store(location, allow_volatile=self.settings.nebula_bot_allow_volatile_redis)
        except Exception as exc:
            raise UnusableSetting(texts.store_unusable(location, exc)) from None

    async def _serve_http(self, app: AsyncApp) -> None:
        web_app = web.Application(client_max_size=MAX_BODY_BYTES)
        web_app.router.add_get(HEALTH_PATH, self._health)
        web_app.router.add_get(METRICS_PATH, self._metrics)
        if not self.settings.socket_mode:
            secret = self.settings.slack_signing_secret
            edge = SlackEdge(app, secret.get_secret_value() if secret else "")

            async def events(request: web.Request) -> web.StreamResponse:
                if self._stopping:
                    return web.Response(status=503, text="shutting down")
                return await edge.handle(request)

            web_app.router.add_post(EVENTS_PATH, events)
        self._runner = web.AppRunner(web_app, handle_signals=False, access_log=None)
        await self._runner.setup()
        host, port = self.settings.nebula_bot_host, self.settings.nebula_bot_port
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise UnusableSetting(texts.port_unusable(host, port, exc)) from None

    async def _connect_socket(self, app: AsyncApp) -> None:
        # Imported here: a bot in HTTP mode never loads the Socket Mode client.
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        token = self.settings.slack_app_token
        assert token is not None
        client = AsyncWebClient(base_url=self.settings.slack_api_url)
        # slack_sdk retries a failing connect forever; a revoked app token should stop the bot at once,
        # as a revoked bot token does. The URL this issues is the one the handler connects to.
        try:
            opened = await client.apps_connections_open(app_token=token.get_secret_value())
        except SlackApiError as exc:
            raise StartupError(
                f"Slack rejected SLACK_APP_TOKEN ({slack_error(exc)}). It needs the connections:write scope."
            ) from None
        self._socket = AsyncSocketModeHandler(
            app, token.get_secret_value(), web_client=client, ping_interval=SOCKET_PING_INTERVAL
        )
        self._socket.client.wss_uri = opened.get("url")  # one apps.connections.open at start-up, not two
        await self._socket.connect_async()  # type: ignore[no-untyped-call]
        self._socket_seen = time.monotonic()

    async def _probe_store_until(self, stop: asyncio.Event) -> None:
        """Write to the store every few seconds; /healthz reports the last failure until one succeeds."""
        while not stop.is_set():
            await self.probe_store()
            await pause(stop, STORE_PROBE_INTERVAL)

    async def probe_store(self) -> None:
        """One write probe of the store, remembered for /healthz."""
        if self._store is None:
            return
        try:
            async with asyncio.timeout(STORE_PROBE_INTERVAL):
                await self._store.probe()
        except Exception as exc:
            problem = f"store cannot be written: {redact.redact(str(exc)) or type(exc).__name__}"
            if problem != self.store_problem:
                logs.warning("store.unhealthy", error=type(exc).__name__, detail=problem)
            self.store_problem = problem
            return
        if self.store_problem is not None:
            logs.event("store.healthy")
        self.store_problem = None

    async def _watch_socket_until(self, stop: asyncio.Event) -> None:
        """Note when the socket was last connected; /healthz fails once it has been down too long."""
        while not stop.is_set() and self._socket is not None:
            if await self._socket.client.is_connected():
                if self.socket_problem is not None:
                    logs.event("socket.reconnected")
                self._socket_seen, self.socket_problem = time.monotonic(), None
            else:
                down = time.monotonic() - self._socket_seen
                if down >= SOCKET_DOWN_AFTER and self.socket_problem is None:
                    logs.warning("socket.down", seconds=round(down))
                if down >= SOCKET_DOWN_AFTER:
                    self.socket_problem = f"no Socket Mode connection for {down:.0f} s"
            await pause(stop, SOCKET_CHECK_INTERVAL)

    async def _health(self, _: web.Request) -> web.Response:
        mode = "socket" if self.settings.socket_mode else "http"
        problems = [p for p in (self.socket_problem, self.store_problem) if p is not None]
        if self.ready and problems:
            body = {"status": "unhealthy", "mode": mode, "reason": "; ".join(problems)}
            return web.json_response(body, status=503)
        if self.ready:
            return web.json_response({"status": "ok", "mode": mode})
        state = "stopping" if self._stopping else "starting"
        return web.json_response({"status": state, "mode": mode}, status=503)

    async def _metrics(self, _: web.Request) -> web.Response:
        if self._store is not None:
            try:
                self.metrics.pending.set(await self._store.count_pending(self._clock()))
            except Exception as exc:  # a scrape must not fail because the store hiccuped
                logs.warning("metrics.pending_failed", error=type(exc).__name__)
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    async def stop(self) -> bool:
        """Stop taking requests, let in-flight work finish (bounded), release everything.

        Returns True when all in-flight work finished, or was reported as "outcome unknown" in its
        channel because Nebula had not answered by the drain timeout.
        """
        self.ready = False
        self._stopping = True
        logs.event("bot.stopping", in_flight=self.inflight.count)
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        self._halt.set()
        for loop in (self._sweeper, self._prober, self._socket_monitor, self._fleet_watch):
            if loop is not None:
                await _finish(loop, LOOP_STOP_TIMEOUT)
        self._sweeper = self._prober = self._socket_monitor = self._fleet_watch = None
        if self.core is not None:
            self.core.undo.disarm()
        drained = await self.inflight.drain(self.settings.nebula_bot_drain_timeout)
        reported = 0
        if not drained and self.core is not None:
            # Nebula has not answered some changes: say so in their channels, record it, then stop them.
            reported = await self.core.confirmations.abandon()
            tasks = self.core.confirmations.running_tasks()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            drained = await self.inflight.drain(5.0)
        logs.event("bot.stopped", drained=drained, abandoned=reported, in_flight=self.inflight.count)
        await self._close_resources()
        return drained

    async def _close_resources(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._nebula is not None:
            await self._nebula.aclose()
            self._nebula = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._store is not None:
            await self._store.close()
            self._store = None

    async def serve_until_signalled(self) -> bool:
        """Run until SIGTERM or SIGINT, then stop gracefully."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await self.start()
        # Everything loaded so far lives as long as the process: keep it out of the collector's
        # full passes, which otherwise walk it during request bursts and show up as tail latency.
        gc.collect()
        gc.freeze()
        await stop.wait()
        return await self.stop()
