"""Building the bot's parts from its settings: the Slack and Nebula clients, the replier, the core."""

from __future__ import annotations

import asyncio
from typing import Final

import aiohttp
import httpx
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.assembly import build_core
from bot.core.dispatch import Core
from bot.domain.policy import Identity
from bot.infra.clock import Clock
from bot.infra.health import Health
from bot.infra.inflight import InFlight
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaClient
from bot.settings.settings import Settings
from bot.slack.directory import EmailDirectory
from bot.slack.replier import SlackReplier
from bot.slack.usergroups import UserGroups
from bot.store.contract import Store

# chat.postMessage allows about one message per second per channel; a burst of outcomes waits its turn.
RATE_LIMIT_RETRIES: Final = 120


def slack_client(settings: Settings, session: aiohttp.ClientSession) -> AsyncWebClient:
    """The bot's Web API client. A 429 means Slack took nothing, so waiting Retry-After and sending again is
    safe; a dropped connection is not retried: a post might have landed, and would land twice."""
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        session=session,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
    )


def nebula_client(
    settings: Settings,
    metrics: Metrics,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    key_source: str = "NEBULA_API_KEY",
) -> NebulaClient:
    """A team's Nebula client (one per team in the process)."""
    return NebulaClient(
        settings.nebula_api_url,
        settings.api_key(),
        settings.nebula_api_timeout,
        metrics=metrics,
        transport=transport,
        concurrency=settings.nebula_api_concurrency,
        key_source=key_source,
    )


def core_for(
    settings: Settings,
    *,
    team: str,
    source: str,
    identity: Identity,
    client: AsyncWebClient,
    session: aiohttp.ClientSession,
    nebula: NebulaClient,
    store: Store,
    health: Health,
    inflight: InFlight,
    metrics: Metrics,
    clock: Clock,
    detail_slots: asyncio.Semaphore,
) -> Core:
    """The core, as the settings configure it."""
    ttl = settings.nebula_bot_usergroup_cache_ttl
    return build_core(
        settings.core_config(source, team),
        rules=settings.rules(),
        identity=identity,
        nebula=nebula,
        store=store,
        replier=SlackReplier(
            session, client, metrics, response_url_prefixes=settings.slack_response_url_prefixes
        ),
        usergroups=UserGroups(client, ttl, metrics),
        directory=EmailDirectory(client, ttl, metrics),
        health=health,
        inflight=inflight,
        metrics=metrics,
        clock=clock,
        detail_slots=detail_slots,
    )
