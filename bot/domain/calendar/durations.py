"""Durations as people type them (`90m`, `24h`, `2d`, `1h30m`, `8 hours`, `2 days`, or plain seconds) and
as the bot writes them."""

from __future__ import annotations

import re
from typing import Final

_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# The words people write for each unit.
_UNIT_WORDS: Final = {
    **{word: "s" for word in ("s", "sec", "secs", "second", "seconds")},
    **{word: "m" for word in ("m", "min", "mins", "minute", "minutes")},
    **{word: "h" for word in ("h", "hr", "hrs", "hour", "hours")},
    **{word: "d" for word in ("d", "day", "days")},
}
# ASCII digits only: `٣h` or `²` are not numbers a person meant to type here.
_PART: Final = re.compile(r" ?([0-9]{1,7}(?:\.[0-9]{1,3})?) ?([a-z]*)", re.ASCII)
TYPED_MAX: Final = 40
# No duration the bot keeps is longer than a year: beyond that a typo is likelier than an intent.
MAX_SECONDS: Final = 366 * 86400
EXAMPLES: Final = "`90m`, `8h`, `1h30m` or `2d` (units s, m, h, d)"


def parse_duration(text: str) -> float:
    """Seconds in `text`: `90m`, `1h30m`, `1h 30m`, `8 hours`, `2 days`. Raises ValueError saying what to
    write instead.

    A bare number alone is seconds. Zero, negative and over-a-year durations are refused.
    """
    typed = " ".join(text.lower().split())
    parts = _parts(typed) if len(typed) <= TYPED_MAX else []
    units = [_UNIT_WORDS.get(unit) if unit else ("s" if len(parts) == 1 else None) for _, unit in parts]
    if not parts or None in units or len(set(units)) < len(units):
        raise ValueError(f"not a duration; write e.g. {EXAMPLES}")
    # Rounded to the microsecond: `0.101d` is 8726.4 s, not 8726.400000000001 (and reads back the same).
    seconds = round(sum(float(n) * _UNITS[u] for (n, _), u in zip(parts, units, strict=True) if u), 6)
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    if seconds > MAX_SECONDS:
        raise ValueError("must be at most a year (366d)")
    return seconds


def _parts(typed: str) -> list[tuple[str, str]]:
    """`1h 30m` as [("1", "h"), ("30", "m")]; [] unless the parts are all there is."""
    parts, at = [], 0
    while at < len(typed):
        found = _PART.match(typed, at)
        if found is None:
            return []
        parts.append((found[1], found[2]))
        at = found.end()
    return parts


def format_duration(seconds: float) -> str:
    """`2d 3h`, `5h 10m`, `45m`, `30s`: the two largest units, rounded down."""
    whole = max(0, int(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    shown = [f"{value}{unit}" for value, unit in parts if value]
    return " ".join(shown[:2]) if shown else "0s"


def format_seconds(seconds: float) -> str:
    """`seconds` written so that `parse_duration` reads it back exactly: `36h`, `90m`, `86.4`."""
    for unit in ("d", "h", "m", "s"):
        amount = round(seconds / _UNITS[unit], 3)
        if amount >= 1 and round(amount * _UNITS[unit], 6) == seconds and amount < 10_000_000:
            written = f"{amount:.3f}".rstrip("0").rstrip(".")
            return written + unit
    return f"{seconds:.3f}".rstrip("0").rstrip(".")
