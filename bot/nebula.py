"""Nebula Block Platform API client: the calls the bot makes, and the errors users read.

Every response is untrusted: the documented envelope (`status`, `message`, `data`) may be
missing, wrapped in an HTML error page, or contradicted by the HTTP status. Each way a call can
go wrong maps to one `NebulaError` subclass whose `user_message` says what happened and what to
do. Nothing that changes state is retried.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Annotated, Any, Final

import httpx
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from bot.commands import is_valid_instance_id
from bot.metrics import Metrics

USER_AGENT: Final = "nebula-slack-bot/0.1"
_MESSAGE_LIMIT: Final = 300


class NebulaError(Exception):
    """A Nebula call did not succeed. `user_message` is safe to show in Slack."""

    def __init__(self, user_message: str, *, http_status: int | None = None, nebula_message: str = ""):
        super().__init__(user_message)
        self.user_message = user_message
        self.http_status = http_status
        self.nebula_message = nebula_message


class NebulaRejected(NebulaError):
    """Nebula answered and refused: `status: failed`, or a 4xx other than auth and not-found."""


class NebulaAuthError(NebulaError):
    """Nebula rejected the service key (401/403)."""


class NebulaNotFound(NebulaError):
    """Nebula does not know the instance."""


class NebulaBadResponse(NebulaError):
    """Nebula (or a proxy in front of it) answered with something that is not its API: 5xx, HTML, bad JSON."""


class NebulaUnreachable(NebulaError):
    """The request never reached Nebula: connection refused, DNS failure, connect timeout."""


class NebulaTimeout(NebulaError):
    """A read did not complete in time. Nothing changed, so the user may simply try again."""


class NebulaOutcomeUnknown(NebulaError):
    """A state-changing request was sent, and no answer came: it may or may not have taken effect."""


def _as_text(value: object) -> object:
    # Nebula sends numbers as strings in one place and as numbers in another; show either.
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return value


Text = Annotated[str | None, BeforeValidator(_as_text)]


class Instance(BaseModel):
    """What the bot shows of an instance. Credentials in Nebula's answer are dropped at parse time."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    host_name: Text = None
    gpu_type: Text = None
    gpu_count: Text = None
    region: Text = None
    status: Text = None
    running_time: Text = None
    total_cost: Text = None
    price_per_hour: Text = None
    product_type: Text = None
    os: Text = None
    public_ipv4: Text = None
    cpu_cores: Text = None
    ram: Text = None
    disk_size: Text = None
    start_time: Text = None


@dataclass(frozen=True)
class InstancePage:
    """One page of `GET /computing/instances`."""

    instances: tuple[Instance, ...]
    total: int


@dataclass(frozen=True)
class NebulaResult:
    """Nebula's own word on a successful state change."""

    status: str
    message: str
    http_status: int
    latency: float


class NebulaClient:
    """One per process: holds the connection pool and the service key."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: float,
        metrics: Metrics | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self._metrics = metrics or Metrics()
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout),
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

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def get_instance(self, instance_id: str) -> Instance:
        """`GET /computing/instance/{id}`: the instance's details, without credentials."""
        body, _, _ = await self._call("GET", instance_path(instance_id), "instance.get", changes_state=False)
        data = body.get("data")
        # The documented detail is an array holding one object; accept a bare object too.
        item = data[0] if isinstance(data, list) and data else data
        if not isinstance(item, dict) or not item:
            raise NebulaNotFound(f"No instance {instance_id}.", nebula_message=_message(body))
        try:
            return Instance.model_validate({**item, "id": str(item.get("id") or instance_id)})
        except ValidationError:
            raise NebulaBadResponse("Nebula's answer about this instance could not be read.") from None

    async def list_instances(self, limit: int = 100, offset: int = 0) -> InstancePage:
        """`GET /computing/instances?limit=&offset=`: one page of the team's instances."""
        body, _, _ = await self._call(
            "GET",
            "/computing/instances",
            "instances.list",
            changes_state=False,
            params={"limit": limit, "offset": offset},
        )
        data = body.get("data")
        items = data if isinstance(data, list) else []
        instances = []
        for item in items:
            if isinstance(item, dict) and item.get("id") and is_valid_instance_id(str(item["id"])):
                try:
                    instances.append(Instance.model_validate({**item, "id": str(item["id"])}))
                except ValidationError:
                    continue  # one unreadable row must not hide the others
        total = body.get("total_instance")
        return InstancePage(tuple(instances), total if isinstance(total, int) else offset + len(items))

    def describe(self, verb: str, instance_id: str) -> str:
        """The request `perform` would send, for dry runs: "DELETE https://…/computing/instance/<id>"."""
        method, path = _request_line(verb, instance_id)
        return f"{method} {str(self._http.base_url).rstrip('/')}{path}"

    async def perform(self, verb: str, instance_id: str) -> NebulaResult:
        """Carry out `verb` on one instance, sent exactly once.

        Delete is `DELETE /computing/instance/{id}`; start, stop and reboot are documented as
        `GET /computing/instance/{id}/{verb}`: GETs with side effects, so never retried or cached.
        """
        method, path = _request_line(verb, instance_id)
        body, http_status, latency = await self._call(method, path, f"instance.{verb}", changes_state=True)
        return NebulaResult(
            status=str(body.get("status", "success")),
            message=_message(body) or "Nebula reported success.",
            http_status=http_status,
            latency=latency,
        )

    async def _call(
        self,
        method: str,
        path: str,
        endpoint: str,
        *,
        changes_state: bool,
        params: dict[str, int] | None = None,
    ) -> tuple[dict[str, Any], int, float]:
        started = time.monotonic()
        try:
            response = await self._send(method, path, changes_state=changes_state, params=params)
            body = _interpret(response)
        except NebulaError as exc:
            # An HTTP status when Nebula answered; otherwise the kind of failure (unreachable, timeout, …).
            self._observe(
                endpoint, str(exc.http_status or type(exc).__name__.removeprefix("Nebula").lower()), started
            )
            raise
        self._observe(endpoint, str(response.status_code), started)
        return body, response.status_code, time.monotonic() - started

    def _observe(self, endpoint: str, status: str, started: float) -> None:
        self._metrics.nebula_requests.labels(endpoint, status).inc()
        self._metrics.nebula_seconds.labels(endpoint).observe(time.monotonic() - started)

    async def _send(
        self, method: str, path: str, *, changes_state: bool, params: dict[str, int] | None
    ) -> httpx.Response:
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.request(method, path, params=params)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            raise NebulaUnreachable("Nebula is unreachable; nothing was sent. Try again shortly.") from None
        except (TimeoutError, httpx.TimeoutException, httpx.TransportError):
            if changes_state:
                raise NebulaOutcomeUnknown(
                    f"No answer from Nebula within {self._timeout:g} s: "
                    "outcome unknown: check with the Nebula console before trying again."
                ) from None
            raise NebulaTimeout(
                f"Nebula did not answer within {self._timeout:g} s. Try again shortly."
            ) from None
        return response


def _request_line(verb: str, instance_id: str) -> tuple[str, str]:
    if verb == "delete":
        return "DELETE", instance_path(instance_id)
    if verb in ("start", "stop", "reboot"):
        return "GET", instance_path(instance_id, verb)
    raise ValueError(f"unknown verb {verb!r}")


def instance_path(instance_id: str, action: str = "") -> str:
    """The API path of one instance. Refuses any id outside the strict pattern."""
    if not is_valid_instance_id(instance_id):
        raise ValueError("invalid instance id")
    return f"/computing/instance/{instance_id}" + (f"/{action}" if action else "")


def _interpret(response: httpx.Response) -> dict[str, Any]:
    code = response.status_code
    body = _json_object(response)
    message = _message(body) if body is not None else ""
    suffix = f" Nebula said: {message}" if message else ""
    if code in (401, 403):
        raise NebulaAuthError(
            f"The service key was rejected (HTTP {code}): check NEBULA_API_KEY.{suffix}",
            http_status=code,
            nebula_message=message,
        )
    if code == 404:
        raise NebulaNotFound(message or "Not found.", http_status=code, nebula_message=message)
    if body is None:
        kind = "an empty body" if not response.content else "a body that is not a JSON object"
        raise NebulaBadResponse(
            f"Nebula answered HTTP {code} with {kind}. Try again later; "
            "if it persists, check Nebula's status.",
            http_status=code,
        )
    if code >= 500:
        raise NebulaBadResponse(
            f"Nebula failed (HTTP {code}).{suffix}", http_status=code, nebula_message=message
        )
    if code >= 300 or body.get("status") != "success":
        raise NebulaRejected(
            message or f"Nebula refused the request (HTTP {code}).", http_status=code, nebula_message=message
        )
    return body


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        parsed = json.loads(response.content)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _message(body: dict[str, Any]) -> str:
    message = body.get("message")
    if not isinstance(message, str):
        return ""
    message = " ".join(message.split())
    return message if len(message) <= _MESSAGE_LIMIT else message[:_MESSAGE_LIMIT] + "…"
