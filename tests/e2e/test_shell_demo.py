"""`nebula-bot shell --demo` in-process: lines in, text out, the same Bolt app and a simulated Nebula.
(tests/process/test_shell.py drives it as a process, through a pipe and a pseudo-terminal.)"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.shell.lines import run_lines, shell
from bot.shell.render import Style
from bot.shell.session import Session, ShellOptions
from tests.helpers import DEMO_BIG as BIG
from tests.helpers import DEMO_SMALL as SMALL
from tests.standins.stack import FakeClock, eventually

README = Path(__file__).resolve().parents[2] / "README.md"


async def run_demo(lines: list[str], options: ShellOptions | None = None) -> tuple[int, str]:
    """Feed `lines` to a demo shell as a pipe would; the exit code and what it printed."""
    out = io.StringIO()
    code = await shell(options or ShellOptions(demo=True), io.StringIO("".join(f"{x}\n" for x in lines)), out)
    return code, out.getvalue()


def nebula_calls(out: str) -> str:
    return out.split("The simulated Nebula received:")[1]


async def test_the_readme_session_is_what_the_shell_prints() -> None:
    block = README.read_text().split("A session (the prompt lines are what was typed):\n\n```\n", 1)[1]
    typed, shown = [], []
    for line in block.split("\n```", 1)[0].splitlines():
        if line.startswith(("U0SHELL> ", "y/N? ")):
            typed.append(line.split(" ", 1)[1])
        else:
            shown.append(line)
    code, out = await run_demo(typed)
    assert code == 0

    def timeless(lines: list[str]) -> list[str]:
        return [re.sub(r"\w{3} \d{2} \w{3} \d{2}:\d{2}", "<time>", line) for line in lines]

    assert timeless(out.splitlines()) == timeless(shown)


async def test_a_menu_choice_and_a_dialog_answered_no() -> None:
    code, out = await run_demo(["/nebula list", "2 stop", "1", "n", "9", "bogus", ":calls"])
    assert code == 0
    assert "asked to stop this instance" in out
    assert "Not pressed." in out
    assert "Stop instance? This will stop" in out
    assert "controls are 1 to 2" in out
    assert "Type /nebula help" in out
    assert "/stop" not in nebula_calls(out)


async def test_the_two_person_rule_through_as_and_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEBULA_BOT_APPROVERS", "U0CAROL")
    monkeypatch.setenv("NEBULA_BOT_ALLOWED_USERS", "U0CAROL")
    lines = [f"/nebula delete {SMALL}", "1", "y", ":as U0CAROL", "1", "y", ":as U0MALLORY"]
    code, out = await run_demo([*lines, f"/nebula delete {BIG}", ":calls"])
    assert code == 0
    assert "Needs approval by @U0CAROL (not @U0SHELL)" in out
    assert "someone else must approve it" in out
    assert "You are now U0CAROL." in out
    assert "confirmed by @U0CAROL" in out
    assert "You may not change instances" in out
    assert "U0MALLORY" in out
    assert nebula_calls(out).count("DELETE ") == 1


async def test_a_confirmation_expires_while_the_shell_waits(tmp_path: Path) -> None:
    clock = FakeClock()
    out = io.StringIO()
    session = Session(ShellOptions(demo=True), out, Style(color=False), clock=clock)
    await session.start(tmp_path)
    lines = iter([f"/nebula delete {SMALL}", "(the person looks away)", "1", ":calls"])

    async def read(_: str) -> str | None:
        line = next(lines, None)
        if line == "(the person looks away)":
            clock.advance(601)  # past the confirmation's life: the sweeper expires it, no line typed
            assert session.runtime is not None
            assert session.runtime.core is not None
            assert await session.runtime.core.sweeper.expire_overdue() == 1  # its next pass, now
            await eventually(lambda: "This request expired" in out.getvalue())
            return ""
        return line

    try:
        assert await run_lines(session, read) == 0
    finally:
        await session.stop()
    text = out.getvalue()
    assert "No message has controls to press." in text  # the expired message lost its buttons
    assert "DELETE" not in nebula_calls(text)
