"""`nebula-bot shell`: the bot in a terminal, without Slack.

It drives the same Bolt app as Slack does (listeners, policy, store, audit, confirmations,
sweeper), with Slack-shaped payloads dispatched as Socket Mode would, and shows every message the
bot sends through an in-process stand-in for Slack (`bot.shell.local_slack`). With `--demo`, Nebula is
simulated (`bot.nebula.demo`) and the store is a temporary SQLite file.

Lines: `/nebula …` runs a command; a number presses that control of the newest message with
controls (`3 stop` picks from a menu); a confirm dialog takes `y` or `n` on the next line;
`:as U123` changes user; `:wait` waits for the bot; `:help`; `:quit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TextIO

from slack_bolt.request.async_request import AsyncBoltRequest

from bot.core.confirmations import Clock
from bot.domain.ids import is_slack_id
from bot.service.runtime import BotRuntime, StartupError
from bot.settings.settings import ConfigError, Settings, load_settings
from bot.shell.local_slack import SHELL_TOKEN, TEAM_ID, LocalSlack, Shown
from bot.shell.render import Control, Style, render

DEMO_USER: Final = "U0SHELL"
DEFAULT_CHANNEL: Final = "C0SHELL"
HELP: Final = """\
  /nebula <command>   run a command (try /nebula help, /nebula list)
  <n>                 press control n of the newest message with controls; `<n> <option>` for a menu
  :as U123            act as another Slack user (to try the two-person rule)
  :wait               wait until the bot has finished what it is doing
  :calls              (--demo) every request the simulated Nebula received
  :help, :quit        this text; leave (in-flight work finishes first)"""
# How long a line's work may take before the shell moves on (a hung Nebula call is the bot's to time out).
WORK_TIMEOUT: Final = 120.0


@dataclass(frozen=True)
class ShellOptions:
    """What `nebula-bot shell` was asked for."""

    demo: bool = False
    user: str | None = None
    channel: str = DEFAULT_CHANNEL


class ShellError(Exception):
    """The shell cannot start; the message says why."""


def shell_settings(options: ShellOptions, slack: LocalSlack, state_dir: Path) -> tuple[Settings, str]:
    """The bot's settings for the shell, and the user it starts as.

    Slack is always the local stand-in. With `--demo`, Nebula and the store are simulated too, and
    the demo user is allowed; otherwise Nebula, the store and the rules are the configured ones.
    """
    local: dict[str, Any] = {
        "slack_bot_token": SHELL_TOKEN,
        "slack_app_token": "",
        "slack_signing_secret": "shell-local-only",
        "slack_api_url": slack.api_url,
        "slack_response_url_prefixes": slack.response_prefix,
        "nebula_bot_host": "127.0.0.1",
        "nebula_bot_port": 0,
    }
    if options.demo:
        from bot.nebula.demo import DEMO_KEY

        allowed = {u for u in os.environ.get("NEBULA_BOT_ALLOWED_USERS", "").split(",") if u.strip()}
        allowed |= {DEMO_USER, *([options.user] if options.user else [])}
        local |= {
            "nebula_api_url": "https://demo.nebula.invalid/api/v1",
            "nebula_api_key": DEMO_KEY,
            "nebula_bot_state_url": f"sqlite:///{state_dir / 'demo.sqlite3'}",
            "nebula_bot_allowed_users": ",".join(sorted(u.strip() for u in allowed)),
        }
    settings = load_settings(**local)
    user = options.user or (DEMO_USER if options.demo else _first_user(settings))
    if not is_slack_id(user, "UW"):
        raise ShellError(f"{user!r} is not a Slack user id (U… or W…): use --as")
    if not is_slack_id(options.channel, "CGD"):
        raise ShellError(f"{options.channel!r} is not a Slack channel id (C…, G… or D…): use --channel")
    return settings, user


def _first_user(settings: Settings) -> str:
    """The first id NEBULA_BOT_ALLOWED_USERS names (in the order written, when the environment has it)."""
    allowed = settings.nebula_bot_allowed_users - {"*"}
    written = [u.strip() for u in os.environ.get("NEBULA_BOT_ALLOWED_USERS", "").split(",")]
    users = [u for u in written if u in allowed] or sorted(allowed)
    if not users:
        raise ShellError("say who you are with --as U123 (NEBULA_BOT_ALLOWED_USERS names nobody)")
    return users[0]


class Session:
    """One shell session: a user, a channel, the bot, and what it has shown."""

    def __init__(self, options: ShellOptions, out: TextIO, style: Style, clock: Clock = time.time) -> None:
        self.options = options
        self._clock = clock
        self._out = out
        self._style = style
        self.slack = LocalSlack(self._show)
        self.runtime: BotRuntime | None = None
        self.user = options.user or DEMO_USER
        self._triggers = itertools.count(1)
        self._work: set[asyncio.Task[Any]] = set()
        self.demo_calls: list[str] = []

    def say(self, text: str) -> None:
        """A line from the shell itself (not the bot)."""
        print(self._style.dim(text), file=self._out, flush=True)

    def _show(self, shown: Shown) -> None:
        lines, controls = render(shown.body, self._style)
        where = "only you can see this" if shown.ephemeral else f"#{shown.channel or self.options.channel}"
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

    async def start(self, state_dir: Path) -> None:
        """Start the stand-in Slack and the bot (no port is opened for Slack to call)."""
        await self.slack.start()
        settings, self.user = shell_settings(self.options, self.slack, state_dir)
        transport = None
        if self.options.demo:
            from bot.nebula.demo import DemoNebula

            demo = DemoNebula()
            self.demo_calls = demo.calls
            transport = demo.transport()
        self.runtime = BotRuntime(settings, self._clock, source="shell", nebula_transport=transport)
        await self.runtime.start(serve_http=False)

    async def stop(self) -> None:
        """Let in-flight work finish, then stop the bot and the stand-in."""
        await self.settle()
        if self.runtime is not None:
            await self.runtime.stop()
        await self.slack.stop()

    async def _dispatch(self, body: dict[str, Any]) -> dict[str, Any]:
        """Hand a payload to the Bolt app as Socket Mode would; the ack's body."""
        assert self.runtime is not None
        assert self.runtime.app is not None
        before = asyncio.all_tasks()
        response = await self.runtime.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
        # The listener goes on after its ack, in a task Bolt started: that is this line's work. (Other
        # new tasks, such as the stand-in's kept-alive connections, are not.)
        self._work |= {task for task in asyncio.all_tasks() - before if _is_listener(task)}
        ack: dict[str, Any] = {}
        if response.body:
            with contextlib.suppress(ValueError):
                ack = json.loads(response.body)
        return ack

    async def settle(self) -> None:
        """Wait until the work the lines started is done, and nothing is in flight in the bot."""
        work = [task for task in self._work if not task.done()]
        if work:
            await asyncio.wait(work, timeout=WORK_TIMEOUT)
        self._work = {task for task in self._work if not task.done()}
        if self.runtime is not None:
            await self.runtime.inflight.drain(WORK_TIMEOUT)

    async def command(self, text: str) -> None:
        """`/nebula …` typed in the channel."""
        channel = self.options.channel
        body = {
            "token": "shell",
            "team_id": TEAM_ID,
            "team_domain": "shell",
            "channel_id": channel,
            "channel_name": "shell",
            "user_id": self.user,
            "user_name": self.user.lower(),
            "command": "/nebula",
            "text": text,
            "api_app_id": "A0SHELL",
            "is_enterprise_install": "false",
            "response_url": self.slack.response_url(channel),
            "trigger_id": f"{next(self._triggers)}.shell",
        }
        ack = await self._dispatch(body)
        if ack.get("text") or ack.get("blocks"):
            self._show(
                Shown("ack", channel, {"text": ack.get("text", ""), "blocks": ack.get("blocks") or []}, True)
            )

    def controls(self) -> tuple[Shown, list[Control]] | None:
        """The newest message with controls, and its controls."""
        for shown in reversed(self.slack.messages):
            _, controls = render(shown.body)
            if controls:
                return shown, controls
        return None

    async def press(self, shown: Shown, control: Control, option: str | None = None) -> None:
        """A click on `control` of `shown`, as Slack sends it."""
        action: dict[str, Any] = {
            "action_id": control.action_id,
            "block_id": "shell",
            "type": "overflow" if control.options else "button",
            "action_ts": "1700000000.000200",
        }
        if control.options:
            action["selected_option"] = {
                "text": {"type": "plain_text", "text": option or ""},
                "value": option,
            }
        else:
            action["value"] = control.value
            action["text"] = {"type": "plain_text", "text": control.label}
        channel = shown.channel or self.options.channel
        body = {
            "type": "block_actions",
            "user": {"id": self.user, "username": self.user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0SHELL",
            "token": "shell",
            "container": {
                "type": "message",
                "message_ts": shown.ts,
                "channel_id": channel,
                "is_ephemeral": shown.ephemeral,
            },
            "trigger_id": f"{next(self._triggers)}.shell",
            "team": {"id": TEAM_ID, "domain": "shell"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "shell"},
            "response_url": self.slack.response_url(channel, shown.ts),
            "actions": [action],
        }
        await self._dispatch(body)


def _is_listener(task: asyncio.Task[Any]) -> bool:
    name = getattr(task.get_coro(), "__qualname__", "")
    return "run_ack_function" in name


Reader = Callable[[str], Awaitable[str | None]]


async def run_lines(session: Session, read: Reader) -> int:
    """Read and act on lines until end of input or `:quit`. The exit code."""
    pending: tuple[Shown, Control] | None = None  # a button waiting for its dialog's y/N
    while True:
        line = await read("y/N? " if pending else f"{session.user}> ")
        if line is None:
            return 0
        line = line.strip()
        if pending is not None:
            shown, control = pending
            pending = None
            if line.lower() in ("y", "yes"):
                await session.press(shown, control)
                await session.settle()
            else:
                session.say("Not pressed.")
            continue
        if not line or line.startswith("#"):
            continue
        if line in (":quit", ":q", ":exit"):
            return 0
        if line == ":help":
            session.say(HELP)
        elif line == ":wait":
            await session.settle()
        elif line == ":calls" and session.options.demo:
            session.say("The simulated Nebula received:\n" + "\n".join(f"  {c}" for c in session.demo_calls))
        elif line.startswith(":as"):
            user = line[3:].strip()
            if is_slack_id(user, "UW"):
                session.user = user
                session.say(f"You are now {user}.")
            else:
                session.say("Write :as U123 (a Slack user id).")
        elif line.startswith("/nebula"):
            await session.command(line[len("/nebula") :].strip())
            await session.settle()
        elif line.split()[0].isdigit():
            pending = await _press_number(session, line)
        else:
            session.say("Type /nebula help, a control's number, or :help.")


async def _press_number(session: Session, line: str) -> tuple[Shown, Control] | None:
    """Press the numbered control; a button with a dialog returns itself to wait for y/N."""
    found = session.controls()
    number, _, option = line.partition(" ")
    if found is None:
        session.say("No message has controls to press.")
        return None
    shown, controls = found
    chosen = [c for c in controls if c.number == int(number)]
    if not chosen:
        session.say(f"The newest message's controls are 1 to {len(controls)}.")
        return None
    control = chosen[0]
    if control.options:
        values = {label.lower(): value for label, value in control.options}
        if option.strip().lower() not in values:
            session.say(f"Choose one: {number} " + " | ".join(values))
            return None
        await session.press(shown, control, values[option.strip().lower()])
        await session.settle()
        return None
    if control.confirm:
        session.say(control.confirm)
        return shown, control
    await session.press(shown, control)
    await session.settle()
    return None


def _style(out: TextIO) -> Style:
    color = out.isatty() and os.environ.get("TERM") != "dumb" and "NO_COLOR" not in os.environ
    return Style(color=color)


def _line_reader(stdin: TextIO) -> Reader:
    """Lines from a pipe, one at a time; on a terminal, with a prompt, history and line editing."""
    if stdin.isatty():
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401 - importing it gives input() history and line editing

        async def prompt(text: str) -> str | None:
            try:
                return await asyncio.to_thread(input, text)
            except EOFError:
                return None

        return prompt

    async def pipe(_: str) -> str | None:
        line = await asyncio.to_thread(stdin.readline)
        return line if line else None

    return pipe


async def shell(options: ShellOptions, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Run a shell session; the exit code."""
    session = Session(options, out, _style(out))
    with tempfile.TemporaryDirectory(prefix="nebula-shell-") as state_dir:
        try:
            await session.start(Path(state_dir))
        except (ShellError, ConfigError, StartupError) as exc:
            print(f"nebula-bot shell: {exc}", file=sys.stderr)
            await session.slack.stop()
            return exc.exit_code if isinstance(exc, StartupError) else 2
        try:
            if options.demo:
                session.say(
                    "Demo: a simulated Nebula with a few instances; nothing real is touched. :help for help."
                )
            else:
                session.say("Slack is not involved: this acts on the configured Nebula. :help for help.")
            return await run_lines(session, _line_reader(stdin))
        finally:
            await session.stop()
