"""When an instance should run: windows such as `weekdays 08:00-19:00 Europe/Berlin`. Pure.

Outside its windows a scheduled instance is stopped; at the start of the next window it is started
again, if the schedule stopped it. Times are wall-clock times in the window's zone, so daylight saving
is the zone database's business: a time that does not exist that day (the clocks jump over it) has no
window edge that day, and a time that happens twice counts once (the first time).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAMED_DAYS: Final = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_TIMES: Final = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])", re.ASCII)
_ZONE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}", re.ASCII)
# How far back a cycle looks for a window edge it has not handled (a bot down longer forgets the rest).
LOOK_BACK: Final = 8 * 86400.0

WindowProblem = Literal["days", "times", "same_times", "zone"]


@dataclass(frozen=True)
class WindowError:
    """Text that is not a window: which part (`problem`), and the word."""

    problem: WindowProblem
    word: str = ""


@dataclass(frozen=True)
class Window:
    """The days a window starts on (0 = Monday), its start and end (HH:MM; an end before the start
    ends the next day), and the zone they are read in."""

    days: frozenset[int]
    start: str
    end: str
    zone: str

    @property
    def text(self) -> str:
        """As a person writes it: `weekdays 08:00-19:00 Europe/Berlin`."""
        return f"{days_text(self.days)} {self.start}-{self.end} {self.zone}"

    def ends(self, after: float, until: float) -> list[float]:
        """The window ends in (`after`, `until`], oldest first, as epoch seconds."""
        return [e for _, e in self._edges(after, until) if e is not None and after < e <= until]

    def starts(self, after: float, until: float) -> list[float]:
        """The window starts in (`after`, `until`], oldest first, as epoch seconds."""
        return [s for s, _ in self._edges(after, until) if s is not None and after < s <= until]

    def end_after(self, start: float) -> float | None:
        """The end of the window that starts at `start`."""
        for s, e in self._edges(start - 1, start + 2 * 86400):
            if s == start:
                return e
        return None

    def _edges(self, after: float, until: float) -> Iterator[tuple[float | None, float | None]]:
        zone = ZoneInfo(self.zone)
        first = dt.datetime.fromtimestamp(after, zone).date() - dt.timedelta(days=1)
        last = dt.datetime.fromtimestamp(until, zone).date()
        start, end = _clock(self.start), _clock(self.end)
        day = first
        while day <= last:
            if day.weekday() in self.days:
                end_day = day if end > start else day + dt.timedelta(days=1)
                yield _epoch(day, start, zone), _epoch(end_day, end, zone)
            day += dt.timedelta(days=1)


def days_text(days: frozenset[int]) -> str:
    """`daily`, `weekdays`, `weekends`, or the days named: `mon,wed,fri`."""
    for name, named in NAMED_DAYS.items():
        if days == named:
            return name
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def parse_days(word: str) -> frozenset[int] | None:
    """`daily`, `weekdays`, `weekends`, `mon-fri`, `sat,sun`, `tue`: the weekdays, or None."""
    word = word.lower()
    if word in NAMED_DAYS:
        return NAMED_DAYS[word]
    days: set[int] = set()
    for part in word.split(","):
        first, dash, last = part.partition("-")
        if first not in DAY_NAMES or (dash and last not in DAY_NAMES):
            return None
        a, b = DAY_NAMES.index(first), DAY_NAMES.index(last if dash else first)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(days)


def parse_window(words: list[str], default_zone: str) -> Window | WindowError:
    """`<days> HH:MM-HH:MM [zone]` as typed after the instance."""
    if len(words) not in (2, 3):
        return WindowError("times", " ".join(words))
    days = parse_days(words[0])
    if days is None:
        return WindowError("days", words[0])
    times = _TIMES.fullmatch(words[1])
    if times is None:
        return WindowError("times", words[1])
    start, end = f"{times[1]}:{times[2]}", f"{times[3]}:{times[4]}"
    if start == end:
        return WindowError("same_times", words[1])
    zone = words[2] if len(words) == 3 else default_zone
    if not is_zone(zone):
        return WindowError("zone", zone)
    return Window(days, start, end, zone)


def is_zone(name: str) -> bool:
    """True for a time zone the zone database knows (`Europe/Berlin`, `UTC`)."""
    if not _ZONE.fullmatch(name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _clock(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def _epoch(day: dt.date, at: dt.time, zone: ZoneInfo) -> float | None:
    """`day` at `at` in `zone` as epoch seconds; None when the clocks skip that time that day."""
    local = dt.datetime.combine(day, at, tzinfo=zone)  # fold=0: a repeated time counts the first time
    back = local.astimezone(dt.UTC).astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return local.timestamp()
