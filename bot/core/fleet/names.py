"""Names, short ids and menus: from what a person typed (or did not type) to the instance they mean.

A command naming instances by host name or id prefix is resolved on a read of the fleet made for it
(a read already under way is joined), and then runs with the full ids, as if they had been typed:
the same confirmation, rules, protections, undo window and audit. A name that fits several instances
is answered "Which one?" and nothing runs until one is chosen. A verb without an instance answers with
a menu of the instances it makes sense for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Final

from slack_sdk.models.blocks import Option

from bot.core.fleet.choices import Choices
from bot.core.fleet.view import FleetView, stale_since
from bot.core.rails import Access, Protections
from bot.domain.commands import Command
from bot.domain.fleet.instance import Instance
from bot.domain.fleet.names import Ambiguous, Found, Match, Unknown, match, mentioned, needs_fleet
from bot.domain.policy import Actor
from bot.infra import logs
from bot.infra.clock import Clock
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Snapshot
from bot.slack.messages import choices, texts
from bot.slack.messages import instances as instance_messages
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination

# A name is resolved on a read of the fleet at most this old; a read under way is joined.
NAMES_MAX_AGE: Final = 2.0
# A menu lists the fleet as read at most this long ago; Slack's options request must be answered in 3 s.
MENU_MAX_AGE: Final = 30.0

# Whether a word's menu offers an instance (which is protected, or not).
Fits = Callable[[Instance, bool], bool]


def needs_resolving(command: Command) -> bool:
    """True when `command` names an instance in a way only a read of the fleet can resolve."""
    return any(needs_fleet(r) for r in command.references())


class Names:
    """Resolving names and prefixes, and the menus of instances."""

    def __init__(
        self,
        *,
        view: FleetView,
        access: Access,
        protections: Protections,
        choices: Choices,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._view = view
        self._choices = choices
        self._access = access
        self._protections = protections
        self._outbox = outbox
        self._clock = clock

    async def resolve(self, actor: Actor, to: Destination, command: Command) -> Command | None:
        """`command` with its names resolved to ids; else None after asking "Which one?" or saying so."""
        asked = time.monotonic()
        snapshot, why = await self._snapshot(NAMES_MAX_AGE)
        found = self._matches(command, snapshot)
        unknown = any(isinstance(one, Unknown) for one in found.values())
        if snapshot is not None and snapshot.begun < asked and unknown:
            # "No instance called" is said on a read begun after the command, never on an older one.
            snapshot, why = await self._snapshot(0.0)
            found = self._matches(command, snapshot)
        ids: dict[str, str] = {}
        for reference, one in found.items():
            if isinstance(one, Found):
                ids[reference] = one.instance_id
                continue
            logs.event(
                "names.unresolved",
                user=actor.user_id,
                channel=actor.channel_id,
                outcome="ambiguous" if isinstance(one, Ambiguous) else "unknown",
                candidates=len(one.candidates) if isinstance(one, Ambiguous) else 0,
            )
            if isinstance(one, Ambiguous):
                options = [command.resolved({reference: c.id}).text() for c in one.candidates]
                token = await self._choices.offer(options, actor.user_id)
                await self._outbox.reply(to, choices.which_one(one, token, self._clock()))
            elif snapshot is None:
                await self._outbox.reply(to, choices.lookup_failed(reference, why))
            elif (deleted := await self._view.deleted(reference)) is not None:
                await self._outbox.reply(to, instance_messages.was_deleted(deleted))
            else:
                await self._outbox.reply(to, choices.no_instance(one))
            return None
        logs.event("names.resolved", user=actor.user_id, channel=actor.channel_id, count=len(ids))
        return command.resolved(ids)

    async def _snapshot(self, max_age: float) -> tuple[Snapshot | None, str]:
        """A read of the fleet at most `max_age` old, or None and why it could not be read."""
        try:
            return await self._view.read(details=False, max_age=max_age), ""
        except NebulaError as exc:
            return None, texts.nebula_error(exc)

    @staticmethod
    def _matches(command: Command, snapshot: Snapshot | None) -> dict[str, Match]:
        instances = None if snapshot is None else snapshot.instances
        return {reference: match(reference, instances) for reference in command.references()}

    async def offer(
        self, actor: Actor, to: Destination, word: str, fits: Fits, what: str, *, confirms: bool
    ) -> None:
        """A menu of the instances `word` makes sense for (up to 100 inline, else searched as typed);
        `what` says what the choice is for ("to stop"); `confirms`: a confirmation follows the choice."""
        try:
            snapshot = await self._view.read(details=False, max_age=MENU_MAX_AGE)
        except NebulaError as exc:
            await self._outbox.reply(to, choices.lookup_failed(word, texts.nebula_error(exc)))
            return
        offered = await self._fitting(fits, snapshot.instances)
        logs.event(
            "menu.offered", user=actor.user_id, channel=actor.channel_id, verb=word, count=len(offered)
        )
        if not offered:
            await self._outbox.reply(to, choices.nothing_to_pick(word))
            return
        external = len(offered) > choices.MENU_OPTIONS
        as_of = stale_since(snapshot, self._clock())
        shown = choices.picker(word, what, offered, external=external, confirms=confirms, as_of=as_of)
        await self._outbox.reply(to, shown)

    async def in_message(self, actor: Actor, to: Destination, text: str) -> None:
        """The message shortcut: the instances a message's text names, each with its ⋯ menu."""
        try:
            snapshot = await self._view.read(details=False, max_age=NAMES_MAX_AGE)
        except NebulaError as exc:
            await self._outbox.reply(to, choices.lookup_failed("the instances", texts.nebula_error(exc)))
            return
        found = mentioned(text, snapshot.instances)
        logs.event("shortcut.answered", user=actor.user_id, channel=actor.channel_id, count=len(found))
        protections = await self._protections.of(i.id for i in found)
        await self._outbox.reply(to, choices.in_message(found, protections))

    async def options(self, actor: Actor, word: str, fits: Fits, typed: str) -> list[Option]:
        """The choices for Slack's options request: instances fitting `word` whose name or id contains
        `typed`. Answers from a recent read; only people who may act see any."""
        if not self._access.may_request(await self._access.resolve(actor)).allowed:
            return []
        snapshot = await self._view.recent(MENU_MAX_AGE)
        if snapshot is None:
            try:
                snapshot = await self._view.read(details=False, max_age=MENU_MAX_AGE)
            except NebulaError:
                return []
        wanted = typed.strip().casefold()
        typed_for = [
            i
            for i in snapshot.instances
            if wanted in i.id.casefold() or wanted in (i.host_name or "").casefold()
        ]
        offered = await self._fitting(fits, typed_for)
        return [choices.option(i, word) for i in offered[: choices.MENU_OPTIONS]]

    async def _fitting(self, fits: Fits, instances: Sequence[Instance]) -> list[Instance]:
        protected = await self._protections.of(i.id for i in instances)
        return [i for i in instances if not i.is_gone and fits(i, i.id in protected)]
