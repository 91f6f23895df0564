"""A lease's life: set, ended with a notice, its change sent once after the grace, or kept instead."""

from __future__ import annotations

from bot.domain.commands import LeaseCommand
from bot.domain.controls import NoticeRef, read_notice_value
from bot.domain.records import Lease
from bot.slack.messages import action_ids
from tests.helpers import buttons
from tests.service.conftest import Bench, Build
from tests.standins.stack import BOB, INSTANCE

HOUR = 3600.0


def notice(bench: Bench) -> NoticeRef:
    """What the newest lease notice's Keep button names."""
    [*_, newest] = bench.slack.with_buttons(action_ids.KEEP)
    ref = read_notice_value(str(buttons(newest.body)[action_ids.KEEP]["value"]))
    assert ref is not None
    return ref


async def ended(bench: Bench) -> None:
    """Set a one-hour lease, let it end, and run the watcher's lease step."""
    await bench.core.leases.command(bench.actor(), bench.to(), LeaseCommand(INSTANCE, seconds=HOUR))
    bench.clock.advance(HOUR)
    await bench.core.watcher.cycle()


async def test_a_lease_ends_with_a_notice_then_one_stop_after_the_grace(bench: Build) -> None:
    b = await bench(lease_action="stop", lease_grace=600.0, watch_channel=None)
    b.nebula.add(INSTANCE)
    await ended(b)
    assert "The bot will stop it" in b.slack.texts()[-1]
    assert b.nebula.changes() == []
    b.clock.advance(601)
    await b.core.watcher.cycle()
    await b.core.watcher.cycle()
    assert [c.path.rsplit("/", 1)[1] for c in b.nebula.changes()] == ["stop"]
    assert await b.core.services.records.get(Lease, INSTANCE) is None


async def test_keep_withdraws_the_stop_and_an_older_notice_is_out_of_date(bench: Build) -> None:
    b = await bench(lease_action="stop", lease_grace=600.0, watch_channel=None)
    b.nebula.add(INSTANCE)
    await ended(b)
    first = notice(b)
    [shown_notice] = b.slack.with_buttons(action_ids.KEEP)
    await b.core.leases.keep(b.actor(BOB), b.to(BOB), first)
    assert "Kept by <@U0BOB>" in shown_notice.text  # the notice itself now says so, without buttons
    assert not buttons(shown_notice.body)
    b.clock.advance(601)
    await b.core.watcher.cycle()
    assert b.nebula.changes() == []
    await b.core.leases.keep(b.actor(BOB), b.to(BOB), first)  # the same notice, pressed again
    assert "out of date" in b.slack.texts()[-1]
