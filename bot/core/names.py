"""Names, short ids and menus: from what a person typed (or did not type) to the instance they mean.

A command naming instances by host name or id prefix is resolved on a read of the fleet made for it
(a read already under way is joined), and then runs with the full ids, as if they had been typed:
the same confirmation, rules, protections, undo window and audit. A name that fits several instances
is answered "Which one?" and nothing runs until one is chosen. A verb without an instance answers with
a menu of the instances it makes sense for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Final

from slack_sdk.models.blocks import Option

from bot.core.services import Part, Services, handler
from bot.domain.commands import Command
from bot.domain.ids import is_instance_id
from bot.domain.instance import Instance
from bot.domain.names import (
    Ambiguous,
    Found,
    Named,
    command_text,
    match,
    mentioned,
    needs_fleet,
    references,
    with_ids,
)
from bot.domain.policy import Actor
from bot.domain.records import Protection
from bot.infra import logs
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet, Snapshot
from bot.slack.messages import choices, texts
from bot.slack.replier import Destination, say

# A name is resolved on a read of the fleet at most this old; a read under way is joined.
NAMES_MAX_AGE: Final = 2.0
# A menu lists the fleet as read at most this long ago; Slack's options request must be answered in 3 s.
MENU_MAX_AGE: Final = 30.0

Then = Callable[[Actor, Destination, Command], Awaitable[None]]


def fits(word: str, instance: Instance, protected: bool) -> bool:
    """Whether a menu for `word` offers `instance`: stop and reboot running ones, start stopped ones."""
    if instance.is_gone:
        return False
    if word in ("stop", "reboot"):
        return instance.is_running
    if word == "start":
        return instance.status_word == "stopped"
    if word == "unprotect":
        return protected
    if word == "protect":
        return not protected
    return True


class Names(Part):
    """Resolving names and prefixes, and the menus of instances."""

    def __init__(self, services: Services, *, fleet: Fleet) -> None:
        super().__init__(services)
        self._fleet = fleet

    @staticmethod
    def needed(command: Command) -> bool:
        """True when `command` names an instance in a way only a read of the fleet can resolve."""
        return any(needs_fleet(r) for r in references(command))

    @handler(admit=True)
    async def resolve_then(self, actor: Actor, to: Destination, command: Named, then: Then) -> None:
        """Resolve `command`'s names to ids and hand it on to `then`; else ask "Which one?" or say so."""
        s = self.services
        try:
            snapshot: Snapshot | None = await self._fleet.read(details=False, max_age=NAMES_MAX_AGE)
            why = ""
        except NebulaError as exc:
            snapshot, why = None, texts.nebula_error(exc)
        ids: dict[str, str] = {}
        for reference in references(command):
            found = match(reference, None if snapshot is None else snapshot.instances)
            if isinstance(found, Found):
                ids[reference] = found.instance_id
                continue
            logs.event(
                "names.unresolved",
                user=actor.user_id,
                channel=actor.channel_id,
                outcome="ambiguous" if isinstance(found, Ambiguous) else "unknown",
                candidates=len(found.candidates) if isinstance(found, Ambiguous) else 0,
            )
            if isinstance(found, Ambiguous):
                options = [command_text(with_ids(command, {reference: c.id})) for c in found.candidates]
                await say(s.replier, to, choices.which_one(found, options, s.clock()))
            elif snapshot is None and not is_instance_id(reference):
                await say(s.replier, to, choices.lookup_failed(reference, why))
            else:
                await say(s.replier, to, choices.no_instance(found))
            return
        logs.event("names.resolved", user=actor.user_id, channel=actor.channel_id, count=len(ids))
        await then(actor, to, with_ids(command, ids))

    @handler(admit=True)
    async def offer(self, actor: Actor, to: Destination, word: str) -> None:
        """A menu of the instances `word` makes sense for (up to 100 inline, else searched as typed)."""
        s = self.services
        try:
            snapshot = await self._fleet.read(details=False, max_age=MENU_MAX_AGE)
        except NebulaError as exc:
            await say(s.replier, to, choices.lookup_failed(word, texts.nebula_error(exc)))
            return
        offered = await self._fitting(word, snapshot.instances)
        logs.event(
            "menu.offered", user=actor.user_id, channel=actor.channel_id, verb=word, count=len(offered)
        )
        if not offered:
            await say(s.replier, to, choices.nothing_to_pick(word))
            return
        external = len(offered) > choices.MENU_OPTIONS
        await say(s.replier, to, choices.picker(word, offered, external=external))

    @handler(admit=True)
    async def in_message(self, actor: Actor, to: Destination, text: str) -> None:
        """The message shortcut: the instances a message's text names, each with its ⋯ menu."""
        s = self.services
        try:
            snapshot = await self._fleet.read(details=False, max_age=NAMES_MAX_AGE)
        except NebulaError as exc:
            await say(s.replier, to, choices.lookup_failed("the instances", texts.nebula_error(exc)))
            return
        found = mentioned(text, snapshot.instances)
        logs.event("shortcut.answered", user=actor.user_id, channel=actor.channel_id, count=len(found))
        protections = await s.protections.of(i.id for i in found)
        await say(s.replier, to, choices.in_message(found, protections))

    async def options(self, actor: Actor, word: str, typed: str) -> list[Option]:
        """The choices for Slack's options request: instances fitting `word` whose name or id contains
        `typed`. Answers from a recent read; only people who may act see any."""
        s = self.services
        if not s.access.may_request(await s.access.resolve(actor)).allowed:
            return []
        snapshot = self._fleet.recent(MENU_MAX_AGE)
        if snapshot is None:
            try:
                snapshot = await self._fleet.read(details=False, max_age=MENU_MAX_AGE)
            except NebulaError:
                return []
        wanted = typed.strip().casefold()
        typed_for = [
            i
            for i in snapshot.instances
            if wanted in i.id.casefold() or wanted in (i.host_name or "").casefold()
        ]
        offered = await self._fitting(word, typed_for)
        return [choices.option(i, word) for i in offered[: choices.MENU_OPTIONS]]

    async def _fitting(self, word: str, instances: Sequence[Instance]) -> list[Instance]:
        protected: dict[str, Protection] = await self.services.protections.of(i.id for i in instances)
        return [i for i in instances if fits(word, i, i.id in protected)]
