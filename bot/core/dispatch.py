"""The bot without Slack's framework: screening commands, and the parts that carry them out.

Listeners (`bot.bolt.listeners`) call `screen` while acknowledging (pure, instant), then `run` or one of
the parts after the ack. `Core.build` wires the parts to each other once per process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from bot.core.access import Access
from bot.core.announce import Announcer
from bot.core.config import CoreConfig
from bot.core.confirmations import Confirmations
from bot.core.leases import Leases
from bot.core.owners import EmailDirectory, Owners
from bot.core.protections import Protections
from bot.core.rails import Rails
from bot.core.reads import Reads
from bot.core.reminders import Reminders
from bot.core.sweeper import Sweeper
from bot.core.trail import Trail
from bot.core.undo import UndoWindow
from bot.core.watcher import Watcher
from bot.domain.commands import (
    USAGE,
    ChangeCommand,
    ClaimCommand,
    Command,
    CostCommand,
    HelpCommand,
    LeaseCommand,
    LeasesCommand,
    ListCommand,
    ProtectCommand,
    ProtectedCommand,
    ShowCommand,
    UnprotectCommand,
    UsageError,
    parse,
)
from bot.domain.policy import Actor, Identity, Rules, screen
from bot.infra import logs
from bot.infra.inflight import InFlight
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaClient
from bot.nebula.fleet import Fleet
from bot.slack.messages import blocks
from bot.slack.replier import Destination, Replier
from bot.slack.usergroups import UserGroups
from bot.store.contract import ConfirmationStore
from bot.store.marks import Marks

# Slack rejects requests signed more than five minutes ago; a trigger_id seen within this window is a replay.
REPLAY_WINDOW: Final = 600.0


_WORDS: Final[dict[type, str]] = {
    ListCommand: "list",
    ShowCommand: "show",
    CostCommand: "cost",
    LeaseCommand: "lease",
    LeasesCommand: "leases",
    ProtectCommand: "protect",
    UnprotectCommand: "unprotect",
    ProtectedCommand: "protected",
    ClaimCommand: "claim",
}


def _verb_word(command: Command) -> str:
    if isinstance(command, ChangeCommand):
        return command.verb.name
    return _WORDS.get(type(command), "help")


@dataclass(frozen=True)
class Core:
    """Everything `/nebula` does, in parts by job."""

    access: Access
    metrics: Metrics
    store: ConfirmationStore
    clock: Callable[[], float]
    confirmations: Confirmations
    reads: Reads
    sweeper: Sweeper
    undo: UndoWindow
    reminders: Reminders
    leases: Leases
    watcher: Watcher
    rails: Rails

    @classmethod
    def build(
        cls,
        config: CoreConfig,
        rules: Rules,
        identity: Identity,
        *,
        nebula: NebulaClient,
        store: ConfirmationStore,
        replier: Replier,
        usergroups: UserGroups,
        directory: EmailDirectory,
        inflight: InFlight,
        metrics: Metrics,
        clock: Callable[[], float] = time.time,
    ) -> Core:
        """Wire the parts together."""
        access = Access(rules, identity, usergroups)
        trail = Trail(store, metrics, clock, config.source)
        announcer = Announcer(replier, trail, config.audit_channel)
        marks = Marks(store)
        protections = Protections(marks, clock)
        owners = Owners(marks, directory, clock)
        confirmations = Confirmations(
            config, access, nebula, store, replier, trail, announcer, inflight, protections, owners, clock
        )
        fleet = Fleet(nebula)
        undo = UndoWindow(config, access, store, replier, trail, announcer, confirmations, inflight, clock)
        confirmations.when_scheduled = undo.arm
        reminders = Reminders(
            config, access, marks, protections, owners, replier, trail, metrics, inflight, clock
        )
        leases = Leases(
            config,
            access,
            nebula,
            marks,
            protections,
            replier,
            trail,
            confirmations,
            metrics,
            inflight,
            clock,
        )
        return cls(
            access=access,
            metrics=metrics,
            store=store,
            clock=clock,
            confirmations=confirmations,
            reads=Reads(access, nebula, fleet, marks, protections, owners, replier, inflight, clock),
            sweeper=Sweeper(config, store, announcer, trail, confirmations, undo, inflight, clock),
            undo=undo,
            reminders=reminders,
            leases=leases,
            rails=Rails(access, nebula, protections, owners, confirmations, replier, trail, inflight),
            watcher=Watcher(config, fleet, marks, reminders, leases, replier, metrics, inflight, clock),
        )

    def screen(self, actor: Actor, text: str) -> Command | blocks.Message:
        """Decide instantly, with no I/O, whether a command goes ahead; if not, the ephemeral answer."""
        parsed = parse(text)
        if isinstance(parsed, HelpCommand):
            self.metrics.commands.labels("help", "help").inc()
            return blocks.notice(USAGE)
        if isinstance(parsed, UsageError):
            self.metrics.commands.labels("invalid", "usage").inc()
            logs.event("command.rejected", user=actor.user_id, channel=actor.channel_id, outcome="usage")
            return blocks.notice(parsed.message)
        screened = screen(self.access.rules, self.access.identity, actor)
        self.metrics.commands.labels(_verb_word(parsed), "accepted" if screened.allowed else "refused").inc()
        if not screened.allowed:
            logs.event(
                "command.refused",
                user=actor.user_id,
                team=actor.team_id,
                channel=actor.channel_id,
                outcome="refused",
                detail=screened.reason,
            )
            return blocks.notice(screened.reason)
        return parsed

    async def run(
        self, actor: Actor, command: Command, to: Destination, trigger_id: str | None = None
    ) -> None:
        """Carry out a screened command, after the ack. A replayed request (same trigger_id) is dropped."""
        if trigger_id is not None and not await self._first_time(trigger_id):
            logs.warning("command.replayed", user=actor.user_id, channel=actor.channel_id, outcome="dropped")
            return
        if isinstance(command, ChangeCommand):
            await self.confirmations.request(actor, command, to)
        elif isinstance(command, ListCommand):
            await self.reads.list_page(actor, 0, to)
        elif isinstance(command, ShowCommand):
            await self.reads.show(actor, command.instance_id, to)
        elif isinstance(command, CostCommand):
            await self.reads.cost(actor, to)
        elif isinstance(command, LeaseCommand):
            await self.leases.command(actor, command, to)
        elif isinstance(command, LeasesCommand):
            await self.leases.show_all(actor, to)
        elif isinstance(command, ProtectCommand):
            await self.rails.protect(actor, command, to)
        elif isinstance(command, UnprotectCommand):
            await self.rails.unprotect(actor, command, to)
        elif isinstance(command, ProtectedCommand):
            await self.rails.show_protected(actor, to)
        elif isinstance(command, ClaimCommand):
            await self.rails.claim(actor, command, to)

    async def _first_time(self, trigger_id: str) -> bool:
        try:
            return await self.store.first_seen(f"command:{trigger_id}", self.clock(), REPLAY_WINDOW)
        except Exception as exc:  # a store fault must not swallow the command: it fails later, visibly
            logs.warning("command.replay_check_failed", error=type(exc).__name__)
            return True
