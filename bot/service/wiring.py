"""Building the bot's parts from its settings: the Slack and Nebula clients, and what the core is built
with (`bot.core.build_core` builds it)."""

from __future__ import annotations

import dataclasses
from typing import Final

import aiohttp
import httpx
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Setup
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaClient
from bot.settings.settings import Settings
from bot.settings.teams import TeamSettings
from bot.slack.replier import SlackReplier
from bot.store import Store

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


def replier(
    settings: Settings, session: aiohttp.ClientSession, client: AsyncWebClient, metrics: Metrics
) -> SlackReplier:
    """How the bot talks in Slack."""
    return SlackReplier(
        session,
        client,
        metrics,
        response_url_prefixes=settings.slack_response_url_prefixes,
        pace=settings.slack_post_pace,
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


def setup(
    team: TeamSettings, source: str, nebula: NebulaClient, store: Store, shares: tuple[str, ...] = ()
) -> Setup:
    """A team's core, as its settings configure it (`shares`: the other teams with its Nebula key)."""
    config = dataclasses.replace(
        team.settings.core_config(source, team.name),
        shares_balance_with=shares,
        own_instances=team.instances if shares else (),  # one's own key is one's own bill, whole
    )
    return Setup(config, team.settings.rules(), nebula, store)
