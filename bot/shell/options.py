"""What `nebula-bot shell` was asked for (`--demo`, `--as`, `--channel`, `--watch`) and the bot's settings
that follow from it: Slack is always the local stand-in; with `--demo`, Nebula and the store are too."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bot.domain.fleet.ids import is_slack_id
from bot.settings.settings import Settings, load_settings
from bot.shell.local_slack import SHELL_TOKEN, LocalSlack

DEMO_USER: Final = "U0SHELL"
DEFAULT_CHANNEL: Final = "C0SHELL"
INFRA_CHANNEL: Final = "C0INFRA"  # the demo's second team's (--teams)


@dataclass(frozen=True)
class ShellOptions:
    """What `nebula-bot shell` was asked for."""

    demo: bool = False
    user: str | None = None
    channel: str = ""  # "": the first channel the bot serves (see `shell_channel`)
    # Also run what the bot runs by itself (watcher, sweeper); a console otherwise acts on commands only.
    watch: bool = False
    teams: bool = False  # the demo with two teams, each its own fleet and channel


class ShellError(Exception):
    """The shell cannot start; the message says why."""


def shell_settings(options: ShellOptions, slack: LocalSlack, state_dir: Path) -> tuple[Settings, str]:
    """The bot's settings for the shell, and the user it starts as.

    Slack is always the local stand-in. With `--demo`, Nebula and the store are simulated too, and
    the demo user is allowed; otherwise Nebula, the store and the rules are the configured ones.
    """
    if options.user is not None and not is_slack_id(options.user, "UW"):
        raise ShellError(
            f"--as takes a Slack user id (U… or W…: a profile's ⋮ → Copy member ID), not {options.user!r}"
        )
    if options.channel and not is_slack_id(options.channel, "CGD"):
        raise ShellError(f"--channel takes a Slack channel id (C…, G… or D…), not {options.channel!r}")
    local: dict[str, Any] = {
        "slack_bot_token": SHELL_TOKEN,
        "slack_app_token": "",
        "slack_signing_secret": "shell-local-only",
        "slack_api_url": slack.api_url,
        "slack_response_url_prefixes": slack.response_prefix,
        "nebula_bot_host": "127.0.0.1",
        "nebula_bot_port": 0,
    }
    if options.demo:
        from bot.nebula.demo import DEMO_KEY

        allowed = {u for u in os.environ.get("NEBULA_BOT_ALLOWED_USERS", "").split(",") if u.strip()}
        allowed |= {DEMO_USER, *([options.user] if options.user else [])}
        local |= {
            "nebula_api_url": "https://demo.nebula.invalid/api/v1",
            "nebula_api_key": DEMO_KEY,
            "nebula_bot_state_url": f"sqlite:///{state_dir / 'demo.sqlite3'}",
            "nebula_bot_allowed_users": ",".join(sorted(u.strip() for u in allowed)),
        }
        if not os.environ.get("NEBULA_BOT_WATCH_CHANNEL"):
            # Reminders and budget alerts in the shell's own channel, where `:wait 2h` shows them.
            local["nebula_bot_watch_channel"] = options.channel or DEFAULT_CHANNEL
        if options.teams:
            local["nebula_bot_teams_file"] = demo_teams(state_dir, sorted(allowed))
    settings = load_settings(**local)
    return settings, options.user or (DEMO_USER if options.demo else _first_user(settings))


def demo_teams(state_dir: Path, users: list[str]) -> Path:
    """The demo's teams file: two teams, each with its own simulated fleet (by its key) and channel."""
    from bot.nebula.demo import DEMO_KEYS

    tables = []
    for (team, key), channel in zip(DEMO_KEYS.items(), (DEFAULT_CHANNEL, INFRA_CHANNEL), strict=True):
        key_file = state_dir / f"{team}.key"
        key_file.write_text(key)
        tables.append(
            f"[teams.{team}]\napi_key_file = {str(key_file)!r}\nchannels = [{channel!r}]\n"
            f"watch_channel = {channel!r}\nallowed_users = {users!r}\n"
        )
    path = state_dir / "teams.toml"
    path.write_text("\n".join(tables))
    return path


def shell_channel(options: ShellOptions, settings: Settings) -> str:
    """The channel the shell types in: `--channel`, else the first team's first channel (a channel of
    no team would refuse every command), else the first allowed channel, else C0SHELL."""
    if options.channel:
        return options.channel
    from bot.settings.teams import team_settings

    first = team_settings(settings)[0].settings
    channels = sorted(c for c in first.nebula_bot_allowed_channels if not c.startswith("D"))
    return channels[0] if channels else DEFAULT_CHANNEL


def _first_user(settings: Settings) -> str:
    """The first id NEBULA_BOT_ALLOWED_USERS names (in the order written, when the environment has it)."""
    allowed = settings.nebula_bot_allowed_users - {"*"}
    written = [u.strip() for u in os.environ.get("NEBULA_BOT_ALLOWED_USERS", "").split(",")]
    users = [u for u in written if u in allowed] or sorted(allowed)
    if not users:
        raise ShellError("say who you are with --as U123 (NEBULA_BOT_ALLOWED_USERS names nobody)")
    return users[0]
