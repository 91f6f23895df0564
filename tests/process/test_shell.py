"""`nebula-bot shell` as a process, driven through a pipe and through a pseudo-terminal as a person or
a script would drive it. Its behaviour is tested in-process in tests/e2e/test_shell_demo.py."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import DEMO_BIG as BIG
from tests.helpers import DEMO_SMALL as SMALL
from tests.standins.process import clean_environ


def run_shell(lines: list[str], tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """Feed `lines` to `nebula-bot shell --demo` through a pipe; exit code, stdout, stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "shell", "--demo", *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=clean_environ() | env,
        check=False,
    )
    return result.returncode, result.stdout, result.stderr


def test_list_show_delete_and_cancel_through_a_pipe(tmp_path: Path) -> None:
    code, out, err = run_shell(
        [
            "/nebula list",
            f"/nebula show {BIG}",
            f"/nebula delete {SMALL}",
            "6",  # the list's menus were 1 to 5 (render-node, deploying, has none)
            "y",
            f"/nebula stop {BIG}",
            "9",  # its Cancel
            "/nebula list",
            ":calls",
        ],
        tmp_path,
    )
    assert code == 0, err
    assert "[demo] nebula" in out
    assert "Your team's instances (1–6 of 6)" in out
    assert f"[1] ⋯ {BIG}: delete | stop | reboot" in out  # what fits a running instance
    assert "H100 × 8" in out
    assert "demo-password" not in out  # the detail carries one; it is never shown
    assert "[6] Delete  [7] Cancel" in out
    assert "Delete instance? This will delete" in out
    assert "Instances deleted successfully" in out
    assert "Cancelled by @U0SHELL. Nothing was stopped" in out
    assert "Your team's instances (1–5 of 5)" in out  # the deleted instance is gone from the next list
    calls = out.split("The simulated Nebula received:")[1]
    assert calls.count("DELETE ") == 1
    assert f"DELETE /api/v1/computing/instance/{SMALL}" in calls
    assert "/stop" not in calls


class Terminal:
    """`nebula-bot shell --demo` on a pseudo-terminal, typed at as a person would."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the shell on a pseudo-terminal
            os.chdir(tmp_path)
            os.execve(  # noqa: S606
                sys.executable,
                [sys.executable, "-m", "bot", "shell", "--demo"],
                clean_environ() | {"TERM": "xterm"} | env,
            )
        self.pid, self.fd = pid, fd
        self.left: int | None = None  # the exit code, once the shell has left

    def type(self, keys: bytes) -> None:
        """Keys as typed; a line needs its b"\\n"."""
        os.write(self.fd, keys)

    def read_until(self, marker: str, within: float = 30) -> str:
        """Output up to and including `marker`, failing with what was seen if it never comes."""
        seen = b""
        deadline = time.monotonic() + within
        while marker.encode() not in seen:
            assert time.monotonic() < deadline, f"{seen.decode(errors='replace')}\n{self.state()}"
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(self.fd, 4096)
                except OSError:  # the shell has left and closed the terminal
                    break
        return seen.decode(errors="replace")

    def state(self) -> str:
        """What the shell's process is doing, for a failure's message: its threads, their state and
        system call, and its signals (blocked, ignored, caught)."""
        lines = []
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{self.pid}/status").read_text().splitlines()
            lines += [line for line in status if line.startswith(("State", "Sig", "Shd"))]
            for task in sorted(Path(f"/proc/{self.pid}/task").iterdir()):
                syscall = (task / "syscall").read_text().split()[0]
                status = (task / "status").read_text().splitlines()
                blocked = next(line for line in status if line.startswith("SigBlk"))
                lines.append(f"thread {task.name}: syscall {syscall}, {blocked}")
        return "\n".join(lines)

    def drain(self) -> None:
        """Read what the shell says within the next 0.2 s (waiting on the terminal, not spinning), so
        that it never blocks on a full terminal while it leaves."""
        ready, _, _ = select.select([self.fd], [], [], 0.2)
        if ready:
            with contextlib.suppress(OSError):  # the shell has left and closed the terminal
                os.read(self.fd, 4096)

    def exit_code(self, within: float = 30) -> int:
        """Wait for the shell to leave (reading what it still says) and return its exit code."""
        deadline = time.monotonic() + within
        while True:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.left = os.waitstatus_to_exitcode(status)
                return self.left
            assert time.monotonic() < deadline, f"the shell did not leave\n{self.state()}"
            self.drain()

    def wait_for_keys(self, within: float = 30) -> None:
        """Poll until the shell's main thread sleeps waiting for a key.

        CPython's readline looks for Ctrl-C only when its select() is interrupted: a Ctrl-C arriving
        while it still handles the previous key waits for the next key. A person cannot type that
        fast; a test can, so it waits for the read, as the person does without knowing.
        """
        calls = READ_CALLS.get(os.uname().machine)
        where = Path(f"/proc/{self.pid}/syscall")
        if calls is None or not where.exists():
            pytest.skip("needs Linux's /proc/<pid>/syscall on x86_64 or aarch64")
        deadline = time.monotonic() + within
        while True:
            number = where.read_text().split()[0]
            if number.isdigit() and int(number) in calls:
                return
            assert time.monotonic() < deadline, f"the shell never waited for a key (syscall {number})"
            time.sleep(0.01)  # a poll interval: the condition itself is checked each time

    def close(self) -> None:
        """Kill the shell if a failed test left it running, and close the terminal."""
        if self.left is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


READ_CALLS = {"x86_64": {7, 23, 270, 271}, "aarch64": {72, 73}}  # poll, select, pselect6, ppoll


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    """Start shells on pseudo-terminals (with these environment variables); all killed at the end."""
    started: list[Terminal] = []

    def start(**env: str) -> Terminal:
        started.append(Terminal(tmp_path, **env))
        return started[-1]

    try:
        yield start
    finally:
        for shell in started:
            shell.close()


def test_the_shell_on_a_terminal_prompts_and_answers(terminal: Callable[..., Terminal]) -> None:
    shell = terminal()
    assert "U0SHELL> " in shell.read_until("U0SHELL> ")
    shell.type(b"/nebula help\n")
    out = shell.read_until("U0SHELL> ")
    assert "Usage" in out
    assert "\x1b[" in out  # colours on a terminal
    shell.type(b":quit\n")
    assert shell.exit_code() == 0


def test_ctrl_c_clears_the_line_and_ctrl_d_leaves(terminal: Callable[..., Terminal]) -> None:
    shell = terminal(NO_COLOR="1")
    shell.read_until("U0SHELL> ")
    shell.type(b"/nebula delete half-typed")
    shell.read_until("half-typed")
    shell.wait_for_keys()
    shell.type(b"\x03")  # Ctrl-C: the line is dropped, the session goes on
    shell.read_until("U0SHELL> ")
    shell.type(b"/nebula help\n")
    out = shell.read_until("U0SHELL> ")
    assert "Usage" in out
    assert "half-typed" not in out  # the dropped line never ran
    shell.type(b"\x04")  # Ctrl-D at an empty prompt: leave
    assert shell.exit_code() == 0


def test_leaving_while_a_delete_waits_ends_when_it_is_sent(terminal: Callable[..., Terminal]) -> None:
    shell = terminal(NO_COLOR="1", NEBULA_BOT_UNDO_SECONDS="1")
    shell.read_until("U0SHELL> ")
    shell.type(f"/nebula delete {SMALL}\n".encode())
    shell.read_until("[1] Delete")
    shell.type(b"1\n")
    shell.read_until("y/N? ")
    shell.type(b"y\n")
    shell.read_until("U0SHELL> ")
    shell.type(b"\x04")  # Ctrl-D: leave, but the delete waits for its undo window
    out = shell.read_until("waiting> ")
    assert "Waiting for: the delete of notebook-ana" in out
    # Nobody answers the "waiting>" prompt: the shell leaves by itself once the delete is sent.
    shell.read_until("Done: what was waiting has been sent.")
    assert shell.exit_code() == 0
