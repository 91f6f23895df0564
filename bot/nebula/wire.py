"""The wire under the Nebula client: an answer's body read within bounds (size and time), and why a
connection failed, in words."""

from __future__ import annotations

import socket
import ssl
import time
from typing import Final

import httpx

from bot.nebula.errors import NebulaBadResponse

# The largest answer the bot reads. A page of 100 instances is tens of kilobytes; anything far
# beyond is not Nebula's API speaking, and reading it whole would cost the bot its memory.
MAX_ANSWER_BYTES: Final = 4 * 1024 * 1024


class BodyTooSlow(Exception):
    """The answer's body did not arrive within the call's timeout."""


async def bounded_body(response: httpx.Response, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise NebulaBadResponse("too_large", http_status=response.status_code)
    body = bytearray()
    async for chunk in response.aiter_bytes():  # decoded: a compressed bomb is counted as it expands
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise NebulaBadResponse("too_large", http_status=response.status_code)
        if time.monotonic() > deadline:  # each read is bounded by httpx; the whole body by this
            raise BodyTooSlow()
    return bytes(body)


def unreachable(exc: httpx.ConnectError) -> str:
    """Why a connection failed, in words: the name does not resolve, nothing listens, or TLS failed."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return "its name does not resolve"
        if isinstance(cause, ConnectionRefusedError):
            return "the connection was refused"
        if isinstance(cause, ssl.SSLError):
            return "TLS failed"
        cause = cause.__cause__ or cause.__context__
    return "the connection failed"
