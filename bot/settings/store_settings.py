"""Where the state lives (NEBULA_BOT_STATE_URL): all that `nebula-bot audit` needs, and how every settings
model is read (one `ConfigError` naming every variable that is wrong)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings.fields import ConfigError, describe
from bot.store import validate


class StoreSettings(BaseSettings):
    """Where the state lives: all that `nebula-bot audit` needs."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    nebula_bot_state_url: str = "sqlite:///nebula-bot.sqlite3"

    @field_validator("nebula_bot_state_url")
    @classmethod
    def _known_store(cls, value: str) -> str:
        validate(value)
        return value


S = TypeVar("S", bound=StoreSettings)


def load_store_settings() -> StoreSettings:
    """Read only where the state lives."""
    return load(StoreSettings)


def load(kind: type[S], **overrides: Any) -> S:
    """Read `kind` from the environment and `.env` (with `overrides`), or raise one `ConfigError`."""
    try:
        return kind(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None
