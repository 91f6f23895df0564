"""What the demo's store holds at the start: a schedule on one of the demo's instances, and a budget
83 % spent, so that `/nebula schedules`, `/nebula budget` and the watcher have something to show."""

from __future__ import annotations

from typing import Final

from bot.domain.money.budgets import Budget, Ledger, day_of, period_bounds
from bot.domain.records import Schedule, new_serial
from bot.nebula.demo import SCHEDULED
from bot.nebula.demo_bill import MONTH_BILLED
from bot.shell.local_slack import TEAM_ID
from bot.shell.options import DEMO_USER
from bot.store import Records, open_store

BUDGET: Final = 5000.0  # MONTH_BILLED is 83 % of it
# The demo fleet's running instances and what each has spent this month, in proportion to its price.
SPENDERS: Final = {
    "4f1c9e2a-7b3d-4c8e-9a51-0d2e6f8b1c37": 23.92,
    "8a2d5b7c-1e9f-4a3b-b6c2-5f7e0d9a4b18": 7.16,
    "c3e8f1a9-5d2b-4f7c-8e6a-2b9d4c1f7e05": 0.679,
}


async def seed_demo(state_url: str, now: float, channel: str) -> None:
    """Put the demo's schedule (weekdays 08:00-19:00 UTC) and its budget in the store at `state_url`."""
    store = await open_store(state_url)
    try:
        records = Records(store)
        await _schedule(records, now, channel)
        await _budget(records, now)
    finally:
        await store.close()


async def _budget(records: Records, now: float) -> None:
    start, _ = period_bounds("month", now)
    burn = sum(SPENDERS.values())
    spent = MONTH_BILLED  # the estimate agrees with what the demo's Nebula billed
    by_instance = {iid: spent * price / burn for iid, price in SPENDERS.items()}
    days = max(1, int((now - start) // 86400) + 1)
    # An uneven spend by day that adds up to the month's (the budget and the digest's chart agree).
    weights = {day_of(now - n * 86400): 0.7 + 0.6 * (n % 3) / 2 for n in range(days)}
    by_day = {day: spent * weight / sum(weights.values()) for day, weight in weights.items()}
    await records.put(None, Budget(amount=BUDGET, period="month", set_by=DEMO_USER, set_at=start))
    ledger = Ledger(period_start=start, per_hour=burn, by_instance=by_instance, by_day=by_day)
    await records.put(None, ledger)


async def _schedule(records: Records, now: float, channel: str) -> None:
    instance_id, host_name = SCHEDULED
    schedule = Schedule(
        instance_id=instance_id,
        host_name=host_name,
        days="weekdays",
        start="08:00",
        end="19:00",
        zone="UTC",
        set_by=DEMO_USER,
        set_at=now,
        channel_id=channel,
        workspace=TEAM_ID,
        handled_until=now,
        started_until=now,
        serial=new_serial(),
    )
    await records.put(None, schedule)
