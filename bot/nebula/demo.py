"""A simulated Nebula for `nebula-bot shell --demo`: a small fleet, answered in Nebula's documented
shapes after a realistic delay, whose state changes (a deleted instance is gone from the next list).

It is an httpx transport, so the bot's own Nebula client talks to it unchanged and no socket opens.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from bot.nebula.demo_bill import DemoBill

DEMO_KEY: Final = "ak_demo_not_a_real_key"
# The demo with two teams (`shell --demo --teams`): each team's key, each key its own fleet.
DEMO_KEYS: Final = {"ml": DEMO_KEY, "infra": "ak_demo_infra_not_a_real_key"}
# Nebula's power paths (after an instance's): the status each leaves, and how Nebula says it was done.
_POWER: Final = {
    "/start": ("Running", "started"),
    "/stop": ("Stopped", "stopped"),
    "/reboot": ("Running", "rebooted"),
}
DELAY: Final = 0.25  # seconds: about what Nebula takes from a laptop
# The demo instance that comes with a schedule (weekdays 08:00-19:00 UTC).
SCHEDULED: Final = ("8a2d5b7c-1e9f-4a3b-b6c2-5f7e0d9a4b18", "sweep-lr-3e4")


Row = tuple[str, str, str, int, str, float, float]  # id, host name, GPU, count, status, hours, $/h
ML_FLEET: Final[tuple[Row, ...]] = (
    ("4f1c9e2a-7b3d-4c8e-9a51-0d2e6f8b1c37", "llm-train-01", "H100", 8, "Running", 46.5, 23.92),
    ("8a2d5b7c-1e9f-4a3b-b6c2-5f7e0d9a4b18", "sweep-lr-3e4", "A100", 4, "Running", 30.25, 7.16),
    ("c3e8f1a9-5d2b-4f7c-8e6a-2b9d4c1f7e05", "notebook-ana", "RTX-A6000", 1, "Running", 2.5, 0.679),
    ("e7b4a2d9-3c6f-4e1b-9d8a-7f2c5e0b3a61", "eval-harness", "L40S", 2, "Stopped", 0.0, 1.96),
    ("19d6c3f8-2a7e-4b5d-8c9f-3e1a6b4d7c20", "render-node", "RTX-4090", 1, "Deploying", 0.0, 0.49),
    # A second sweep by the same name (it happens): `/nebula show sweep-lr-3e4` asks "Which one?".
    ("6b1f0c4e-9d2a-4e7b-8c3f-2a5d7e9b1c48", "sweep-lr-3e4", "A100", 4, "Stopped", 0.0, 7.16),
)
INFRA_FLEET: Final[tuple[Row, ...]] = (
    ("2d7e9a1b-6c4f-4b8a-9e3d-5f1c8a2b7e60", "ci-runner-01", "L4", 1, "Running", 71.0, 0.44),
    ("9c5b2e7f-1a3d-4f6c-8b9e-4d2a6c1f3b85", "grafana-gpu", "T4", 1, "Running", 300.0, 0.29),
)


def _product(
    pid: str, region: str, gpu: str, family: str, count: int, price: float, stock: int
) -> dict[str, Any]:
    return {
        "id": pid,
        "dc_id": 3,
        "product_type": "Virtual Machine",
        "region": region,
        "price_per_hour": price,
        "cpu": 16 * count,
        "ram": 64 * count,
        "gpu": gpu,
        "gpu_type": family,
        "gpu_count": count,
        "disk_size": 500,
        "ephemeral": 0,
        "stock": stock,
        "cycle": "hourly",
        "is_available": stock > 0,
    }


def _fleet(rows: tuple[Row, ...] = ML_FLEET) -> dict[str, dict[str, Any]]:
    fleet: dict[str, dict[str, Any]] = {}
    for iid, name, gpu, count, status, hours, price in rows:
        fleet[iid] = {
            "id": iid,
            "region": "CANADA",
            "product_type": "Virtual Machine",
            "host_name": name,
            "cpu_cores": str(16 * count),
            "ram": str(64 * count),
            "gpu_type": gpu,
            "gpu_count": count,
            "disk_size": 500,
            "public_ipv4": "38.80.81." + str(100 + len(fleet)),
            "os": "Ubuntu Server 22.04 LTS",
            "status": status,
            "price_per_hour": price,
            "running_time": f"{hours:.4f} hours",
            "total_cost": f"${hours * price:.4f}",
            "vm_password": "demo-password-never-shown",
        }
    return fleet


# What the demo offers for a launch: products nested by region, then GPU family (as Nebula documents).
PRODUCTS: Final = {
    "CANADA": {
        "H100": [
            _product("p-h100-1", "CANADA", "H100-80G-SXM", "H100", 1, 2.29, 12),
            _product("p-h100-8", "CANADA", "H100-80G-SXM", "H100", 8, 18.32, 2),
        ],
        "A100": [_product("p-a100-1", "CANADA", "A100-80G-PCIE", "A100", 1, 1.2, 6)],
        "RTX-A6000": [_product("p-a6000-1", "CANADA", "RTX-A6000", "RTX-A6000", 1, 0.679, 20)],
    },
    "FINLAND": {"L40S": [_product("p-l40s-1", "FINLAND", "L40S-48G", "L40S", 1, 0.98, 0)]},
}
IMAGES: Final = [
    {
        "image_type": "Ubuntu",
        "image_list": [
            {"id": 6, "name": "22.04 LTS x64", "coin_type": ""},
            {"id": 7, "name": "24.04 LTS x64"},
        ],
    },
    {"image_type": "PyTorch", "image_list": [{"id": 12, "name": "2.4 CUDA 12.4", "coin_type": ""}]},
]
KEYS: Final = [
    {
        "id": 76,
        "key_name": "laptop",
        "key_data": "ssh-ed25519 AAAA-demo",
        "create_time": "UTC: 2026-11-05 23:05:56",
    },
    {
        "id": 81,
        "key_name": "ci",
        "key_data": "ssh-ed25519 AAAA-demo-ci",
        "create_time": "UTC: 2026-11-20 09:12:00",
    },
]
# A launched instance deploys for this long (real seconds), then runs.
DEPLOY_SECONDS: Final = 3.0


def _fleets() -> dict[str, dict[str, dict[str, Any]]]:
    return {DEMO_KEYS["ml"]: _fleet(ML_FLEET), DEMO_KEYS["infra"]: _fleet(INFRA_FLEET)}


@dataclass
class DemoNebula:
    """The simulated fleets (one per demo key) and every call made to them."""

    fleets: dict[str, dict[str, dict[str, Any]]] = field(default_factory=_fleets)
    calls: list[str] = field(default_factory=list)
    delay: float = DELAY
    deploying: dict[str, float] = field(default_factory=dict)  # launched instance id: when it runs
    clock: Callable[[], float] = time.time  # the demo's (`:wait` moves it on)
    bills: dict[str, DemoBill] = field(default_factory=dict)  # each key's account's

    def __post_init__(self) -> None:
        for key in self.fleets:
            self.bills.setdefault(key, DemoBill(self.clock))  # billed from now on, whenever first read

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport that answers as Nebula would."""
        return httpx.MockTransport(self._handle)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        await asyncio.sleep(self.delay)
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        instances = self.fleets.get(key)
        if instances is None:
            return _json(401, {"status": "failed", "message": "Invalid API key"})
        path = request.url.path.split("/api/v1", 1)[-1]
        catalogue = {"/computing/products": PRODUCTS, "/cloud/images/vm-gpu": IMAGES, "/ssh-keys": KEYS}
        if path in catalogue and request.method == "GET":
            return _json(200, {"data": catalogue[path], "message": "ok", "status": "success"})
        if path == "/users/credits" and request.method == "GET":
            return _json(200, {"data": {"available_balance": self._bill(key).balance()}, "status": "success"})
        if path == "/users/credits/history" and request.method == "GET":
            return self._history(request, key)
        if path == "/computing/instance" and request.method == "POST":
            return self._create(json.loads(request.content), instances)
        self._deployed(instances)
        parts = request.url.path.split("/computing/", 1)[-1].split("/")
        if parts == ["instances"] and request.method == "GET":
            return self._list(request, instances)
        if len(parts) >= 2 and parts[0] == "instance":
            instance = instances.get(parts[1])
            if instance is None:
                return _json(404, {"status": "failed", "message": "Instance not found"})
            if len(parts) == 2 and request.method == "GET":
                return _json(
                    200,
                    {"data": [instance], "message": "Get instance detail successfully", "status": "success"},
                )
            if len(parts) == 2 and request.method == "DELETE":
                del instances[parts[1]]
                return _json(200, {"message": "Instances deleted successfully", "status": "success"})
            power = _POWER.get(f"/{parts[2]}") if len(parts) == 3 else None
            if power is not None and request.method == "GET":
                instance["status"], past = power
                return _json(200, {"message": f"Instances {past} successfully", "status": "success"})
        return _json(404, {"status": "failed", "message": "Not found"})

    def _create(self, asked: dict[str, Any], instances: dict[str, dict[str, Any]]) -> httpx.Response:
        """A launch: Deploying for DEPLOY_SECONDS, then Running. Nebula answers no id."""
        products = {p["id"]: p for region in PRODUCTS.values() for family in region.values() for p in family}
        product = products.get(asked.get("product_id"))
        if product is None or not product["is_available"]:
            return _json(200, {"status": "failed", "message": "Product not available"})
        iid = str(uuid.uuid4())
        row: Row = (
            iid,
            str(asked.get("instance_name")),
            product["gpu_type"],
            product["gpu_count"],
            "Deploying",
            0.0,
            product["price_per_hour"],
        )
        instances[iid] = _fleet((row,))[iid] | {"public_ipv4": f"38.80.82.{len(instances)}"}
        self.deploying[iid] = time.monotonic() + DEPLOY_SECONDS
        return _json(200, {"message": "Instance created successfully", "status": "success"})

    def _history(self, request: httpx.Request, key: str) -> httpx.Response:
        """The account's credit history, newest first (see DemoBill)."""
        limit = int(request.url.params.get("limit", "10"))
        offset = int(request.url.params.get("offset", "0"))
        return _json(200, {"data": self._bill(key).page(limit, offset), "status": "success"})

    def _bill(self, key: str) -> DemoBill:
        """The key's account's bill, billed up to now for what runs now."""
        bill = self.bills[key]
        running = [i for i in self.fleets[key].values() if i["status"] == "Running"]
        bill.bill(sum(float(i["price_per_hour"]) for i in running))
        return bill

    def _deployed(self, instances: dict[str, dict[str, Any]]) -> None:
        for iid, ready in list(self.deploying.items()):
            if time.monotonic() >= ready:
                del self.deploying[iid]
                if iid in instances:
                    instances[iid]["status"] = "Running"

    def _list(self, request: httpx.Request, instances: dict[str, dict[str, Any]]) -> httpx.Response:
        limit = int(request.url.params.get("limit", "10"))
        offset = int(request.url.params.get("offset", "0"))
        rows = [{k: v for k, v in i.items() if k != "vm_password"} for i in instances.values()]
        page = rows[offset : offset + limit]
        body = {
            "data": page,
            "total_instance": len(rows),
            "message": "All instances retrieved successfully",
            "status": "success",
        }
        return _json(200, body)


def _json(status: int, body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body), headers={"Content-Type": "application/json"})
