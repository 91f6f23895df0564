"""Confirmations: from a request to the one call to Nebula and its outcome, and every way one ends
(confirmed, cancelled, expired, undone, agreed in advance, recovered after a crash), and the approvers'
direct-message copies of those that need one."""

from bot.core.confirmations.agreed import AgreedChanges
from bot.core.confirmations.announce import Announcer
from bot.core.confirmations.approvals import ApprovalDMs
from bot.core.confirmations.changes import Changes
from bot.core.confirmations.decisions import Decisions
from bot.core.confirmations.execution import Executor
from bot.core.confirmations.lookup import Lookup
from bot.core.confirmations.requests import Requests
from bot.core.confirmations.rulings import Rulings
from bot.core.confirmations.sweeper import Sweep, Sweeper
from bot.core.confirmations.undo import UndoWindow

__all__ = [
    "AgreedChanges",
    "Announcer",
    "ApprovalDMs",
    "Changes",
    "Decisions",
    "Executor",
    "Lookup",
    "Requests",
    "Rulings",
    "Sweep",
    "Sweeper",
    "UndoWindow",
]
