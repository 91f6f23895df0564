"""The rails every change runs on: who may act (`Access`), the audit trail (`Trail`), protections and
owners, and what the bot itself changed (`OwnChanges`)."""

from bot.core.rails.access import Access
from bot.core.rails.changed import OwnChanges
from bot.core.rails.owners import Owned, Owners
from bot.core.rails.protections import Protections
from bot.core.rails.trail import Subject, Trail

__all__ = ["Access", "OwnChanges", "Owned", "Owners", "Protections", "Subject", "Trail"]
