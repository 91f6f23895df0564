"""The bot's buttons and menus, by family (`spec`): each family's module declares which action ids it
answers and what a press does. Every module of this package is found by `families()`."""

from __future__ import annotations

import importlib
import pkgutil

from bot.core.clicks.desk import ClickDesk
from bot.core.clicks.spec import ButtonSet, Click, ClickHandler, Family, family

__all__ = ["ButtonSet", "Click", "ClickDesk", "ClickHandler", "Family", "families", "family"]


def families() -> list[type[ButtonSet]]:
    """Every set of button families: the `ButtonSet` classes of this package's modules."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return sorted(ButtonSet.__subclasses__(), key=lambda found: found.__qualname__)
