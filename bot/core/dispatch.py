"""One team's door for commands: `Screen` decides at once, with no I/O, whether a command goes ahead (the
listener acks with its answer), and `Runner` carries a screened command out after the ack, through
the handler its word declared (`bot.core.commands`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from bot.core.commands import Handler, Instant, Word, Words
from bot.core.confirmations import Rulings
from bot.core.fleet import Names, needs_resolving
from bot.core.handling import Handling
from bot.core.rails import Access
from bot.domain.commands import Command, Pick, UsageError
from bot.domain.policy import Actor
from bot.domain.refusals import NotAllowed
from bot.domain.typed import tidy
from bot.domain.verbs import ALL_VERBS
from bot.infra import logs
from bot.infra.clock import Clock
from bot.infra.metrics import Metrics
from bot.slack.messages import texts
from bot.slack.messages.help import usage
from bot.slack.messages.kit import Message, notice
from bot.slack.messages.refusals import refusal, refusal_text
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination
from bot.store import ReplayGuard

# Slack rejects requests signed more than five minutes ago; a trigger_id seen within this window is a replay.
REPLAY_WINDOW: Final = 600.0
PICKED: Final = "menu"  # the metrics' name for a word typed alone, answered with a menu


@dataclass(frozen=True)
class Screened:
    """A command that goes ahead: its word's spec and what was parsed."""

    spec: Word
    command: Command
    note: str = ""  # said with the ack: what was taken out of the text before reading it


class Screen:
    """What is answered in the ack: usage, help, refusals; and what goes ahead."""

    def __init__(
        self,
        *,
        words: Words,
        instants: Mapping[str, Instant],
        access: Access,
        metrics: Metrics,
        store_problem: Callable[[], str | None],
    ) -> None:
        self._words = words
        self._instants = instants
        self._access = access
        self._metrics = metrics
        self._store_problem = store_problem

    def screen(self, actor: Actor, text: str) -> Screened | Message:
        """Decide instantly, with no I/O, whether a command goes ahead; if not, the ephemeral answer."""
        tidied = tidy(text)
        note = texts.removed_invisible(tidied.invisible) if tidied.invisible else ""
        parsed = self._words.parse(tidied.text)
        if isinstance(parsed, UsageError):
            self._metrics.commands.labels("invalid", "usage").inc()
            logs.event("command.rejected", user=actor.user_id, channel=actor.channel_id, outcome="usage")
            return usage(parsed, self._words.lines(), self._words.example, note)
        spec, command = parsed
        if spec.instant:
            self._metrics.commands.labels(spec.label, spec.label).inc()
            return self._instants[spec.name](actor, command)
        label = PICKED if isinstance(command, Pick) else spec.label
        screened = self._access.screen(actor)
        self._metrics.commands.labels(label, "accepted" if screened.allowed else "refused").inc()
        if not screened.allowed:
            why = screened.why
            if isinstance(why, NotAllowed) and not spec.writes:
                why = dataclasses.replace(why, looking=True)
            logs.event(
                "command.refused",
                user=actor.user_id,
                workspace=actor.workspace,
                channel=actor.channel_id,
                outcome="refused",
                detail=refusal_text(why),
            )
            return refusal(why)
        problem = self._store_problem() if spec.writes else None
        if problem is not None:
            # What the store cannot keep would be lost (or acted on twice) after a restart: said now.
            return notice(texts.store_down(problem))
        return Screened(spec, command, note)


class Runner:
    """Carries screened commands out, after the ack."""

    def __init__(
        self,
        *,
        handlers: Mapping[str, Handler],
        names: Names,
        rulings: Rulings,
        replay: ReplayGuard,
        handling: Handling,
        clock: Clock,
    ) -> None:
        self._handlers = handlers
        self._names = names
        self._rulings = rulings
        self._replay = replay
        self._handling = handling
        self._clock = clock

    async def run(self, actor: Actor, screened: Screened, to: Destination, trigger_id: str | None) -> None:
        """Carry a screened command out. A replayed request (the same trigger_id) is dropped."""
        if trigger_id is not None and not await self._first_time(trigger_id):
            logs.warning("command.replayed", user=actor.user_id, channel=actor.channel_id, outcome="dropped")
            return
        spec, command = screened.spec, screened.command
        async with self._handling.of(actor.user_id, to):
            # A change asked for by id refuses (and audits) by itself; menus and names look first.
            if spec.admit or isinstance(command, Pick) or needs_resolving(command):
                admitted = await self._rulings.admit(actor, to)
                if admitted is None:
                    return
                actor = admitted
            if isinstance(command, Pick):
                assert spec.fits is not None, "only a word with instances offers a menu"
                confirms = spec.name in ALL_VERBS  # a change: the usual confirmation follows the choice
                await self._names.offer(actor, to, spec.name, spec.fits, spec.menu, confirms=confirms)
                return
            resolved = await self._names.resolve(actor, to, command) if needs_resolving(command) else command
            if resolved is not None:
                await self._handlers[spec.name](actor, to, resolved)

    async def _first_time(self, trigger_id: str) -> bool:
        try:
            return await self._replay.first_seen(f"command:{trigger_id}", self._clock(), REPLAY_WINDOW)
        except Exception as exc:  # a store fault must not swallow the command: it fails later, visibly
            logs.warning("command.replay_check_failed", error=type(exc).__name__)
            return True


class Commands:
    """Commands, typed or carried by a choice (a "Which one?" button, a menu's option): screened and run
    exactly as if the person had typed them."""

    def __init__(self, *, screen: Screen, runner: Runner, outbox: Outbox) -> None:
        self._screen = screen
        self._runner = runner
        self._outbox = outbox

    def screen(self, actor: Actor, text: str) -> Screened | Message:
        """What is answered at once (see `Screen`)."""
        return self._screen.screen(actor, text)

    async def run(self, actor: Actor, screened: Screened, to: Destination, trigger_id: str | None) -> None:
        """What happens after the ack (see `Runner`)."""
        await self._runner.run(actor, screened, to, trigger_id)

    async def answer(self, actor: Actor, text: str, to: Destination, trigger_id: str | None) -> None:
        """Run `text` as if typed after `/nebula`."""
        screened = self._screen.screen(actor, text)
        if isinstance(screened, Message):
            await self._outbox.reply(to, screened)
            return
        await self._runner.run(actor, screened, to, trigger_id)
