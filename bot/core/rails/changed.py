"""What the bot itself changed, seen at once: a delete, stop or start it carried out shows in every view
that follows it, on every replica, even one built from a read of the fleet made before it (or so soon
after it that Nebula's list did not show it yet). And an instance it deleted is answered as such."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot.domain.confirmation import Confirmation
from bot.domain.fleet.fit import leaves
from bot.domain.fleet.instance import Instance
from bot.domain.records import Changed
from bot.domain.verbs import ALL_VERBS, DELETE
from bot.infra import logs
from bot.infra.clock import Clock
from bot.store import Records, Retention

# A list read this soon after a change may not show it yet: the bot's own outcome is believed over it.
LAG: Final = 120.0
# How long a change is remembered (what an instance was deleted as, for "was deleted at").
KEEP: Final = 7 * 86400.0


class OwnChanges:
    """The changes this team's bot carried out, kept in the store."""

    def __init__(self, *, records: Records, clock: Clock) -> None:
        self._records = records
        self._clock = clock
        self._retention = Retention(records, Changed, lambda c: c.at, KEEP)

    async def note(self, confirmation: Confirmation, confirmer: str, instance_id: str) -> None:
        """Nebula answered success: remember it. Never raises (the change is done either way)."""
        instance = next((i for i in confirmation.instances if i.id == instance_id), None)
        changed = Changed(
            instance_id=instance_id,
            host_name=instance.host_name if instance is not None else None,
            verb=confirmation.verb.name,
            at=self._clock(),
            requester=confirmation.requester,
            confirmer=confirmer,
        )
        try:
            current = await self._records.get(Changed, instance_id)
            await self._records.put(current, changed)
            await self._retention.forget_old(self._clock())
        except Exception as exc:
            logs.warning("changed.not_kept", instance=instance_id, error=type(exc).__name__)

    async def seen(self, instances: Sequence[Instance], read_at: float) -> tuple[Instance, ...]:
        """`instances` as read at `read_at`, with what the bot changed since or just before: those it
        deleted left out, those it stopped or started in their new status."""
        try:
            changes = {c.record.instance_id: c.record for c in await self._records.all(Changed)}
        except Exception as exc:  # a view without the overlay beats no view
            logs.warning("changed.unread", error=type(exc).__name__)
            return tuple(instances)
        shown = []
        for instance in instances:
            change = changes.get(instance.id)
            if change is None or read_at >= change.at + LAG:
                shown.append(instance)
                continue
            verb = ALL_VERBS.get(change.verb)
            if verb is DELETE:
                continue
            status = leaves(verb) if verb is not None else None
            shown.append(instance.model_copy(update={"status": status.capitalize()}) if status else instance)
        return tuple(shown)

    async def deleted(self, reference: str) -> Changed | None:
        """The delete the bot carried out on the instance `reference` names (its id or host name)."""
        try:
            changes = [c.record for c in await self._records.all(Changed)]
        except Exception:
            return None
        wanted = reference.casefold()
        gone = [
            c
            for c in changes
            if c.verb == DELETE.name and wanted in (c.instance_id.casefold(), (c.host_name or "").casefold())
        ]
        return max(gone, key=lambda c: c.at) if gone else None
