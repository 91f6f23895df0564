"""Talking in Slack: through `response_url` first, through the Web API when Slack refuses it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final, Protocol

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.infra.metrics import Metrics
from bot.infra.redact import redact, redact_data
from bot.slack.errors import ReplyError, connection_error, slack_error
from bot.slack.messages.kit import Message

# Posts Slack takes at once in a channel before its pace (about one a second) applies.
BURST: Final = 2.0


@dataclass(frozen=True)
class Destination:
    """Where a reply goes, and what to fall back on when the `response_url` is refused or expired."""

    response_url: str | None
    channel: str | None
    user: str | None = None
    # A command's or a press's trigger: a modal may be opened with it, once, within 3 seconds.
    trigger_id: str | None = None


@dataclass(frozen=True)
class Opened:
    """A modal Slack shows: its id, and the hash a `views.update` must name (it refuses a stale one)."""

    view_id: str
    hash: str


class Replier(Protocol):
    """Sends the bot's messages."""

    async def reply(
        self, to: Destination, message: Message, *, in_channel: bool = False, replace_original: bool = False
    ) -> None:
        """Post `message`; ephemeral unless `in_channel`; replacing the button's message if asked."""

    async def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> str:
        """Post `message` in `channel` (or in a thread there) with `chat.postMessage`; its ts."""

    async def update(self, channel: str, ts: str, message: Message) -> None:
        """Replace the bot's own message `ts` in `channel` with `chat.update`."""

    async def publish_home(self, user: str, view: dict[str, Any]) -> None:
        """Show `view` as `user`'s App Home tab (`views.publish`)."""

    async def open_dm(self, user: str) -> str:
        """The direct-message channel between the bot and `user` (`conversations.open`)."""

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> Opened:
        """Show `view` as a modal (`views.open`), within its trigger's 3 seconds."""

    async def update_view(self, opened: Opened, view: dict[str, Any]) -> Opened:
        """Replace the modal `opened` by `view` (`views.update`), unless it changed meanwhile."""


class SlackReplier:
    """`Replier` over a shared aiohttp session and the bot's Web API client. Never retries a post."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        web: AsyncWebClient,
        metrics: Metrics,
        *,
        response_url_prefixes: tuple[str, ...],
        timeout: float = 10.0,
        pace: float = 1.0,
    ) -> None:
        self._metrics = metrics
        self._session = session
        self._web = web
        self._prefixes = response_url_prefixes
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._pace = pace
        # One chat.postMessage at a time per channel, paced as Slack takes them (about one a second per
        # channel, short bursts allowed): under a burst, messages keep their order, and a 429 is the
        # exception, not the method.
        self._channel_locks: dict[str, asyncio.Lock] = {}
        self._allowance: dict[str, tuple[float, float]] = {}  # channel -> (posts allowed now, at when)

    async def reply(
        self, to: Destination, message: Message, *, in_channel: bool = False, replace_original: bool = False
    ) -> None:
        message = _redacted(message)
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
        except Exception as exc:  # SlackApiError, or whatever a garbled answer raises inside slack_sdk
            self._metrics.slack_errors.labels("web_api_fallback").inc()
            raise ReplyError(f"{first_error}; Web API fallback failed: {slack_error(exc)}") from None

    @asynccontextmanager
    async def _turn(self, channel: str) -> AsyncIterator[None]:
        """This channel's turn to be posted in: after the post before it, and when Slack's pace allows."""
        async with self._channel_locks.setdefault(channel, asyncio.Lock()):
            if not self._pace:
                yield
                return
            allowed, at = self._allowance.get(channel, (BURST, 0.0))
            allowed = min(BURST, allowed + (time.monotonic() - at) / self._pace)
            if allowed < 1:
                await asyncio.sleep((1 - allowed) * self._pace)
                allowed = 1.0
            try:
                yield
            finally:
                self._allowance[channel] = (allowed - 1, time.monotonic())

    async def _via_response_url(
        self, url: str, message: Message, in_channel: bool, replace_original: bool
    ) -> None:
        if not url.startswith(self._prefixes):
            # It came in a signed request, yet it is not Slack's: never POST to an arbitrary address.
            raise ReplyError("response_url is not under SLACK_RESPONSE_URL_PREFIXES")
        body: dict[str, Any] = message.payload()
        body["response_type"] = "in_channel" if in_channel else "ephemeral"
        body["replace_original"] = replace_original
        try:
            post = self._session.post(url, json=body, timeout=self._timeout, allow_redirects=False)
            async with post as response:
                if response.status != 200:
                    # Only a bounded prefix of any answer is read.
                    detail = (await response.content.read(100)).decode(errors="replace")
                    raise ReplyError(f"response_url answered HTTP {response.status}: {detail}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ReplyError(f"response_url failed: {connection_error(exc)}") from None

    async def _via_web_api(
        self, to: Destination, message: Message, in_channel: bool, replace_original: bool
    ) -> None:
        if not to.channel:
            raise ValueError("no channel to fall back on")
        blocks = list(message.blocks) or None
        # Never chat.update a message a click names: a click must not let one message's buttons
        # rewrite another. Edits go through `update`, with the ts the bot kept when it posted.
        if in_channel or replace_original:
            async with self._turn(to.channel):
                await self._web.chat_postMessage(channel=to.channel, text=message.text, blocks=blocks)
        elif to.user:
            await self._web.chat_postEphemeral(
                channel=to.channel, user=to.user, text=message.text, blocks=blocks
            )
        else:
            raise ValueError("no user to show an ephemeral message to")

    async def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> str:
        message = _redacted(message)
        try:
            async with self._turn(channel):
                response = await self._web.chat_postMessage(
                    channel=channel,
                    text=message.text,
                    blocks=list(message.blocks) or None,
                    thread_ts=thread_ts,
                    reply_broadcast=broadcast or None,
                )
        except Exception as exc:
            self._metrics.slack_errors.labels("chat.postMessage").inc()
            raise ReplyError(f"chat.postMessage to {channel} failed: {slack_error(exc)}") from None
        ts = response.get("ts")
        if not isinstance(ts, str):
            raise ReplyError(f"chat.postMessage to {channel} answered without a ts")
        return ts

    async def update(self, channel: str, ts: str, message: Message) -> None:
        message = _redacted(message)
        try:
            await self._web.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=list(message.blocks) or None
            )
        except Exception as exc:
            self._metrics.slack_errors.labels("chat.update").inc()
            raise ReplyError(f"chat.update in {channel} failed: {slack_error(exc)}") from None

    async def publish_home(self, user: str, view: dict[str, Any]) -> None:
        try:
            await self._web.views_publish(user_id=user, view=redact_data(view))
        except Exception as exc:
            self._metrics.slack_errors.labels("views.publish").inc()
            raise ReplyError(f"views.publish for {user} failed: {slack_error(exc)}") from None

    async def open_dm(self, user: str) -> str:
        try:
            response = await self._web.conversations_open(users=user)
        except Exception as exc:
            self._metrics.slack_errors.labels("conversations.open").inc()
            raise ReplyError(f"conversations.open with {user} failed: {slack_error(exc)}") from None
        channel = response.get("channel")
        found = channel.get("id") if isinstance(channel, dict) else None
        if not isinstance(found, str) or not found:
            raise ReplyError(f"conversations.open with {user} answered without a channel")
        return found

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> Opened:
        try:
            response = await self._web.views_open(trigger_id=trigger_id, view=redact_data(view))
        except Exception as exc:
            self._metrics.slack_errors.labels("views.open").inc()
            raise ReplyError(f"views.open failed: {slack_error(exc)}") from None
        return _opened(response.get("view"), "views.open")

    async def update_view(self, opened: Opened, view: dict[str, Any]) -> Opened:
        try:
            response = await self._web.views_update(
                view_id=opened.view_id, hash=opened.hash, view=redact_data(view)
            )
        except Exception as exc:
            self._metrics.slack_errors.labels("views.update").inc()
            raise ReplyError(f"views.update failed: {slack_error(exc)}") from None
        return _opened(response.get("view"), "views.update")


def _redacted(message: Message) -> Message:
    # The last gate before Slack: a secret that slipped into a text (Nebula echoing the key) stops here.
    return Message(text=redact(message.text), blocks=tuple(redact_data(list(message.blocks))))


def _opened(view: object, method: str) -> Opened:
    found = view if isinstance(view, dict) else {}
    view_id, hashed = found.get("id"), found.get("hash")
    if not isinstance(view_id, str) or not isinstance(hashed, str) or not view_id:
        raise ReplyError(f"{method} answered without the view's id and hash")
    return Opened(view_id, hashed)
