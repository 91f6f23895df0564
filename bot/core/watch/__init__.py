"""What the bot does by itself: the watcher's cycles (reminders, budget alerts, the digest), and the
changes agreed in advance that come due (lease ends, schedules' edges), with the commands and buttons
that set and keep them."""

from bot.core.watch.digest import Digests
from bot.core.watch.lease_book import LeaseBook
from bot.core.watch.lease_ends import LeaseEnds
from bot.core.watch.leases import Leases
from bot.core.watch.reminder_book import ReminderBook
from bot.core.watch.reminders import Reminders
from bot.core.watch.schedule_book import ScheduleBook
from bot.core.watch.schedule_runs import ScheduleRuns
from bot.core.watch.schedules import Schedules
from bot.core.watch.settle import Settlement
from bot.core.watch.watchdog import Watchdog
from bot.core.watch.watcher import Cycle, FleetWatch, Watcher

__all__ = [
    "Cycle",
    "Digests",
    "FleetWatch",
    "LeaseBook",
    "LeaseEnds",
    "Leases",
    "ReminderBook",
    "Reminders",
    "ScheduleBook",
    "ScheduleRuns",
    "Schedules",
    "Settlement",
    "Watchdog",
    "Watcher",
]
