"""Protected instances: nobody may stop, reboot or delete them until they are unprotected.

The check is made wherever a change can start or be carried out (a request, a confirm click, a
scheduled send, a lease's end), so every path obeys it: the commands, the list's menu, reminders
and leases alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from bot.domain.model import Protection
from bot.domain.policy import ALLOW, Decision
from bot.domain.verbs import Verb
from bot.slack.messages.kit import moment, who
from bot.slack.messages.mrkdwn import code, literal
from bot.store.marks import MarkBusy, Marks

REASON_LIMIT = 200


def refusal_text(protection: Protection, verb: Verb) -> str:
    """Why `verb` is refused: who protected the instance, when, why, and how to lift it."""
    why = f": {literal(protection.reason, REASON_LIMIT)}" if protection.reason else ""
    return (
        f":lock: {code(protection.instance_id)} is protected by {who(protection.by)} since "
        f"{moment(protection.at)}{why}. Nothing was {verb.past}. To {verb.name} it, first "
        f"`/nebula unprotect {protection.instance_id}`."
    )


def badge(protection: Protection | None) -> str:
    """How list, show and reminders mark a protected instance: 🔒 and the reason."""
    if protection is None:
        return ""
    reason = f" {literal(protection.reason, 60)}" if protection.reason else ""
    return f":lock: protected{reason}"


class Protections:
    """Reads and writes protections (marks in the store)."""

    def __init__(self, marks: Marks, clock: Callable[[], float] = time.time) -> None:
        self._marks = marks
        self._clock = clock

    async def of(self, instance_ids: Iterable[str]) -> dict[str, Protection]:
        """The protections among `instance_ids`."""
        wanted = set(instance_ids)
        if not wanted:
            return {}
        if len(wanted) == 1:
            [only] = wanted
            held = await self._marks.get(Protection, only)
            return {only: held.mark} if held else {}
        return {
            h.mark.instance_id: h.mark
            for h in await self._marks.all(Protection)
            if h.mark.instance_id in wanted
        }

    async def all(self) -> list[Protection]:
        """Every protection, oldest first."""
        return sorted((h.mark for h in await self._marks.all(Protection)), key=lambda p: p.at)

    async def check(self, verb: Verb, instance_ids: Iterable[str]) -> Decision:
        """Refuse stop, reboot and delete of a protected instance, saying who protected it and why."""
        if not verb.guarded:
            return ALLOW
        found = await self.of(instance_ids)
        if not found:
            return ALLOW
        first = found[sorted(found)[0]]
        return Decision(False, refusal_text(first, verb))

    async def protect(self, instance_id: str, by: str, reason: str) -> tuple[Protection, bool]:
        """The protection in force, and True when this call made it (False: it was protected already)."""
        protection = Protection(instance_id, by, self._clock(), reason[:REASON_LIMIT])
        for _ in range(3):
            existing = await self._marks.get(Protection, instance_id)
            if existing is not None:
                return existing.mark, False
            if await self._marks.put(None, protection) is not None:
                return protection, True
        raise MarkBusy(f"protection {instance_id}")

    async def lift(self, instance_id: str) -> Protection | None:
        """Remove the protection; the one removed, or None when there was none."""
        held = await self._marks.get(Protection, instance_id)
        if held is None or not await self._marks.remove(held):
            return None
        return held.mark
