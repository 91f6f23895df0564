"""Outcomes that never depend on Slack (issues #19.6, #24), a success Nebula contradicts (#24), and a
protection that wins over a change still waiting to be sent (#19.1)."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.domain.confirmation import State
from bot.slack.messages import action_ids
from bot.store.sqlite import connection as sqlite_store
from tests.e2e.watching import HOUR, lease, stops
from tests.helpers import shown
from tests.standins.servers import Scripted
from tests.standins.slack_driver import CHANNEL
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, audit, eventually, eventually_async, stored

CONTRADICTIONS = [
    '{"message": "Instances deleted successfully"}',
    '{"status": "SUCCESS", "message": "Instances deleted"}',
]


async def done(stack: Stack, cid: str) -> bool:
    entry = await stored(f"sqlite:///{stack.state}", cid)
    return entry is not None and entry.state is State.DONE


async def test_an_outcome_is_recorded_while_slack_rate_limits_every_post(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(nebula_bot_drain_timeout="1s")
    cid = await stack.request(driver)
    stack.slack.limit_every_chat = True
    stack.slack.response_status = 404
    await driver.click(ALICE, action_ids.CONFIRM, cid)
    await eventually(lambda: len(stack.nebula.deletes()) == 1)
    await eventually_async(lambda: done(stack, cid))
    assert runtime.core is not None
    trail = [r for r in await audit(runtime, 20) if r.step == "outcome"]
    assert [(r.outcome, r.confirmation) for r in trail] == [("success", cid)]


async def test_a_known_outcome_is_recorded_at_shutdown(
    http_stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    stack = http_stack
    # A store write gives up after 0.2 s (not 10): the outcome's first recording fails while locked.
    monkeypatch.setattr(sqlite_store, "BUSY_MS", 200)
    stack.nebula.add(INSTANCE)
    runtime, driver = await stack.start_bot(nebula_bot_drain_timeout="1s")
    cid = await stack.request(driver)
    stack.slack.limit_every_chat = True
    stack.slack.response_status = 404
    stack.nebula.hold_deletes = True
    await driver.click(ALICE, action_ids.CONFIRM, cid)
    await eventually(lambda: len(stack.nebula.deletes()) == 1)
    locker = sqlite3.connect(stack.state, timeout=1, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # the store cannot take the outcome when Nebula answers
    stack.nebula.release.set()

    def failed_to_record() -> bool:
        return any(record.getMessage() == "outcome.record_failed" for record in caplog.records)

    await eventually(failed_to_record)  # the store was locked when Nebula answered
    await eventually(lambda: stack.slack.limited > 2)  # and the outcome is stuck at Slack
    locker.execute("ROLLBACK")
    locker.close()
    entry = await stored(f"sqlite:///{stack.state}", cid)
    assert entry is not None
    assert entry.state is State.CLAIMED  # not recorded yet: the store was locked when Nebula answered
    await stack.stop_bot(runtime)  # SIGTERM, in effect, with a 1 s drain
    entry = await stored(f"sqlite:///{stack.state}", cid)
    assert entry is not None
    assert entry.state is State.DONE
    assert entry.outcomes[0].status == "success"
    # After a restart nothing is reported as unknown: the store knows how it went.
    stack.slack.limit_every_chat = False
    runtime, _ = await stack.start_bot()
    assert runtime.core is not None
    stack.clock.advance(3600)
    assert (await runtime.core.sweep()).recovered == 0


@pytest.mark.parametrize("body", CONTRADICTIONS)
async def test_a_success_that_contradicts_itself_is_unknown(http_stack: Stack, body: str) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)
    stack.nebula.delete = Scripted(status=200, body=body)
    outcome = shown(await stack.confirm(driver, cid))
    assert "unknown" in outcome
    assert "failed" not in outcome
    assert "Instances deleted" in outcome
    assert "contradicts itself" in outcome
    assert "Checked afterwards" in outcome


async def test_a_protection_made_while_a_lease_waits_on_an_owner_lookup_wins(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, user={"email": "owner@example.com", "name": "Owner"})
    settings = {
        "nebula_bot_lease_action": "stop",
        "nebula_bot_lease_grace": "0s",
        "nebula_bot_watch_interval": "1h",
        "nebula_bot_usergroup_cache_ttl": "0",
    }
    runtime, driver = await stack.start_bot(**settings)
    assert runtime.core is not None
    await lease(stack, driver, f"{INSTANCE} 1h")
    stack.clock.advance(HOUR)
    await runtime.core.cycle()  # the notice
    stack.slack.lookup_error, stack.slack.lookup_delay = "ratelimited", 0.5
    looked = len(stack.slack.email_lookups)
    due = asyncio.create_task(runtime.core.cycle())  # the stop, behind a slow, failing lookup
    await eventually(lambda: len(stack.slack.email_lookups) > looked)
    protected, _ = await stack.reply(driver, BOB, f"protect {INSTANCE} final eval")
    assert "is protected by <@U0BOB>" in shown(protected)
    await due
    assert stops(stack) == []
    said = [shown(m) for m in stack.slack.chat("chat.postMessage", CHANNEL)]
    assert any("is protected by <@U0BOB>" in text and "Nothing was stopped" in text for text in said)


async def test_an_owner_slack_could_not_look_up_means_an_approver(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE, user={"email": "owner@example.com", "name": "Owner"})
    stack.slack.lookup_error = "ratelimited"
    _, driver = await stack.start_bot(nebula_bot_owner_rule="owner-or-approver", nebula_bot_approvers=BOB)
    message, _ = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    assert "Needs approval by <@U0BOB>" in shown(message)
    cid = stack.request_seen(message)
    [refused] = await stack.click(driver, ALICE, cid)
    assert "someone else must approve it" in shown(refused)
    assert stack.nebula.deletes() == []
