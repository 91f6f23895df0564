"""What Nebula billed, kept between readings: the consumption rows of the account's credit history
(hourly; each row bills the hour that ends at its time, UTC), which budgets count instead of the
bot's own estimate wherever they can. Pure: rows in, sums out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Final

from bot.domain.money.credits import CreditRow
from bot.domain.records import Record

HOUR: Final = 3600.0
DAY: Final = 86400.0
# Long enough for a month's budget and the digest's days; the rest is forgotten.
KEEP: Final = 40 * 86400.0
# At most this many rows are kept (forty days of hourly rows is 960): a history that sends thousands
# of rows an hour keeps its newest, not a record that grows without end.
MAX_KEPT: Final = 2000
# A row timed later than this after now is not believed (a clock may be a little off, not a day).
SKEW: Final = 3600.0
# A bill whose newest row is older than this no longer speaks for the period: the estimate does.
STALE: Final = 6 * 3600.0
# The digest says so when a day's estimate and its bill are further apart than this share, and at
# least NOTICED dollars apart.
APART: Final = 0.10
NOTICED: Final = 1.0


@dataclass(frozen=True)
class Bill(Record, kind="bill"):
    """The consumption rows seen so far (row id -> [its time, its amount]), the order the history
    was seen in (`newest_first`; None: not known yet), and how many rows it held then."""

    rows: dict[str, list[float]] = field(default_factory=dict)
    newest_first: bool | None = None
    total: int = 0

    @property
    def key(self) -> str:
        """There is one bill per account (a team's key)."""
        return "account"

    @property
    def until(self) -> float | None:
        """The end of the newest billed hour, or None before any consumption."""
        return max((at for at, _ in self.rows.values()), default=None)

    def between(self, start: float, end: float) -> float:
        """What was billed for the hours from `start` to `end`."""
        return sum(amount for at, amount in self.rows.values() if start < at <= end)


def whole_days(bill: Bill, starts: Mapping[str, float]) -> dict[str, float]:
    """What was billed for each day (`YYYY-MM-DD` -> its start, UTC) whose every hour the bill holds:
    its last hour billed, and the bill reaching back to its first (before it, the history was not
    read: a day without rows there is unknown, not free)."""
    until = bill.until
    if until is None:
        return {}
    earliest = min(at for at, _ in bill.rows.values())
    return {
        day: bill.between(start, start + DAY)
        for day, start in starts.items()
        if until >= start + DAY and earliest <= start + HOUR
    }


class Unbilled(Enum):
    """Why a budget counts the bot's estimate instead of what Nebula billed."""

    NOT_READ = "not_read"  # the watcher has not read the history yet
    NOTHING_BILLED = "nothing_billed"  # the history has no consumption yet
    STALE = "stale"  # its newest consumption is older than STALE
    UNREAD = "unread"  # the history could not be read
    SHARED = "shared"  # the account is shared with another team: its bill is theirs too
    SPLIT = "split"  # shared, and the team counts its own instances' costs (named in its table)


@dataclass(frozen=True)
class Billed:
    """A period's spend as Nebula billed it: `amount` for the hours up to `until`."""

    amount: float
    until: float


def merged(bill: Bill, rows: Iterable[CreditRow], now: float, total: int | None) -> Bill:
    """`bill` with the consumption among `rows` added (a row seen twice counts once), and rows older
    than KEEP forgotten, or timed in the future. Purchases are not spend."""
    kept = {row_id: pair for row_id, pair in bill.rows.items() if pair[0] > now - KEEP}
    for row in rows:
        if not row.purchase and now - KEEP < row.at <= now + SKEW:
            kept.setdefault(row.id, [row.at, row.amount])
    if len(kept) > MAX_KEPT:
        newest = sorted(kept.items(), key=lambda item: (-item[1][0], item[0]))[:MAX_KEPT]
        kept = dict(newest)
    return Bill(kept, bill.newest_first, total if total is not None else bill.total)


def order_of(rows: tuple[CreditRow, ...]) -> bool | None:
    """Whether a page lists the newest rows first (None: it cannot tell, all rows at one time)."""
    if len(rows) < 2 or rows[0].at == rows[-1].at:
        return None
    return rows[0].at > rows[-1].at


def billed_for(bill: Bill, start: float, now: float) -> Billed | Unbilled:
    """What was billed from `start` to `now`; or why the bill cannot be counted."""
    until = bill.until
    if until is None:
        return Unbilled.NOTHING_BILLED
    if now - until > STALE:
        return Unbilled.STALE
    return Billed(bill.between(start, now), until)


@dataclass(frozen=True)
class Disagreement:
    """A day (UTC, `YYYY-MM-DD`) whose estimate was far from what Nebula billed for it."""

    day: str
    billed: float
    estimated: float


def far_apart(billed: float, estimated: float) -> bool:
    """Whether a day's estimate is far enough from its bill to say so: more than APART of the larger,
    and at least NOTICED dollars."""
    gap = abs(estimated - billed)
    return gap >= NOTICED and gap > APART * max(billed, estimated)
