"""Marks: small typed records the bot keeps about instances (a reminder posted, a lease, when it was
first seen running), stored with compare-and-set so that replicas never both act on one.

A mark is a frozen dataclass with a `KIND` and a `key`. It is stored as JSON with a fresh random
revision, so the text read is also the version a swap compares against: of several replicas
swapping the same mark, exactly one wins. Decoding ignores fields this version does not know
(rolling upgrades), and a mark that cannot be read is logged and treated as absent.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Generic, Protocol, TypeVar

from bot.infra import logs
from bot.store.contract import ConfirmationStore


class Mark(Protocol):
    """What every mark type provides."""

    KIND: ClassVar[str]

    @property
    def key(self) -> str:
        """Which thing the mark is about (an instance id, or a fixed name)."""
        ...


M = TypeVar("M", bound=Mark)
# Swaps lost to concurrent ones before `update` gives up: each loss means another writer made progress.
UPDATE_ATTEMPTS: Final = 10


class MarkBusy(Exception):
    """A mark kept changing under `Marks.update`; the caller should ask the user to try again."""


@dataclass(frozen=True)
class Held(Generic[M]):
    """A mark as read, with the stored text that a swap must find unchanged."""

    mark: M
    text: str


def _encode(mark: Mark) -> str:
    data = dataclasses.asdict(mark)  # type: ignore[call-overload]
    data["rev"] = secrets.token_hex(8)
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def _decode(kind: type[M], text: str) -> M | None:
    try:
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
        return kind(**{name: value for name, value in data.items() if name in known})
    except (TypeError, ValueError) as exc:
        logs.warning("mark.unreadable", kind=kind.KIND, error=type(exc).__name__)
        return None


class Marks:
    """Typed marks over the store's `mark`/`marks`/`swap_mark`."""

    def __init__(self, store: ConfirmationStore) -> None:
        self._store = store

    async def get(self, kind: type[M], key: str) -> Held[M] | None:
        """The mark of `kind` on `key`, or None."""
        text = await self._store.mark(kind.KIND, key)
        if text is None:
            return None
        mark = _decode(kind, text)
        return None if mark is None else Held(mark, text)

    async def all(self, kind: type[M]) -> list[Held[M]]:
        """Every readable mark of `kind`."""
        held = []
        for text in (await self._store.marks(kind.KIND)).values():
            mark = _decode(kind, text)
            if mark is not None:
                held.append(Held(mark, text))
        return held

    async def put(self, old: Held[M] | None, new: M) -> Held[M] | None:
        """Replace `old` (None: there was no mark) by `new`. The new mark if this call won, else None."""
        text = _encode(new)
        won = await self._store.swap_mark(new.KIND, new.key, old.text if old else None, text)
        return Held(new, text) if won else None

    async def remove(self, old: Held[M]) -> bool:
        """Remove `old` if it is still what is stored. True if this call removed it."""
        return await self._store.swap_mark(old.mark.KIND, old.mark.key, old.text, None)

    async def update(self, kind: type[M], key: str, change: Callable[[M], M]) -> tuple[M, M] | None:
        """Apply `change` to the current mark, again on a fresh read whenever another writer got in
        first. (before, after) once it took; None when there is no mark. Raises MarkBusy."""
        for _ in range(UPDATE_ATTEMPTS):
            current = await self.get(kind, key)
            if current is None:
                return None
            changed = change(current.mark)
            if await self.put(current, changed) is not None:
                return current.mark, changed
        raise MarkBusy(f"{kind.KIND} {key}")
