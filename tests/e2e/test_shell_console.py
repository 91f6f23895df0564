"""`nebula-bot shell` without --demo: an operator's console on the real (here: stand-in) Nebula and
the configured store, for when Slack is down. The audit says the shell did it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.shell.lines import shell
from bot.shell.options import ShellOptions
from bot.shell.render import Style
from bot.shell.session import Session
from bot.store import open_store
from tests.standins.servers import NEBULA_KEY, FakeNebula
from tests.standins.stack import INSTANCE


async def test_the_console_acts_on_the_configured_nebula_and_audits_the_shell(
    monkeypatch: pytest.MonkeyPatch, nebula: FakeNebula, tmp_path: Path
) -> None:
    nebula.add(INSTANCE, host_name="trainer-1")
    state = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    for name, value in {
        "NEBULA_API_URL": nebula.api_url,
        "NEBULA_API_KEY": NEBULA_KEY,
        "NEBULA_BOT_STATE_URL": state,
        "NEBULA_BOT_ALLOWED_USERS": "U0OPS,U0ALICE",
        "SLACK_BOT_TOKEN": "xoxb-the-real-one-is-never-used",
    }.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    lines = io.StringIO(f"/nebula delete {INSTANCE}\n1\ny\n")
    assert await shell(ShellOptions(), lines, out) == 0
    text = out.getvalue()
    assert "[demo]" not in text
    assert "asked to delete" in text
    assert "@U0OPS" in text  # the first allowed user, as --as was not given
    assert "Instances deleted successfully" in text
    assert len(nebula.deletes()) == 1
    store = await open_store(state)
    try:
        records = await store.recent(20)
    finally:
        await store.close()
    executed = [r for r in records if r.step == "executed"]
    assert [(r.actor, r.source) for r in executed] == [("U0OPS", "shell")]
    assert "source=shell" in executed[0].shown()


async def test_the_console_needs_a_user_and_a_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEBULA_BOT_STATE_URL", f"sqlite:///{tmp_path / 's.sqlite3'}")
    assert await shell(ShellOptions(user="U0OPS"), io.StringIO(""), io.StringIO()) == 2  # no NEBULA_API_KEY
    monkeypatch.setenv("NEBULA_API_KEY", "ak_live_value")
    assert await shell(ShellOptions(), io.StringIO(""), io.StringIO()) == 2  # nobody to act as
    assert await shell(ShellOptions(user="not-a-user"), io.StringIO(""), io.StringIO()) == 2
    assert await shell(ShellOptions(user="U0OPS", channel="#ops"), io.StringIO(""), io.StringIO()) == 2


def console_env(monkeypatch: pytest.MonkeyPatch, nebula: FakeNebula, state: str) -> None:
    for name, value in {
        "NEBULA_API_URL": nebula.api_url,
        "NEBULA_API_KEY": NEBULA_KEY,
        "NEBULA_BOT_STATE_URL": state,
        "NEBULA_BOT_ALLOWED_USERS": "U0OPS",
        "NEBULA_BOT_WATCH_CHANNEL": "C0GPUS",
        "SLACK_BOT_TOKEN": "xoxb-the-real-one-is-never-used",
    }.items():
        monkeypatch.setenv(name, value)


async def test_the_console_runs_no_watcher_or_sweeper_unless_asked(
    monkeypatch: pytest.MonkeyPatch, nebula: FakeNebula, tmp_path: Path
) -> None:
    console_env(monkeypatch, nebula, f"sqlite:///{tmp_path / 'state.sqlite3'}")
    for options, loops in (
        (ShellOptions(), []),
        (ShellOptions(watch=True), ["sweeper", "launches", "store probe", "watcher"]),
    ):
        session = Session(options, io.StringIO(), Style())
        await session.start(tmp_path)
        try:
            assert session.runtime is not None
            assert sorted(session.runtime.loops) == sorted(loops)
        finally:
            await session.stop()


async def test_a_second_console_on_the_same_store_loses_no_command(
    monkeypatch: pytest.MonkeyPatch, nebula: FakeNebula, tmp_path: Path
) -> None:
    nebula.add(INSTANCE, host_name="trainer-1")
    console_env(monkeypatch, nebula, f"sqlite:///{tmp_path / 'state.sqlite3'}")
    for _ in range(2):  # within the replay window: the second console's commands must not look replayed
        out = io.StringIO()
        assert (
            await shell(ShellOptions(), io.StringIO("/nebula list\n/nebula show " + INSTANCE + "\n"), out)
            == 0
        )
        assert out.getvalue().count("trainer-1") >= 2


async def test_the_console_types_in_the_first_team_s_channel_by_default(
    monkeypatch: pytest.MonkeyPatch, nebula: FakeNebula, tmp_path: Path
) -> None:
    nebula.add(INSTANCE, host_name="trainer-1")
    teams = tmp_path / "teams.toml"
    teams.write_text(
        '[teams.research]\napi_key_env = "RESEARCH_KEY"\nchannels = ["C0RESEARCH"]\n\n'
        '[teams.prod]\napi_key_env = "PROD_KEY"\nchannels = ["C0PROD"]\n'
    )
    for name, value in {
        "NEBULA_API_URL": nebula.api_url,
        "NEBULA_BOT_TEAMS_FILE": str(teams),
        "RESEARCH_KEY": NEBULA_KEY,
        "PROD_KEY": "ak_prod_key_never_used_here",
        "NEBULA_BOT_STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite3'}",
        "NEBULA_BOT_ALLOWED_USERS": "U0OPS",
        "SLACK_BOT_TOKEN": "xoxb-the-real-one-is-never-used",
    }.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    assert await shell(ShellOptions(), io.StringIO(f"/nebula show {INSTANCE}\n"), out) == 0
    assert "trainer-1" in out.getvalue()
    assert "does not work in this channel" not in out.getvalue()
    out = io.StringIO()
    assert await shell(ShellOptions(channel="C0ELSEWHERE"), io.StringIO("/nebula list\n"), out) == 0
    assert "`/nebula` does not work in this channel." in out.getvalue()
