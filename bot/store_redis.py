"""The shared store for several replicas: Redis, with every state change done by one Lua script.

Keys share one hash tag so that the scripts also work on Redis Cluster:
- `{nebula-bot}:conf:<id>`: a hash per confirmation (action, state, expires_at, actor, decided_at,
  outcomes); its Redis TTL drops it a while after it can no longer matter.
- `{nebula-bot}:pending`: sorted set of pending ids by expiry, for the sweeper.
- `{nebula-bot}:claimed`: sorted set of claimed ids by claim time, for finding what a crash left.
- `{nebula-bot}:audit`: a stream, capped, newest last.
"""

from __future__ import annotations

from typing import Any, Final

import redis.asyncio as redis

from bot.audit import AuditRecord
from bot.model import (
    Confirmation,
    Entry,
    InstanceOutcome,
    State,
    Transition,
    confirmation_from_json,
    confirmation_to_json,
    outcomes_from_json,
    outcomes_to_json,
)

PREFIX: Final = "{nebula-bot}:"
PENDING: Final = PREFIX + "pending"
CLAIMED: Final = PREFIX + "claimed"
AUDIT: Final = PREFIX + "audit"
AUDIT_MAX: Final = 100_000
# How long a confirmation's record outlives its expiry: long enough for late clicks to be told
# "expired" or "already done" rather than "unknown", and for the audit to be the long-term record.
RETENTION_SECONDS: Final = 7 * 24 * 3600

# KEYS: conf, pending, claimed. ARGV: to, actor, now, id.
# The compare-and-set: only a pending confirmation moves, and only on the right side of its expiry.
_DECIDE: Final = """
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
local expires = tonumber(redis.call('HGET', KEYS[1], 'expires_at'))
local now = tonumber(ARGV[3])
if ARGV[1] == 'expired' then
  if expires > now then return 0 end
elseif expires <= now then
  return 0
end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'actor', ARGV[2], 'decided_at', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[4])
if ARGV[1] == 'claimed' then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4]) end
return 1
"""

# KEYS: conf, claimed. ARGV: outcomes, id.
_FINISH: Final = """
if redis.call('HGET', KEYS[1], 'state') ~= 'claimed' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'outcomes', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
"""


def _key(confirmation_id: str) -> str:
    return f"{PREFIX}conf:{confirmation_id}"


class RedisStore:
    """Confirmations and audit in Redis; any number of replicas may share it."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._decide = client.register_script(_DECIDE)
        self._finish = client.register_script(_FINISH)

    def __repr__(self) -> str:
        return "RedisStore()"

    @classmethod
    async def connect(cls, url: str) -> RedisStore:
        """Connect and check the server answers."""
        store = cls(
            redis.Redis.from_url(url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5)
        )
        await store.ping()
        return store

    async def add(self, confirmation: Confirmation) -> None:
        ttl = max(1, int(confirmation.expires_at - confirmation.created_at)) + RETENTION_SECONDS
        key = _key(confirmation.id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "action": confirmation_to_json(confirmation),
                    "state": State.PENDING.value,
                    "expires_at": repr(confirmation.expires_at),
                },
            )
            pipe.expire(key, ttl)
            pipe.zadd(PENDING, {confirmation.id: confirmation.expires_at})
            await pipe.execute()

    async def get(self, confirmation_id: str) -> Entry | None:
        fields = _texts(await self._redis.hgetall(_key(confirmation_id)))
        return _to_entry(fields) if fields else None

    async def decide(self, confirmation_id: str, to: State, actor: str, now: float) -> Transition:
        if to not in (State.CLAIMED, State.CANCELLED, State.EXPIRED):
            raise ValueError(f"cannot decide to {to}")
        won = await self._decide(
            keys=[_key(confirmation_id), PENDING, CLAIMED], args=[to.value, actor, repr(now), confirmation_id]
        )
        return Transition(won=won == 1, entry=await self.get(confirmation_id))

    async def finish(self, confirmation_id: str, outcomes: tuple[InstanceOutcome, ...]) -> bool:
        done = await self._finish(
            keys=[_key(confirmation_id), CLAIMED], args=[outcomes_to_json(outcomes), confirmation_id]
        )
        return bool(done == 1)

    async def overdue(self, now: float, limit: int = 100) -> list[Entry]:
        return await self._entries(await self._redis.zrangebyscore(PENDING, "-inf", now, start=0, num=limit))  # type: ignore[arg-type]

    async def stale_claims(self, claimed_before: float, limit: int = 100) -> list[Entry]:
        ids = await self._redis.zrangebyscore(CLAIMED, "-inf", claimed_before, start=0, num=limit)
        return await self._entries(ids)  # type: ignore[arg-type]

    async def _entries(self, ids: list[str]) -> list[Entry]:
        records = []
        for confirmation_id in ids:
            record = await self.get(confirmation_id)
            if record is None:
                # Its hash outlived its retention: forget the index entry too.
                await self._redis.zrem(PENDING, confirmation_id)
                await self._redis.zrem(CLAIMED, confirmation_id)
                continue
            records.append(record)
        return records

    async def audit(self, record: AuditRecord) -> None:
        await self._redis.xadd(AUDIT, {"record": record.to_json()}, maxlen=AUDIT_MAX, approximate=True)

    async def recent_audit(self, limit: int) -> list[AuditRecord]:
        entries = await self._redis.xrevrange(AUDIT, count=limit) or []
        return [AuditRecord.from_json(_texts(fields or {})["record"]) for _, fields in entries]

    async def count_pending(self, now: float) -> int:
        return int(await self._redis.zcount(PENDING, f"({now!r}", "+inf"))

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()


def _texts(fields: dict[Any, Any]) -> dict[str, str]:
    # The client decodes responses, but redis-py's types cannot know that.
    return {str(k): str(v) for k, v in fields.items()}


def _to_entry(fields: dict[str, str]) -> Entry:
    decided_at = fields.get("decided_at")
    return Entry(
        confirmation=confirmation_from_json(fields["action"]),
        state=State(fields["state"]),
        decided_by=fields.get("actor"),
        decided_at=float(decided_at) if decided_at else None,
        outcomes=outcomes_from_json(fields.get("outcomes")),
    )
