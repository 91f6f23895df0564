"""All configuration, from the environment and `.env`, validated once at start-up.

The fields come in the blocks of the README's tables: Slack, Nebula, the process and its store, who
may act, confirmations, forgotten GPUs, guard rails. The views other layers take of them (`rules`,
`core_config`) are here too, beside the settings they map.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import NoDecode

from bot.core.config import CoreConfig
from bot.domain.calendar.schedules import is_zone
from bot.domain.policy import Rules
from bot.domain.teams import DEFAULT_TEAM
from bot.settings.fields import (
    ApproverIds,
    Duration,
    GroupIds,
    IdList,
    UserIds,
    WholeSeconds,
    is_set,
    not_placeholder,
    only,
    split_ids,
)
from bot.settings.store_settings import StoreSettings, load

# A response_url lives 30 minutes; the expiry sweeper replaces a stale confirmation through it,
# so a confirmation may not outlive it.
MAX_CONFIRM_TTL = 1800


class Settings(StoreSettings):
    """The bot's configuration. Environment variable names are the field names in upper case."""

    # Slack.
    slack_bot_token: SecretStr
    slack_app_token: SecretStr | None = None
    # Checked even when unset: required in HTTP mode, and reported with the other missing variables.
    slack_signing_secret: SecretStr | None = Field(default=None, validate_default=True)
    slack_api_url: str = "https://slack.com/api/"
    # response_urls arrive in signed requests, but the bot posts only under these prefixes.
    slack_response_url_prefixes: Annotated[tuple[str, ...], NoDecode] = ("https://hooks.slack.com/",)
    # Seconds between chat.postMessage calls in one channel, after a burst of two: Slack's own pace,
    # so that a 429 is the exception. 0 leaves the pace to Slack's 429 answers.
    slack_post_pace: Duration = Field(default=1.0, ge=0, le=60)

    # Nebula.
    nebula_api_url: str = "https://api.nebulablock.com/api/v1"
    nebula_bot_teams_file: Path | None = None  # several teams; see bot.settings.teams
    nebula_api_key: SecretStr | None = Field(default=None, validate_default=True)
    nebula_api_timeout: Duration = Field(default=10.0, gt=0, le=300)
    nebula_api_concurrency: int = Field(default=100, ge=1, le=500)

    # The process and its store (NEBULA_BOT_STATE_URL is StoreSettings').
    nebula_bot_host: str = "0.0.0.0"  # noqa: S104 - a server inside a container listens on all interfaces
    nebula_bot_port: int = Field(default=3000, ge=0, le=65535)
    nebula_bot_drain_timeout: Duration = Field(default=30.0, ge=0, le=600)
    nebula_bot_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Unset: text on a terminal, JSON otherwise (a log collector).
    nebula_bot_log_format: Literal["json", "text"] | None = None
    # A Redis without AOF forgets claims when it restarts; only an operator may accept that.
    nebula_bot_allow_volatile_redis: bool = False

    # Who may act.
    nebula_bot_allowed_users: UserIds = frozenset()
    nebula_bot_allowed_usergroups: GroupIds = frozenset()
    nebula_bot_allowed_channels: IdList = frozenset()
    nebula_bot_approvers: ApproverIds = frozenset()
    nebula_bot_usergroup_cache_ttl: Duration = Field(default=60.0, ge=0, le=3600)

    # Confirmations.
    nebula_bot_confirm_ttl: WholeSeconds = Field(default=600, ge=5, le=MAX_CONFIRM_TTL)
    nebula_bot_max_pending_per_user: int = Field(default=5, ge=1, le=100)
    nebula_bot_audit_channel: str | None = None
    nebula_bot_dry_run: bool = False
    nebula_bot_home_channel: str | None = None

    # Forgotten GPUs: the watcher, reminders, leases and the daily digest.
    nebula_bot_watch_channel: str | None = None
    nebula_bot_watch_interval: Duration = Field(default=300.0, ge=5, le=86400)
    # "apart": this process runs no watcher; `nebula-bot watch` runs it in a process of its own.
    nebula_bot_watcher: Literal["here", "apart"] = "here"
    nebula_bot_detail_refresh: Duration = Field(default=6 * 3600.0, ge=0, le=7 * 86400)
    nebula_bot_remind_after: Duration = Field(default=86400.0, gt=0)
    nebula_bot_snooze: Duration = Field(default=86400.0, ge=60)
    nebula_bot_lease_action: Literal["remind", "stop", "delete"] = "remind"
    nebula_bot_lease_grace: Duration = Field(default=1800.0, ge=0)
    nebula_bot_digest_at: str | None = None
    nebula_bot_timezone: str = "UTC"
    nebula_bot_schedule_notice: Duration = Field(default=900.0, ge=0, le=86400)
    # The runway (how long the account's credits last at the burn rate now) under which the watch channel
    # is alerted, once per crossing, and again under a quarter of it.
    nebula_bot_runway_alert: Duration = Field(default=72 * 3600.0, ge=3600, le=365 * 86400)

    # Guard rails: acting on another's instance needs an approver; a delay with Undo before a change.
    nebula_bot_owner_rule: Literal["off", "owner-or-approver"] = "off"
    nebula_bot_undo_seconds: Duration = Field(default=0.0, ge=0, le=3600)

    # Launching from Slack (`/nebula create`): the lease a launch gets unless it says otherwise, who may
    # launch without one, the price per hour above which an approver must press Launch, and how often
    # the launch's message looks at the new instance until it runs.
    nebula_bot_launch_lease: Duration = Field(default=8 * 3600.0, ge=60, le=90 * 86400)
    nebula_bot_launch_unleased: bool = False
    nebula_bot_launch_approval_per_hour: float | None = Field(default=None, gt=0, le=100000)
    nebula_bot_launch_follow_every: Duration = Field(default=5.0, ge=0.05, le=300)
    nebula_bot_approval_dm: bool = True  # requests needing an approver go to each by DM too

    @field_validator("nebula_bot_allowed_channels", mode="before")
    @classmethod
    def _split_channels(cls, value: object) -> object:
        return split_ids(value)

    @field_validator("nebula_bot_allowed_channels")
    @classmethod
    def _check_channels(cls, value: frozenset[str]) -> frozenset[str]:
        return only(value, "CGD", "Slack channel ids (C…, G… or D…)")

    @field_validator("nebula_bot_audit_channel", "nebula_bot_watch_channel", "nebula_bot_home_channel")
    @classmethod
    def _check_channel(cls, value: str | None) -> str | None:
        if not value:
            return None
        only(frozenset({value}), "CG", "a Slack channel id (C… or G…)")
        return value

    @field_validator("nebula_bot_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        if not is_zone(value):
            raise ValueError("must be a time zone of the zone database, such as Europe/Berlin or UTC")
        return value

    @field_validator("nebula_bot_digest_at")
    @classmethod
    def _check_digest_at(cls, value: str | None) -> str | None:
        if not value:
            return None
        hours, _, minutes = value.partition(":")
        if not (len(hours) == 2 and len(minutes) == 2 and hours.isdigit() and minutes.isdigit()):
            raise ValueError("expected HH:MM (UTC), e.g. 09:00")
        if int(hours) > 23 or int(minutes) > 59:
            raise ValueError("expected HH:MM (UTC) with HH 00-23 and MM 00-59")
        return value

    @model_validator(mode="after")
    def _digest_needs_channel(self) -> Settings:
        if self.nebula_bot_digest_at and not self.nebula_bot_watch_channel:
            raise ValueError(
                "NEBULA_BOT_DIGEST_AT needs NEBULA_BOT_WATCH_CHANNEL: the digest is posted there"
            )
        return self

    @field_validator("slack_bot_token")
    @classmethod
    def _check_bot_token(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return not_placeholder(value)

    @field_validator("nebula_api_key", "slack_signing_secret")
    @classmethod
    def _check_not_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else not_placeholder(value)

    @field_validator("nebula_api_key")
    @classmethod
    def _key_unless_teams(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # With a teams file each team names its own key; without, the one key is required.
        if not info.data.get("nebula_bot_teams_file") and not is_set(value):
            raise PydanticCustomError("missing", "Field required")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _check_app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return not_placeholder(value)

    @field_validator("slack_response_url_prefixes", mode="before")
    @classmethod
    def _split_prefixes(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple) or not value:
            raise ValueError("expected one or more comma-separated https:// URL prefixes")
        prefixes = []
        for prefix in value:
            parsed = urlparse(str(prefix))
            if parsed.scheme not in ("https", "http") or not parsed.netloc or parsed.query or parsed.fragment:
                raise ValueError(f"not a URL prefix: {prefix}")
            # A prefix ends at a path boundary, so https://hooks.slack.com cannot admit hooks.slack.com.evil.
            prefixes.append(str(prefix) if str(prefix).endswith("/") else f"{prefix}/")
        return tuple(prefixes)

    @field_validator("slack_api_url", "nebula_api_url")
    @classmethod
    def _http_url(cls, value: str, info: ValidationInfo) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        # slack_sdk joins method names onto the base URL, so Slack's must end with a slash.
        return value if info.field_name != "slack_api_url" or value.endswith("/") else value + "/"

    @field_validator("slack_signing_secret")
    @classmethod
    def _signing_secret_for_http(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # slack_app_token is validated first; when it is absent from info.data it was invalid, and
        # the mode is unknown, so only a known HTTP mode makes the secret required.
        http_mode = "slack_app_token" in info.data and info.data["slack_app_token"] is None
        if http_mode and not is_set(value):
            raise PydanticCustomError(
                "missing", "needed in HTTP mode; or set SLACK_APP_TOKEN for Socket Mode"
            )
        return value

    def secrets(self) -> list[str | None]:
        """Every configured secret, for `bot.infra.redact`."""
        values = [self.slack_bot_token, self.slack_app_token, self.slack_signing_secret, self.nebula_api_key]
        return [value.get_secret_value() if value is not None else None for value in values]

    def api_key(self) -> str:
        """The Nebula key (a team's settings always have one; see bot.settings.teams)."""
        if self.nebula_api_key is None:
            raise ValueError(
                "no NEBULA_API_KEY: with NEBULA_BOT_TEAMS_FILE, each team's settings hold its key"
            )
        return self.nebula_api_key.get_secret_value()

    @property
    def socket_mode(self) -> bool:
        """True when the bot connects out over Socket Mode instead of serving HTTP."""
        return self.slack_app_token is not None

    @property
    def digest_minute(self) -> int | None:
        """NEBULA_BOT_DIGEST_AT as minutes after midnight UTC."""
        if not self.nebula_bot_digest_at:
            return None
        hours, minutes = self.nebula_bot_digest_at.split(":")
        return int(hours) * 60 + int(minutes)

    def rules(self) -> Rules:
        """Who may do what, as the settings say."""
        return Rules(
            allowed_users=self.nebula_bot_allowed_users,
            allowed_usergroups=self.nebula_bot_allowed_usergroups,
            allowed_channels=self.nebula_bot_allowed_channels,
            approvers=self.nebula_bot_approvers,
            owner_rule=self.nebula_bot_owner_rule == "owner-or-approver",
        )

    def core_config(self, source: str = "slack", team: str = DEFAULT_TEAM) -> CoreConfig:
        """The core's view of the settings; `source` says where requests come from, for the audit."""
        return CoreConfig(
            source=source,
            team=team,
            confirm_ttl=self.nebula_bot_confirm_ttl,
            nebula_timeout=self.nebula_api_timeout,
            audit_channel=self.nebula_bot_audit_channel,
            dry_run=self.nebula_bot_dry_run,
            max_pending_per_user=self.nebula_bot_max_pending_per_user,
            watch_channel=self.nebula_bot_watch_channel,
            watch_interval=self.nebula_bot_watch_interval,
            watcher=self.nebula_bot_watcher,
            detail_refresh=self.nebula_bot_detail_refresh,
            timezone=self.nebula_bot_timezone,
            schedule_notice=self.nebula_bot_schedule_notice,
            remind_after=self.nebula_bot_remind_after,
            snooze=self.nebula_bot_snooze,
            lease_action=self.nebula_bot_lease_action,
            lease_grace=self.nebula_bot_lease_grace,
            digest_minute=self.digest_minute,
            undo_seconds=self.nebula_bot_undo_seconds,
            home_channel=self.nebula_bot_home_channel,
            launch_lease=self.nebula_bot_launch_lease,
            launch_unleased=self.nebula_bot_launch_unleased,
            approval_dm=self.nebula_bot_approval_dm,
            launch_approval_per_hour=self.nebula_bot_launch_approval_per_hour,
            launch_follow_every=self.nebula_bot_launch_follow_every,
            runway_alert=self.nebula_bot_runway_alert,
        )


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning every problem into one `ConfigError` that names the variables.

    `overrides` replace what the environment says (the shell points Slack at its own stand-in).
    """
    return load(Settings, **overrides)
