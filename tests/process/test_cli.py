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


def test_the_bot_loads_redis_yaml_and_socket_mode_only_when_used(tmp_path: Path) -> None:
    # Memory after start is a bench target (bench/run.py): what a deployment does not use stays unloaded.
    probe = (
        "import sys, bot.__main__, bot.service.runtime\n"
        "print(sorted(m for m in ('redis', 'yaml', 'slack_sdk.socket_mode') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
