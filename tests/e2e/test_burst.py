"""A team-wide burst must not break the bot (issue #24): its Nebula client works afterwards, and a
bystander is answered within Slack's 3 s while it lasts."""

from __future__ import annotations

import asyncio
import time

from bot.slack.messages import action_ids
from tests.helpers import buttons, shown
from tests.standins.stack import ALICE, INSTANCE, Stack, eventually


async def test_after_a_burst_of_timeouts_calls_still_reach_nebula(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    ids = [f"gpu-{n}" for n in range(10)]
    for iid in ids:
        stack.nebula.add(iid)
    people = [f"U0P{n:02d}" for n in range(10)]
    # The timeout is short, for the burst's timeouts to be quick; not so short that a loaded machine
    # would miss it on the calls that must get through.
    _, driver = await stack.start_bot(
        nebula_api_timeout="0.5", nebula_bot_allowed_users=",".join([ALICE, *people])
    )
    cid = await stack.request(driver)  # asked for before the burst
    stack.nebula.latency = 2.0  # Nebula slows down: every look-up of the burst times out
    burst = [stack.reply(driver, person, "delete " + " ".join(ids)) for person in people for _ in range(2)]
    started = time.monotonic()
    ack, _ = await driver.command("U0BYSTANDER", "help")  # someone else, meanwhile
    assert time.monotonic() - started < 3.0
    assert ack.status == 200
    answers = await asyncio.gather(*burst)
    said = [shown(message) for message, _ in answers]
    assert all("Could not look up" in text for text in said), said
    stack.nebula.latency = 0.0  # Nebula is back: the bot talks to it as before
    before = len(stack.nebula.calls)
    shown_again, _ = await stack.reply(driver, ALICE, f"show {INSTANCE}")
    assert "trainer-1" in shown(shown_again)
    assert len(stack.nebula.calls) > before
    outcome = await stack.confirm(driver, cid)
    assert "success" in shown(outcome)
    assert len(stack.nebula.deletes()) == 1


async def test_a_person_with_too_many_lookups_waiting_is_told_nebula_is_busy(http_stack: Stack) -> None:
    stack = http_stack
    ids = [f"gpu-{n}" for n in range(10)]
    for iid in ids:
        stack.nebula.add(iid)
    _, driver = await stack.start_bot(nebula_bot_max_pending_per_user=100, nebula_api_concurrency=16)
    stack.nebula.hold_details = True
    asked = [asyncio.create_task(stack.reply(driver, ALICE, "delete " + " ".join(ids))) for _ in range(13)]
    await eventually(lambda: stack.nebula.details_in_flight >= 16)
    await eventually(lambda: any(task.done() for task in asked))  # answered while Nebula holds every call
    stack.nebula.release.set()
    answers = [message for message, _ in await asyncio.gather(*asked)]
    # 130 look-ups from one person: 16 run, 100 wait their turn, the rest are told at once.
    assert any("Nebula is busy with the team's other requests" in shown(message) for message in answers)
    assert any(action_ids.CONFIRM in buttons(message) for message in answers)  # the first were served


async def test_posts_are_paced_per_channel_so_that_a_rate_limit_is_the_exception(http_stack: Stack) -> None:
    # Issue #33.5: Slack takes about one message a second per channel (after a short burst). Five
    # confirmations asked at once in one channel are paced so, not thrown at Slack to be answered 429 over
    # and over (this stand-in is stricter than Slack: it takes no burst, so the burst's second gets 429).
    stack = http_stack
    stack.slack.rate_limit = (1, 1.0)
    ids = [f"gpu-{n}" for n in range(5)]
    for iid in ids:
        stack.nebula.add(iid)
    _, driver = await stack.start_bot(nebula_bot_max_pending_per_user=20, slack_post_pace=1.0)
    await asyncio.gather(*(driver.command(ALICE, f"delete {iid}") for iid in ids))
    await eventually(lambda: len(stack.slack.chat("chat.postMessage")) == 5)
    assert stack.slack.limited <= 2
