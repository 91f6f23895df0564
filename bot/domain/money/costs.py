"""What running instances cost: how long each has run, what it has cost so far, the fleet's burn rate.

Pure functions over what Nebula said. Nebula's numbers are untrusted text ("12.5000 hours",
"$8.4875", "0.679", "EST 2024-11-04 10:11:50"): anything unreadable, negative, not finite or absurd
reads as unknown, never as zero and never as an exception.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Final, Literal

from bot.domain.fleet.instance import Instance

# Beyond these a value is a bug or an attack, not a GPU bill.
_MAX_HOURS: Final = 24 * 366 * 10
# Nebula Block did not run GPU instances before this (2020-01-01 UTC): an earlier start is a placeholder
# (`0001-01-01`, `1900-01-01`), not a time. A start in the future is allowed this much clock skew.
NEBULA_EPOCH: Final = 1577836800.0
_SKEW: Final = 300.0
_MAX_MONEY: Final = 1e9
_HOURS: Final = re.compile(
    r"\s*(\d+(?:\.\d+)?)\s*(hours?|hrs?|h|minutes?|mins?|m|days?|d)?\s*", re.IGNORECASE
)
_MONEY: Final = re.compile(r"\s*(?:US)?\$?\s*(\d+(?:\.\d+)?)\s*(?:USD)?\s*", re.IGNORECASE)
# The zones Nebula's start_time has been seen to name, and their neighbours; anything else is unknown.
_ZONES: Final = {
    "UTC": 0, "GMT": 0, "Z": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
}  # fmt: skip
_START: Final = re.compile(
    r"\s*([A-Z]{1,4})?\s*(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})\s*([A-Z]{1,4})?\s*"
)

Since = Literal["nebula", "start_time", "first_seen"]


@dataclass(frozen=True)
class Usage:
    """One running instance's time and money so far. None where nothing trustworthy is known.

    `discarded` names a figure Nebula gave that was not believed (for the log), or is None.
    """

    instance: Instance
    running_seconds: float | None
    since: Since | None
    cost: float | None
    per_hour: float | None
    discarded: str | None = None
    nebulas: bool = False  # `cost` is Nebula's own figure (`total_cost`), not price × time

    @property
    def own_cost(self) -> float | None:
        """What Nebula says the instance has cost so far, when it said so believably."""
        return self.cost if self.nebulas else None


def _number(text: str | None, pattern: re.Pattern[str], limit: float) -> float | None:
    if not text:
        return None
    match = pattern.fullmatch(text)
    if match is None:
        return None
    value = float(match.group(1))
    return value if math.isfinite(value) and 0 <= value <= limit else None


def money(text: str | None) -> float | None:
    """Dollars in "$8.4875", "8.4875" or "0.679"."""
    return _number(text, _MONEY, _MAX_MONEY)


def running_hours(text: str | None) -> float | None:
    """Hours in Nebula's `running_time` ("12.5000 hours"; minutes and days are read too)."""
    if not text:
        return None
    match = _HOURS.fullmatch(text)
    if match is None:
        return None
    value = float(match.group(1))
    unit = (match.group(2) or "h").lower()
    hours = value / 60 if unit.startswith("m") else value * 24 if unit.startswith("d") else value
    return hours if math.isfinite(hours) and 0 <= hours <= _MAX_HOURS else None


def start_time(text: str | None) -> float | None:
    """Seconds since the epoch of Nebula's `start_time` ("EST 2024-11-04 10:11:50"), or ISO 8601."""
    if not text:
        return None
    match = _START.fullmatch(text)
    if match is not None:
        zone = match.group(1) or match.group(4) or "UTC"
        if zone not in _ZONES:
            return None
        try:
            naive = datetime.fromisoformat(f"{match.group(2)}T{match.group(3)}")
        except ValueError:
            return None
        return naive.replace(tzinfo=timezone(timedelta(hours=_ZONES[zone]))).timestamp()
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def usage(instance: Instance, now: float, first_seen: float | None = None) -> Usage:
    """How long `instance` has run and what it has cost: Nebula's own figures first.

    Running time: `running_time`, else `start_time`, else when the bot first saw it running.
    Cost: `total_cost`, else `price_per_hour` × hours.
    """
    # Each figure is read once: a watcher cycle does this for every running instance of the fleet.
    per_hour = money(instance.price_per_hour)
    hours = running_hours(instance.running_time)
    started = start_time(instance.start_time)
    total = money(instance.total_cost)
    discarded = _implausible(now, per_hour, hours, started, total)
    seconds: float | None = None
    since: Since | None = None
    if hours is not None and "running_time" not in discarded:
        seconds, since = hours * 3600, "nebula"
    elif started is not None and "start_time" not in discarded:
        seconds, since = max(0.0, now - started), "start_time"
    elif first_seen is not None and first_seen <= now:
        seconds, since = now - first_seen, "first_seen"
    cost = total if "total_cost" not in discarded else None
    nebulas = cost is not None
    if cost is None and per_hour is not None and seconds is not None:
        cost = per_hour * seconds / 3600
    return Usage(instance, seconds, since, cost, per_hour, ", ".join(discarded) or None, nebulas)


def _implausible(
    now: float, per_hour: float | None, hours: float | None, started: float | None, cost: float | None
) -> list[str]:
    """Nebula's figures that cannot be true: a start before Nebula existed or in the future, a running
    time or a cost beyond what running since then could add up to. Placeholders or bugs, never a bill."""
    possible_hours = max(0.0, now - NEBULA_EPOCH) / 3600
    found = []
    if started is not None and not (NEBULA_EPOCH <= started <= now + _SKEW):
        found.append("start_time")
    if hours is not None and hours > possible_hours:
        found.append("running_time")
    if cost is not None and per_hour is not None and cost > per_hour * possible_hours:
        found.append("total_cost")
    return found


@dataclass(frozen=True)
class FleetCost:
    """The running fleet, costliest first, with its burn rate and what it has cost so far."""

    rows: tuple[Usage, ...]
    per_hour: float
    so_far: float
    unpriced: int  # running instances whose $/h Nebula did not give

    @property
    def per_day(self) -> float:
        """The burn rate over a day."""
        return self.per_hour * 24


def summed(rows: Iterable[Usage]) -> FleetCost:
    """The fleet's figures from its running instances' usage."""
    ordered = sorted(
        rows, key=lambda row: (row.cost if row.cost is not None else -1.0, row.instance.id), reverse=True
    )
    return FleetCost(
        rows=tuple(ordered),
        per_hour=sum(row.per_hour or 0.0 for row in ordered),
        so_far=sum(row.cost or 0.0 for row in ordered),
        unpriced=sum(1 for row in ordered if row.per_hour is None),
    )
