"""When an instance should run: windows such as `weekdays 08:00-19:00 Europe/Berlin`. Pure.

Outside its windows a scheduled instance is stopped; at the start of the next window it is started
again, if the schedule stopped it. Times are wall-clock times in the window's zone, so daylight saving
is the zone database's business: a time that does not exist that day (the clocks jump over it) has no
window edge that day, and a time that happens twice counts once (the first time).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
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
_ZONE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}", re.ASCII)
# How far back a cycle looks for a window edge it has not handled (a bot down longer forgets the rest).
LOOK_BACK: Final = 8 * 86400.0

WindowProblem = Literal["days", "times", "same_times", "zone"]


@dataclass(frozen=True)
class WindowError:
    """Text that is not a window: which part (`problem`), and the word."""

    problem: WindowProblem
    word: str = ""
    meant: tuple[str, ...] = ()  # for a zone written as an abbreviation: the zones it may mean


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

    def holds(self, at: float) -> bool:
        """True when `at` falls inside one of the window's occurrences."""
        return any(s is not None and e is not None and s <= at < e for s, e in self._edges(at - 86400, at))

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


HORIZON: Final = 8 * 86400.0  # how far ahead the next stop and start are looked for


@dataclass(frozen=True)
class Outlook:
    """Where a scheduled instance stands now: inside its hours or not, and its next window edges (None:
    none within a week)."""

    inside: bool
    next_stop: float | None
    next_start: float | None


def outlook(window: Window, now: float) -> Outlook:
    """The window's outlook at `now`."""
    ends = window.ends(now, now + HORIZON)
    starts = window.starts(now, now + HORIZON)
    return Outlook(window.holds(now), ends[0] if ends else None, starts[0] if starts else None)


def zoned(at: float, zone: str) -> str:
    """A moment as the schedule's zone reads it, the zone said: `Tue 08 Dec 02:00 Europe/Berlin`."""
    return f"{dt.datetime.fromtimestamp(at, ZoneInfo(zone)):%a %d %b %H:%M} {zone}"


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
    """`[<days>] <start>-<end> [zone]` as typed after the instance (no days: every day). Times as people
    write them: `08:00`, `8:00`, `8`, `8am`, `5:30 pm`, joined by `-`, `–` or `to`; a zone in any case
    (`europe/berlin`)."""
    if not words:
        return WindowError("times")
    days = parse_days(words[0])
    if days is None and _RANGE.fullmatch(" ".join(words)):
        days, words = NAMED_DAYS["daily"], ["daily", *words]  # hours without days: every day
    if days is None:
        return WindowError("days", words[0])
    typed = " ".join(words[1:])
    times = _RANGE.fullmatch(typed)
    if times is None:
        return WindowError("times", typed or words[0])
    start, end = _hh_mm(times["from"]), _hh_mm(times["until"])
    if start is None or end is None:
        return WindowError("times", typed)
    if start == end:
        return WindowError("same_times", typed)
    if times["zone"] is None:
        return Window(days, start, end, default_zone)
    zone = find_zone(times["zone"])
    if isinstance(zone, WindowError):
        return zone
    return Window(days, start, end, zone)


_TIME: Final = r"[0-9]{1,2}(?::[0-9]{2})?(?: ?[ap]\.?m\.?)?"
_RANGE: Final = re.compile(
    rf"(?P<from>{_TIME}) ?(?:-|–|—|to) ?(?P<until>{_TIME})(?: (?P<zone>\S+))?", re.ASCII | re.IGNORECASE
)


def _hh_mm(typed: str) -> str | None:
    """`8`, `08:00`, `8am`, `5:30 pm` as `HH:MM`; None for a time that is not one (`25:00`, `13pm`)."""
    text = typed.lower().replace(".", "").replace(" ", "")
    half = text[-2:] if text.endswith(("am", "pm")) else None
    hours_text, _, minutes_text = (text[:-2] if half else text).partition(":")
    hours, minutes = int(hours_text), int(minutes_text or 0)
    if half is not None:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if half == "pm" else 0)
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


# Abbreviations people write for zones: not zones the database should be asked for (`EST` there is a
# fixed offset, wrong all summer), but a hint at the zone they mean.
_ABBREVIATIONS: Final = {
    "pst": ("America/Los_Angeles",),
    "pdt": ("America/Los_Angeles",),
    "pt": ("America/Los_Angeles",),
    "mst": ("America/Denver", "America/Phoenix"),
    "mdt": ("America/Denver",),
    "cst": ("America/Chicago", "Asia/Shanghai"),
    "cdt": ("America/Chicago",),
    "est": ("America/New_York",),
    "edt": ("America/New_York",),
    "et": ("America/New_York",),
    "bst": ("Europe/London",),
    "cet": ("Europe/Berlin", "Europe/Paris"),
    "cest": ("Europe/Berlin", "Europe/Paris"),
    "eet": ("Europe/Athens", "Europe/Helsinki"),
    "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "jst": ("Asia/Tokyo",),
    "kst": ("Asia/Seoul",),
    "sgt": ("Asia/Singapore",),
    "aest": ("Australia/Sydney",),
    "aedt": ("Australia/Sydney",),
}


def find_zone(typed: str) -> str | WindowError:
    """The zone `typed` names, as the database spells it (`europe/berlin` is Europe/Berlin); for an
    abbreviation, an error naming the zones it may mean (`PST`: America/Los_Angeles)."""
    meant = _ABBREVIATIONS.get(typed.lower())
    if meant is not None:
        return WindowError("zone", typed, meant)
    if not _ZONE.fullmatch(typed):
        return WindowError("zone", typed)
    spelt = _zones().get(typed.lower())
    return spelt if spelt is not None else WindowError("zone", typed)


@functools.cache
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def is_zone(name: str) -> bool:
    """True for a time zone the zone database knows, spelt as it spells it (`Europe/Berlin`, `UTC`)."""
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
