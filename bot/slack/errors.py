"""How a Slack call failed: `ReplyError` for a message Slack would not take, and one short word for any
failure (Slack's `error`, an HTTP status, or the exception's kind)."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError


class ReplyError(Exception):
    """Slack accepted the message neither through `response_url` nor through the Web API."""


def slack_error(exc: BaseException) -> str:
    """A short word for any failed Slack call: Slack's `error`, an HTTP status, or the exception's kind.

    When Slack answers with something that is not JSON, slack_sdk puts a raw HTTP response (not a
    `SlackResponse`) in `SlackApiError.response`, so nothing here assumes the response's type.
    """
    if isinstance(exc, SlackApiError):
        response = exc.response
        data = getattr(response, "data", None)
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return str(data["error"])
        status = getattr(response, "status_code", None) or getattr(response, "status", None)
        return f"HTTP {status}" if isinstance(status, int) else "unreadable_answer"
    return connection_error(exc)


def connection_error(exc: BaseException) -> str:
    """A failure to reach a server in words (`cannot resolve slack.example`), not an exception's class."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot resolve {exc.host}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return f"TLS failed with {exc.host}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        why = exc.os_error.strerror or type(exc.os_error).__name__
        return f"cannot connect to {exc.host}:{exc.port} ({why.lower()})"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "no answer in time"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"HTTP {exc.status}"
    return type(exc).__name__
