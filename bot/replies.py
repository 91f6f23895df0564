"""Posting to Slack's `response_url`: how the bot talks in a channel without joining it."""

from __future__ import annotations

from typing import Any, Protocol

import aiohttp

from bot.blocks import Message


class ReplyError(Exception):
    """Slack did not accept a reply (expired or used-up `response_url`, network failure)."""


class Replier(Protocol):
    """Sends a message through a `response_url`."""

    async def reply(
        self, url: str, message: Message, *, in_channel: bool = False, replace_original: bool = False
    ) -> None:
        """Post `message`; ephemeral unless `in_channel`; replacing the button's message if asked."""


class ResponseUrlReplier:
    """`Replier` over one shared aiohttp session. Never retries: a retried post could appear twice."""

    def __init__(self, session: aiohttp.ClientSession, timeout: float = 10.0) -> None:
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def reply(
        self, url: str, message: Message, *, in_channel: bool = False, replace_original: bool = False
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
