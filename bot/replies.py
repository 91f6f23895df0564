"""Talking in Slack: through `response_url` first, through the Web API when Slack refuses it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import Message
from bot.metrics import Metrics


class ReplyError(Exception):
    """Slack accepted the message neither through `response_url` nor through the Web API."""


@dataclass(frozen=True)
class Destination:
    """Where a reply goes, and what to fall back on when the `response_url` is refused or expired."""

    response_url: str | None
    channel: str | None
    user: str | None = None
    message_ts: str | None = None


class Replier(Protocol):
    """Sends the bot's messages."""

    async def reply(
        self, to: Destination, message: Message, *, in_channel: bool = False, replace_original: bool = False
    ) -> None:
        """Post `message`; ephemeral unless `in_channel`; replacing the button's message if asked."""

    async def post(self, channel: str, message: Message) -> None:
        """Post `message` in `channel` with `chat.postMessage` (the bot must be a member)."""


class SlackReplier:
    """`Replier` over a shared aiohttp session and the bot's Web API client. Never retries a post."""

    def __init__(
        self, session: aiohttp.ClientSession, web: AsyncWebClient, metrics: Metrics, timeout: float = 10.0
    ) -> None:
        self._metrics = metrics
        self._session = session
        self._web = web
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def reply(
        self, to: Destination, message: Message, *, in_channel: bool = False, replace_original: bool = False
    ) -> None:
        first_error = "no response_url"
        if to.response_url:
            try:
                await self._via_response_url(to.response_url, message, in_channel, replace_original)
                return
            except ReplyError as exc:
                self._metrics.slack_errors.labels("response_url").inc()
                first_error = str(exc)
        try:
            await self._via_web_api(to, message, in_channel, replace_original)
        except SlackApiError as exc:
            self._metrics.slack_errors.labels("web_api_fallback").inc()
            error = exc.response.get("error") if exc.response is not None else "unknown"
            raise ReplyError(f"{first_error}; Web API fallback failed: {error}") from None
        except Exception as exc:  # e.g. a non-JSON answer, which slack_sdk reports as AttributeError
            self._metrics.slack_errors.labels("web_api_fallback").inc()
            raise ReplyError(f"{first_error}; Web API fallback failed: {type(exc).__name__}") from None

    async def _via_response_url(
        self, url: str, message: Message, in_channel: bool, replace_original: bool
    ) -> None:
        body: dict[str, Any] = message.payload()
        body["response_type"] = "in_channel" if in_channel else "ephemeral"
        body["replace_original"] = replace_original
        try:
            async with self._session.post(url, json=body, timeout=self._timeout) as response:
                if response.status != 200:
                    detail = (await response.text())[:100]
                    raise ReplyError(f"response_url answered HTTP {response.status}: {detail}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ReplyError(f"response_url failed: {type(exc).__name__}") from None

    async def _via_web_api(
        self, to: Destination, message: Message, in_channel: bool, replace_original: bool
    ) -> None:
        if not to.channel:
            raise ValueError("no channel to fall back on")
        blocks = list(message.blocks) or None
        if replace_original and to.message_ts:
            await self._web.chat_update(
                channel=to.channel, ts=to.message_ts, text=message.text, blocks=blocks
            )
        elif in_channel or replace_original:
            await self._web.chat_postMessage(channel=to.channel, text=message.text, blocks=blocks)
        elif to.user:
            await self._web.chat_postEphemeral(
                channel=to.channel, user=to.user, text=message.text, blocks=blocks
            )
        else:
            raise ValueError("no user to show an ephemeral message to")

    async def post(self, channel: str, message: Message) -> None:
        try:
            await self._web.chat_postMessage(
                channel=channel, text=message.text, blocks=list(message.blocks) or None
            )
        except SlackApiError as exc:
            self._metrics.slack_errors.labels("chat.postMessage").inc()
            error = exc.response.get("error") if exc.response is not None else "unknown"
            raise ReplyError(f"chat.postMessage to {channel} failed: {error}") from None
        except Exception as exc:
            self._metrics.slack_errors.labels("chat.postMessage").inc()
            raise ReplyError(f"chat.postMessage to {channel} failed: {type(exc).__name__}") from None
