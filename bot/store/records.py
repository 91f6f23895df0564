"""Records (`bot.domain.records`) in the store: versioned, and changed only by compare-and-set.

A record is stored as JSON with a fresh random revision, so the text read is also the version a swap
compares against: of several replicas swapping the same record, exactly one wins. A record that
cannot be read is logged and treated as absent.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Generic, TypeVar, cast

from bot.domain.records import Record
from bot.infra import logs
from bot.store.codecs import known_fields, with_former_names
from bot.store.contract import RecordStore

R = TypeVar("R", bound=Record)
# Swaps lost to concurrent ones before `update` gives up: each loss means another writer made progress.
UPDATE_ATTEMPTS: Final = 10
# How often a Retention looks for old records: not at every write, since a look reads them all.
LOOK_EVERY: Final = 3600.0


class RecordBusy(Exception):
    """A record kept changing under `Records.update`; the caller should ask the user to try again."""


@dataclass(frozen=True)
class Versioned(Generic[R]):
    """A record as read, with the stored text that a swap must find unchanged."""

    record: R
    text: str


def _encode(record: Record) -> str:
    # Field by field, nested records through `default`: `dataclasses.asdict` deep-copies every dict
    # first, which for a ledger of a thousand instances held the event loop for milliseconds.
    data = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}  # type: ignore[arg-type]
    data["rev"] = secrets.token_hex(8)
    return json.dumps(with_former_names(data), separators=(",", ":"), sort_keys=True, default=_nested)


def _nested(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not a record field")


def _decode(kind: type[R], text: str) -> R | None:
    try:
        return kind(**known_fields(kind, json.loads(text)))
    except (TypeError, ValueError) as exc:
        logs.warning("record.unreadable", kind=kind.KIND, error=type(exc).__name__)
        return None


class Records:
    """Typed records over the store's `record`/`records`/`swap_record`."""

    def __init__(self, store: RecordStore) -> None:
        self._store = store
        # What `all` decoded last, by kind and key, with the text it came from: a record whose text
        # is unchanged is not decoded again. Views read every change the bot made this week, and the
        # follower every launch, at each turn: decoding them all each time grew with the team's past.
        self._decoded: dict[str, dict[str, tuple[str, Record]]] = {}

    async def get(self, kind: type[R], key: str) -> Versioned[R] | None:
        """The record of `kind` on `key`, or None."""
        text = await self._store.record(kind.KIND, key)
        if text is None:
            return None
        record = _decode(kind, text)
        # A ledger of a thousand instances is a millisecond to decode, another to change and another
        # to encode: each in its own turn of the loop, so that an ack waits for one at most.
        await asyncio.sleep(0)
        return None if record is None else Versioned(record, text)

    async def all(self, kind: type[R]) -> list[Versioned[R]]:
        """Every readable record of `kind`."""
        texts = await self._store.records(kind.KIND)
        known = self._decoded.get(kind.KIND, {})
        kept: dict[str, tuple[str, Record]] = {}
        found = []
        for key, text in texts.items():
            hit = known.get(key)
            record = cast(R, hit[1]) if hit is not None and hit[0] == text else _decode(kind, text)
            if record is not None:
                kept[key] = (text, record)
                found.append(Versioned(record, text))
        self._decoded[kind.KIND] = kept  # records gone from the store are forgotten here too
        return found

    async def put(self, old: Versioned[R] | None, new: R) -> Versioned[R] | None:
        """Replace `old` (None: there was none) by `new`. The new version if this call won, else None."""
        await asyncio.sleep(0)
        text = _encode(new)
        won = await self._store.swap_record(new.KIND, new.key, old.text if old else None, text)
        return Versioned(new, text) if won else None

    async def remove(self, old: Versioned[R]) -> bool:
        """Remove `old` if it is still what is stored. True if this call removed it."""
        return await self._store.swap_record(old.record.KIND, old.record.key, old.text, None)

    async def update(self, kind: type[R], key: str, change: Callable[[R], R]) -> tuple[R, R] | None:
        """Apply `change` to the current record, again on a fresh read whenever another writer got in
        first. (before, after) once it took; None when there is none. Raises RecordBusy."""
        for _ in range(UPDATE_ATTEMPTS):
            current = await self.get(kind, key)
            if current is None:
                return None
            changed = change(current.record)
            if await self.put(current, changed) is not None:
                return current.record, changed
        raise RecordBusy(f"{kind.KIND} {key}")


class Retention(Generic[R]):
    """Forgets the records of one kind older than `keep` seconds (by `made`, when each was made),
    looking at most once per `every` seconds in this process: a look reads them all."""

    def __init__(
        self,
        records: Records,
        kind: type[R],
        made: Callable[[R], float],
        keep: float,
        every: float = LOOK_EVERY,
    ) -> None:
        self._records = records
        self._kind = kind
        self._made = made
        self._keep = keep
        self._every = every
        self._looked_at: float | None = None

    async def forget_old(self, now: float) -> None:
        """Remove what is older than `keep`, unless this process looked less than `every` ago."""
        if self._looked_at is not None and now - self._looked_at < self._every:
            return
        self._looked_at = now
        for old in await self._records.all(self._kind):
            if now - self._made(old.record) > self._keep:
                await self._records.remove(old)
