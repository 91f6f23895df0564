"""Backends by URL scheme: each brings its own `open`, `check` and `explain(error)`, so that nothing
outside `bot.store` tells one from another.

A backend is a module with a `BACKEND` object, imported only when a URL of its scheme is used (a bot
on SQLite never loads the Redis client). A third backend is a subpackage and one `register` line.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Final, Protocol

from bot.domain.teams import DEFAULT_TEAM
from bot.store.contract import Store

_MODULES: dict[str, str] = {}
SETTING: Final = "NEBULA_BOT_STATE_URL"


@dataclass(frozen=True)
class StoreCheck:
    """What `nebula-bot check` says of a store: whether it can be used, why, and whether to look twice."""

    ok: bool
    detail: str
    warning: bool = False


class Backend(Protocol):
    """One kind of store."""

    def validate(self, url: str) -> None:
        """Raise ValueError, saying what to write instead, unless `url` names a store of this kind."""

    async def open(self, url: str, *, team: str, allow_volatile: bool, create: bool) -> Store:
        """`team`'s store at `url` (a team's state is its own). With `create=False`, StoreMissing
        rather than a new, empty store."""

    async def check(self, url: str, *, team: str, allow_volatile: bool) -> StoreCheck:
        """Whether `team`'s store at `url` can be used, changing nothing."""

    def explain(self, url: str, error: BaseException, *, team: str) -> str:
        """One line for an operator: why the store `url` names cannot be used, and what to do."""


def register(scheme: str, module: str) -> None:
    """URLs starting `scheme:` are served by `module`'s BACKEND."""
    _MODULES[scheme] = module


register("sqlite", "bot.store.sqlite")
register("redis", "bot.store.redis")
register("rediss", "bot.store.redis")


def backend_for(url: str) -> Backend:
    """The backend of `url`'s scheme. Raises ValueError for a scheme nobody registered."""
    scheme, colon, _ = url.partition(":")
    if not colon or scheme not in _MODULES:
        known = " or ".join(f"{s}://" for s in _MODULES)
        raise ValueError(f"must start with {known}")
    backend: Backend = importlib.import_module(_MODULES[scheme]).BACKEND
    return backend


def validate(url: str) -> None:
    """Raise ValueError unless `url` names a store some backend can open."""
    backend_for(url).validate(url)


async def open_store(
    url: str, *, team: str = DEFAULT_TEAM, allow_volatile: bool = True, create: bool = True
) -> Store:
    """`team`'s store at `url`. With `allow_volatile=False`, a store that would forget claims on a
    restart is refused; with `create=False`, StoreMissing instead of creating one."""
    return await backend_for(url).open(url, team=team, allow_volatile=allow_volatile, create=create)


async def check_store(url: str, *, team: str = DEFAULT_TEAM, allow_volatile: bool = False) -> StoreCheck:
    """Whether `team`'s store at `url` can be used, changing nothing."""
    try:
        backend = backend_for(url)
    except ValueError as exc:
        return StoreCheck(False, f"{SETTING} {exc}")
    return await backend.check(url, team=team, allow_volatile=allow_volatile)


def explain(url: str, error: BaseException, *, team: str = DEFAULT_TEAM) -> str:
    """Why the store `url` names cannot be used, in one line, whatever its kind."""
    try:
        backend = backend_for(url)
    except ValueError as exc:
        return f"{SETTING} {exc}"
    return backend.explain(url, error, team=team)
