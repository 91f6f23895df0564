"""The embedded backend: `sqlite:///relative/path` or `sqlite:////absolute/path`.

Each team's state is a file of its own beside the one named (`state.sqlite3` -> `state.research.sqlite3`);
the default team's is the one named.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Final

from bot.domain.teams import DEFAULT_TEAM
from bot.store.backends import SETTING, StoreCheck
from bot.store.contract import Store
from bot.store.errors import StoreMissing
from bot.store.sqlite.store import SQLiteStore

PREFIX: Final = "sqlite:///"

__all__ = ["BACKEND", "SQLiteStore"]


def path_of(url: str, team: str = DEFAULT_TEAM) -> Path:
    """The file of `team`'s state."""
    path = Path(url.removeprefix(PREFIX))
    return path if team == DEFAULT_TEAM else path.with_name(f"{path.stem}.{team}{path.suffix}")


class SQLiteBackend:
    """SQLite files."""

    def validate(self, url: str) -> None:
        if not url.startswith(PREFIX):
            raise ValueError("must start with sqlite:/// (then a file name)")
        path = url.removeprefix(PREFIX)
        if not path or path.endswith("/"):
            raise ValueError("sqlite:/// needs a file name, e.g. sqlite:///nebula-bot.sqlite3")

    async def open(self, url: str, *, team: str, allow_volatile: bool, create: bool) -> Store:
        del allow_volatile  # a committed SQLite write survives a crash
        path = path_of(url, team)
        if not create and not path.exists():
            raise StoreMissing(str(path))
        return await SQLiteStore(str(path)).open()

    async def check(self, url: str, *, team: str, allow_volatile: bool) -> StoreCheck:
        path = path_of(url, team)
        if not path.exists():
            folder = path.absolute().parent
            if not folder.is_dir():
                return StoreCheck(False, f"cannot create {path}: the folder {folder} does not exist")
            if os.access(folder, os.W_OK):
                return StoreCheck(True, f"{path} will be created on first start (folder writable)")
            return StoreCheck(False, f"cannot create {path}: {folder} is not writable")
        if not os.access(path, os.W_OK):
            return StoreCheck(False, f"{path} is not writable")
        try:
            store = await self.open(url, team=team, allow_volatile=allow_volatile, create=False)
            try:
                await store.ping()
            finally:
                await store.close()
        except Exception as exc:
            return StoreCheck(False, self.explain(url, exc, team=team))
        return StoreCheck(True, "sqlite store reachable")

    def explain(self, url: str, error: BaseException, *, team: str) -> str:
        path = path_of(url, team)
        if isinstance(error, StoreMissing):
            return f"No store at {error.where} (set {SETTING})."
        folder = path.absolute().parent
        if not folder.is_dir():
            return f"{SETTING}: the folder {folder} does not exist: create it or choose another path."
        if not os.access(folder, os.W_OK):
            return f"{SETTING}: the folder {folder} is not writable by this user."
        if isinstance(error, sqlite3.DatabaseError) and "not a database" in str(error):
            return (
                f"{SETTING}: {path} is not a SQLite database (damaged, or another file): move it aside "
                f"or point {SETTING} elsewhere."
            )
        return f"{SETTING}: cannot use {path} ({type(error).__name__}: {error})."


BACKEND: Final = SQLiteBackend()
