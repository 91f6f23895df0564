"""Schedules: `/nebula schedule <instance> <days> HH:MM-HH:MM [zone]` (alone: show; `off`: remove) and
`/nebula schedules`. What happens at each window's edge is the watcher's (`bot.core.watch.schedule_runs`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.commands import CommandSet, any_instance, word
from bot.core.config import CoreConfig
from bot.core.watch import Schedules
from bot.domain.calendar.schedules import Window, WindowError, parse_window
from bot.domain.commands import Command, OnInstance, UsageError, bare, is_off, reference
from bot.domain.policy import Actor
from bot.slack.replier import Destination


@dataclass(frozen=True)
class Schedule(OnInstance):
    """`/nebula schedule <instance> <days> HH:MM-HH:MM [zone]` (set), `… off` (remove), or alone (show).

    `window` holds the words after the instance as typed; the zone is the configured one when none is
    given, so the window is read again with it when the schedule is set.
    """

    window: tuple[str, ...] = ()
    off: bool = False

    def text(self) -> str:
        return " ".join(("schedule", self.instance_id, *(("off",) if self.off else self.window)))


@dataclass(frozen=True)
class AllSchedules(Command):
    """`/nebula schedules`."""

    def text(self) -> str:
        return "schedules"


def parse_schedule(verb: str, args: Sequence[str]) -> Command | UsageError:
    """The instance, then nothing (show), `off`, or a window."""
    found = reference(verb, args[:1])
    if isinstance(found, UsageError):
        return found
    rest = list(args[1:])
    if not rest:
        return Schedule(found)
    if len(rest) == 1 and is_off(rest[0]):
        return Schedule(found, off=True)
    window = parse_window(rest, "UTC")  # the form is checked now, the configured zone applied later
    if isinstance(window, WindowError):
        return UsageError(
            "schedule_form", verb=verb, word=window.word, detail=window.problem, choices=window.meant
        )
    return Schedule(found, tuple(rest))


class ScheduleWords(CommandSet):
    """schedule, schedules."""

    def __init__(self, *, schedules: Schedules, config: CoreConfig) -> None:
        self._schedules = schedules
        self._zone = config.timezone

    @word(
        "schedule",
        usage="schedule <id> <days> HH:MM-HH:MM [zone]",
        example="schedule notebook-ana weekdays 08:00-19:00 Europe/Berlin",
        parse=parse_schedule,
        rank=70,
        fits=any_instance,
        menu="whose schedule to see",
    )
    async def schedule(self, actor: Actor, to: Destination, command: Schedule) -> None:
        """stopped outside those hours, started again inside (alone: show it; `off`: remove it)"""
        if command.off:
            await self._schedules.change(actor, to, command.instance_id, None)
        elif not command.window:
            await self._schedules.show(to, command.instance_id)
        else:
            window = parse_window(list(command.window), self._zone)
            assert isinstance(window, Window), "the parser let through a window it cannot read"
            await self._schedules.change(actor, to, command.instance_id, window)

    @word(
        "schedules", usage="schedules", example="schedules", parse=bare(AllSchedules), rank=71, writes=False
    )
    async def schedules(self, actor: Actor, to: Destination, command: AllSchedules) -> None:
        """every schedule"""
        await self._schedules.show_all(to)
