"""When Slack, Nebula or the store misbehave, the bot still tells the truth and never acts twice."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from bot.domain.confirmation import State
from bot.slack.messages import action_ids
from bot.store import open_store
from tests.helpers import buttons, confirmation_id, shown
from tests.standins.redis_server import RedisServer
from tests.standins.servers import Scripted
from tests.standins.slack_driver import CHANNEL
from tests.standins.stack import (
    ALICE,
    BOB,
    HANG_TIMEOUT,
    INSTANCE,
    Stack,
    eventually,
    eventually_async,
    posts,
)


async def test_dns_failure_means_unreachable(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(nebula_api_url="http://nebula-api.invalid/api/v1")
    url_message, _url = await stack.reply(driver, ALICE, f"delete {INSTANCE}")
    said = shown(url_message)
    assert "Nebula at nebula-api.invalid is unreachable (its name does not resolve)" in said
    assert "check NEBULA_API_URL" in said


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("still listed", "Checked afterwards: the instance is still Running."),
        ("gone", "Checked afterwards: the instance is gone."),
        ("no answer", "Checked afterwards: still unknown"),
    ],
)
async def test_an_unknown_outcome_is_followed_by_one_read(
    http_stack: Stack, after: str, expected: str
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_api_timeout=HANG_TIMEOUT)
    cid = await stack.request(driver)
    stack.nebula.delete = Scripted(hang=True)
    if after == "gone":
        stack.nebula.detail = Scripted(404, json.dumps({"status": "failed", "message": "Instance not found"}))
    elif after == "no answer":
        stack.nebula.hold_details = True

    outcome = shown(await stack.confirm(driver, cid))
    assert "*unknown*" in outcome
    assert expected in outcome
    assert [c.method for c in stack.nebula.calls] == ["GET", "DELETE", "GET"]


async def test_refused_response_urls_fall_back_to_the_web_api(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.slack.response_status = 404  # every response_url is refused ("expired_url")
    _, driver = await stack.start_bot()

    await driver.command(ALICE, f"delete {INSTANCE}")
    await eventually(lambda: len(stack.slack.chat("chat.postMessage")) == 1)
    [posted] = stack.slack.chat("chat.postMessage", CHANNEL)
    cid = confirmation_id(posted)

    await driver.click(BOB, action_ids.CONFIRM, cid)
    await eventually(lambda: len(stack.slack.chat("chat.postEphemeral")) == 1)
    [ephemeral] = stack.slack.chat("chat.postEphemeral", CHANNEL)
    assert ephemeral["user"] == BOB
    assert "Only <@U0ALICE> can confirm this" in shown(ephemeral)

    await driver.click(ALICE, action_ids.CONFIRM, cid)
    await eventually(lambda: len(stack.slack.chat("chat.update", CHANNEL)) == 2)
    deleting, concluded = stack.slack.chat("chat.update", CHANNEL)
    assert deleting["ts"] == stack.slack.messages[0].ts  # the bot's own message, by the ts it kept
    assert "Deleting" in shown(deleting)
    assert buttons(deleting) == {}
    assert "Details in the thread" in shown(concluded)
    assert "Instances deleted successfully" in shown(stack.slack.chat("chat.postMessage")[1])
    assert len(stack.nebula.deletes()) == 1


async def test_an_outcome_slack_refuses_everywhere_is_still_recorded(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot()
    cid = await stack.request(driver)
    stack.slack.response_status = 404
    stack.slack.channels_without_bot.add(CHANNEL)

    await driver.click(ALICE, action_ids.CONFIRM, cid)
    await eventually(lambda: len(stack.nebula.deletes()) == 1)
    await eventually(lambda: stack.slack.api_calls.count("chat.postMessage") >= 1)

    store = await open_store(f"sqlite:///{stack.state}")

    async def recorded() -> bool:
        record = await store.get(cid)
        return record is not None and record.state is State.DONE and record.outcomes[0].status == "success"

    try:
        await eventually_async(recorded)
        trail = await store.recent(1)
    finally:
        await store.close()
    assert (trail[0].step, trail[0].outcome) == ("outcome", "success")
    assert len(stack.nebula.deletes()) == 1


async def test_a_dead_store_means_an_honest_error_and_no_delete(
    http_stack: Stack, own_redis: Callable[..., RedisServer]
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    redis_server = own_redis()
    _, driver = await stack.start_bot(nebula_bot_state_url=redis_server.url)
    cid = await stack.request(driver)
    redis_server.stop()

    _, url = await driver.click(ALICE, action_ids.CONFIRM, cid)

    await eventually(posts(stack, url, 1))
    assert "internal error" in shown(stack.slack.posts_to(url)[0])
    assert stack.nebula.deletes() == []


async def test_an_unknown_stop_reports_the_status_now(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    stack.nebula.power[INSTANCE] = Scripted(hang=True)
    _, driver = await stack.start_bot(nebula_api_timeout=HANG_TIMEOUT)
    url_message, _url = await stack.reply(driver, ALICE, f"stop {INSTANCE}")
    click_outcome = await stack.confirm(driver, confirmation_id(url_message), ALICE)
    outcome = shown(click_outcome)
    assert "*unknown*" in outcome
    assert "Checked afterwards: the instance is now Running." in outcome
