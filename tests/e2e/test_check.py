"""`nebula-bot check`, run in this process through `main(argv)`, against the stand-ins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.standins.process import bot_env
from tests.standins.servers import APP_TOKEN, NEBULA_KEY, FakeNebula, FakeSlack
from tests.standins.stack import INSTANCE


def env_for(slack: FakeSlack, nebula: FakeNebula, tmp_path: Path, **extra: str) -> dict[str, str]:
    return bot_env(slack, nebula, tmp_path / "state.sqlite3", **extra)


async def test_check_passes_when_everything_answers(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> None:
    nebula.add(INSTANCE)
    code, out, _ = await cli.run_async("check", env=env_for(slack, nebula, tmp_path))
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
    cli: Cli,
    slack: FakeSlack,
    nebula: FakeNebula,
    tmp_path: Path,
    change: dict[str, str],
    failing: str,
    says: str,
) -> None:
    code, out, _ = await cli.run_async("check", env=env_for(slack, nebula, tmp_path) | change)
    assert code == 1
    [failed] = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert failed.split()[1] == failing
    assert says in failed
    assert NEBULA_KEY not in out


async def test_check_reports_missing_scopes(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> None:
    slack.scopes = "commands"
    env = env_for(slack, nebula, tmp_path, NEBULA_BOT_ALLOWED_USERGROUPS="S0ML")
    code, out, _ = await cli.run_async("check", env=env)
    assert code == 1
    assert "missing chat:write, usergroups:read" in out


async def test_check_in_socket_mode_checks_the_app_token(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> None:
    env = env_for(slack, nebula, tmp_path, SLACK_APP_TOKEN=APP_TOKEN)
    code, out, _ = await cli.run_async("check", env=env)
    assert code == 0, out
    assert "ok    socket mode   SLACK_APP_TOKEN accepted" in out
    assert not slack.socket_connected
