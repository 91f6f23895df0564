"""When a running instance's detail is read again: spread by id over the last quarter of the refresh."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.nebula.fleet import DETAIL_REFRESH, spread


@given(st.text(min_size=1, max_size=80))
def test_a_detail_is_due_between_three_quarters_of_the_refresh_and_all_of_it(instance_id: str) -> None:
    due = spread(instance_id, DETAIL_REFRESH)
    assert 0.75 * DETAIL_REFRESH <= due <= DETAIL_REFRESH
    assert spread(instance_id, DETAIL_REFRESH) == due  # the same on every replica and after restarts


def test_a_fleet_read_at_once_is_due_over_many_cycles() -> None:
    dues = sorted(spread(f"gpu-{i:04d}", DETAIL_REFRESH) for i in range(1000))
    five_minutes = 300.0
    per_cycle: dict[int, int] = {}
    for due in dues:
        per_cycle[int(due // five_minutes)] = per_cycle.get(int(due // five_minutes), 0) + 1
    assert len(per_cycle) >= 16  # 1.5 h of 5-minute cycles share them
    assert max(per_cycle.values()) < 120
