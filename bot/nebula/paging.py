"""Reading every page of a paged answer, as Nebula's paging behaves rather than as it is documented.

A page may be capped below the limit asked for without being the last, totals may be missing or stale,
and rows shift when something is added or removed meanwhile: pages are read by offsets of the rows
actually received, until an empty page or one shorter than the longest seen, within a bound, and
de-duplicated by key. A page that brings nothing new (a Nebula that ignores `offset` answers the same
rows every time) also ends the read, and says so (`repeated`), for the reader to log once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

T = TypeVar("T")
MAX_PAGES: Final = 200


@dataclass(frozen=True)
class Paged(Generic[T]):
    """Everything read, by key, in order; `complete` when the read ended as a list ends (an empty or
    short page), not at the bound nor on a repeated page."""

    items: tuple[T, ...]
    complete: bool
    pages: int
    repeated: bool = False  # ended on a page that brought nothing new: Nebula ignores `offset`


async def read_all(
    fetch: Callable[[int, int], Awaitable[tuple[Sequence[T], int]]],
    key: Callable[[T], str],
    *,
    size: int,
    max_pages: int = MAX_PAGES,
) -> Paged[T]:
    """Every page `fetch(limit, offset)` answers (its readable items, and how many rows it sent)."""
    found: dict[str, T] = {}
    offset = longest = 0
    for page in range(1, max_pages + 1):
        items, rows = await fetch(size, offset)
        new = 0
        for item in items:
            if key(item) not in found:
                found[key(item)] = item
                new += 1
        if rows == 0 or rows < longest:
            return Paged(tuple(found.values()), True, page)
        if items and not new:
            return Paged(tuple(found.values()), False, page, repeated=True)
        longest = max(longest, rows)
        offset += rows
    return Paged(tuple(found.values()), False, max_pages)
