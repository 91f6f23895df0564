"""The stores: what the bot keeps (one narrow interface per concern, `contract`), typed records over
them (`records`), and the backends that keep it, chosen by the URL's scheme (`backends`)."""

from bot.store.backends import StoreCheck, check_store, explain, open_store, register, validate
from bot.store.contract import AuditTrail, Confirmations, Cycles, RecordStore, ReplayGuard, Store
from bot.store.errors import StoreBusy, StoreMissing, Trouble
from bot.store.records import RecordBusy, Records, Retention, Versioned

__all__ = [
    "AuditTrail",
    "Confirmations",
    "Cycles",
    "RecordBusy",
    "RecordStore",
    "Records",
    "ReplayGuard",
    "Retention",
    "Store",
    "StoreBusy",
    "StoreCheck",
    "StoreMissing",
    "Trouble",
    "Versioned",
    "check_store",
    "explain",
    "open_store",
    "register",
    "validate",
]
