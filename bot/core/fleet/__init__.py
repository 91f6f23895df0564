"""The fleet as people look at it: names resolved to instances and menus of them, list, show and cost,
and each team's part of the Home tab."""

from bot.core.fleet.choices import Choices
from bot.core.fleet.home import Home
from bot.core.fleet.names import Names, needs_resolving
from bot.core.fleet.reads import Reads
from bot.core.fleet.view import FleetView

__all__ = ["Choices", "FleetView", "Home", "Names", "Reads", "needs_resolving"]
