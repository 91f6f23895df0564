"""Reading what Nebula offers for a launch: products (nested by region and GPU family, or the older flat
list), images and SSH keys. Every row is untrusted: one that cannot be read, or whose figures are not
plausible, is left out (and counted), never guessed at."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any, Final

from bot.domain.fleet.instance import safe_text
from bot.domain.launch import Image, Product, SshKey
from bot.infra import logs
from bot.nebula.answers import number_of

# Far more than Nebula offers; a longer answer is not read further.
MAX_ROWS: Final = 2000
# A price per hour outside this is not a GPU's: left out rather than shown or budgeted with.
MAX_PRICE: Final = 1000.0
MAX_GPUS: Final = 64
_ID_LIMIT: Final = 64


def products_of(body: dict[str, Any]) -> tuple[Product, ...]:
    """The readable products in `GET /computing/products`'s answer."""
    found, dropped = [], 0
    for row in _rows(body.get("data")):
        product = _product(row)
        if product is None:
            dropped += 1
        else:
            found.append(product)
    if dropped:
        logs.warning("nebula.products_unreadable", rows=dropped)
    return tuple(found)


def _rows(data: object) -> Iterator[object]:
    """The product rows (objects with an `id`), whether flat (older) or nested by region, then GPU family
    (newer); at most MAX_ROWS."""
    pending: deque[object] = deque([data])
    seen = 0
    while pending and seen < MAX_ROWS:
        item = pending.popleft()
        if isinstance(item, dict) and "id" in item:
            seen += 1
            yield item
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item[:MAX_ROWS])


def _product(row: object) -> Product | None:
    if not isinstance(row, dict):
        return None
    product_id = _id(row.get("id"))
    price = number_of(row.get("price_per_hour"))
    count = number_of(row.get("gpu_count"))
    gpu = _text(row.get("gpu")) or _text(row.get("gpu_type"))
    if product_id is None or price is None or count is None or not gpu:
        return None
    if not (0 < price <= MAX_PRICE) or count != int(count) or not (1 <= count <= MAX_GPUS):
        return None
    available = row.get("is_available", True)
    stock = number_of(row.get("stock"))
    return Product(
        id=product_id,
        region=_text(row.get("region")) or "?",
        gpu=gpu,
        gpu_type=_text(row.get("gpu_type")) or gpu,
        gpu_count=int(count),
        price_per_hour=price,
        in_stock=available is True and (stock is None or stock > 0),
        product_type=_text(row.get("product_type")) or "Virtual Machine",
    )


def images_of(body: dict[str, Any]) -> tuple[Image, ...]:
    """The images in an images answer: grouped (`image_type` and its `image_list`) or a flat list."""
    data = body.get("data")
    found: list[Image] = []
    for group in data[:MAX_ROWS] if isinstance(data, list) else []:
        if not isinstance(group, dict):
            continue
        family = _text(group.get("image_type"))
        listed = group.get("image_list")
        for row in listed[:MAX_ROWS] if isinstance(listed, list) else [group]:
            image_id = _id(row.get("id")) if isinstance(row, dict) else None
            name = _text(row.get("name")) if isinstance(row, dict) else ""
            if image_id is not None and name:
                found.append(Image(image_id, f"{family} {name}" if family and listed is not None else name))
    return tuple(found)


def keys_of(body: dict[str, Any]) -> tuple[SshKey, ...]:
    """The SSH keys in `GET /ssh-keys`'s answer, by id and name (the key itself is not kept)."""
    data = body.get("data")
    found = []
    for row in data[:MAX_ROWS] if isinstance(data, list) else []:
        if not isinstance(row, dict):
            continue
        key_id, name = number_of(row.get("id")), _text(row.get("key_name"))
        if key_id is not None and key_id == int(key_id) and 0 < key_id < 2**53 and name:
            found.append(SshKey(int(key_id), name))
    return tuple(found)


def _id(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value)
    ok = 0 < len(text) <= _ID_LIMIT and text.isascii() and text.replace("-", "").replace("_", "").isalnum()
    return text if ok else None


def _text(value: object) -> str:
    return safe_text(value)[:80] if isinstance(value, str) else ""
