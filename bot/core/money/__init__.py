"""Money: where the budget stands, what the running fleet costs, and what the watcher accrues and alerts."""

from bot.core.money.budgets import Accrual, Alerts
from bot.core.money.costing import Costing, usages
from bot.core.money.standing import Standing

__all__ = ["Accrual", "Alerts", "Costing", "Standing", "usages"]
