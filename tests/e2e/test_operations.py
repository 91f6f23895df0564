"""What an operator watches: dry runs and /metrics."""

from __future__ import annotations

import aiohttp

from tests.helpers import confirmation_id, shown
from tests.standins.stack import ALICE, INSTANCE, Stack, eventually


async def test_dry_run_does_everything_but_the_change(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_dry_run=True)
    url_message, _url = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    request = url_message
    assert "*Dry run*: nothing will change" in shown(request)
    click_outcome = await stack.confirm(driver, confirmation_id(request), ALICE)
    outcome = shown(click_outcome)
    assert f"Dry run: would have sent DELETE {stack.nebula.api_url}/computing/instance/{INSTANCE}" in outcome
    assert stack.nebula.changes() == []
    assert [c.method for c in stack.nebula.calls] == ["GET"]


async def scrape(session: aiohttp.ClientSession, port: int) -> str:
    async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return await response.text()


def value(metrics: str, sample: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{sample} not in metrics")


async def test_metrics_count_what_happened(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    bot, driver = await stack.start_bot()
    await driver.command(ALICE, "dlete x")
    url_message, _url = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    before = await scrape(stack.session, bot.port)
    assert value(before, 'nebula_bot_pending_confirmations{team="default"}') == 1
    await stack.confirm(driver, confirmation_id(url_message), ALICE)

    after = await scrape(stack.session, bot.port)
    assert value(after, 'nebula_bot_commands_total{result="accepted",verb="delete"}') == 1
    assert value(after, 'nebula_bot_commands_total{result="usage",verb="invalid"}') == 1
    assert value(after, 'nebula_bot_confirmations_total{outcome="requested"}') == 1
    assert value(after, 'nebula_bot_confirmations_total{outcome="executed"}') == 1
    assert value(after, 'nebula_bot_nebula_requests_total{endpoint="instance.get",status="200"}') == 1
    assert value(after, 'nebula_bot_nebula_requests_total{endpoint="instance.delete",status="200"}') == 1
    assert value(after, 'nebula_bot_nebula_request_seconds_count{endpoint="instance.delete"}') == 1
    assert value(after, 'nebula_bot_pending_confirmations{team="default"}') == 0


async def test_metrics_count_slack_errors_and_nebula_failures(http_stack: Stack) -> None:
    stack = http_stack
    bot, driver = await stack.start_bot()
    stack.slack.response_status = 404
    stack.slack.channels_without_bot.add("C0OPS")
    await driver.command(ALICE, f"delete {INSTANCE}")  # unknown instance: Nebula 404, reply refused
    await eventually(lambda: "chat.postEphemeral" in stack.slack.api_calls)
    metrics = await scrape(stack.session, bot.port)
    assert value(metrics, 'nebula_bot_nebula_requests_total{endpoint="instance.get",status="404"}') == 1
    assert value(metrics, 'nebula_bot_slack_errors_total{method="response_url"}') == 1
    assert value(metrics, 'nebula_bot_slack_errors_total{method="web_api_fallback"}') == 1
