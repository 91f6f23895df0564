"""What the stand-in Nebula offers for a launch, in Nebula's documented shapes: products nested by region
and GPU family (or, as older revisions answered, a flat list), grouped images, and SSH keys."""

from __future__ import annotations

from typing import Any


def product(
    pid: str, region: str, gpu: str, family: str, count: int, price: float, stock: int = 5, **fields: Any
) -> dict[str, Any]:
    """One product row as `GET /computing/products` documents it."""
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
    } | fields


def products() -> list[dict[str, Any]]:
    """The stand-in's products."""
    return [
        product("p-h100-1", "CANADA", "H100-80G-SXM", "H100", 1, 2.29),
        product("p-h100-8", "CANADA", "H100-80G-SXM", "H100", 8, 18.32),
        product("p-a100-1", "CANADA", "A100-80G-PCIE", "A100", 1, 1.2),
        product("p-l40s-1", "FINLAND", "L40S-48G", "L40S", 1, 0.98, stock=0),
    ]


def nested(rows: list[dict[str, Any]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """`rows` nested by region, then GPU family, as the newer API answers."""
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in rows:
        found.setdefault(row["region"], {}).setdefault(row["gpu_type"], []).append(row)
    return found


IMAGES: list[dict[str, Any]] = [
    {
        "image_type": "Ubuntu",
        "image_list": [
            {"id": 6, "name": "22.04 LTS x64", "coin_type": ""},
            {"id": 7, "name": "24.04 LTS x64"},
        ],
    },
    {"image_type": "PyTorch", "image_list": [{"id": 12, "name": "2.4 CUDA 12.4", "coin_type": ""}]},
]
KEYS: list[dict[str, Any]] = [
    {
        "id": 76,
        "key_name": "laptop",
        "key_data": "ssh-ed25519 AAAA-test",
        "create_time": "UTC: 2024-11-05 23:05:56",
    },
    {
        "id": 81,
        "key_name": "ci",
        "key_data": "ssh-ed25519 AAAA-test-ci",
        "create_time": "UTC: 2024-11-20 09:12:00",
    },
]
