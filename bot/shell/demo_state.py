"""What the demo's store holds at the start: a schedule on one of the demo's instances, so that
`/nebula schedules` and the watcher's notices have something to show."""

from __future__ import annotations

from bot.domain.records import Schedule, new_serial
from bot.nebula.demo import SCHEDULED
from bot.shell.local_slack import TEAM_ID
from bot.shell.options import DEMO_USER
from bot.store.records import Records


async def seed_demo(records: Records, now: float, channel: str) -> None:
    """Put the demo's schedule (weekdays 08:00-19:00 UTC) in the store."""
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
        team_id=TEAM_ID,
        handled_until=now,
        started_until=now,
        serial=new_serial(),
    )
    await records.put(None, schedule)
