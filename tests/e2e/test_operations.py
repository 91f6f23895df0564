"""What an operator uses: `nebula-bot check`, `manifest`, dry runs, /metrics and log formats."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest
import yaml

from bot.blocks import CONFIRM_ACTION_ID
from bot.manifest import render
from tests.helpers import confirmation_id, shown
from tests.standins.process import BotProcess, bot_env, clean_environ
from tests.standins.servers import APP_TOKEN, NEBULA_KEY, FakeNebula, FakeSlack
from tests.standins.stack import ALICE, INSTANCE, Stack, eventually, posts

ROOT = Path(__file__).resolve().parents[2]


async def cli(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run `python -m bot ARGS` without blocking the loop the stand-ins serve on."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=clean_environ() | env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def env_for(slack: FakeSlack, nebula: FakeNebula, tmp_path: Path, **extra: str) -> dict[str, str]:
    return bot_env(slack, nebula, tmp_path / "state.sqlite3", **extra)


async def test_check_passes_when_everything_answers(
    slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> None:
    nebula.add(INSTANCE)
    code, out, _ = await cli("check", env=env_for(slack, nebula, tmp_path), cwd=tmp_path)
    assert code == 0, out
    lines = out.splitlines()
    assert [line.split()[1] for line in lines] == ["configuration", "slack", "slack", "nebula", "store"]
    assert all(line.startswith("ok") for line in lines)
    assert "workspace Acme (T0TEAM), bot @nebula" in out
    assert "the team has 1 instance(s)" in out
    assert not (tmp_path / "state.sqlite3").exists(), "check changes nothing"
    assert [c.method for c in nebula.calls] == ["GET"]
    assert nebula.calls[0].path == "/api/v1/computing/instances?limit=1&offset=0"


@pytest.mark.parametrize(
    ("change", "failing", "says"),
    [
        ({"NEBULA_API_KEY": "ak_wrong"}, "nebula", "NEBULA_API_KEY was rejected"),
        ({"SLACK_BOT_TOKEN": "xoxb-revoked"}, "slack", "SLACK_BOT_TOKEN was rejected (invalid_auth)"),
        ({"NEBULA_BOT_STATE_URL": "sqlite:////proc/nope/state.sqlite3"}, "store", "cannot create"),
        ({"NEBULA_BOT_STATE_URL": "redis://127.0.0.1:1/0"}, "store", "cannot use NEBULA_BOT_STATE_URL"),
        ({"SLACK_APP_TOKEN": "xapp-revoked"}, "socket", "SLACK_APP_TOKEN was rejected"),
    ],
)
async def test_check_fails_and_names_the_setting(
    slack: FakeSlack, nebula: FakeNebula, tmp_path: Path, change: dict[str, str], failing: str, says: str
) -> None:
    code, out, _ = await cli("check", env=env_for(slack, nebula, tmp_path) | change, cwd=tmp_path)
    assert code == 1
    [failed] = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert failed.split()[1] == failing
    assert says in failed
    assert NEBULA_KEY not in out


async def test_check_reports_missing_scopes(slack: FakeSlack, nebula: FakeNebula, tmp_path: Path) -> None:
    slack.scopes = "commands"
    env = env_for(slack, nebula, tmp_path, NEBULA_BOT_ALLOWED_USERGROUPS="S0ML")
    code, out, _ = await cli("check", env=env, cwd=tmp_path)
    assert code == 1
    assert "missing chat:write, usergroups:read" in out


async def test_check_in_socket_mode_checks_the_app_token(
    slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> None:
    env = env_for(slack, nebula, tmp_path, SLACK_APP_TOKEN=APP_TOKEN)
    code, out, _ = await cli("check", env=env, cwd=tmp_path)
    assert code == 0, out
    assert "ok    socket mode   SLACK_APP_TOKEN accepted" in out
    assert not slack.socket_connected


def test_manifest_file_is_the_socket_mode_rendering() -> None:
    assert (ROOT / "manifest.yaml").read_text() == render(), "regenerate: nebula-bot manifest > manifest.yaml"


def test_manifest_for_http_mode(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "manifest", "--http-url", "https://bot.example.com/"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = yaml.safe_load(result.stdout)
    schema = json.loads((ROOT / "tests" / "data" / "slack-app-manifest.schema.json").read_text())
    jsonschema.validate(data, schema)
    assert data["features"]["slash_commands"][0]["url"] == "https://bot.example.com/slack/events"
    assert data["settings"]["interactivity"]["request_url"] == "https://bot.example.com/slack/events"
    assert data["settings"]["socket_mode_enabled"] is False

    bad = subprocess.run(
        [sys.executable, "-m", "bot", "manifest", "--http-url", "http://bot.example.com"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert bad.returncode == 2
    assert "https://" in bad.stderr


async def test_dry_run_does_everything_but_the_change(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    _, driver = await stack.start_bot(nebula_bot_dry_run=True)
    _, url = await driver.command(ALICE, f"delete {INSTANCE}")
    await eventually(posts(stack, url, 1))
    request = stack.slack.posts_to(url)[0]
    assert "*Dry run*: nothing will change" in shown(request)
    _, click = await driver.click(ALICE, CONFIRM_ACTION_ID, confirmation_id(request))
    await eventually(posts(stack, click, 2))
    outcome = shown(stack.slack.posts_to(click)[1])
    assert f"Dry run: would have sent DELETE {stack.nebula.api_url}/computing/instance/{INSTANCE}" in outcome
    assert stack.nebula.changes() == []
    assert [c.method for c in stack.nebula.calls] == ["GET"]


async def scrape(session: aiohttp.ClientSession, port: int) -> str:
    async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return await response.text()


def value(metrics: str, sample: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{sample} not in metrics")


async def test_metrics_count_what_happened(stack: Stack) -> None:
    stack.nebula.add(INSTANCE)
    bot, driver = await stack.start_bot()
    await driver.command(ALICE, "dlete x")
    _, url = await driver.command(ALICE, f"delete {INSTANCE}")
    await eventually(posts(stack, url, 1))
    before = await scrape(stack.session, bot.port)
    assert value(before, "nebula_bot_pending_confirmations") == 1
    _, click = await driver.click(ALICE, CONFIRM_ACTION_ID, confirmation_id(stack.slack.posts_to(url)[0]))
    await eventually(posts(stack, click, 2))

    after = await scrape(stack.session, bot.port)
    assert value(after, 'nebula_bot_commands_total{result="accepted",verb="delete"}') == 1
    assert value(after, 'nebula_bot_commands_total{result="usage",verb="invalid"}') == 1
    assert value(after, 'nebula_bot_confirmations_total{outcome="requested"}') == 1
    assert value(after, 'nebula_bot_confirmations_total{outcome="executed"}') == 1
    assert value(after, 'nebula_bot_nebula_requests_total{endpoint="instance.get",status="200"}') == 1
    assert value(after, 'nebula_bot_nebula_requests_total{endpoint="instance.delete",status="200"}') == 1
    assert value(after, 'nebula_bot_nebula_request_seconds_count{endpoint="instance.delete"}') == 1
    assert value(after, "nebula_bot_pending_confirmations") == 0


async def test_metrics_count_slack_errors_and_nebula_failures(http_stack: Stack) -> None:
    stack = http_stack
    bot, driver = await stack.start_bot()
    stack.slack.response_status = 404
    stack.slack.channels_without_bot.add("C0OPS")
    await driver.command(ALICE, f"delete {INSTANCE}")  # unknown instance: Nebula 404, reply refused
    await eventually(lambda: "chat.postEphemeral" in stack.slack.api_calls)
    metrics = await scrape(stack.session, bot.port)
    assert value(metrics, 'nebula_bot_nebula_requests_total{endpoint="instance.get",status="404"}') == 1
    assert value(metrics, 'nebula_bot_slack_errors_total{method="response_url"}') == 1
    assert value(metrics, 'nebula_bot_slack_errors_total{method="web_api_fallback"}') == 1


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_log_format_text_or_json(
    slack: FakeSlack, nebula: FakeNebula, tmp_path: Path, fmt: str
) -> None:
    env = env_for(slack, nebula, tmp_path, NEBULA_BOT_LOG_FORMAT=fmt, NEBULA_API_KEY="ak_wrong_key_x")
    # The cheapest run that logs: the bot starts, logs bot.ready, and is stopped.
    bot = BotProcess(env, tmp_path)
    await bot.start()
    await eventually(lambda: "bot.ready" in "".join(bot.lines), within=20)
    await bot.kill()
    [ready] = [line for line in bot.lines if "bot.ready" in line]
    if fmt == "json":
        assert json.loads(ready)["event"] == "bot.ready"
    else:
        assert " INFO    bot.ready mode=http team=T0TEAM " in ready
    assert "ak_wrong_key_x" not in "\n".join(bot.lines)
