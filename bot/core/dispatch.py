"""The core's front door: `screen` decides at once, with no I/O, whether a command goes ahead (the
listener acks with its answer), and `run` hands a screened command to the part that does the job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.core.budgets import Budgets
from bot.core.changes import Changes
from bot.core.decisions import Decisions
from bot.core.home import Home
from bot.core.leases import Leases
from bot.core.names import Names
from bot.core.ownership_commands import OwnershipCommands
from bot.core.protection_commands import ProtectionCommands
from bot.core.reads import Reads
from bot.core.reminders import Reminders
from bot.core.requests import Requests
from bot.core.schedules import Schedules
from bot.core.services import Services
from bot.core.sweeper import Sweeper
from bot.core.undo import UndoWindow
from bot.core.watcher import Watcher
from bot.domain.commands import (
    BudgetCommand,
    ChangeCommand,
    Command,
    CostCommand,
    HelpCommand,
    LeaseCommand,
    LeasesCommand,
    ListCommand,
    OwnCommand,
    PickCommand,
    ProtectCommand,
    ProtectedCommand,
    ScheduleCommand,
    SchedulesCommand,
    ShowCommand,
    UnprotectCommand,
    UsageError,
    parse,
)
from bot.domain.names import Named
from bot.domain.policy import Actor
from bot.infra import logs
from bot.slack.messages.help import help_message, usage
from bot.slack.messages.kit import Message
from bot.slack.messages.refusals import refusal, refusal_text
from bot.slack.replier import Destination, say

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
    OwnCommand: "own",
    PickCommand: "menu",
    ScheduleCommand: "schedule",
    SchedulesCommand: "schedules",
    BudgetCommand: "budget",
}


def verb_word(command: Command) -> str:
    """The command's word, for the metrics."""
    if isinstance(command, ChangeCommand):
        return command.verb.name
    return _WORDS.get(type(command), "help")


@dataclass(frozen=True)
class Core:
    """Everything `/nebula` does, in parts by job."""

    services: Services
    requests: Requests
    decisions: Decisions
    changes: Changes
    undo: UndoWindow
    reads: Reads
    protection: ProtectionCommands
    ownership: OwnershipCommands
    reminders: Reminders
    leases: Leases
    watcher: Watcher
    sweeper: Sweeper
    names: Names
    home: Home
    schedules: Schedules
    budgets: Budgets

    def screen(self, actor: Actor, text: str) -> Command | Message:
        """Decide instantly, with no I/O, whether a command goes ahead; if not, the ephemeral answer."""
        metrics = self.services.metrics
        parsed = parse(text)
        if isinstance(parsed, HelpCommand):
            metrics.commands.labels("help", "help").inc()
            return help_message()
        if isinstance(parsed, UsageError):
            metrics.commands.labels("invalid", "usage").inc()
            logs.event("command.rejected", user=actor.user_id, channel=actor.channel_id, outcome="usage")
            return usage(parsed)
        screened = self.services.access.screen(actor)
        metrics.commands.labels(verb_word(parsed), "accepted" if screened.allowed else "refused").inc()
        if not screened.allowed:
            logs.event(
                "command.refused",
                user=actor.user_id,
                team=actor.team_id,
                channel=actor.channel_id,
                outcome="refused",
                detail=refusal_text(screened.why),
            )
            return refusal(screened.why)
        return parsed

    async def run(
        self, actor: Actor, command: Command, to: Destination, trigger_id: str | None = None
    ) -> None:
        """Carry out a screened command, after the ack. A replayed request (same trigger_id) is dropped."""
        if trigger_id is not None and not await self._first_time(trigger_id):
            logs.warning("command.replayed", user=actor.user_id, channel=actor.channel_id, outcome="dropped")
            return
        if isinstance(command, PickCommand):
            await self.names.offer(actor, to, command.word)
        elif isinstance(command, Named) and Names.needed(command):
            await self.names.resolve_then(actor, to, command, self._carry_out)
        else:
            await self._carry_out(actor, to, command)

    async def answer(self, actor: Actor, text: str, to: Destination, trigger_id: str | None) -> None:
        """Run `text` as if typed after `/nebula` (a choice from "Which one?" or a menu carries it)."""
        screened = self.screen(actor, text)
        if isinstance(screened, Message):
            await say(self.services.replier, to, screened)
            return
        await self.run(actor, screened, to, trigger_id)

    async def _carry_out(self, actor: Actor, to: Destination, command: Command) -> None:
        match command:
            case ChangeCommand():
                await self.requests.request(actor, to, command)
            case ListCommand():
                await self.reads.list_page(actor, to, 0)
            case ShowCommand(instance_id):
                await self.reads.show(actor, to, instance_id)
            case CostCommand():
                await self.reads.cost(actor, to)
            case LeaseCommand():
                await self.leases.command(actor, to, command)
            case LeasesCommand():
                await self.leases.show_all(actor, to)
            case ProtectCommand():
                await self.protection.protect(actor, to, command)
            case UnprotectCommand():
                await self.protection.unprotect(actor, to, command)
            case ProtectedCommand():
                await self.protection.show_all(actor, to)
            case OwnCommand():
                await self.ownership.own(actor, to, command)
            case ScheduleCommand():
                await self.schedules.command(actor, to, command)
            case SchedulesCommand():
                await self.schedules.show_all(actor, to)
            case BudgetCommand():
                await self.budgets.command(actor, to, command)
            case HelpCommand() | PickCommand():
                pass  # answered in the ack, or by `run`

    async def _first_time(self, trigger_id: str) -> bool:
        s = self.services
        try:
            return await s.store.first_seen(f"command:{trigger_id}", s.clock(), REPLAY_WINDOW)
        except Exception as exc:  # a store fault must not swallow the command: it fails later, visibly
            logs.warning("command.replay_check_failed", error=type(exc).__name__)
            return True
