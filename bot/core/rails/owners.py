"""Who owns an instance: whoever ran `/nebula own`, else the Nebula user Nebula names, found in Slack
by email (`users.lookupByEmail`, cached); else nobody known. When Slack cannot say, the owner is
"unsure", which the owner rule never takes for "nobody"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from bot.domain.fleet.instance import Instance
from bot.domain.records import Ownership
from bot.infra.clock import Clock
from bot.slack.directory import EmailDirectory, Unsure
from bot.store import Records

# Up to this many instances, ownerships are read one by one rather than all at once.
FEW: Final = 10


@dataclass(frozen=True)
class Owned:
    """The known owners (Slack user ids) by instance id, and the instances whose owner Slack could not
    tell just now (with the reason)."""

    owners: Mapping[str, str] = field(default_factory=dict)
    unsure: Mapping[str, str] = field(default_factory=dict)


class Owners:
    """Answers "whose is this instance?"."""

    def __init__(self, records: Records, directory: EmailDirectory, clock: Clock) -> None:
        self._records = records
        self._directory = directory
        self._clock = clock

    async def of(self, instances: Iterable[Instance]) -> Owned:
        """The owners of `instances`, as far as they can be known now."""
        wanted = list(instances)
        if len(wanted) <= FEW:
            found = [await self._records.get(Ownership, instance.id) for instance in wanted]
            assigned = {v.record.instance_id: v.record.owner for v in found if v is not None}
        else:
            assigned = {v.record.instance_id: v.record.owner for v in await self._records.all(Ownership)}
        owners: dict[str, str] = {}
        unsure: dict[str, str] = {}
        for instance in wanted:
            if instance.id in assigned:
                owners[instance.id] = assigned[instance.id]
            elif instance.owner_email:
                user = await self._directory.user_for(instance.owner_email)
                if isinstance(user, Unsure):
                    unsure[instance.id] = user.error
                elif user is not None:
                    owners[instance.id] = user
        return Owned(owners, unsure)

    async def assign(self, instance_id: str, user: str) -> tuple[str | None, bool]:
        """Make `user` the owner. The previous owner (if another), and True when it took."""
        current = await self._records.get(Ownership, instance_id)
        previous = current.record.owner if current else None
        won = await self._records.put(current, Ownership(instance_id, user, self._clock()))
        return (previous if previous != user else None), won is not None

    async def unassign(self, instance_id: str) -> str | None:
        """Forget the owner; who it was, or None when nobody had said so."""
        current = await self._records.get(Ownership, instance_id)
        if current is None or not await self._records.remove(current):
            return None
        return current.record.owner
