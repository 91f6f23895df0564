"""The HTTP edge in front of Bolt: `/slack/events`, where every request is hostile until checked.

It reads the body (bounded in size and time), checks Slack's signature itself (safely: a header of
the wrong shape is a 401, never a 500), parses the body itself, and hands Bolt a request whose body
is already a checked dict. Parsing here also works around slack_bolt's `parse_body`, which takes
any form body containing the substring "payload" for an interactive payload (see README, Known
issues). Bolt still verifies the signature again; the check here keeps unauthenticated requests
from reaching Bolt's parser or its logs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.infra import logs

MAX_BODY_BYTES: Final = 1024 * 1024
BODY_READ_TIMEOUT: Final = 10.0
SIGNATURE_WINDOW: Final = 300
MAX_FORM_FIELDS: Final = 100
MAX_PEERS_REMEMBERED: Final = 10_000
# Fields of an interactive payload that Bolt and the listeners read as objects.
_OBJECTS: Final = ("user", "team", "channel", "container", "enterprise", "view", "message", "state")


class WarningValve:
    """At most one warning line per `interval` seconds in all, and one per `per_peer` seconds for each
    peer; the next line says how many were dropped. Unauthenticated traffic cannot flood the log."""

    def __init__(
        self, interval: float = 1.0, per_peer: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval = interval
        self._per_peer = per_peer
        self._clock = clock
        self._next = 0.0
        self._peers: dict[str, float] = {}
        self._dropped = 0

    def warn(self, event: str, *, peer: str | None, **fields: object) -> None:
        """Log `event`, unless a line went out too recently (in all, or for this peer)."""
        now = self._clock()
        key = peer or "?"
        if now < self._next or now < self._peers.get(key, 0.0):
            self._dropped += 1
            return
        if len(self._peers) >= MAX_PEERS_REMEMBERED:
            self._peers = {k: t for k, t in self._peers.items() if t > now}
        logs.warning(event, dropped=self._dropped or None, peer=peer, **fields)
        self._dropped = 0
        self._next = now + self._interval
        self._peers[key] = now + self._per_peer


class Rejected(Exception):
    """The request cannot be handed to Bolt; `status` is the answer, `reason` goes in the log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature_ok(secret: str, timestamp: str, signature: str, body: bytes, now: float) -> bool:
    """Slack's v0 signature check, for any header values at all."""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(now - int(timestamp)) > SIGNATURE_WINDOW:
        return False
    if not (signature.isascii() and signature.startswith("v0=")):
        return False
    expected = hmac.new(
        secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(("v0=" + expected).encode(), signature.encode())


def parse(text: str, content_type: str) -> dict[str, Any]:
    """The request body as Slack meant it: a form (a command, or an interactive `payload`), or JSON."""
    if content_type == "application/json":
        return _object(text, "a JSON body")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise Rejected(400, "not a form body") from None
    form = dict(pairs)
    if "payload" in form:
        payload = _object(form["payload"], "the payload")
        _check_shapes(payload)
        return payload
    return form


def _object(text: str, what: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except ValueError:
        raise Rejected(400, f"{what} is not JSON") from None
    if not isinstance(parsed, dict):
        raise Rejected(400, f"{what} is not a JSON object")
    return parsed


def _check_shapes(payload: dict[str, Any]) -> None:
    for name in _OBJECTS:
        if payload.get(name) is not None and not isinstance(payload[name], dict):
            raise Rejected(400, f"payload.{name} is not an object")
    actions = payload.get("actions")
    if actions is not None and not (isinstance(actions, list) and all(isinstance(a, dict) for a in actions)):
        raise Rejected(400, "payload.actions is not a list of objects")


class SlackEdge:
    """The aiohttp handler for `/slack/events`."""

    def __init__(self, app: AsyncApp, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        self._app = app
        self._secret = signing_secret
        self._clock = clock
        self._valve = WarningValve()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Check, parse, and dispatch one request from Slack."""
        try:
            bolt_request = await self._checked(request)
        except Rejected as exc:
            self._valve.warn("request.rejected", peer=request.remote, status=exc.status, reason=exc.reason)
            return web.Response(status=exc.status, text=exc.reason)
        return await to_aiohttp_response(await self._app.async_dispatch(bolt_request))

    async def _checked(self, request: web.Request) -> AsyncBoltRequest:
        raw = await _read(request)
        headers = request.headers
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not signature_ok(self._secret, timestamp, signature, raw, self._clock()):
            raise Rejected(401, "missing, wrong or stale signature")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Rejected(400, "body is not UTF-8") from None
        body = parse(text, request.content_type)
        # Built as Socket Mode builds it (a dict body, no re-parsing), then marked as HTTP so that
        # Bolt verifies the raw body's signature too.
        bolt_request = AsyncBoltRequest(
            body=body, query=request.query_string, headers=dict(headers), mode="socket_mode"
        )
        bolt_request.raw_body = text
        bolt_request.mode = "http"
        return bolt_request


async def _read(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Rejected(413, "body too large")
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_READ_TIMEOUT):
            while chunk := await request.content.read(65536):
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise Rejected(413, "body too large")
    except TimeoutError:
        raise Rejected(408, "body not received in time") from None
    except (ConnectionError, aiohttp.ClientError):  # the client hung up mid-body: nobody to answer
        raise Rejected(400, "the client hung up before sending the whole body") from None
    return bytes(body)
