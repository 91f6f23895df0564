"""`nebula-bot shell`: the line protocol of a session, and running one from a terminal or a pipe.

Lines: `/nebula …` runs a command; a number presses that control of the newest message with
controls (`3 stop` picks from a menu); a confirm dialog takes `y` or `n` on the next line;
`:as U123` changes user; `:wait` waits for the bot; `:help`; `:quit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final, TextIO

from bot.domain.ids import is_slack_id
from bot.service.startup import StartupError
from bot.settings.fields import ConfigError
from bot.shell.local_slack import Shown
from bot.shell.render import Control, Style
from bot.shell.session import Session, ShellError, ShellOptions

HELP: Final = """\
  /nebula <command>   run a command (try /nebula help, /nebula list)
  <n>                 press control n of the newest message with controls; `<n> <option>` for a menu
  :as U123            act as another Slack user (to try the two-person rule)
  :wait               wait until the bot has finished what it is doing
  :calls              (--demo) every request the simulated Nebula received
  :help, :quit        this text; leave (in-flight work finishes first)"""
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
