"""Nebula Block Platform API client: the calls the bot makes, and what can go wrong with each.

Every response is untrusted: the documented envelope (`status`, `message`, `data`) may be
missing, wrapped in an HTML error page, or contradicted by the HTTP status. Each way a call can go
wrong is one `NebulaError` subclass carrying the facts (HTTP status, Nebula's own message); the
sentences users read are in `bot.slack.messages.texts`. Nothing that changes state is retried.

The errors form two branches: `NebulaAnswered` (something answered, and it was not a success) and
`NebulaNoAnswer` (nothing usable came back). Each has an explicit label for the metrics.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

import httpx
from pydantic import ValidationError

from bot.domain.ids import is_instance_id
from bot.domain.model import Instance
from bot.domain.verbs import Verb
from bot.infra.metrics import Metrics

USER_AGENT: Final = "nebula-slack-bot/0.1"
_MESSAGE_LIMIT: Final = 300
# The largest answer the bot reads. A page of 100 instances is tens of kilobytes; anything far
# beyond is not Nebula's API speaking, and reading it whole would cost the bot its memory.
MAX_ANSWER_BYTES: Final = 4 * 1024 * 1024


class NebulaError(Exception):
    """A Nebula call did not succeed."""

    def __init__(self, *, http_status: int | None = None, nebula_message: str = "") -> None:
        super().__init__(f"{type(self).__name__}(http_status={http_status})")
        self.http_status = http_status
        self.nebula_message = nebula_message

    @property
    def metric_label(self) -> str:
        """The `status` label of `nebula_bot_nebula_requests_total` for this failure."""
        raise NotImplementedError


class NebulaAnswered(NebulaError):
    """Nebula, or something in front of it, answered, and the answer was not a success."""

    http_status: int

    def __init__(self, *, http_status: int, nebula_message: str = "") -> None:
        super().__init__(http_status=http_status, nebula_message=nebula_message)

    @property
    def metric_label(self) -> str:
        return str(self.http_status)


class NebulaAuthError(NebulaAnswered):
    """Nebula rejected the service key (401/403)."""


class NebulaNotFound(NebulaAnswered):
    """Nebula does not know the instance (404, or a detail with no data)."""


class NebulaRejected(NebulaAnswered):
    """Nebula refused: `status: failed`, or a 3xx/4xx other than auth and not-found."""


Problem = Literal["empty", "not_json", "server_error", "unreadable", "too_large", "wrong_instance"]


class NebulaBadResponse(NebulaAnswered):
    """The answer is not Nebula's API speaking: a 5xx, HTML, bad JSON, or data that cannot be read."""

    def __init__(self, problem: Problem, *, http_status: int, nebula_message: str = "") -> None:
        super().__init__(http_status=http_status, nebula_message=nebula_message)
        self.problem: Problem = problem


class NebulaNoAnswer(NebulaError):
    """Nothing usable came back."""

    label: ClassVar[str]

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    @property
    def metric_label(self) -> str:
        return self.label


class NebulaUnreachable(NebulaNoAnswer):
    """The request never reached Nebula: connection refused, DNS failure, connect timeout."""

    label = "unreachable"


class NebulaTimeout(NebulaNoAnswer):
    """A read did not complete in time. Nothing changed, so the user may simply try again."""

    label = "timeout"


class NebulaOutcomeUnknown(NebulaNoAnswer):
    """A state-changing request was sent, and no answer came: it may or may not have taken effect."""

    label = "outcomeunknown"


@dataclass(frozen=True)
class InstancePage:
    """One page of `GET /computing/instances`."""

    instances: tuple[Instance, ...]
    total: int


@dataclass(frozen=True)
class NebulaResult:
    """Nebula's own word on a successful state change."""

    message: str
    http_status: int


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
        body, status = await self._call(
            "GET", instance_path(instance_id), "instance.get", changes_state=False
        )
        data = body.get("data")
        # The documented detail is an array holding one object; accept a bare object too.
        item = data[0] if isinstance(data, list) and data else data
        if not isinstance(item, dict) or not item:
            raise NebulaNotFound(http_status=status, nebula_message=_message(body))
        # The only id the bot ever acts on is the one it asked about: an answer about another is refused.
        if "id" in item and str(item["id"]) != instance_id:
            raise NebulaBadResponse("wrong_instance", http_status=status)
        try:
            return Instance.model_validate({**item, "id": instance_id})
        except ValidationError:
            raise NebulaBadResponse("unreadable", http_status=status) from None

    async def list_instances(self, limit: int = 100, offset: int = 0) -> InstancePage:
        """`GET /computing/instances?limit=&offset=`: one page of the team's instances."""
        body, _ = await self._call(
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
            if isinstance(item, dict) and is_instance_id(str(item.get("id", ""))):
                try:
                    instances.append(Instance.model_validate({**item, "id": str(item["id"])}))
                except ValidationError:
                    continue  # one unreadable row must not hide the others
        total = body.get("total_instance")
        return InstancePage(tuple(instances), total if isinstance(total, int) else offset + len(items))

    def describe(self, verb: Verb, instance_id: str) -> str:
        """The request `perform` would send, for dry runs: "DELETE https://…/computing/instance/<id>"."""
        return (
            f"{verb.method} {str(self._http.base_url).rstrip('/')}{instance_path(instance_id, verb.suffix)}"
        )

    async def perform(self, verb: Verb, instance_id: str) -> NebulaResult:
        """Carry out `verb` on one instance, sent exactly once: never retried, never cached."""
        if verb.method is None:
            raise ValueError(f"{verb.name} is not a Nebula call")
        body, status = await self._call(
            verb.method, instance_path(instance_id, verb.suffix), f"instance.{verb.name}", changes_state=True
        )
        return NebulaResult(message=_message(body), http_status=status)

    async def _call(
        self,
        method: str,
        path: str,
        endpoint: str,
        *,
        changes_state: bool,
        params: dict[str, int] | None = None,
    ) -> tuple[dict[str, Any], int]:
        started = time.monotonic()
        try:
            status, content = await self._send(method, path, changes_state=changes_state, params=params)
            body = _interpret(status, content)
        except NebulaError as exc:
            self._observe(endpoint, exc.metric_label, started)
            raise
        self._observe(endpoint, str(status), started)
        return body, status

    def _observe(self, endpoint: str, status: str, started: float) -> None:
        self._metrics.nebula_requests.labels(endpoint, status).inc()
        self._metrics.nebula_seconds.labels(endpoint).observe(time.monotonic() - started)

    async def _send(
        self, method: str, path: str, *, changes_state: bool, params: dict[str, int] | None
    ) -> tuple[int, bytes]:
        """The HTTP status and at most MAX_ANSWER_BYTES of body, read as a stream."""
        try:
            async with asyncio.timeout(self._timeout):
                request = self._http.build_request(method, path, params=params)
                response = await self._http.send(request, stream=True)
                try:
                    return response.status_code, await _bounded_body(response)
                finally:
                    await response.aclose()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            raise NebulaUnreachable(self._timeout) from None
        except (TimeoutError, httpx.TimeoutException, httpx.TransportError, httpx.DecodingError):
            if changes_state:
                raise NebulaOutcomeUnknown(self._timeout) from None
            raise NebulaTimeout(self._timeout) from None


async def _bounded_body(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise NebulaBadResponse("too_large", http_status=response.status_code)
    body = bytearray()
    async for chunk in response.aiter_bytes():  # decoded: a compressed bomb is counted as it expands
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise NebulaBadResponse("too_large", http_status=response.status_code)
    return bytes(body)


def instance_path(instance_id: str, suffix: str = "") -> str:
    """The API path of one instance. Refuses any id outside the strict pattern."""
    if not is_instance_id(instance_id):
        raise ValueError("invalid instance id")
    return f"/computing/instance/{instance_id}" + (f"/{suffix}" if suffix else "")


def _interpret(code: int, content: bytes) -> dict[str, Any]:
    body = _json_object(content)
    message = _message(body) if body is not None else ""
    if code in (401, 403):
        raise NebulaAuthError(http_status=code, nebula_message=message)
    if code == 404:
        raise NebulaNotFound(http_status=code, nebula_message=message)
    if body is None:
        raise NebulaBadResponse("not_json" if content else "empty", http_status=code)
    if code >= 500:
        raise NebulaBadResponse("server_error", http_status=code, nebula_message=message)
    if code >= 300 or body.get("status") != "success":
        raise NebulaRejected(http_status=code, nebula_message=message)
    return body


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(content)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _message(body: dict[str, Any]) -> str:
    message = body.get("message")
    if not isinstance(message, str):
        return ""
    message = " ".join(message.split())
    return message if len(message) <= _MESSAGE_LIMIT else message[:_MESSAGE_LIMIT] + "…"
