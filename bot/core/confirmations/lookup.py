"""Looking instances up for a person: the instances, or a reply saying why not."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Final

from bot.core.rails import OwnChanges, Subject, Trail
from bot.domain.audit import Step
from bot.domain.fleet.instance import Instance
from bot.domain.fleet.names import Called, references
from bot.nebula.client import NebulaClient
from bot.nebula.errors import NebulaError, NebulaNotFound
from bot.nebula.fleet import Fleet
from bot.slack.messages import instances as messages
from bot.slack.messages import texts
from bot.slack.messages.kit import Message
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination

# A suggested command names an instance as the fleet read at most this long ago calls it (else by id).
NAMES_MAX_AGE: Final = 600.0


class Lookup:
    """Reads instances' details, telling the person when Nebula does not know one or cannot say."""

    def __init__(
        self, *, nebula: NebulaClient, fleet: Fleet, changed: OwnChanges, outbox: Outbox, trail: Trail
    ) -> None:
        self._nebula = nebula
        self._fleet = fleet
        self._changed = changed
        self._outbox = outbox
        self._trail = trail

    def references(self, instances: Iterable[Instance]) -> dict[str, str]:
        """How a command the bot suggests names each instance: by its name where that is unique in the
        last read of the fleet, else by its id."""
        recent = self._fleet.recent(NAMES_MAX_AGE)
        return references(instances, recent.instances if recent is not None else None)

    def called(self, instance_id: str) -> Called:
        """How messages name an instance known only by its id (from the newest read of the fleet)."""
        known = self._fleet.known(instance_id)
        if known is None:
            return Called(instance_id, None, instance_id)
        return Called(instance_id, known.host_name, self.references([known])[instance_id])

    async def one(self, instance_id: str, to: Destination) -> Instance | None:
        """The instance, or None after telling the person it does not exist or could not be looked up."""
        try:
            return await self._nebula.get_instance(instance_id)
        except NebulaNotFound:
            await self._outbox.reply(to, await self._not_found([instance_id]))
        except NebulaError as exc:
            await self._outbox.reply(to, messages.not_looked_up([instance_id], texts.nebula_error(exc)))
        return None

    async def all_of(
        self, instance_ids: tuple[str, ...], subject: Subject, user: str, to: Destination
    ) -> tuple[Instance, ...] | None:
        """Every instance, read at once; else None after telling the person (and the audit) why not."""
        found = await asyncio.gather(*(self._read(iid) for iid in instance_ids))
        missing = [iid for iid, one in zip(instance_ids, found, strict=True) if one is None]
        errors = [one for one in found if isinstance(one, NebulaError)]
        if not missing and not errors:
            return tuple(one for one in found if isinstance(one, Instance))
        said = (
            await self._not_found(missing)
            if missing
            else messages.not_looked_up(instance_ids, texts.nebula_error(errors[0]))
        )
        outcome = "not_found" if missing else "error"
        await self._trail.note(Step.LOOKUP, outcome, subject, user, message=said.text, warn=bool(errors))
        await self._outbox.reply(to, said)
        return None

    async def _not_found(self, instance_ids: list[str]) -> Message:
        """Nebula knows none of these: "was deleted at" for the one the bot itself deleted."""
        if len(instance_ids) == 1:
            deleted = await self._changed.deleted(instance_ids[0])
            if deleted is not None:
                return messages.was_deleted(deleted)
        return messages.no_instance(instance_ids)

    async def _read(self, instance_id: str) -> Instance | NebulaError | None:
        try:
            return await self._nebula.get_instance(instance_id)
        except NebulaNotFound:
            return None
        except NebulaError as exc:
            return exc
