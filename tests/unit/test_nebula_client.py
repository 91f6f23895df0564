"""The Nebula client's reading of answers, through httpx's own MockTransport (no sockets, milliseconds)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from bot.domain.verbs import DELETE, STOP
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaClient
from bot.nebula.errors import (
    NebulaAnswered,
    NebulaAuthError,
    NebulaBadResponse,
    NebulaError,
    NebulaNoAnswer,
    NebulaNotFound,
    NebulaOutcomeUnknown,
    NebulaRejected,
    NebulaUnreachable,
)
from bot.slack.messages import texts

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, metrics: Metrics | None = None) -> NebulaClient:
    return NebulaClient(
        "https://nebula.test/api/v1", "ak_key", 1.0, metrics=metrics, transport=httpx.MockTransport(handler)
    )


def answer(status: int, body: object | None = None, text: str | None = None) -> Handler:
    def handle(_: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text)
        return httpx.Response(status, json=body)

    return handle


@pytest.mark.parametrize(
    ("handler", "kind", "label"),
    [
        (answer(401, {"status": "failed", "message": "bad key"}), NebulaAuthError, "401"),
        (answer(404, {"status": "failed"}), NebulaNotFound, "404"),
        (answer(200, {"status": "failed", "message": "locked"}), NebulaRejected, "200"),
        (answer(409, {"status": "failed"}), NebulaRejected, "409"),
        (answer(502, text="<html>bad gateway</html>"), NebulaBadResponse, "502"),
        (answer(500, {"status": "failed", "message": "db down"}), NebulaBadResponse, "500"),
        (answer(200, text=""), NebulaBadResponse, "200"),
    ],
)
async def test_every_answer_that_is_not_success_is_an_answered_error_labelled_by_status(
    handler: Handler, kind: type[NebulaError], label: str
) -> None:
    metrics = Metrics()
    nebula = client(handler, metrics)
    with pytest.raises(kind) as caught:
        await nebula.perform(DELETE, "i-1")
    assert isinstance(caught.value, NebulaAnswered)
    assert caught.value.metric_label == label
    assert f'nebula_bot_nebula_requests_total{{endpoint="instance.delete",status="{label}"}} 1.0' in (
        metrics.render().decode()
    )
    assert texts.nebula_error(caught.value)
    await nebula.aclose()


async def test_no_answer_to_a_change_is_an_unknown_outcome_with_a_fixed_label() -> None:
    def hang(_: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow")

    def refuse(_: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(NebulaOutcomeUnknown) as unknown:
        await client(hang).perform(STOP, "i-1")
    with pytest.raises(NebulaUnreachable) as unreachable:
        await client(refuse).perform(STOP, "i-1")
    assert isinstance(unknown.value, NebulaNoAnswer)
    # Metric labels are spelt out, not derived from class names (renaming a class must not rename a series).
    assert (unknown.value.metric_label, unreachable.value.metric_label) == ("outcomeunknown", "unreachable")
    assert "outcome unknown" in texts.nebula_error(unknown.value)


async def test_requests_go_where_the_verb_says_and_nowhere_else() -> None:
    seen: list[tuple[str, str]] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        return httpx.Response(200, json={"status": "success", "message": "ok"})

    nebula = client(record)
    await nebula.perform(DELETE, "i-1")
    await nebula.perform(STOP, "i-1")
    assert seen == [
        ("DELETE", "/api/v1/computing/instance/i-1"),
        ("GET", "/api/v1/computing/instance/i-1/stop"),
    ]
    with pytest.raises(ValueError, match="invalid instance id"):
        await nebula.perform(DELETE, "../x")
    assert len(seen) == 2


async def test_the_detail_drops_credentials() -> None:
    detail = {"data": [{"id": "i-1", "host_name": "box", "vm_password": "hunter2", "password": "x"}]}
    instance = await client(answer(200, detail | {"status": "success"})).get_instance("i-1")
    assert "hunter2" not in json.dumps(instance.model_dump())


async def test_a_client_that_cannot_get_a_connection_says_so_until_it_can() -> None:
    fail = True

    def handle(request: httpx.Request) -> httpx.Response:
        if fail:
            raise httpx.PoolTimeout("no connection", request=request)
        return httpx.Response(200, json={"status": "success", "data": [], "message": "ok"})

    nebula = client(handle)
    assert nebula.problem is None
    with pytest.raises(NebulaUnreachable):
        await nebula.list_instances()
    assert nebula.problem is not None
    assert "no free connection" in nebula.problem
    fail = False
    await nebula.list_instances()
    assert nebula.problem is None
