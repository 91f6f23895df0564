"""`nebula-bot check`, run in this process through `main(argv)`, against the stand-ins."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.service.runtime import UnusableSetting
from tests.conftest import Cli
from tests.standins.process import bot_env
from tests.standins.redis_server import RedisServer
from tests.standins.servers import APP_TOKEN, NEBULA_KEY, FakeNebula, FakeSlack
from tests.standins.stack import INSTANCE, Stack


def env_for(slack: FakeSlack, nebula: FakeNebula, tmp_path: Path, **extra: str) -> dict[str, str]:
    return bot_env(slack, nebula, tmp_path / "state.sqlite3", **extra)


async def test_check_passes_when_everything_answers(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> None:
    nebula.add(INSTANCE)
    code, out, _ = await cli.run_async("check", env=env_for(slack, nebula, tmp_path))
    assert code == 0, out
    lines = out.splitlines()
    assert [line.split()[1] for line in lines] == [
        "configuration",
        "slack",
        "slack",
        "home",
        "nebula",
        "store",
        "watcher",
        "cycles",
        "port",
    ]
    assert all(line.startswith("ok") for line in lines)
    assert "no reminders (NEBULA_BOT_WATCH_CHANNEL unset); leases remind; every 5m" in out
    assert "workspace Acme (T0TEAM), bot @nebula" in out
    assert "changes asked for on Home are confirmed in a DM with the person" in out
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
        (
            {"NEBULA_BOT_STATE_URL": "redis://127.0.0.1:1/0"},
            "store",
            "NEBULA_BOT_STATE_URL: cannot use the Redis",
        ),
        ({"NEBULA_BOT_STATE_URL": "sqlite:///no/such/dir/x"}, "store", "does not exist"),
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
    assert "missing chat:write, chat:write.public, usergroups:read" in out


async def test_check_in_socket_mode_checks_the_app_token(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> None:
    env = env_for(slack, nebula, tmp_path, SLACK_APP_TOKEN=APP_TOKEN)
    code, out, _ = await cli.run_async("check", env=env)
    assert code == 0, out
    assert "ok    socket mode   SLACK_APP_TOKEN accepted" in out
    assert not slack.socket_connected


async def test_check_reads_redis_persistence(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path, redis_url: str
) -> None:
    durable = await cli.run_async(
        "check", env=env_for(slack, nebula, tmp_path, NEBULA_BOT_STATE_URL=redis_url)
    )
    assert "ok    store         redis store reachable; AOF on (appendfsync everysec)" in durable[1]

    volatile = RedisServer(tmp_path, appendonly=False)
    try:
        env = env_for(slack, nebula, tmp_path, NEBULA_BOT_STATE_URL=volatile.url)
        code, out, _ = await cli.run_async("check", env=env)
        assert code == 1
        assert "FAIL  store" in out
        assert "appendonly yes" in out
        code, out, _ = await cli.run_async("check", env=env | {"NEBULA_BOT_ALLOW_VOLATILE_REDIS": "true"})
        assert code == 0, out
        assert "warn  store" in out
    finally:
        volatile.stop()


async def test_check_and_start_say_when_the_port_is_taken(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path, http_stack: Stack
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = env_for(slack, nebula, tmp_path, NEBULA_BOT_HOST="127.0.0.1", NEBULA_BOT_PORT=str(port))
        code, out, _ = await cli.run_async("check", env=env)
        assert code == 1
        assert f"FAIL  port          NEBULA_BOT_PORT={port} is in use" in out
        with pytest.raises(UnusableSetting, match=f"NEBULA_BOT_PORT={port} is in use"):
            await http_stack.start_bot(nebula_bot_port=port)


async def test_an_unresolvable_slack_is_said_in_words(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> None:
    env = env_for(slack, nebula, tmp_path, SLACK_API_URL="http://slack-api.invalid/api/")
    code, out, _ = await cli.run_async("check", env=env)
    assert code == 1
    said = "cannot reach http://slack-api.invalid/api/: cannot resolve slack-api.invalid; check the network"
    assert said in out


async def test_check_describes_the_watcher_and_warns_when_leases_cannot_act(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> None:
    watch = {
        "NEBULA_BOT_WATCH_CHANNEL": "C0WATCH",
        "NEBULA_BOT_REMIND_AFTER": "90m",
        "NEBULA_BOT_LEASE_ACTION": "stop",
        "NEBULA_BOT_DIGEST_AT": "09:00",
    }
    slack.add_channel("C0WATCH", "gpu-watch")
    code, out, _ = await cli.run_async("check", env=env_for(slack, nebula, tmp_path) | watch)
    assert code == 0, out
    [line] = [line for line in out.splitlines() if line.split()[1] == "watcher"]
    assert line.startswith("ok")
    assert "reminders in C0WATCH after 1h 30m running, Keep for 1d; leases stop 30m after their end" in line
    assert "digest at 09:00 UTC" in line
    two_person = watch | {"NEBULA_BOT_APPROVERS": "U0BOB"}
    code, out, _ = await cli.run_async("check", env=env_for(slack, nebula, tmp_path) | two_person)
    [line] = [line for line in out.splitlines() if line.split()[1] == "watcher"]
    assert line.startswith("warn")
    assert "leases only remind" in line
    code, out, _ = await cli.run_async(
        "check", env=env_for(slack, nebula, tmp_path) | watch | {"NEBULA_BOT_WATCHER": "apart"}
    )
    [line] = [line for line in out.splitlines() if line.split()[1] == "watcher"]
    assert "; in a process of its own (NEBULA_BOT_WATCHER=apart: run `nebula-bot watch` beside" in line
    assert "leases only remind" in line  # what it will do is still said


@pytest.mark.parametrize("answer", ["500", "garbled"])
async def test_a_failing_auth_test_is_not_blamed_on_the_token(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path, answer: str
) -> None:
    slack.auth_answer = answer
    code, out, _ = await cli.run_async("check", env=env_for(slack, nebula, tmp_path))
    assert code == 1
    [line] = [line for line in out.splitlines() if line.split()[1] == "slack"]
    assert line.startswith("FAIL")
    assert "says nothing about the token" in line
    assert "rejected" not in line


async def test_a_token_without_the_email_scopes_is_warned_about(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> None:
    slack.scopes = "commands,chat:write,chat:write.public,users:read.email"  # users:read missing
    code, out, _ = await cli.run_async("check", env=env_for(slack, nebula, tmp_path))
    assert code == 0
    [line] = [line for line in out.splitlines() if line.split()[1] == "owners"]
    assert line.startswith("warn")
    assert "users:read" in line


async def test_check_verifies_the_channels_the_settings_name(
    cli: Cli, slack: FakeSlack, nebula: FakeNebula, tmp_path: Path
) -> None:
    slack.add_channel("C0OPS", "ops")
    slack.add_channel("C0SECRET", "secret-gpus", private=True, member=False)
    named = {
        "NEBULA_BOT_ALLOWED_CHANNELS": "C0OPS,C0SECRET",
        "NEBULA_BOT_WATCH_CHANNEL": "C0OPS",
        "NEBULA_BOT_AUDIT_CHANNEL": "C0TYPO",
    }
    code, out, _ = await cli.run_async("check", env=env_for(slack, nebula, tmp_path) | named)
    assert code == 1
    [line] = [line for line in out.splitlines() if line.split()[1] == "channels"]
    assert line.startswith("FAIL")
    assert "C0SECRET not found (a wrong id, or a private channel the bot is not in: /invite it)" in line
    assert "C0TYPO not found" in line
    assert "C0OPS" not in line  # it exists and the bot may post there
    slack.add_channel("C0SECRET", "secret-gpus", private=True, member=True)
    slack.add_channel("C0TYPO", "gpu-audit")
    code, out, _ = await cli.run_async("check", env=env_for(slack, nebula, tmp_path) | named)
    assert code == 0, out
    assert "ok    channels      #ops (commands, watch), #secret-gpus (commands), #gpu-audit (audit)" in out
    slack.scopes = "commands,chat:write,chat:write.public"  # an app installed before the scopes were added
    code, out, _ = await cli.run_async("check", env=env_for(slack, nebula, tmp_path) | named)
    assert code == 0, out
    assert "warn  channels      cannot verify them: the token lacks channels:read and groups:read" in out
