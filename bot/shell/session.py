"""A shell session: the same Bolt app as Slack drives (listeners, policy, store, audit, confirmations),
fed Slack-shaped payloads as Socket Mode would dispatch them, with every message the bot sends shown
through an in-process stand-in for Slack (`bot.shell.local_slack`). With `--demo`, Nebula is simulated
(`bot.nebula.demo`) and the store is a temporary SQLite file. The line protocol is `bot.shell.lines`.

Every control the session shows gets a number that is never used again: it names that control for as
long as its message shows it, and a press on a control its message no longer has is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import secrets
import time
from pathlib import Path
from typing import Any, Final, TextIO

from slack_bolt.request.async_request import AsyncBoltRequest

from bot.domain.calendar.durations import format_duration
from bot.infra.clock import Clock
from bot.service.runtime import BotRuntime
from bot.shell import payloads
from bot.shell.demo_clock import DemoClock
from bot.shell.demo_state import seed_demo
from bot.shell.local_slack import LocalSlack, Shown
from bot.shell.options import DEMO_USER, ShellOptions, shell_channel, shell_settings
from bot.shell.render import Control, Style, render

# How long a line's work may take before the shell moves on (a hung Nebula call is the bot's to time out).
WORK_TIMEOUT: Final = 120.0
# What a terminal reader returns for Ctrl-C at the prompt (a pipe never does).
INTERRUPT: Final = "\x03"


class Session:
    """One shell session: a user, a channel, the bot, and what it has shown."""

    def __init__(
        self, options: ShellOptions, out: TextIO, style: Style, *, clock: Clock | None = None
    ) -> None:
        self.options = options
        self._clock: Clock = clock or (DemoClock() if options.demo else time.time)
        self._out = out
        self._style = style
        self.slack = LocalSlack(self._show)
        self.runtime: BotRuntime | None = None
        self.user = options.user or DEMO_USER
        self.demo_calls: list[str] = []
        self._labels: dict[tuple[str, str], int] = {}  # (message ts, control identity) -> its number
        self._numbers = itertools.count(1)
        self.interrupted = asyncio.Event()  # set (from the terminal) to stop waiting for a line's work
        # Every control ever shown, by number: `:press` presses one whose message changed since, as a
        # second click or a Slack client showing an old message would.
        self._ever: dict[int, tuple[Shown, Control]] = {}

    def say(self, text: str) -> None:
        """A line from the shell itself (not the bot)."""
        print(self._style.dim(text), file=self._out, flush=True)

    def _labeller(self, shown: Shown) -> Any:
        def label(control: Control) -> int:
            key = (shown.ts, control.identity)
            if key not in self._labels:
                self._labels[key] = next(self._numbers)
            return self._labels[key]

        return label

    def _show(self, shown: Shown) -> None:
        lines, controls = render(shown.body, self._style, self._labeller(shown))
        self._ever.update({control.number: (shown, control) for control in controls})
        where = "only you can see this" if shown.ephemeral else f"#{shown.channel or self.options.channel}"
        if shown.home:
            where = "Home tab"
        if shown.thread_ts:
            where += " · in thread"
        if shown.edited:
            where += " · edited"
        demo = "[demo] " if self.options.demo else ""
        print(self._style.bold(f"── {demo}nebula · {where}"), file=self._out)
        for line in lines:
            print(f"   {line}", file=self._out)
        if controls:
            print(self._style.dim("   (type a number to press it)"), file=self._out)
        self._out.flush()

    def visible(self) -> dict[int, tuple[Shown, Control]]:
        """Every control a message shows now, by its number."""
        found: dict[int, tuple[Shown, Control]] = {}
        for shown in self.slack.messages:
            _, controls = render(shown.body, label=self._labeller(shown))
            found.update({control.number: (shown, control) for control in controls})
        return found

    def was_shown(self, number: int) -> bool:
        """True when `number` named a control once (which may be gone since)."""
        return number in self._labels.values()

    def shown_once(self, number: int) -> tuple[Shown, Control] | None:
        """The control `number` as it was shown, whether or not its message still shows it."""
        return self._ever.get(number)

    def move_to(self, channel: str) -> None:
        """Type in `channel` from now on."""
        self.options = dataclasses.replace(self.options, channel=channel)

    async def start(self, state_dir: Path) -> None:
        """Start the stand-in Slack and the bot (no port is opened for Slack to call)."""
        await self.slack.start()
        settings, self.user = shell_settings(self.options, self.slack, state_dir)
        self.options = dataclasses.replace(self.options, channel=shell_channel(self.options, settings))
        transport = None
        if self.options.demo:
            from bot.nebula.demo import DemoNebula

            demo = DemoNebula(clock=self._clock)
            self.demo_calls = demo.calls
            transport = demo.transport()
        if self.options.demo:
            await seed_demo(settings.nebula_bot_state_url, self._clock(), self.options.channel)
        self.runtime = BotRuntime(settings, self._clock, source="shell", nebula_transport=transport)
        await self.runtime.start(serve_http=False, background=self.options.demo or self.options.watch)

    async def stop(self) -> None:
        """Stop the bot and the stand-in (what is still scheduled is left to the bot's sweeper)."""
        if self.runtime is not None:
            await self.runtime.stop()
        await self.slack.stop()

    async def _dispatch(self, body: dict[str, Any]) -> dict[str, Any]:
        """Hand a payload to the Bolt app as Socket Mode would; the ack's body."""
        assert self.runtime is not None
        assert self.runtime.app is not None
        # The listener acks and hands its work to a task the bot counts in flight (see `_idle`).
        response = await self.runtime.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
        ack: dict[str, Any] = {}
        if response.body:
            with contextlib.suppress(ValueError):
                ack = json.loads(response.body)
        return ack

    async def settle(self) -> None:
        """Wait until the work the lines started is done and nothing is in flight in the bot, or until
        the person interrupts (the work goes on)."""
        self.interrupted.clear()
        waiting = asyncio.ensure_future(self._idle())
        stop = asyncio.ensure_future(self.interrupted.wait())
        await asyncio.wait({waiting, stop}, timeout=WORK_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not waiting.done():
            waiting.cancel()
            if self.interrupted.is_set():
                self.say("(The bot goes on with it in the background; :wait waits for it.)")

    async def _idle(self) -> None:
        if self.runtime is not None:
            await self.runtime.inflight.drain(WORK_TIMEOUT)

    async def pending(self) -> list[str]:
        """What this session started that has not happened yet: sends waiting out the undo window, and
        work in flight."""
        if self.runtime is None or self.runtime.core is None:
            return []
        said = []
        for confirmation, seconds in await self.runtime.core.first.background.armed():
            names = ", ".join(i.host_name or i.id for i in confirmation.instances)
            when = "any moment now" if seconds < 1 else f"in {_span(seconds)}"
            said.append(f"the {confirmation.verb.name} of {names}, sent {when}")
        busy = self.runtime.inflight.count
        if busy and not said:
            said.append("what the bot is doing" if busy == 1 else f"the {busy} things the bot is doing")
        return said

    async def wait_for_pending(self) -> None:
        """Until the scheduled sends are made and nothing is in flight."""
        if self.runtime is not None and self.runtime.core is not None:
            await self.runtime.core.first.background.wait_armed()
        await self._idle()

    def _trigger(self) -> str:
        # Unique across sessions and replicas: the replay check drops a trigger_id it has seen.
        return f"shell.{secrets.token_hex(8)}"

    async def command(self, text: str) -> None:
        """`/nebula …` typed in the channel."""
        channel = self.options.channel
        url = self.slack.response_url(channel)
        body = payloads.slash_command(self.user, channel, text, url, self._trigger())
        ack = await self._dispatch(body)
        if ack.get("text") or ack.get("blocks"):
            self._show(
                Shown(
                    f"ack.{secrets.token_hex(4)}",
                    channel,
                    {"text": ack.get("text", ""), "blocks": ack.get("blocks") or []},
                    True,
                )
            )

    async def press(self, shown: Shown, control: Control, option: str | None = None) -> None:
        """A click on `control` of `shown`, as Slack sends it."""
        body = self._interaction("block_actions", shown)
        body |= {"actions": [payloads.action(control, option)], "trigger_id": self._trigger()}
        if shown.home:  # a view's action carries no channel and no response_url
            del body["channel"]
            body["container"] = {"type": "view", "view_id": "V0SHELL"}
        else:
            body["response_url"] = self.slack.response_url(shown.channel or self.options.channel, shown.ts)
        await self._dispatch(body)

    def movable(self) -> bool:
        """Whether `:wait <duration>` can move this session's clock (the demo's can)."""
        return isinstance(self._clock, DemoClock) or hasattr(self._clock, "advance")

    async def pass_time(self, seconds: float) -> None:
        """Move the demo's clock on by `seconds`, then let the bot do what it does at that time: every
        team's watcher cycle of the new moment, and a sweep."""
        advance = getattr(self._clock, "advance", None)
        if advance is None or self.runtime is None or self.runtime.core is None:
            return
        advance(seconds)
        core = self.runtime.core
        for team in core.teams:
            await core.tick(team)
            await core.sweep(team)

    async def change_form(self, block: dict[str, Any], values: dict[str, dict[str, Any]]) -> None:
        """A choice in the open modal's select `block`, as Slack sends a change inside a modal (the bot
        updates the modal's figures)."""
        view = self.slack.modal
        if view is None:
            return
        body = payloads.view_submission(self.user, view, values, self._trigger()) | {"type": "block_actions"}
        chosen = values[block["block_id"]]
        action_id, state = next(iter(chosen.items()))
        body["container"] = {"type": "view", "view_id": view["id"]}
        body["actions"] = [
            {"type": state["type"], "action_id": action_id, "block_id": block["block_id"]}
            | {"selected_option": state.get("selected_option"), "action_ts": "1700000001.000300"}
        ]
        await self._dispatch(body)
        await self.settle()

    async def submit_form(self, values: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Submit the open modal with `values`, as Slack does; the ack's body (errors under fields)."""
        assert self.slack.modal is not None
        body = payloads.view_submission(self.user, self.slack.modal, values, self._trigger())
        return await self._dispatch(body | {"response_urls": []})

    async def shortcut(self, text: str) -> None:
        """Run the message shortcut on a message saying `text`, as Slack sends it (`message_action`)."""
        channel = self.options.channel
        url = self.slack.response_url(channel, None)
        await self._dispatch(
            payloads.message_shortcut(self.user, channel, text, url, self._trigger(), self._clock())
        )

    async def home(self) -> None:
        """Open the App Home tab, as Slack's `app_home_opened` event tells the bot."""
        await self._dispatch(payloads.home_opened(self.user, f"Ev{secrets.token_hex(6)}", self._clock()))

    async def suggest(self, shown: Shown, control: Control, typed: str) -> list[tuple[str, str]]:
        """What the bot offers when `typed` is written into a menu searched as one types (Slack's
        options request): (label, value) pairs."""
        body = self._interaction("block_suggestion", shown)
        body |= {"action_id": control.action_id, "block_id": control.block_id, "value": typed}
        answer = await self._dispatch(body)
        offered = answer.get("options")
        return [
            (str(o.get("text", {}).get("text", "")), str(o.get("value", "")))
            for o in (offered if isinstance(offered, list) else [])
            if isinstance(o, dict)
        ]

    def _interaction(self, kind: str, shown: Shown) -> dict[str, Any]:
        return payloads.interaction(kind, self.user, shown.channel or self.options.channel, shown)


def _span(seconds: float) -> str:
    # "in 8 s" for a short undo window; "in 1h" (up to the minute) for a long one.
    return f"{seconds:.0f} s" if seconds < 120 else format_duration(60 * -(-seconds // 60))
