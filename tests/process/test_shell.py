"""`nebula-bot shell` as a process, driven through a pipe and through a pseudo-terminal as a person or
a script would drive it. Its behaviour is tested in-process in tests/e2e/test_shell_demo.py."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

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
            "1",
            "y",
            f"/nebula stop {BIG}",
            "2",
            "/nebula list",
            ":calls",
        ],
        tmp_path,
    )
    assert code == 0, err
    assert "[demo] nebula" in out
    assert "Your team's instances (1–5 of 5)" in out
    assert f"[1] ⋯ {BIG}: delete | stop | start | reboot" in out
    assert "H100 × 8" in out
    assert "demo-password" not in out  # the detail carries one; it is never shown
    assert "[1] Delete  [2] Cancel" in out
    assert "Delete instance? This will delete" in out
    assert "Instances deleted successfully" in out
    assert "Cancelled by @U0SHELL. Nothing was stopped" in out
    assert "Your team's instances (1–4 of 4)" in out  # the deleted instance is gone from the next list
    calls = out.split("The simulated Nebula received:")[1]
    assert calls.count("DELETE ") == 1
    assert f"DELETE /api/v1/computing/instance/{SMALL}" in calls
    assert "/stop" not in calls


def test_the_shell_on_a_terminal_prompts_and_answers(tmp_path: Path) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: the shell on a pseudo-terminal
        os.chdir(tmp_path)
        env = clean_environ() | {"TERM": "xterm"}
        os.execve(sys.executable, [sys.executable, "-m", "bot", "shell", "--demo"], env)  # noqa: S606

    def read_until(marker: str, within: float = 30) -> str:
        seen = b""
        deadline = time.monotonic() + within
        while marker.encode() not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break
        return seen.decode(errors="replace")

    try:
        assert "U0SHELL> " in read_until("U0SHELL> ")
        os.write(fd, b"/nebula help\n")
        out = read_until("U0SHELL> ")
        assert "Usage" in out
        assert "\x1b[" in out  # colours on a terminal
        os.write(fd, b":quit\n")
        read_until("", within=1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        os.close(fd)
