"""Nebula Block Platform API client: the calls the bot makes, each sent once.

Every response is untrusted (`bot.nebula.answers` reads it); each way a call can go wrong is one
`bot.nebula.errors` type carrying the facts. Nothing that changes state is retried.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

import httpx

from bot.domain.fleet.ids import is_instance_id
from bot.domain.fleet.instance import Instance
from bot.domain.launch import Image, Product, SshKey
from bot.domain.verbs import DELETE, REBOOT, START, STOP, Verb
from bot.infra.metrics import Metrics
from bot.nebula.answers import InstancePage, instance_of, interpret, message_of, page_of
from bot.nebula.catalogue import images_of, keys_of, products_of
from bot.nebula.credits import HistoryPage, balance_of, history_of
from bot.nebula.errors import (
    NebulaAuthError,
    NebulaBusy,
    NebulaError,
    NebulaNotFound,
    NebulaOutcomeUnknown,
    NebulaTimeout,
    NebulaUnreachable,
)
from bot.nebula.gate import Gate
from bot.nebula.wire import BodyTooSlow, bounded_body, unreachable

USER_AGENT: Final = "nebula-slack-bot/0.1"
# Calls allowed at once (NEBULA_API_CONCURRENCY), and connections beyond them, so that no call waits in
# the pool. A person may have this many calls waiting, and all together this many, before the next is
# told Nebula is busy.
CONCURRENCY: Final = 100
SPARE_CONNECTIONS: Final = 4
# Idle connections kept open (httpx's default). httpcore checks every idle connection's socket each time
# it hands one out, so keeping a burst's hundred open made the next burst queue behind those checks.
KEEP_ALIVE: Final = 20
WAITING_PER_PERSON: Final = 100
WAITING: Final = 1000
# How Nebula is asked for each change: the method and the path after the instance's. Start, stop and
# reboot really are GETs in Nebula's API (a GET with a side effect): never retried, never cached.
_CALLS: Final = {
    DELETE: ("DELETE", ""),
    STOP: ("GET", "/stop"),
    START: ("GET", "/start"),
    REBOOT: ("GET", "/reboot"),
}


@dataclass(frozen=True)
class NebulaResult:
    """Nebula's own word on a successful state change."""

    message: str
    http_status: int


class NebulaClient:
    """One per process: holds the connection pool, the gate in front of it, and the service key.

    Timeouts are httpx's own (connect, read, write, and the pool's), never a cancellation from
    outside: a cancelled request can strand a pool slot. A body is read within a deadline checked
    between chunks, for the same reason.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: float,
        *,
        metrics: Metrics | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        concurrency: int = CONCURRENCY,
        key_source: str = "NEBULA_API_KEY",
    ):
        self._metrics = metrics or Metrics()
        self._key_source = key_source
        self._timeout = timeout
        self.gate = Gate(concurrency, per_person=WAITING_PER_PERSON, waiting=WAITING)
        pool = concurrency + SPARE_CONNECTIONS
        self._pool_trouble_since: float | None = None
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, pool=timeout),
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=KEEP_ALIVE),
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
                # Start/stop/reboot are GETs with side effects: no cache may answer for Nebula.
                "Cache-Control": "no-store",
            },
            follow_redirects=False,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"NebulaClient(base_url={str(self._http.base_url)!r})"

    @property
    def problem(self) -> str | None:
        """Why the client cannot get a connection right now (for /healthz), or None."""
        if self._pool_trouble_since is None:
            return None
        waited = time.monotonic() - self._pool_trouble_since
        return f"the Nebula client has had no free connection for {waited:.0f} s"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def get_instance(self, instance_id: str) -> Instance:
        """`GET /computing/instance/{id}`: the instance's details, without credentials."""
        body, status = await self._call(
            "GET", instance_path(instance_id), "instance.get", changes_state=False
        )
        return instance_of(body, status, instance_id)

    async def list_instances(self, limit: int = 100, offset: int = 0) -> InstancePage:
        """`GET /computing/instances?limit=&offset=`: one page of the team's instances."""
        body, _ = await self._call(
            "GET",
            "/computing/instances",
            "instances.list",
            changes_state=False,
            params={"limit": limit, "offset": offset},
        )
        return await page_of(body)

    async def products(self) -> tuple[Product, ...]:
        """`GET /computing/products`: what can be launched, where, at what price."""
        body, _ = await self._call("GET", "/computing/products", "products.list", changes_state=False)
        return products_of(body)

    async def images(self) -> tuple[Image, ...]:
        """The GPU VM images (`GET /cloud/images/vm-gpu`; the older `/computing/images` where that is
        unknown)."""
        try:
            body, _ = await self._call("GET", "/cloud/images/vm-gpu", "images.list", changes_state=False)
        except NebulaNotFound:
            body, _ = await self._call("GET", "/computing/images", "images.list", changes_state=False)
        return images_of(body)

    async def ssh_keys(self) -> tuple[SshKey, ...]:
        """`GET /ssh-keys`: the account's SSH keys, by name."""
        body, _ = await self._call("GET", "/ssh-keys", "ssh_keys.list", changes_state=False)
        return keys_of(body)

    async def create(self, name: str, product_id: str, image_id: str, key_id: int) -> NebulaResult:
        """`POST /computing/instance`, sent once: never retried (each success bills). Nebula answers no
        id; the instance is found again by listing for `name`."""
        body, status = await self._call(
            "POST",
            "/computing/instance",
            "instance.create",
            changes_state=True,
            json={
                "instance_name": name,
                "product_id": product_id,
                "image_id": image_id,
                "ssh_key_id": key_id,
            },
        )
        return NebulaResult(message=message_of(body), http_status=status)

    async def balance(self) -> float | None:
        """`GET /users/credits`: the account's available balance (None: not a plausible one)."""
        body, _ = await self._call("GET", "/users/credits", "credits.get", changes_state=False)
        return balance_of(body)

    async def credit_history(self, limit: int = 100, offset: int = 0) -> HistoryPage:
        """`GET /users/credits/history`: one page of purchases and consumption (hourly)."""
        params = {"limit": limit, "offset": offset}
        body, _ = await self._call(
            "GET", "/users/credits/history", "credits.history", changes_state=False, params=params
        )
        return history_of(body)

    def describe(self, verb: Verb, instance_id: str) -> str:
        """The request `perform` would send, for dry runs: "DELETE https://…/computing/instance/<id>"."""
        method, suffix = _CALLS[verb]
        return f"{method} {str(self._http.base_url).rstrip('/')}{instance_path(instance_id, suffix)}"

    async def perform(
        self, verb: Verb, instance_id: str, *, before_send: Callable[[], Awaitable[None]] | None = None
    ) -> NebulaResult:
        """Carry out `verb` on one instance, sent exactly once: never retried, never cached.

        `before_send` runs after the call's turn has come and just before the request leaves, so
        that nothing that takes time lies between its check and the call; it raises to stop the call.
        """
        if verb not in _CALLS:
            raise ValueError(f"{verb.name} is not a Nebula call")
        method, suffix = _CALLS[verb]
        body, status = await self._call(
            method,
            instance_path(instance_id, suffix),
            f"instance.{verb.name}",
            changes_state=True,
            before_send=before_send,
        )
        return NebulaResult(message=message_of(body), http_status=status)

    async def _call(
        self,
        method: str,
        path: str,
        endpoint: str,
        *,
        changes_state: bool,
        params: dict[str, int] | None = None,
        json: dict[str, object] | None = None,
        before_send: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[dict[str, Any], int]:
        try:
            async with self.gate.slot(change=changes_state):
                if before_send is not None:
                    await before_send()
                started = time.monotonic()
                try:
                    status, content = await self._send(
                        method, path, changes_state=changes_state, params=params, json=json
                    )
                    body = interpret(status, content)
                except NebulaError as exc:
                    self._observe(endpoint, exc.metric_label, started)
                    if isinstance(exc, NebulaAuthError):
                        exc.key_source = self._key_source
                    raise
        except NebulaBusy:
            self._metrics.nebula_requests.labels(endpoint, NebulaBusy.label).inc()
            raise
        self._observe(endpoint, str(status), started)
        return body, status

    def _observe(self, endpoint: str, status: str, started: float) -> None:
        self._metrics.nebula_requests.labels(endpoint, status).inc()
        self._metrics.nebula_seconds.labels(endpoint).observe(time.monotonic() - started)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        changes_state: bool,
        params: dict[str, int] | None,
        json: dict[str, object] | None = None,
    ) -> tuple[int, bytes]:
        """The HTTP status and at most MAX_ANSWER_BYTES of body, read as a stream within the timeout."""
        deadline = time.monotonic() + self._timeout
        try:
            request = self._http.build_request(method, path, params=params, json=json)
            response = await self._http.send(request, stream=True)
            self._pool_trouble_since = None
            try:
                return response.status_code, await bounded_body(response, deadline)
            finally:
                await response.aclose()
        except httpx.PoolTimeout:
            if self._pool_trouble_since is None:
                self._pool_trouble_since = time.monotonic()
            raise NebulaUnreachable(self._timeout) from None
        except httpx.ConnectTimeout:
            raise NebulaUnreachable(
                self._timeout, self._http.base_url.host, "no answer to connecting"
            ) from None
        except httpx.ConnectError as exc:
            raise NebulaUnreachable(self._timeout, self._http.base_url.host, unreachable(exc)) from None
        except (BodyTooSlow, httpx.TimeoutException, httpx.TransportError, httpx.DecodingError):
            if changes_state:
                raise NebulaOutcomeUnknown(self._timeout) from None
            raise NebulaTimeout(self._timeout) from None


def instance_path(instance_id: str, suffix: str = "") -> str:
    """The API path of one instance (and `suffix`, such as `/stop`). Refuses any id outside the pattern."""
    if not is_instance_id(instance_id):
        raise ValueError("invalid instance id")
    return f"/computing/instance/{instance_id}{suffix}"
