"""The shared store for several replicas: Redis, with every state change done by one Lua script
(`redis_scripts`).

Keys share one hash tag so that the scripts also work on Redis Cluster:
- `{nebula-bot}:conf:<id>`: a hash per confirmation (action, state, expires_at, actor, decided_at,
  outcomes, and the tokens that make the scripts safe to repeat); its TTL drops it a while after it
  can no longer matter.
- `{nebula-bot}:pending`: sorted set of pending ids by expiry, for the sweeper.
- `{nebula-bot}:claimed`: sorted set of claimed ids by claim time, for finding what a crash left.
- `{nebula-bot}:scheduled`: sorted set of ids confirmed into the undo window, by confirm time.
- `{nebula-bot}:audit`: a stream, capped, newest last.
- `{nebula-bot}:trigger:<id>`: a Slack trigger_id already seen (replays are dropped).
- `{nebula-bot}:marks:<kind>`: a hash of records by key (reminders, leases; see `bot.store.records`).
- `{nebula-bot}:cycles`: sorted set of the watcher's intervals taken, by when.

A claim must be on disk before Nebula is called. The bot refuses a Redis without AOF (unless told
it may), and where the server has WAITAOF (Redis 7.2+) it waits for each claim to reach the AOF.
"""

from __future__ import annotations

import secrets
import time
from typing import Any, Final

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.domain.audit import AuditLine
from bot.domain.confirmation import Confirmation, Entry, InstanceOutcome, State, Transition
from bot.domain.teams import DEFAULT_TEAM
from bot.store.codecs import (
    audit_from_json,
    audit_to_json,
    confirmation_from_json,
    confirmation_to_json,
    outcomes_from_json,
    outcomes_to_json,
)
from bot.store.errors import Trouble
from bot.store.redis.keys import Keys
from bot.store.redis.scripts import ADD, DECIDE, FINISH, SWAP_RECORD

AUDIT_MAX: Final = 100_000
# How long a confirmation's record outlives its expiry: long enough for late clicks to be told
# "expired" or "already done" rather than "unknown", and for the audit to be the long-term record.
RETENTION_SECONDS: Final = 7 * 24 * 3600
WAITAOF_TIMEOUT_MS: Final = 2000


class VolatileRedis(Exception):
    """The Redis server would lose a claim on restart: AOF is off, or its persistence cannot be read."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _token() -> str:
    return secrets.token_hex(8)


class RedisStore:
    """Confirmations and audit in Redis; any number of replicas may share it."""

    def __init__(self, client: redis.Redis, waitaof: bool = False, keys: Keys | None = None) -> None:
        self._redis = client
        self._keys = keys or Keys()
        self._waitaof = waitaof
        self._decide = client.register_script(DECIDE)
        self._finish = client.register_script(FINISH)
        self._add = client.register_script(ADD)
        self._swap_record = client.register_script(SWAP_RECORD)
        self.trouble: Trouble | None = None  # why the last probe failed

    def __repr__(self) -> str:
        return "RedisStore()"

    @classmethod
    async def connect(cls, url: str, *, allow_volatile: bool = True, team: str = DEFAULT_TEAM) -> RedisStore:
        """Connect, check the server answers and (unless `allow_volatile`) that it keeps claims on disk.

        Reads and the idempotent scripts are retried over a dropped connection (a Redis restart).
        """
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=5,
            socket_connect_timeout=5,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), 3),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        store = cls(client, keys=Keys.for_team(team))
        try:
            await store.ping()
            store._waitaof = await store._has_waitaof()
            if not allow_volatile:
                await store.require_durability()
        except BaseException:
            await client.aclose()
            raise
        return store

    async def persistence(self) -> dict[str, str]:
        """`appendonly` and `appendfsync` as the server reports them; VolatileRedis if it will not say."""
        try:
            found = await self._redis.config_get("append*")
        except ResponseError as exc:  # CONFIG renamed or disabled, as on some managed services
            raise VolatileRedis(f"cannot read its persistence ({exc})") from None
        return {str(k): str(v) for k, v in found.items()}

    async def require_durability(self) -> None:
        """Raise VolatileRedis unless the server writes every change to its append-only file."""
        settings = await self.persistence()
        if settings.get("appendonly") != "yes":
            raise VolatileRedis("AOF is off (appendonly no): a restart would forget claims")

    async def _has_waitaof(self) -> bool:
        info = await self._redis.info("server")
        version = tuple(
            int(part) for part in str(info.get("redis_version", "0")).split(".")[:2] if part.isdigit()
        )
        return version >= (7, 2)

    async def add(self, confirmation: Confirmation) -> bool:
        ttl = max(1, int(confirmation.expires_at - confirmation.created_at)) + RETENTION_SECONDS
        fields = {
            # The field is still called "action", as in every store written so far.
            "action": confirmation_to_json(confirmation),
            "state": State.PENDING.value,
            "expires_at": repr(confirmation.expires_at),
            "requester": confirmation.requester,
        }
        args = [part for pair in fields.items() for part in pair]
        added = await self._add(
            keys=[self._keys.conf(confirmation.id), self._keys.pending],
            args=[*args, confirmation.id, repr(confirmation.expires_at), ttl],
        )
        return bool(added == 1)

    async def get(self, confirmation_id: str) -> Entry | None:
        fields = _texts(await self._redis.hgetall(self._keys.conf(confirmation_id)))
        return _to_entry(fields) if fields else None

    async def attach_message(self, confirmation_id: str, message_ts: str) -> None:
        await self._redis.hset(self._keys.conf(confirmation_id), "message_ts", message_ts)

    async def decide(self, confirmation_id: str, to: State, actor: str, now: float) -> Transition:
        if to not in (State.CLAIMED, State.SCHEDULED, State.CANCELLED, State.EXPIRED):
            raise ValueError(f"cannot decide to {to}")
        return await self._transition(confirmation_id, State.PENDING, to, actor, now)

    async def release(self, confirmation_id: str, to: State, actor: str, now: float) -> Transition:
        if to not in (State.CLAIMED, State.CANCELLED):
            raise ValueError(f"cannot release to {to}")
        return await self._transition(confirmation_id, State.SCHEDULED, to, actor, now)

    async def _transition(
        self, confirmation_id: str, source: State, to: State, actor: str, now: float
    ) -> Transition:
        won = await self._decide(
            keys=[
                self._keys.conf(confirmation_id),
                self._keys.pending,
                self._keys.claimed,
                self._keys.scheduled,
            ],
            args=[to.value, actor, repr(now), confirmation_id, _token(), source.value],
        )
        if won == 1 and to is State.CLAIMED and self._waitaof:
            # The claim must be on disk before anyone calls Nebula; fsync it now, or refuse to act.
            local, _ = await self._redis.execute_command(  # type: ignore[no-untyped-call]
                "WAITAOF", 1, 0, WAITAOF_TIMEOUT_MS
            )
            if int(local) < 1:
                raise VolatileRedis("the claim did not reach the append-only file in time")
        return Transition(won=won == 1, entry=await self.get(confirmation_id))

    async def scheduled(self, decided_before: float, limit: int = 100) -> list[Entry]:
        ids = await self._redis.zrangebyscore(
            self._keys.scheduled, "-inf", decided_before, start=0, num=limit
        )
        return await self._entries(ids)  # type: ignore[arg-type]

    async def finish(self, confirmation_id: str, outcomes: tuple[InstanceOutcome, ...]) -> bool:
        done = await self._finish(
            keys=[self._keys.conf(confirmation_id), self._keys.claimed],
            args=[outcomes_to_json(outcomes), confirmation_id, _token()],
        )
        return bool(done == 1)

    async def overdue(self, now: float, limit: int = 100) -> list[Entry]:
        ids = await self._redis.zrangebyscore(self._keys.pending, "-inf", now, start=0, num=limit)
        return await self._entries(ids)  # type: ignore[arg-type]

    async def open_confirmations(self, now: float, limit: int = 200) -> list[Entry]:
        pending = await self._redis.zrangebyscore(self._keys.pending, f"({now!r}", "+inf", start=0, num=limit)
        scheduled = await self._redis.zrangebyscore(self._keys.scheduled, "-inf", "+inf", start=0, num=limit)
        return await self._entries([*pending, *scheduled][:limit])

    async def stale_claims(self, claimed_before: float, limit: int = 100) -> list[Entry]:
        ids = await self._redis.zrangebyscore(self._keys.claimed, "-inf", claimed_before, start=0, num=limit)
        return await self._entries(ids)  # type: ignore[arg-type]

    async def _entries(self, ids: list[str]) -> list[Entry]:
        entries = []
        for confirmation_id in ids:
            entry = await self.get(confirmation_id)
            if entry is None:
                # Its hash outlived its retention: forget the index entry too.
                await self._redis.zrem(self._keys.pending, confirmation_id)
                await self._redis.zrem(self._keys.claimed, confirmation_id)
                await self._redis.zrem(self._keys.scheduled, confirmation_id)
                continue
            entries.append(entry)
        return entries

    async def append(self, line: AuditLine) -> None:
        await self._redis.xadd(
            self._keys.audit, {"record": audit_to_json(line)}, maxlen=AUDIT_MAX, approximate=True
        )

    async def recent(self, limit: int) -> list[AuditLine]:
        entries = await self._redis.xrevrange(self._keys.audit, count=limit) or []
        return [audit_from_json(_texts(fields or {})["record"]) for _, fields in entries]

    async def count_pending(self, now: float) -> int:
        return int(await self._redis.zcount(self._keys.pending, f"({now!r}", "+inf"))

    async def count_pending_for(self, user: str, now: float) -> int:
        ids = await self._redis.zrangebyscore(self._keys.pending, f"({now!r}", "+inf")
        if not ids:
            return 0
        async with self._redis.pipeline(transaction=False) as pipe:
            for confirmation_id in ids:
                pipe.hget(self._keys.conf(str(confirmation_id)), "requester")
            requesters = await pipe.execute()
        return sum(1 for requester in requesters if requester == user)

    async def first_seen(self, key: str, now: float, ttl: float) -> bool:
        del now  # Redis keeps its own clock for the TTL
        return bool(await self._redis.set(self._keys.trigger(key), "1", nx=True, ex=max(1, int(ttl))))

    async def take_cycle(self, slot: int, now: float, ttl: float) -> bool:
        taken = await self._redis.zadd(self._keys.cycles, {str(slot): now}, nx=True)
        await self._redis.zremrangebyscore(self._keys.cycles, "-inf", f"({now - ttl!r}")
        return bool(taken)

    async def last_cycle(self) -> float | None:
        newest = await self._redis.zrange(self._keys.cycles, -1, -1, withscores=True)
        return float(newest[0][1]) if newest else None

    async def record(self, kind: str, key: str) -> str | None:
        value = await self._redis.hget(self._keys.records(kind), key)
        return None if value is None else str(value)

    async def records(self, kind: str) -> dict[str, str]:
        return _texts(await self._redis.hgetall(self._keys.records(kind)))

    async def swap_record(self, kind: str, key: str, expected: str | None, new: str | None) -> bool:
        swapped = await self._swap_record(
            keys=[self._keys.records(kind)], args=[key, expected or "", new or ""]
        )
        return bool(swapped == 1)

    async def probe(self) -> None:
        try:
            await self._redis.set(self._keys.health, repr(time.time()), ex=300)
        except Exception as exc:
            self.trouble = Trouble(str(exc) or type(exc).__name__)
            raise
        self.trouble = None

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
        message_ts=fields.get("message_ts"),
    )
