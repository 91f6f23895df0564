"""Where the state lives: `NEBULA_BOT_STATE_URL`, parsed once.

`sqlite:///relative/path`, `sqlite:////absolute/path`, or `redis://host:port/db` (`rediss://` for TLS).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.domain.teams import DEFAULT_TEAM

SQLITE_PREFIX: Final = "sqlite:///"


@dataclass(frozen=True)
class SQLiteLocation:
    """A SQLite file, relative to the working directory unless absolute."""

    path: Path

    def __str__(self) -> str:
        return str(self.path)

    def for_team(self, team: str) -> SQLiteLocation:
        """`team`'s file beside this one (`state.sqlite3` -> `state.research.sqlite3`); the default
        team's is this one."""
        if team == DEFAULT_TEAM:
            return self
        return SQLiteLocation(self.path.with_name(f"{self.path.stem}.{team}{self.path.suffix}"))


@dataclass(frozen=True)
class RedisLocation:
    """A Redis database URL."""

    url: str

    def __str__(self) -> str:
        return "redis"


Location = SQLiteLocation | RedisLocation


def parse_state_url(url: str) -> Location:
    """Where `url` points. Raises ValueError with what is wrong and what to write instead."""
    if url.startswith(SQLITE_PREFIX):
        path = url[len(SQLITE_PREFIX) :]
        if not path or path.endswith("/"):
            raise ValueError("sqlite:/// needs a file name, e.g. sqlite:///nebula-bot.sqlite3")
        return SQLiteLocation(Path(path))
    if url.startswith(("redis://", "rediss://")):
        return RedisLocation(url)
    raise ValueError("must start with sqlite:/// or redis://")
