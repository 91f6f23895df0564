"""Where the state lives (NEBULA_BOT_STATE_URL): all that `nebula-bot audit` needs, and how every settings
model is read (one `ConfigError` naming every variable that is wrong)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, TypeVar

from dotenv.parser import parse_stream
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


def unreadable(env_file: Path) -> None:
    """Raise a `ConfigError` naming the file and the line when `env_file` has a line that is not
    `NAME=value` (a comment or a blank line is fine): dotenv would skip it with a warning that names
    neither, and the setting on it would silently be missing."""
    try:
        text = env_file.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        return
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Configuration error.\n{env_file.resolve()} cannot be read: {exc}") from None
    bad = [b.original for b in parse_stream(io.StringIO(text)) if b.error]
    if bad:
        # The line itself is not shown: it may hold a secret written without its `=`.
        where = env_file.resolve()
        lines = [f"{where}, line {b.line}: not NAME=value (a comment starts with #)" for b in bad]
        raise ConfigError("\n".join(["Configuration error.", *lines]))


def load(kind: type[S], **overrides: Any) -> S:
    """Read `kind` from the environment and `.env` (with `overrides`), or raise one `ConfigError`."""
    env_file = kind.model_config.get("env_file")
    if isinstance(env_file, str):
        unreadable(Path(env_file))
    try:
        return kind(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None
