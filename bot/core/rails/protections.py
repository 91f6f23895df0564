"""Protected instances: nobody may stop, reboot or delete them until they are unprotected.

The check is made wherever a change can start (a request, a confirm click, a lease's end) and once
more just before each call to Nebula (`bot.core.execution`), so every path obeys it: the commands,
the list's menu, reminders, leases and the undo window alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.policy import ALLOW, Ruling, refuse
from bot.domain.records import Protection
from bot.domain.refusals import Protected
from bot.domain.verbs import Verb
from bot.infra.clock import Clock
from bot.store import RecordBusy, Records

REASON_LIMIT = 200


class Protections:
    """Reads and writes protections (records in the store)."""

    def __init__(self, records: Records, clock: Clock) -> None:
        self._records = records
        self._clock = clock

    async def of(self, instance_ids: Iterable[str]) -> dict[str, Protection]:
        """The protections among `instance_ids`."""
        wanted = set(instance_ids)
        if not wanted:
            return {}
        if len(wanted) == 1:
            [only] = wanted
            found = await self._records.get(Protection, only)
            return {only: found.record} if found else {}
        return {
            v.record.instance_id: v.record
            for v in await self._records.all(Protection)
            if v.record.key in wanted
        }

    async def all(self) -> list[Protection]:
        """Every protection, oldest first."""
        return sorted((v.record for v in await self._records.all(Protection)), key=lambda p: p.at)

    async def check(self, verb: Verb, instance_ids: Iterable[str]) -> Ruling:
        """Refuse stop, reboot and delete of a protected instance, saying who protected it and why."""
        if not verb.guarded:
            return ALLOW
        found = await self.of(instance_ids)
        if not found:
            return ALLOW
        return refuse(Protected(found[sorted(found)[0]], verb))

    async def protect(
        self, instance_id: str, by: str, reason: str, host_name: str | None = None
    ) -> tuple[Protection, bool]:
        """The protection in force, and True when this call made it (False: it was protected already)."""
        protection = Protection(instance_id, by, self._clock(), reason[:REASON_LIMIT], host_name)
        for _ in range(3):
            existing = await self._records.get(Protection, instance_id)
            if existing is not None:
                return existing.record, False
            if await self._records.put(None, protection) is not None:
                return protection, True
        raise RecordBusy(f"protection {instance_id}")

    async def lift(self, instance_id: str) -> Protection | None:
        """Remove the protection; the one removed, or None when there was none."""
        found = await self._records.get(Protection, instance_id)
        if found is None or not await self._records.remove(found):
            return None
        return found.record
