"""Socket Mode: one connection opened at start-up (a revoked app token stops the start), and a monitor
that tells /healthz when no connection has been up for a while."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Final

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.infra.clock import pause
from bot.infra.health import Health
from bot.service.startup import StartupError
from bot.slack.errors import slack_error

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

# How often the connection is looked at, how long it may be down before /healthz says so, and
# slack_sdk's ping interval (which is also how soon it tries to reconnect).
CHECK_INTERVAL: Final = 1.0
DOWN_AFTER: Final = 10.0
PING_INTERVAL: Final = 10.0


class SocketLink:
    """The Socket Mode connection of one bot."""

    def __init__(self, health: Health) -> None:
        self._health = health
        self._handler: AsyncSocketModeHandler | None = None
        self._seen = 0.0

    async def connect(self, app: AsyncApp, api_url: str, app_token: str) -> None:
        """Open the connection, or raise StartupError saying why the app token was refused."""
        # Imported here: a bot in HTTP mode never loads the Socket Mode client.
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        client = AsyncWebClient(base_url=api_url)
        # slack_sdk retries a failing connect forever; a revoked app token should stop the bot at once,
        # as a revoked bot token does. The URL this issues is the one the handler connects to.
        try:
            opened = await client.apps_connections_open(app_token=app_token)
        except SlackApiError as exc:
            raise StartupError(
                f"Slack rejected SLACK_APP_TOKEN ({slack_error(exc)}). It needs the connections:write scope."
            ) from None
        self._handler = AsyncSocketModeHandler(app, app_token, web_client=client, ping_interval=PING_INTERVAL)
        self._handler.client.wss_uri = opened.get("url")  # one apps.connections.open at start-up, not two
        await self._handler.connect_async()  # type: ignore[no-untyped-call]
        self._seen = time.monotonic()

    async def watch_until(self, stop: asyncio.Event) -> None:
        """Note when the socket was last connected; /healthz fails once it has been down too long."""
        while not stop.is_set() and self._handler is not None:
            if await self._handler.client.is_connected():
                self._seen = time.monotonic()
                self._health.report("socket", None)
            else:
                down = time.monotonic() - self._seen
                if down >= DOWN_AFTER:
                    self._health.report("socket", f"no Socket Mode connection for {down:.0f} s")
            await pause(stop, CHECK_INTERVAL)

    async def close(self) -> None:
        """Close the connection (no more requests arrive)."""
        if self._handler is not None:
            await self._handler.close_async()  # type: ignore[no-untyped-call]
            self._handler = None
