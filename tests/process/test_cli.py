"""The console script as a user runs it: a real `python -m bot` process. The rest is tested in-process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.standins.process import clean_environ


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_config_is_named_without_a_traceback(tmp_path: Path) -> None:
    result = run(cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "NEBULA_API_KEY"):
        assert name in result.stderr
    assert result.stdout == ""


def test_manifest_and_help_need_no_configuration(tmp_path: Path) -> None:
    manifest = run("manifest", cwd=tmp_path)
    assert manifest.returncode == 0, manifest.stderr
    assert manifest.stdout.startswith("# Slack app manifest")
    for command in ("check", "manifest", "audit", "run"):
        helped = run(command, "--help", cwd=tmp_path)
        assert helped.returncode == 0
        assert "exit codes:" in helped.stdout
