"""Nebula for the service tests: the same answers as the stand-in server (`servers.FakeNebula`), served
through httpx's MockTransport, where a real socket adds nothing. The bot's own client talks to it
unchanged, and every call is recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.standins.servers import NEBULA_KEY, NebulaCall, instance_detail

API = "https://nebula.test/api/v1"
_POWER = {"start": "Running", "stop": "Stopped", "reboot": "Running"}
_CREDENTIALS = ("vm_password", "password", "user_name")


@dataclass
class MemoryNebula:
    """The fleet, and every call made to it."""

    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[NebulaCall] = field(default_factory=list)
    api_url: str = API

    def add(self, instance_id: str, host_name: str = "trainer-1", **fields: Any) -> None:
        """An instance as Nebula would describe it; `fields` replace or add detail fields."""
        self.instances[instance_id] = instance_detail(instance_id, host_name) | fields

    def transport(self) -> httpx.AsyncBaseTransport:
        """The transport the bot's Nebula client sends through."""
        return httpx.MockTransport(self._handle)

    def deletes(self) -> list[NebulaCall]:
        return [c for c in self.calls if c.method == "DELETE"]

    def changes(self) -> list[NebulaCall]:
        """Every call that changes state: DELETEs and the start/stop/reboot GETs."""
        return [c for c in self.calls if c.method == "DELETE" or c.path.rsplit("/", 1)[-1] in _POWER]

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        authorization = request.headers.get("Authorization")
        self.calls.append(NebulaCall(request.method, request.url.raw_path.decode(), authorization))
        if authorization != f"Bearer {NEBULA_KEY}":
            return _json(401, {"status": "failed", "message": "Invalid API key"})
        parts = request.url.path.removeprefix("/api/v1/").split("/")
        if parts == ["computing", "instances"] and request.method == "GET":
            return self._list(request)
        if len(parts) >= 3 and parts[:2] == ["computing", "instance"]:
            found = self.instances.get(parts[2])
            if found is None:
                return _json(404, {"status": "failed", "message": "Instance not found"})
            if len(parts) == 3 and request.method == "GET":
                return _json(
                    200, {"data": [found], "message": "Get instance detail successfully", "status": "success"}
                )
            if len(parts) == 3 and request.method == "DELETE":
                del self.instances[parts[2]]
                return _json(200, {"message": "Instances deleted successfully", "status": "success"})
            if len(parts) == 4 and request.method == "GET" and parts[3] in _POWER:
                found["status"] = _POWER[parts[3]]
                return _json(200, {"message": f"Instances {parts[3]} done successfully", "status": "success"})
        return _json(404, {"status": "failed", "message": "Not found"})

    def _list(self, request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", "10"))
        offset = int(request.url.params.get("offset", "0"))
        rows = [
            {"price_per_hour": 0.679} | {k: v for k, v in detail.items() if k not in _CREDENTIALS}
            for detail in self.instances.values()
        ]
        body = {
            "data": rows[offset : offset + limit],
            "total_instance": len(rows),
            "message": "All instances retrieved successfully",
            "status": "success",
        }
        return _json(200, body)


def _json(status: int, body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body), headers={"Content-Type": "application/json"})
