"""Every step of a destructive action is an audit record; outcomes also go to the audit channel."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.domain.audit import AuditLine
from bot.store import open_store
from tests.conftest import Cli
from tests.helpers import confirmation_id, shown
from tests.standins.servers import Scripted
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, eventually

AUDIT_CHANNEL = "C0AUDIT"


async def audit_trail(url: str) -> list[AuditLine]:
    store = await open_store(url)
    try:
        return list(reversed(await store.recent(100)))
    finally:
        await store.close()


@pytest.fixture(params=["sqlite", "redis"])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "redis":
        return str(request.getfixturevalue("redis_url"))
    return f"sqlite:///{tmp_path / 'audit.sqlite3'}"


async def test_every_step_is_recorded(http_stack: Stack, state_url: str) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(
        nebula_bot_state_url=state_url, nebula_bot_allowed_users=ALICE, nebula_bot_audit_channel=AUDIT_CHANNEL
    )
    _refused_url_message, _refused_url = await stack.reply(driver, BOB, f"delete {INSTANCE}")
    url_message, _url = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    cid = confirmation_id(url_message)
    await stack.confirm(driver, cid, ALICE)

    trail = await audit_trail(state_url)

    assert [(r.step, r.outcome) for r in trail] == [
        ("refused", "not_allowed"),
        ("requested", "pending"),
        ("confirmed", "claimed"),
        ("executed", "success"),
        ("outcome", "success"),
    ]
    refused, requested, confirmed, executed, outcome = trail
    assert (refused.actor, refused.instance, refused.workspace) == (BOB, INSTANCE, "T0TEAM")
    assert "NEBULA_BOT_ALLOWED_USERS" in refused.message
    assert {r.confirmation for r in (requested, confirmed, executed, outcome)} == {cid}
    assert all(r.channel == "C0OPS" and r.verb == "delete" for r in trail)
    assert executed.message == "Instances deleted successfully"
    assert executed.latency_ms is not None
    assert executed.actor == outcome.actor == ALICE

    [posted] = stack.slack.chat("chat.postMessage", AUDIT_CHANNEL)
    assert "Instances deleted successfully" in shown(posted)


async def test_cancel_and_expiry_are_recorded(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    bot, driver = await stack.start_bot()
    for action in ("nebula_cancel", None):
        url_message, _url = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
        if action:
            cid = confirmation_id(url_message)
            await driver.click(ALICE, action, cid)
            await eventually(lambda cid=cid: "Cancelled" in shown(stack.showing(cid)))  # type: ignore[misc]
    stack.clock.advance(601)
    assert bot.core is not None
    assert (await bot.core.sweep()).expired == 1

    steps = [(r.step, r.outcome, r.actor) for r in await audit_trail(f"sqlite:///{stack.state}")]
    assert ("cancelled", "cancelled", ALICE) in steps
    assert ("expired", "expired", "system") in steps


async def test_a_failing_audit_channel_keeps_the_record(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.slack.channels_without_bot.add(AUDIT_CHANNEL)
    _, driver = await stack.start_bot(nebula_bot_audit_channel=AUDIT_CHANNEL)
    url_message, _url = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    await stack.confirm(driver, confirmation_id(url_message), ALICE)
    await eventually(lambda: "chat.postMessage" in stack.slack.api_calls)

    assert stack.slack.chat("chat.postMessage", AUDIT_CHANNEL) == []
    trail = await audit_trail(f"sqlite:///{stack.state}")
    assert trail[-1].step == "outcome"
    assert trail[-1].outcome == "success"


def test_audit_cli_prints_recent_records(tmp_path: Path, cli: Cli) -> None:
    import asyncio

    state = f"sqlite:///{tmp_path / 'cli.sqlite3'}"

    async def fill() -> None:
        store = await open_store(state)
        for i in range(3):
            await store.append(
                AuditLine(
                    ts=1_700_000_000.0 + i,
                    step="executed",
                    verb="delete",
                    outcome="success",
                    actor=ALICE,
                    instance=f"i-{i}",
                    channel="C0OPS",
                )
            )
        await store.close()

    asyncio.run(fill())
    env = {"NEBULA_BOT_STATE_URL": state}

    def audit(*args: str) -> tuple[int, str]:
        code, out, _ = cli.run("audit", *args, env=env)
        return code, out

    code, out = audit("--limit", "2", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["instance"] for row in rows] == ["i-2", "i-1"]
    assert rows[0]["actor"] == ALICE

    code, out = audit()
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("2023-11-14 22:13:22  executed  delete  success  actor=U0ALICE  instance=i-2")

    code, _, err = cli.run("audit", env={"NEBULA_BOT_STATE_URL": "redis://127.0.0.1:1/0"})
    assert code == 1
    assert "NEBULA_BOT_STATE_URL" in err
    assert "Traceback" not in err


BUSY = '{"status":"failed","message":"busy"}'


@pytest.mark.parametrize(
    ("dry_run", "scripts", "executed", "summary"),
    [
        (True, {}, ["dry_run", "dry_run"], "dry_run"),
        (
            False,
            {"gpu-b": Scripted(409, '{"status":"failed","message":"busy"}')},
            ["failed", "success"],
            "partly_failed",
        ),
    ],
)
async def test_the_audit_and_the_message_agree_on_the_outcome(
    http_stack: Stack, dry_run: bool, scripts: dict[str, Scripted], executed: list[str], summary: str
) -> None:
    stack = http_stack
    for iid in ("gpu-a", "gpu-b"):
        stack.nebula.add(iid)
    stack.nebula.delete_by_id.update(scripts)
    _, driver = await stack.start_bot(nebula_bot_dry_run=dry_run)
    outcome = await stack.confirm(driver, await stack.request(driver, text="delete gpu-a gpu-b"))

    trail = await audit_trail(f"sqlite:///{stack.state}")
    assert sorted(r.outcome for r in trail if r.step == "executed") == executed
    [final] = [r for r in trail if r.step == "outcome"]
    assert final.outcome == summary
    assert summary.replace("_", " ") in shown(outcome)


async def test_a_burst_of_outcomes_under_a_rate_limit_all_arrive_once(http_stack: Stack) -> None:
    stack = http_stack
    ids = [f"gpu-{n}" for n in range(4)]
    for iid in ids:
        stack.nebula.add(iid)
    _, driver = await stack.start_bot(nebula_bot_audit_channel=AUDIT_CHANNEL)
    cids = [await stack.request(driver, text=f"delete {iid}") for iid in ids]
    # From here, Slack's ~1 message per second per channel, scaled down: the outcomes meet it.
    stack.slack.rate_limit = (2, 1.0)
    await asyncio.gather(*(stack.confirm(driver, cid) for cid in cids))

    def audit_posts() -> list[dict[str, object]]:
        return stack.slack.chat("chat.postMessage", AUDIT_CHANNEL)

    await eventually(lambda: len(audit_posts()) == len(ids))
    posted = [next(iid for iid in ids if iid in shown(message)) for message in audit_posts()]
    assert sorted(posted) == ids, "every outcome, none twice"
    assert stack.slack.limited >= 1, "the limit was really hit"


def test_audit_without_a_store_says_where_it_looked_and_creates_nothing(tmp_path: Path, cli: Cli) -> None:
    code, out, err = cli.run("audit")
    assert code == 1
    assert out == ""
    assert err.strip() == "No audit trail at nebula-bot.sqlite3 (set NEBULA_BOT_STATE_URL)"
    assert list(tmp_path.iterdir()) == []
