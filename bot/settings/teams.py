"""Several Nebula teams in one bot: NEBULA_BOT_TEAMS_FILE names a TOML file with one table per team.

    [teams.research]
    api_key_env = "RESEARCH_NEBULA_KEY"      # or api_key_file = "/run/secrets/research-key"
    channels = ["C0RESEARCH"]
    allowed_users = ["U0ALICE", "U0BOB"]
    approvers = ["U0CAROL"]
    watch_channel = "C0RESEARCH"
    instances = ["research-*"]              # where teams share a key: the team's own instances

The key itself is never in the file: it names the environment variable or the file that holds it.
Each team's settings are the environment's, with its table's values over them; a team's channels
belong to it alone. The file is read with pydantic-settings' TOML source and validated with the same
rules and messages as the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, TomlConfigSettingsSource

from bot.domain.calendar.schedules import is_zone
from bot.domain.money.split import MAX_PATTERNS, is_pattern
from bot.domain.teams import DEFAULT_TEAM, is_team_name
from bot.settings.fields import (
    ApproverIds,
    ConfigError,
    Duration,
    GroupIds,
    UserIds,
    describe,
    only,
    split_ids,
)
from bot.settings.settings import Settings


class TeamConfig(BaseModel):
    """One `[teams.<name>]` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key_env: str | None = None
    api_key_file: Path | None = None
    api_url: str | None = None  # a team on another Nebula endpoint (NEBULA_API_URL otherwise)
    channels: frozenset[str]
    allowed_users: UserIds = frozenset()
    allowed_usergroups: GroupIds = frozenset()
    approvers: ApproverIds = frozenset()
    watch_channel: str | None = None
    home_channel: str | None = None
    digest_at: str | None = None
    timezone: str | None = None
    lease_action: Literal["remind", "stop", "delete"] | None = None
    owner_rule: Literal["off", "owner-or-approver"] | None = None
    remind_after: Duration | None = Field(default=None, gt=0)
    # Teams on one key share one bill: the names of this team's instances split it.
    instances: tuple[str, ...] = Field(default=(), max_length=MAX_PATTERNS)

    @field_validator("channels", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return split_ids(value)

    @field_validator("channels")
    @classmethod
    def _check_channels(cls, value: frozenset[str]) -> frozenset[str]:
        if not value:
            raise ValueError("a team needs at least one channel")
        return only(value, "CG", "Slack channel ids (C… or G…)")

    @field_validator("instances")
    @classmethod
    def _check_patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [pattern for pattern in value if not is_pattern(pattern)]
        if bad:
            raise ValueError(
                f'instance name patterns are like "research-*" (no spaces, not only *): {", ".join(bad)}'
            )
        return value

    @field_validator("watch_channel", "home_channel")
    @classmethod
    def _check_channel(cls, value: str | None) -> str | None:
        return (
            None if not value else next(iter(only(frozenset({value}), "CG", "a Slack channel id (C… or G…)")))
        )

    @field_validator("api_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str | None) -> str | None:
        if value is not None and not is_zone(value):
            raise ValueError("must be a time zone of the zone database, such as Europe/Berlin or UTC")
        return value

    @model_validator(mode="after")
    def _one_key_source(self) -> TeamConfig:
        if (self.api_key_env is None) == (self.api_key_file is None):
            raise ValueError("name the key's environment variable (api_key_env) or its file (api_key_file)")
        return self

    @property
    def key_source(self) -> str:
        """Where the key is: the variable's name or the file's path."""
        return self.api_key_env or str(self.api_key_file)

    def api_key(self) -> str:
        """The team's Nebula key, from its environment variable or its file. Raises ValueError."""
        if self.api_key_env is not None:
            value = os.environ.get(self.api_key_env, "").strip()
            if not value:
                raise ValueError(f"the environment variable {self.api_key_env} is not set")
            return value
        assert self.api_key_file is not None
        try:
            value = self.api_key_file.read_text().strip()
        except OSError as exc:
            raise ValueError(f"cannot read {self.api_key_file}: {exc.strerror}") from None
        if not value:
            raise ValueError(f"{self.api_key_file} is empty")
        return value


class TeamsFile(BaseModel):
    """The file: a table per team, each team's channels its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    teams: dict[str, TeamConfig]

    @field_validator("teams")
    @classmethod
    def _check_teams(cls, value: dict[str, TeamConfig]) -> dict[str, TeamConfig]:
        if not value:
            raise ValueError("name at least one team: [teams.<name>]")
        bad = sorted(name for name in value if not is_team_name(name))
        if bad:
            raise ValueError(f"team names are lower-case letters, digits and dashes: {', '.join(bad)}")
        seen: dict[str, str] = {}
        for name, team in value.items():
            for channel in sorted(team.channels):
                if channel in seen:
                    raise ValueError(f"channel {channel} belongs to both {seen[channel]} and {name}")
                seen[channel] = name
        return value


def load_teams(path: Path) -> TeamsFile:
    """Read and validate the teams file; one ConfigError naming every problem."""
    if not path.is_file():
        raise ConfigError(f"Configuration error.\nNEBULA_BOT_TEAMS_FILE: {path} is not a file.")
    try:
        data: dict[str, Any] = TomlConfigSettingsSource(BaseSettings, toml_file=path)()
    except ValueError as exc:  # tomllib's TOMLDecodeError
        raise ConfigError(f"Configuration error.\nNEBULA_BOT_TEAMS_FILE: {path} is not TOML: {exc}") from None
    try:
        teams = TeamsFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe(exc, source=str(path))) from None
    problems = []
    for name, team in teams.teams.items():
        try:
            team.api_key()
        except ValueError as exc:
            problems.append(f"Invalid teams.{name}: {exc}")
    if problems:
        raise ConfigError("\n".join(["Configuration error.", *problems]))
    return teams


@dataclass(frozen=True)
class TeamSettings:
    """One team as the bot serves it: its name, its settings, and where its key comes from (the
    variable or file a person must check when Nebula rejects it)."""

    name: str
    settings: Settings
    key_source: str = "NEBULA_API_KEY"
    instances: tuple[str, ...] = ()  # its own instances' names, where it shares its key


def team_settings(base: Settings) -> list[TeamSettings]:
    """Each team's settings: the environment's, with its table's values over them. Without a teams
    file, the one team `default` with the environment's settings as they are."""
    if base.nebula_bot_teams_file is None:
        return [TeamSettings(DEFAULT_TEAM, base)]
    found = load_teams(base.nebula_bot_teams_file)
    teams = []
    for name, team in found.teams.items():
        update: dict[str, object] = {
            "nebula_api_key": SecretStr(team.api_key()),
            "nebula_bot_allowed_channels": team.channels,
        }
        for ours, theirs in _OVERRIDES.items():
            value = getattr(team, ours)
            if value:  # unset (or empty) in the table: the environment's
                update[theirs] = value
        teams.append(TeamSettings(name, base.model_copy(update=update), team.key_source, team.instances))
    return teams


# A table's fields, and the settings they stand in for.
_OVERRIDES: Final = {
    "allowed_users": "nebula_bot_allowed_users",
    "allowed_usergroups": "nebula_bot_allowed_usergroups",
    "approvers": "nebula_bot_approvers",
    "watch_channel": "nebula_bot_watch_channel",
    "home_channel": "nebula_bot_home_channel",
    "digest_at": "nebula_bot_digest_at",
    "timezone": "nebula_bot_timezone",
    "lease_action": "nebula_bot_lease_action",
    "owner_rule": "nebula_bot_owner_rule",
    "remind_after": "nebula_bot_remind_after",
    "api_url": "nebula_api_url",
}
