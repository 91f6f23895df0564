"""The shared backend for several replicas: `redis://host:port/db` (`rediss://` for TLS).

Each team's state is under keys of its own (its own hash tag); the default team's keep the original
prefix. A Redis that would forget claims on a restart (AOF off) is refused unless allowed.
"""

from __future__ import annotations

from typing import Final

from bot.store.backends import SETTING, StoreCheck
from bot.store.contract import Store
from bot.store.redis.store import RedisStore, VolatileRedis

__all__ = ["BACKEND", "RedisStore", "VolatileRedis"]


class RedisBackend:
    """Redis servers, with AOF."""

    def validate(self, url: str) -> None:
        if not url.startswith(("redis://", "rediss://")):
            raise ValueError("must start with redis:// or rediss://")

    async def open(self, url: str, *, team: str, allow_volatile: bool, create: bool) -> Store:
        del create  # keys come into being as they are written; nothing is made by opening
        return await RedisStore.connect(url, allow_volatile=allow_volatile, team=team)

    async def check(self, url: str, *, team: str, allow_volatile: bool) -> StoreCheck:
        try:
            store = await RedisStore.connect(url, allow_volatile=True, team=team)
        except Exception as exc:
            return StoreCheck(False, self.explain(url, exc, team=team))
        try:
            await store.require_durability()
            fsync = (await store.persistence()).get("appendfsync", "?")
        except VolatileRedis as exc:
            if allow_volatile:
                return StoreCheck(True, f"redis reachable, but {exc.detail} (allowed)", warning=True)
            return StoreCheck(False, self.explain(url, exc, team=team))
        except Exception as exc:
            return StoreCheck(False, self.explain(url, exc, team=team))
        finally:
            await store.close()
        return StoreCheck(True, f"redis store reachable; AOF on (appendfsync {fsync})")

    def explain(self, url: str, error: BaseException, *, team: str) -> str:
        if isinstance(error, VolatileRedis):
            return (
                f"{SETTING}: this Redis would lose claims on a restart: {error.detail}. "
                "Set `appendonly yes` (with `appendfsync always` or `everysec`) in redis.conf, "
                "or NEBULA_BOT_ALLOW_VOLATILE_REDIS=true to accept that risk."
            )
        return (
            f"{SETTING}: cannot use the Redis it names ({type(error).__name__}: {error}): "
            "check the URL and that the server is up."
        )


BACKEND: Final = RedisBackend()
