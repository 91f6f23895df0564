"""All configuration, from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlparse

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.durations import parse_duration
from bot.domain.ids import is_slack_id
from bot.store.contract import Location, parse_state_url

# A response_url lives 30 minutes; the expiry sweeper replaces a stale confirmation through it,
# so a confirmation may not outlive it.
MAX_CONFIRM_TTL = 1800


def _duration(value: object) -> object:
    if not isinstance(value, str):
        return value
    return 0.0 if value.strip() in ("0", "0s") else parse_duration(value)


# `90m`, `24h`, `2d`, or plain seconds; the field's own bounds apply after.
Duration = Annotated[float, BeforeValidator(_duration)]
WholeSeconds = Annotated[int, BeforeValidator(_duration)]


# Comma-separated Slack ids in the environment; NoDecode stops pydantic-settings expecting JSON.
IdList = Annotated[frozenset[str], NoDecode]


class ConfigError(Exception):
    """The configuration cannot be used; the message names every variable at fault."""


class StoreSettings(BaseSettings):
    """Where the state lives: all that `nebula-bot audit` needs."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    nebula_bot_state_url: str = "sqlite:///nebula-bot.sqlite3"

    @field_validator("nebula_bot_state_url")
    @classmethod
    def _known_store(cls, value: str) -> str:
        parse_state_url(value)
        return value

    @property
    def state_location(self) -> Location:
        """Where the state lives, parsed."""
        return parse_state_url(self.nebula_bot_state_url)


class Settings(StoreSettings):
    """The bot's configuration. Environment variable names are the field names in upper case."""

    slack_bot_token: SecretStr
    slack_app_token: SecretStr | None = None
    # Checked even when unset: required in HTTP mode, and reported with the other missing variables.
    slack_signing_secret: SecretStr | None = Field(default=None, validate_default=True)
    slack_api_url: str = "https://slack.com/api/"
    # response_urls arrive in signed requests, but the bot posts only under these prefixes.
    slack_response_url_prefixes: Annotated[tuple[str, ...], NoDecode] = ("https://hooks.slack.com/",)

    nebula_api_url: str = "https://api.nebulablock.com/api/v1"
    nebula_api_key: SecretStr
    nebula_api_timeout: Duration = Field(default=10.0, gt=0, le=300)

    nebula_bot_host: str = "0.0.0.0"  # noqa: S104 - a server inside a container listens on all interfaces
    nebula_bot_port: int = Field(default=3000, ge=0, le=65535)
    nebula_bot_allowed_users: IdList = frozenset()
    nebula_bot_allowed_usergroups: IdList = frozenset()
    nebula_bot_allowed_channels: IdList = frozenset()
    nebula_bot_approvers: IdList = frozenset()
    nebula_bot_usergroup_cache_ttl: Duration = Field(default=60.0, ge=0, le=3600)
    nebula_bot_audit_channel: str | None = None
    nebula_bot_confirm_ttl: WholeSeconds = Field(default=600, ge=5, le=MAX_CONFIRM_TTL)
    nebula_bot_drain_timeout: Duration = Field(default=30.0, ge=0, le=600)
    nebula_bot_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Unset: text on a terminal, JSON otherwise (a log collector).
    nebula_bot_log_format: Literal["json", "text"] | None = None
    nebula_bot_dry_run: bool = False
    # A Redis without AOF forgets claims when it restarts; only an operator may accept that.
    nebula_bot_allow_volatile_redis: bool = False
    nebula_bot_max_pending_per_user: int = Field(default=5, ge=1, le=100)

    # Guard rails: acting on another's instance needs an approver; a delay with Undo before a change.
    nebula_bot_owner_rule: Literal["off", "owner-or-approver"] = "off"
    nebula_bot_undo_seconds: Duration = Field(default=0.0, ge=0, le=3600)

    # Forgotten GPUs: the watcher, reminders, leases and the daily digest.
    nebula_bot_watch_channel: str | None = None
    nebula_bot_watch_interval: Duration = Field(default=300.0, ge=5, le=86400)
    nebula_bot_remind_after: Duration = Field(default=86400.0, gt=0)
    nebula_bot_snooze: Duration = Field(default=86400.0, ge=60)
    nebula_bot_lease_action: Literal["remind", "stop", "delete"] = "remind"
    nebula_bot_lease_grace: Duration = Field(default=1800.0, ge=0)
    nebula_bot_digest_at: str | None = None

    @field_validator(
        "nebula_bot_allowed_users",
        "nebula_bot_allowed_usergroups",
        "nebula_bot_allowed_channels",
        "nebula_bot_approvers",
        mode="before",
    )
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("nebula_bot_allowed_users")
    @classmethod
    def _check_users(cls, value: frozenset[str]) -> frozenset[str]:
        return _only(value, "UW", "Slack user ids (U… or W…), or *", allow_star=True)

    @field_validator("nebula_bot_allowed_usergroups")
    @classmethod
    def _check_groups(cls, value: frozenset[str]) -> frozenset[str]:
        return _only(value, "S", "Slack user-group ids (S…)")

    @field_validator("nebula_bot_allowed_channels")
    @classmethod
    def _check_channels(cls, value: frozenset[str]) -> frozenset[str]:
        return _only(value, "CGD", "Slack channel ids (C…, G… or D…)")

    @field_validator("nebula_bot_approvers")
    @classmethod
    def _check_approvers(cls, value: frozenset[str]) -> frozenset[str]:
        return _only(value, "UWS", "Slack user ids (U…, W…) or user-group ids (S…)")

    @field_validator("nebula_bot_audit_channel")
    @classmethod
    def _check_audit_channel(cls, value: str | None) -> str | None:
        if not value:
            return None
        _only(frozenset({value}), "CG", "a Slack channel id (C… or G…)")
        return value

    @field_validator("nebula_bot_watch_channel")
    @classmethod
    def _check_watch_channel(cls, value: str | None) -> str | None:
        if not value:
            return None
        _only(frozenset({value}), "CG", "a Slack channel id (C… or G…)")
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

    @property
    def digest_minute(self) -> int | None:
        """NEBULA_BOT_DIGEST_AT as minutes after midnight UTC."""
        if not self.nebula_bot_digest_at:
            return None
        hours, minutes = self.nebula_bot_digest_at.split(":")
        return int(hours) * 60 + int(minutes)

    @field_validator("slack_bot_token")
    @classmethod
    def _check_bot_token(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return _not_placeholder(value)

    @field_validator("nebula_api_key", "slack_signing_secret")
    @classmethod
    def _check_not_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else _not_placeholder(value)

    @field_validator("slack_app_token")
    @classmethod
    def _check_app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return None if value is None else _not_placeholder(value)

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

    @field_validator("slack_api_url")
    @classmethod
    def _slash_terminated(cls, value: str) -> str:
        # slack_sdk joins method names onto the base URL, so it must end with a slash.
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_api_url", "nebula_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("slack_signing_secret")
    @classmethod
    def _signing_secret_for_http(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # slack_app_token is validated first; when it is absent from info.data it was invalid, and
        # the mode is unknown, so only a known HTTP mode makes the secret required.
        http_mode = "slack_app_token" in info.data and info.data["slack_app_token"] is None
        if http_mode and not _secret_set(value):
            raise PydanticCustomError(
                "missing", "needed in HTTP mode; or set SLACK_APP_TOKEN for Socket Mode"
            )
        return value

    def secrets(self) -> list[str | None]:
        """Every configured secret, for `bot.infra.redact`."""
        values = [self.slack_bot_token, self.slack_app_token, self.slack_signing_secret, self.nebula_api_key]
        return [value.get_secret_value() if value is not None else None for value in values]

    @property
    def socket_mode(self) -> bool:
        """True when the bot connects out over Socket Mode instead of serving HTTP."""
        return self.slack_app_token is not None


def _not_placeholder(value: SecretStr) -> SecretStr:
    # "xoxb-..." or "ak_..." copied from the README: a value nobody filled in.
    text = value.get_secret_value()
    if text.endswith(("...", "…")) or text.strip("-_.…") in ("xoxb", "xapp", "ak"):
        raise ValueError("is still the README's placeholder: paste the real value")
    return value


def _secret_set(value: SecretStr | None) -> bool:
    return value is not None and bool(value.get_secret_value())


def _only(values: frozenset[str], kinds: str, what: str, allow_star: bool = False) -> frozenset[str]:
    bad = sorted(v for v in values if not (allow_star and v == "*") and not is_slack_id(v, kinds))
    if bad:
        raise ValueError(f"expected {what}, got: {', '.join(bad)}")
    return values


S = TypeVar("S", bound=StoreSettings)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning every problem into one `ConfigError` that names the variables.

    `overrides` replace what the environment says (the shell points Slack at its own stand-in).
    """
    return _load(Settings, **overrides)


def load_store_settings() -> StoreSettings:
    """Read only where the state lives."""
    return _load(StoreSettings)


def _load(kind: type[S], **overrides: Any) -> S:
    try:
        return kind(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    missing: list[str] = []
    invalid: list[str] = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]).upper()
        if error["type"] == "missing":
            note = "" if error["msg"] == "Field required" else f" ({error['msg']})"
            missing.append(name + note)
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            invalid.append(f"Invalid {name}: {message}" if name else message)
    lines = ["Configuration error."]
    if missing:
        lines.append("Missing: " + ", ".join(missing))
    lines.extend(invalid)
    lines.append("Set them in the environment or in .env (see README.md, Configuration).")
    return "\n".join(lines)
