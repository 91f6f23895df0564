"""A bot started against the stand-ins, with the people and instance the tests use, and polling helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.domain.audit import AuditLine
from bot.domain.confirmation import Entry
from bot.infra.clock import Pause
from bot.infra.clock import pause as clock_pause
from bot.service.runtime import BotRuntime
from bot.settings.settings import Settings
from bot.slack.messages import action_ids
from bot.store import open_store
from tests.helpers import buttons, confirmation_id
from tests.standins.servers import APP_TOKEN, BOT_TOKEN, NEBULA_KEY, FakeNebula, FakeSlack
from tests.standins.slack_driver import CHANNEL, SIGNING_SECRET, Driver

ALICE = "U0ALICE"
BOB = "U0BOB"
INSTANCE = "102cade84ea-e703-4400-b77d-8ed545d198ee"


async def stored(state_url: str, cid: str) -> Entry | None:
    """The store's entry for confirmation `cid`, read through a connection of its own."""
    store = await open_store(state_url)
    try:
        return await store.get(cid)
    finally:
        await store.close()


async def audit(runtime: BotRuntime, limit: int = 100) -> list[AuditLine]:
    """The newest audit lines of a running bot's (first team's) store, newest first, read through a
    connection of its own, as `nebula-bot audit` reads them."""
    store = await open_store(runtime.settings.nebula_bot_state_url)
    try:
        return await store.recent(limit)
    finally:
        await store.close()


async def records_of(runtime: BotRuntime, kind: str) -> dict[str, str]:
    """A running bot's records of `kind`, read through a connection of its own."""
    store = await open_store(runtime.settings.nebula_bot_state_url)
    try:
        return await store.records(kind)
    finally:
        await store.close()


def posts(stack: Stack, url: str, count: int) -> Callable[[], bool]:
    """A condition: `count` messages have been posted to `url`."""
    return lambda: len(stack.slack.posts_to(url)) == count


# Nebula's timeout in a test that waits out a call Nebula never answers: short, for the test's sake, but
# long enough that the calls before it, which must get through, do so on a loaded machine.
HANG_TIMEOUT = 1.0

# How long a condition may take before the test fails. Only a failing test ever waits this long, so it is
# generous: a test must pass on a loaded machine, and its outcome must not depend on the machine's speed.
DEADLINE = 30.0


async def eventually(
    condition: Callable[[], bool], within: float = DEADLINE, seen: Callable[[], object] | None = None
) -> None:
    """Poll `condition` until it holds; fail the test if it does not within `within` seconds, saying
    what `seen` returns then (what the test was waiting on)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in time; seen: {seen() if seen else '-'}")
        await asyncio.sleep(0.005)


async def eventually_async(
    condition: Callable[[], Awaitable[bool]],
    within: float = DEADLINE,
    seen: Callable[[], object] | None = None,
) -> None:
    """Like `eventually`, for conditions that need I/O to check (a health endpoint, say)."""
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in time; seen: {seen() if seen else '-'}")
        await asyncio.sleep(0.02)


class FakeClock:
    """The bot's notion of now, which a test can move forward instead of sleeping."""

    def __init__(self) -> None:
        self.now = time.time()
        self._moved = asyncio.Event()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self._moved.set()
        self._moved = asyncio.Event()

    async def pause(self, stop: asyncio.Event, seconds: float) -> None:
        """The bot's wait for a span of this clock: it ends when the test has moved the clock that far
        (or `stop` is set), however long that takes in real time."""
        until = self.now + seconds
        while self.now < until and not stop.is_set():
            waits = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._moved.wait())}
            _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for wait in pending:
                wait.cancel()


def bot_settings(slack: FakeSlack, nebula: FakeNebula, state: Path, mode: str, **overrides: Any) -> Settings:
    """Settings pointing the bot at the stand-ins, as a user would set them in the environment."""
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "slack_response_url_prefixes": slack.url + "/response/",
        "nebula_api_url": nebula.api_url,
        "nebula_api_key": NEBULA_KEY,
        # Generous as in production: a test whose outcome hangs on a timeout sets its own, short one.
        "nebula_api_timeout": 10.0,
        "nebula_bot_host": "127.0.0.1",
        "nebula_bot_port": 0,
        "nebula_bot_state_url": f"sqlite:///{state}",
        "nebula_bot_allowed_users": f"{ALICE},{BOB}",
        # The stand-in Slack takes any pace unless a test sets its rate limit; those tests set the bot's.
        "slack_post_pace": 0,
    }
    if mode == "socket":
        values["slack_app_token"] = APP_TOKEN
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Stack:
    """The stand-ins, a way to start bots against them, and a driver per running bot."""

    mode: str
    slack: FakeSlack
    nebula: FakeNebula
    state: Path
    session: aiohttp.ClientSession
    clock: FakeClock = field(default_factory=FakeClock)
    bots: list[BotRuntime] = field(default_factory=list)
    _carriers: dict[str, str] = field(default_factory=dict)  # confirmation id -> ts of its message

    async def start_bot(self, **overrides: Any) -> tuple[BotRuntime, Driver]:
        """A bot on the stand-ins, with these settings. Its watcher's loop waits in real time, so that
        with an interval of an hour it never runs by itself: tests call its cycles."""
        return await self._start(clock_pause, overrides)

    async def start_bot_by_the_clock(self, **overrides: Any) -> tuple[BotRuntime, Driver]:
        """A bot whose watcher's loop waits for the test's clock: each interval's cycle comes when the
        test moves the clock past it, however busy the machine is."""
        return await self._start(self.clock.pause, overrides)

    async def _start(self, pause: Pause, overrides: dict[str, Any]) -> tuple[BotRuntime, Driver]:
        settings = bot_settings(self.slack, self.nebula, self.state, self.mode, **overrides)
        runtime = BotRuntime(settings, self.clock, pause=pause)
        await runtime.start()
        self.bots.append(runtime)
        return runtime, self.driver_for(runtime)

    def driver_for(self, runtime: BotRuntime) -> Driver:
        return Driver(self.mode, self.slack, f"http://127.0.0.1:{runtime.port}", self.session, eventually)

    async def stop_bot(self, runtime: BotRuntime) -> None:
        self.bots.remove(runtime)
        await runtime.stop()

    async def reply(self, driver: Driver, user: str, text: str, **kw: str) -> tuple[dict[str, Any], str]:
        """Type `/nebula <text>` and wait for the bot's first answer after the ack: an ephemeral or
        in-channel reply through the command's response_url, or a message posted in the channel."""
        before = len(self.slack.messages)
        _, url = await driver.command(user, text, **kw)
        channel = kw.get("channel", CHANNEL)

        def in_channel() -> list[dict[str, Any]]:  # not a DM to someone (an earlier request's decision)
            return [m.body for m in self.slack.messages[before:] if m.channel == channel]

        await eventually(lambda: bool(self.slack.posts_to(url)) or bool(in_channel()))
        if self.slack.posts_to(url):
            return self.slack.posts_to(url)[0], url
        message = in_channel()[0]
        if action_ids.CONFIRM in buttons(message):
            self.request_seen(message)
        return message, url

    async def request(
        self, driver: Driver, user: str = ALICE, text: str = f"delete {INSTANCE}", **kw: str
    ) -> str:
        """Type the command (in `channel=…`, if given) and wait for the confirmation; returns its id."""
        message, _ = await self.reply(driver, user, text, **kw)
        cid = confirmation_id(message)
        if self.slack.with_button(cid) is not None:
            self._carrier(cid)  # remembered now: once decided, the message carries no buttons to find it by
        return cid

    def request_seen(self, message: dict[str, Any]) -> str:
        """Remember which message carries the confirmation in `message`; its id."""
        cid = confirmation_id(message)
        self._carrier(cid)
        return cid

    def showing(self, cid: str) -> dict[str, Any]:
        """What the message that carried the confirmation `cid` shows now (after any edits)."""
        return self.slack.message(self._carrier(cid)).body

    def _carrier(self, cid: str) -> str:
        if cid not in self._carriers:
            carrier = self.slack.with_button(cid)
            assert carrier is not None, f"no message carries {cid}"
            self._carriers[cid] = carrier.ts
        return self._carriers[cid]

    async def click(
        self, driver: Driver, user: str, cid: str, action: str = action_ids.CONFIRM, *, answers: int = 1
    ) -> list[dict[str, Any]]:
        """Click a button; wait for `answers` messages to the click's response_url (seen by the clicker)."""
        if self.slack.with_button(cid) is not None:
            self._carrier(cid)
        _, url = await driver.click(user, action, cid)
        await eventually(posts(self, url, answers))
        return self.slack.posts_to(url)

    async def confirm(self, driver: Driver, cid: str, user: str = ALICE) -> dict[str, Any]:
        """Click the confirm button and wait until the bot is done: the outcome is in the thread (or,
        without a thread, in the channel) and the request message shows its final state. The outcome."""
        ts = self._carrier(cid)
        _, url = await driver.click(user, action_ids.CONFIRM, cid)
        await eventually(
            lambda: bool(self.slack.thread(ts) or _in_channel(self.slack.posts_to(url))), within=10
        )
        # The final state of the request message is the bot's last step (after the audit record).
        await eventually(lambda: "Details in the thread" in str(self.showing(cid)))
        replies = self.slack.thread(ts)
        return replies[-1].body if replies else _in_channel(self.slack.posts_to(url))[-1]


def _in_channel(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("response_type") == "in_channel"]
