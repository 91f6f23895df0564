"""Reading Nebula's answers: the envelope (`status`, `message`, `data`), whatever the HTTP status says,
and the instances in it. Every answer is untrusted: it may be HTML, empty, or contradict itself."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError

from bot.domain.fleet.ids import is_instance_id
from bot.domain.fleet.instance import Instance
from bot.infra.turns import in_turns
from bot.nebula.errors import NebulaAuthError, NebulaBadResponse, NebulaNotFound, NebulaRejected

MESSAGE_LIMIT: Final = 300


def interpret(code: int, content: bytes) -> dict[str, Any]:
    """The body of a successful answer; otherwise the NebulaError that says what went wrong."""
    body = json_object(content)
    message = message_of(body) if body is not None else ""
    if code in (401, 403):
        raise NebulaAuthError(http_status=code, nebula_message=message)
    if code == 404:
        raise NebulaNotFound(http_status=code, nebula_message=message)
    if body is None:
        raise NebulaBadResponse("not_json" if content else "empty", http_status=code)
    if code >= 500:
        raise NebulaBadResponse("server_error", http_status=code, nebula_message=message)
    status = body.get("status")
    if code >= 300 or status == "failed":
        raise NebulaRejected(http_status=code, nebula_message=message)
    if status != "success":
        # A 2xx that does not say "success" in the documented way: whatever its words, it cannot be
        # taken for a success, nor for a failure.
        raise NebulaBadResponse("unclear", http_status=code, nebula_message=message)
    return body


def json_object(content: bytes) -> dict[str, Any] | None:
    """`content` as a JSON object, or None."""
    try:
        parsed = json.loads(content)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def message_of(body: dict[str, Any]) -> str:
    """Nebula's `message`, on one line and bounded ("" when it sent none)."""
    message = body.get("message")
    if not isinstance(message, str):
        return ""
    message = " ".join(message.split())
    return message if len(message) <= MESSAGE_LIMIT else message[:MESSAGE_LIMIT] + "…"


@dataclass(frozen=True)
class InstancePage:
    """One page of `GET /computing/instances`: the readable instances, how many rows Nebula sent (a
    short page ends the list), and `total_instance` when Nebula gave a usable one."""

    instances: tuple[Instance, ...]
    rows: int
    total: int | None


def instance_of(body: dict[str, Any], status: int, instance_id: str) -> Instance:
    """The instance in a detail answer. The only id the bot acts on is the one it asked about."""
    data = body.get("data")
    # The documented detail is an array holding one object; accept a bare object too.
    item = data[0] if isinstance(data, list) and data else data
    if not isinstance(item, dict) or not item:
        raise NebulaNotFound(http_status=status, nebula_message=message_of(body))
    if "id" in item and str(item["id"]) != instance_id:
        raise NebulaBadResponse("wrong_instance", http_status=status)
    try:
        return Instance.model_validate({**item, "id": instance_id})
    except ValidationError:
        raise NebulaBadResponse("unreadable", http_status=status) from None


async def page_of(body: dict[str, Any]) -> InstancePage:
    """The instances in a list answer; rows with an unsafe id, or unreadable, are left out. Read in
    turns: a page of a hundred rows is a couple of milliseconds of validation."""
    data = body.get("data")
    items = data if isinstance(data, list) else []
    instances = []
    async for item in in_turns(items):
        if isinstance(item, dict) and is_instance_id(str(item.get("id", ""))):
            try:
                instances.append(Instance.model_validate({**item, "id": str(item["id"])}))
            except ValidationError:
                continue  # one unreadable row must not hide the others
    return InstancePage(tuple(instances), len(items), _count(body.get("total_instance")))


def _count(value: object) -> int | None:
    # Seen as a number, as a string ("131"), and missing.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return None


def number_of(value: object) -> float | None:
    """A finite number, given as a number or as a string ("1228.55600", "$1,234.50", "-1.5"): Nebula
    writes figures both ways. None for anything else (a bool, NaN, infinity, words)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value) <= 32:
        try:
            value = float(value.strip().replace("$", "").replace(",", ""))
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None
