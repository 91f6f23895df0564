"""The HTTP server: `/slack/events` (HTTP mode), `/healthz` and `/metrics` (both modes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.app.async_app import AsyncApp

from bot.bolt.edge import MAX_BODY_BYTES, SlackEdge
from bot.bolt.endpoints import EVENTS_PATH, HEALTH_PATH, METRICS_PATH
from bot.infra import logs
from bot.infra.clock import Clock
from bot.infra.health import Health
from bot.infra.metrics import CONTENT_TYPE, Metrics
from bot.service.startup import UnusableSetting
from bot.slack.messages import texts
from bot.store import Store


class Server:
    """The aiohttp application and where it listens."""

    def __init__(self, *, health: Health, metrics: Metrics, clock: Clock, mode: str) -> None:
        self._health = health
        self._metrics = metrics
        self._clock = clock
        self._mode = mode
        self._runner: web.AppRunner | None = None
        self.stores: dict[str, Store] = {}  # each team's, for the pending confirmations on /metrics
        # "starting", "ready" or "stopping": what /healthz says besides the problems.
        self.phase = "starting"

    @property
    def port(self) -> int:
        """The port the server listens on (useful when configured as 0)."""
        if self._runner is None:
            raise RuntimeError("not started")
        return int(self._runner.addresses[0][1])

    async def start(self, host: str, port: int, app: AsyncApp | None, signing_secret: str) -> None:
        """Listen at `host:port`; with `app` (HTTP mode), serve Slack's requests too."""
        web_app = web.Application(client_max_size=MAX_BODY_BYTES)
        web_app.router.add_get(HEALTH_PATH, self._healthz)
        web_app.router.add_get(METRICS_PATH, self._scrape)
        if app is not None:
            web_app.router.add_post(EVENTS_PATH, self._events(SlackEdge(app, signing_secret)))
        self._runner = web.AppRunner(web_app, handle_signals=False, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, host, port).start()
        except OSError as exc:
            raise UnusableSetting(texts.port_unusable(host, port, exc)) from None

    def _events(self, edge: SlackEdge) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def events(request: web.Request) -> web.StreamResponse:
            if self.phase == "stopping":
                return web.Response(status=503, text="shutting down")
            return await edge.handle(request)

        return events

    async def _healthz(self, _: web.Request) -> web.Response:
        problems = self._health.problems()
        if self.phase != "ready":
            return web.json_response({"status": self.phase, "mode": self._mode}, status=503)
        if not problems:
            return web.json_response({"status": "ok", "mode": self._mode})
        serious = self._health.serious()
        body = {
            "status": "unhealthy" if serious else "degraded",
            "mode": self._mode,
            "reason": "; ".join(problems.values()),
            "problems": problems,  # by part: a key per team's store and watcher
        }
        return web.json_response(body, status=503 if serious else 200)

    async def _scrape(self, _: web.Request) -> web.Response:
        for team, store in self.stores.items():
            try:
                self._metrics.pending.labels(team).set(await store.count_pending(self._clock()))
            except Exception as exc:  # a scrape must not fail because the store hiccuped
                logs.warning("metrics.pending_failed", team=team, error=type(exc).__name__)
        return web.Response(body=self._metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
