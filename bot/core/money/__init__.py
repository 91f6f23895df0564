"""Money: where the budget stands, what the running fleet costs, the account's credits and what Nebula
billed, and what the watcher accrues and alerts."""

from bot.core.money.billing import Billing
from bot.core.money.budgets import Accrual, Alerts
from bot.core.money.costing import Costing, usages
from bot.core.money.credits import Account, Credits, RunwayWatch
from bot.core.money.standing import Standing
from bot.core.money.watch import MoneyWatch

__all__ = [
    "Account",
    "Accrual",
    "Alerts",
    "Billing",
    "Costing",
    "Credits",
    "MoneyWatch",
    "RunwayWatch",
    "Standing",
    "usages",
]
