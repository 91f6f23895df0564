"""The Bolt listeners, each fed the payload Slack sends (shaped as in bolt-python's tests), dispatched to the
real Bolt app as Socket Mode would: what each acks, and that it reaches the core's front door."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.service.runtime import BotRuntime
from bot.settings.settings import Settings
from bot.shell.local_slack import SHELL_TOKEN, TEAM_ID, LocalSlack
from bot.slack.messages import action_ids
from bot.slack.messages.choices import PICK_BLOCK
from tests.helpers import buttons, shown
from tests.standins.memory_nebula import MemoryNebula
from tests.standins.servers import NEBULA_KEY
from tests.standins.slack_driver import CHANNEL, click_payload, command_form, suggestion_payload
from tests.standins.stack import ALICE, INSTANCE, eventually


class Listening:
    """A bot started without a port: payloads reach its Bolt app directly."""

    def __init__(self, runtime: BotRuntime, slack: LocalSlack, nebula: MemoryNebula) -> None:
        self.runtime = runtime
        self.slack = slack
        self.nebula = nebula

    @property
    def app(self) -> AsyncApp:
        assert self.runtime.app is not None
        return self.runtime.app

    async def dispatch(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Hand `body` to the Bolt app as Socket Mode does; the ack's status and body."""
        response = await self.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
        return response.status, json.loads(response.body) if response.body else {}

    def said(self) -> list[str]:
        return [shown(message.body) for message in self.slack.messages]


@pytest.fixture
async def listening(tmp_path: Path) -> AsyncIterator[Listening]:
    slack, nebula = LocalSlack(lambda _: None), MemoryNebula()
    await slack.start()
    values: dict[str, Any] = {
        "slack_bot_token": SHELL_TOKEN,
        "slack_signing_secret": "listener-tests",
        "slack_api_url": slack.api_url,
        "slack_response_url_prefixes": slack.response_prefix,
        "nebula_api_url": nebula.api_url,
        "nebula_api_key": NEBULA_KEY,
        "nebula_bot_state_url": f"sqlite:///{tmp_path / 'state.sqlite3'}",
        "nebula_bot_allowed_users": ALICE,
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    runtime = BotRuntime(settings, nebula_transport=nebula.transport())
    await runtime.start(serve_http=False, background=False)
    yield Listening(runtime, slack, nebula)
    await runtime.stop()
    await slack.stop()
    assert not slack.rejected, slack.rejected


async def test_the_command_listener_answers_usage_in_the_ack_and_work_after_it(listening: Listening) -> None:
    status, ack = await listening.dispatch(
        command_form(ALICE, "dlete x", listening.slack.response_url(CHANNEL), team=TEAM_ID)
    )
    assert status == 200
    assert ack["response_type"] == "ephemeral"
    assert "Did you mean `delete`?" in shown(ack)
    listening.nebula.add(INSTANCE)
    status, ack = await listening.dispatch(
        command_form(ALICE, f"delete {INSTANCE}", listening.slack.response_url(CHANNEL), team=TEAM_ID)
    )
    assert (status, ack) == (200, {})  # an empty ack; the confirmation follows it
    await eventually(lambda: any("asked to *delete*" in text for text in listening.said()))


async def test_the_action_listener_reaches_every_button_family(listening: Listening) -> None:
    listening.nebula.add(INSTANCE)
    url = listening.slack.response_url(CHANNEL)
    await listening.dispatch(command_form(ALICE, f"reboot {INSTANCE}", url, team=TEAM_ID))
    await eventually(lambda: any(action_ids.CONFIRM in buttons(m.body) for m in listening.slack.messages))
    [carrier] = [m for m in listening.slack.messages if action_ids.CONFIRM in buttons(m.body)]
    cid = str(buttons(carrier.body)[action_ids.CONFIRM]["value"])
    url = listening.slack.response_url(CHANNEL, carrier.ts)
    payload = click_payload(ALICE, action_ids.CONFIRM, cid, url, team=TEAM_ID)
    status, ack = await listening.dispatch(payload)
    assert (status, ack) == (200, {})
    await eventually(lambda: [c.path.rsplit("/", 1)[1] for c in listening.nebula.changes()] == ["reboot"])
    # A value the bot never wrote is answered, not dropped, and does nothing.
    url = listening.slack.response_url(CHANNEL)
    forged = click_payload(ALICE, action_ids.LIST_MORE, "../../x", url, team=TEAM_ID)
    assert (await listening.dispatch(forged))[0] == 200
    await eventually(lambda: any("not one the bot offered" in text for text in listening.said()))


async def test_one_listener_answers_exactly_the_action_ids_of_the_core(listening: Listening) -> None:
    url = listening.slack.response_url(CHANNEL)
    core = listening.runtime.core
    assert core is not None
    for action_id in core.action_ids:
        assert (await listening.dispatch(click_payload(ALICE, action_id, "x", url, team=TEAM_ID)))[0] == 200
    a, b = core.action_ids[:2]
    for near in (f"{a}\n", f"x{a}", f"{a}x", f"{a}|{b}", a.upper(), ""):
        assert (await listening.dispatch(click_payload(ALICE, near, "x", url, team=TEAM_ID)))[0] == 404, near


async def test_the_options_listener_answers_in_the_ack(listening: Listening) -> None:
    listening.nebula.add(INSTANCE, host_name="trainer-1")
    status, ack = await listening.dispatch(
        suggestion_payload(ALICE, action_ids.PICK, f"{PICK_BLOCK}stop", "train", CHANNEL, team=TEAM_ID)
    )
    assert status == 200
    assert [option["value"] for option in ack["options"]] == [f"stop {INSTANCE}"]


async def test_the_home_listener_publishes_and_the_shortcut_listener_answers(listening: Listening) -> None:
    listening.nebula.add(INSTANCE, host_name="trainer-1")
    event = {"type": "app_home_opened", "user": ALICE, "channel": "D0ALICE", "tab": "home", "event_ts": "1.0"}
    body = {"team_id": TEAM_ID, "api_app_id": "A0APP", "type": "event_callback", "event": event}
    assert (await listening.dispatch(body))[0] == 200
    await eventually(lambda: any(m.home for m in listening.slack.messages))
    shortcut = {
        "type": "message_action",
        "callback_id": action_ids.ACT_ON_MESSAGE,
        "team": {"id": TEAM_ID, "domain": "shell"},
        "user": {"id": ALICE, "team_id": TEAM_ID},
        "channel": {"id": CHANNEL, "name": "ops"},
        "trigger_id": "1.2.shortcut",
        "response_url": listening.slack.response_url(CHANNEL),
        "message": {"type": "message", "text": "trainer-1 is stuck", "ts": "1.0"},
    }
    assert await listening.dispatch(shortcut) == (200, {})
    await eventually(lambda: "Instances named in that message" in listening.said()[-1])
