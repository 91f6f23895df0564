"""A lease's life: set, ended with a notice, its change sent once after the grace, or kept instead."""

from __future__ import annotations

from bot.domain.records import Lease
from bot.slack.messages import action_ids
from bot.store import Records
from tests.helpers import buttons, shown
from tests.service.conftest import Bench, Build
from tests.standins.stack import BOB, INSTANCE

HOUR = 3600.0


def notice(bench: Bench) -> str:
    """What the newest lease notice's Keep button carries."""
    [*_, newest] = bench.with_buttons(action_ids.KEEP)
    return str(buttons(newest.body)[action_ids.KEEP]["value"])


async def ended(bench: Bench) -> None:
    """Set a one-hour lease, let it end, and run the watcher's lease step."""
    await bench.command(f"lease {INSTANCE} 1h")
    bench.clock.advance(HOUR)
    await bench.core.cycle()


async def test_a_lease_ends_with_a_notice_then_one_stop_after_the_grace(bench: Build) -> None:
    b = await bench(lease_action="stop", lease_grace=600.0, watch_channel=None)
    b.nebula.add(INSTANCE)
    await ended(b)
    assert "The bot will stop it" in b.texts()[-1]
    assert b.nebula.changes() == []
    b.clock.advance(601)
    await b.core.cycle()
    await b.core.cycle()
    assert [c.path.rsplit("/", 1)[1] for c in b.nebula.changes()] == ["stop"]
    assert await Records(b.store).get(Lease, INSTANCE) is None


async def test_keep_withdraws_the_stop_and_an_older_notice_is_out_of_date(bench: Build) -> None:
    b = await bench(lease_action="stop", lease_grace=600.0, watch_channel=None)
    b.nebula.add(INSTANCE)
    await ended(b)
    first = notice(b)
    [shown_notice] = b.with_buttons(action_ids.KEEP)
    await b.click(action_ids.KEEP, first, BOB)
    assert "Kept by <@U0BOB>" in shown(shown_notice.body)  # the notice itself now says so, without buttons
    assert not buttons(shown_notice.body)
    b.clock.advance(601)
    await b.core.cycle()
    assert b.nebula.changes() == []
    await b.click(action_ids.KEEP, first, BOB)  # the same notice, pressed again
    assert "out of date" in b.texts()[-1]
