"""`nebula-bot shell`: the line protocol of a session, and a session run from a pipe.

Lines: `/nebula …` runs a command; a number presses that control (`3 stop` picks from a menu); a
confirm dialog takes `y` or `n` on the next line; `:as U123` changes user; `:wait` waits for the
bot; `:help`; `:quit`. On a terminal (`bot.shell.terminal`) Ctrl-C clears the line and Ctrl-D leaves.
Leaving waits for what the session scheduled (an undo window's send); leaving again does not.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final, TextIO

from bot.domain.calendar.durations import format_duration, parse_duration
from bot.domain.fleet.ids import is_slack_id
from bot.infra import logs
from bot.service.startup import StartupError
from bot.settings.fields import ConfigError
from bot.shell.form import fill_form
from bot.shell.local_slack import Shown
from bot.shell.options import ShellError, ShellOptions
from bot.shell.render import Control, Style
from bot.shell.session import INTERRUPT, Session

HELP: Final = """\
  /nebula <command>   run a command (try /nebula help, /nebula list)
  <n>                 press control n; `<n> <option>` for a menu (`3 stop`, `4 2`, `5 trainer`)
  y / n               answer a button's dialog ("Delete instance?"), asked on the line before
  :as U123            act as another Slack user (to try the two-person rule)
  :channel C0INFRA    type in another channel (with --demo --teams: the second team's)
  :home               open the bot's Home tab (what waits for you, your instances, the fleet)
  :wait               wait until the bot has finished what it is doing
  :wait 2h            (--demo) move the clock on: reminders, leases, schedules and budgets come due
  :shortcut <text>    the message shortcut on a message saying <text> (its instances, with menus)
  :press <n>          press control n as it was shown, even if its message changed (a second click)
  :calls              (--demo) every request the simulated Nebula received
  :help, :quit        this text; leave (waits for what you scheduled; :quit again leaves it to the bot)
  Ctrl-C, Ctrl-D      clear the line; leave (on a terminal)"""
QUIT: Final = (":quit", ":q", ":exit")
# A control's number is short: anything longer is not one the session showed.
MAX_NUMBER_DIGITS: Final = 6
SEARCH_SHOWN: Final = 10  # matches listed for a menu searched as one types
EXIT_INTERRUPTED: Final = 130

Reader = Callable[[str], Awaitable[str | None]]


async def run_lines(session: Session, read: Reader, *, interactive: bool = False) -> int:
    """Read and act on lines until end of input or `:quit`, then wait for what is pending. The exit code."""
    pending: tuple[Shown, Control] | None = None  # a button waiting for its dialog's y/N
    while True:
        typed = await read("y/N? " if pending else f"{session.user}> ")
        if typed == INTERRUPT:
            pending = None  # the line is cleared, and a dialog's question with it
            continue
        line = (typed or "").strip()
        if pending is not None:
            shown, control = pending
            pending = None
            if line.lower() in ("y", "yes"):
                await session.press(shown, control)
                await session.settle()
                await fill_form(session, read)
                continue
            session.say("Not pressed.")
            if typed is not None and not line.startswith(("/", ":")):
                continue
            if line.startswith("/"):
                session.say("Running the command you typed instead.")
        if typed is None or line in QUIT:
            return await _leave(session, read, interactive=interactive)
        try:
            pending = await _act(session, line)
            await fill_form(session, read)
        except Exception:  # any line gets an answer, never a traceback
            logs.failure("shell.line_failed")
            session.say("That line could not be handled (the bot's log says why); the session goes on.")


async def _act(session: Session, line: str) -> tuple[Shown, Control] | None:
    """Do what one line says; a button that asks for a dialog comes back to wait for y/N."""
    if not line or line.startswith("#"):
        return None
    if line == ":help":
        session.say(HELP)
    elif line == ":wait":
        await session.settle()
    elif line.startswith(":wait "):
        await _wait(session, line[len(":wait ") :].strip())
    elif line.startswith(":shortcut"):
        text = line[len(":shortcut") :].strip()
        if not text:
            session.say("Write :shortcut <a message's text>, e.g. :shortcut is llm-train-01 still needed?")
        else:
            await session.shortcut(text)
            await session.settle()
    elif line == ":home":
        await session.home()
        await session.settle()
    elif line == ":calls" and session.options.demo:
        session.say("The simulated Nebula received:\n" + "\n".join(f"  {c}" for c in session.demo_calls))
    elif line.startswith(":press"):
        await _press_again(session, line[len(":press") :].strip())
    elif line.startswith(":channel"):
        channel = line[len(":channel") :].strip()
        if is_slack_id(channel, "CGD"):
            session.move_to(channel)
            session.say(f"You now type in #{channel}.")
        else:
            session.say("Write :channel C0INFRA (a Slack channel id).")
    elif line.startswith(":as"):
        user = line[3:].strip()
        if is_slack_id(user, "UW"):
            session.user = user
            session.say(f"You are now {user}.")
        else:
            session.say("Write :as U123 (a Slack user id, not a name).")
    elif line.startswith("/nebula"):
        await session.command(line[len("/nebula") :].strip())
        await session.settle()
    elif line.startswith("/"):
        session.say("Only /nebula commands reach the bot here. Type /nebula help.")
    else:
        word, _, option = line.partition(" ")
        if word.isascii() and word.isdigit() and len(word) <= MAX_NUMBER_DIGITS:
            return await _press(session, int(word), option.strip())
        session.say("Type /nebula help, a control's number, or :help.")
    return None


async def _press_again(session: Session, typed: str) -> None:
    """`:press 1`: press a control as it was shown, even after its message changed (a second click, or
    a Slack client that has not refreshed): what the bot says to a stale click. No dialog is asked."""
    number = int(typed) if typed.isascii() and typed.isdigit() and len(typed) <= MAX_NUMBER_DIGITS else None
    found = session.shown_once(number) if number is not None else None
    if found is None:
        session.say("Write :press <n>, the number of a control shown before.")
        return
    shown, control = found
    await session.press(shown, control)
    await session.settle()


async def _wait(session: Session, typed: str) -> None:
    """`:wait 2h`: time passes in the demo (its clock moves on), and the bot does what it brings."""
    if not session.movable():
        session.say("Only the demo's clock can be moved (--demo); here time passes by itself.")
        return
    try:
        seconds = parse_duration(typed)
    except ValueError as exc:
        session.say(f"{typed!r}: {exc}.")
        return
    await session.pass_time(seconds)
    session.say(f"(The demo's clock moved on {format_duration(seconds)}.)")
    await session.settle()


async def _press(session: Session, number: int, option: str) -> tuple[Shown, Control] | None:
    """Press control `number`; a button with a dialog returns itself to wait for y/N."""
    visible = session.visible()
    if number not in visible:
        if session.was_shown(number):
            session.say(f"Control {number} is no longer there: its message changed. Nothing was pressed.")
        elif visible:
            session.say(
                f"There is no control {number}. You can press {', '.join(map(str, sorted(visible)))}."
            )
        else:
            session.say("No message has controls to press.")
        return None
    shown, control = visible[number]
    if control.kind == "external_select":
        await _search(session, shown, control, option)
        return None
    if control.kind == "static_select":
        index = int(option) if option.isascii() and option.isdigit() and len(option) <= 3 else 0
        if not 1 <= index <= len(control.options):
            session.say(f"Type {number} and a choice's number, from 1 to {len(control.options)}.")
            return None
        await session.press(shown, control, control.options[index - 1][1])
        await session.settle()
        return None
    if option and not control.options:
        session.say(f"Control {number} is a button: type {number} alone to press it.")
        return None
    if control.options:
        values = {label.lower(): value for label, value in control.options}
        if option.lower() not in values:
            session.say(f"Choose one: {number} " + " | ".join(values))
            return None
        await session.press(shown, control, values[option.lower()])
        await session.settle()
        return None
    if control.confirm:
        session.say(control.confirm)
        return shown, control
    await session.press(shown, control)
    await session.settle()
    return None


async def _search(session: Session, shown: Shown, control: Control, typed: str) -> None:
    """A menu searched as one types: what the bot offers for `typed`; one match is chosen at once."""
    found = await session.suggest(shown, control, typed)
    if len(found) == 1:
        await session.press(shown, control, found[0][1])
        await session.settle()
    elif not found:
        session.say(f"Nothing matches {typed!r}. Type {control.number} and part of a name or id.")
    else:
        listed = "\n".join(f"  {label}" for label, _ in found[:SEARCH_SHOWN])
        more = f"\n  … and {len(found) - SEARCH_SHOWN} more" if len(found) > SEARCH_SHOWN else ""
        session.say(f"{len(found)} match; type {control.number} and more of one:\n{listed}{more}")


async def _leave(session: Session, read: Reader, *, interactive: bool) -> int:
    """Wait for what the session scheduled before leaving; asked to leave again, leave it to the bot."""
    waiting = await session.pending()
    if not waiting:
        return 0
    again = ":quit again or Ctrl-C" if interactive else ":quit again"
    session.say(f"Waiting for: {'; '.join(waiting)}. ({again} leaves it to the bot's sweeper.)")
    done = asyncio.ensure_future(session.wait_for_pending())
    while not done.done():
        asked = asyncio.ensure_future(read("waiting> "))
        await asyncio.wait({done, asked}, return_when=asyncio.FIRST_COMPLETED)
        if done.done():
            asked.cancel()
            break
        line = asked.result()
        if (line is None and interactive) or line == INTERRUPT or (line or "").strip() in QUIT:
            done.cancel()
            left = await session.pending()
            where = (
                "nothing will send it (the demo's store goes with the shell)"
                if session.options.demo
                else ("the bot's sweeper sends it when its window ends; Undo in Slack stops it")
            )
            session.say(f"Left: {'; '.join(left)}: {where}.")
            return EXIT_INTERRUPTED if line == INTERRUPT else 0
        if line is None:  # a pipe has ended: nobody can ask again, so wait
            await done
            break
    session.say("Done: what was waiting has been sent.")
    return 0


def style_for(out: TextIO) -> Style:
    """Colours on a terminal that has them, unless NO_COLOR is set."""
    color = out.isatty() and os.environ.get("TERM") != "dumb" and "NO_COLOR" not in os.environ
    return Style(color=color)


def pipe_reader(stdin: TextIO) -> Reader:
    """Lines from a pipe, one at a time."""

    async def pipe(_: str) -> str | None:
        line = await asyncio.to_thread(stdin.readline)
        return line if line else None

    return pipe


async def shell(
    options: ShellOptions,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    *,
    read: Reader | None = None,
    on_session: Callable[[Session], None] | None = None,
) -> int:
    """Run a shell session; the exit code. `read` replaces reading `stdin` (a terminal's reader)."""
    session = Session(options, out, style_for(out))
    if on_session is not None:
        on_session(session)
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
            return await run_lines(session, read or pipe_reader(stdin), interactive=read is not None)
        finally:
            await session.stop()
