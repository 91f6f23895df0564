"""Helpers for the watcher's tests: its settings, a cycle, and finding notices and their buttons."""

from __future__ import annotations

from typing import Any

from bot.service.runtime import BotRuntime
from bot.slack.messages import action_ids
from tests.helpers import buttons
from tests.standins.servers import ChannelMessage
from tests.standins.slack_driver import CHANNEL, Driver
from tests.standins.stack import ALICE, INSTANCE, Stack

HOUR = 3600.0
WATCH: dict[str, Any] = {
    "nebula_bot_watch_channel": CHANNEL,
    "nebula_bot_remind_after": "10h",  # the stand-in's instances have run 12.5 hours
    "nebula_bot_watch_interval": "1h",  # the loop never fires during a test; cycles are called
}


def names(value: str, notice: str) -> bool:
    """A button value names the notice `notice` ("reminder:<id>"): itself, with the record's version."""
    return value == notice or value.startswith(notice + ":")


def posted_with(stack: Stack, notice: str) -> list[dict[str, Any]]:
    """Every chat.postMessage in the watch channel whose buttons named `notice` ("lease:<id>")."""
    return [
        body
        for body in stack.slack.chat("chat.postMessage", CHANNEL)
        if any(names(str(element.get("value")), notice) for element in buttons(body).values())
    ]


def keep_value(stack: Stack, notice: str) -> str:
    """What the Keep button of the newest message showing `notice` carries, as a click sends it back."""
    for message in reversed(stack.slack.messages):
        keep = buttons(message.body).get(action_ids.KEEP)
        if keep is not None and names(str(keep["value"]), notice):
            return str(keep["value"])
    raise AssertionError(f"no message offers Keep on {notice}")


def showing(stack: Stack, notice: str) -> ChannelMessage | None:
    """The newest message whose buttons name `notice`, or None."""
    for message in reversed(stack.slack.messages):
        if any(names(str(element.get("value")), notice) for element in buttons(message.body).values()):
            return message
    return None


def reminders(stack: Stack, instance_id: str = INSTANCE) -> list[dict[str, Any]]:
    return posted_with(stack, f"reminder:{instance_id}")


def stops(stack: Stack, instance_id: str = INSTANCE) -> list[str]:
    return [c.path for c in stack.nebula.calls if c.path.endswith(f"/instance/{instance_id}/stop")]


async def cycle(runtime: BotRuntime) -> None:
    assert runtime.core is not None
    await runtime.core.cycle()


async def lease(stack: Stack, driver: Driver, text: str, user: str = ALICE) -> dict[str, Any]:
    message, _ = await stack.reply(driver, user, f"lease {text}")
    return message
