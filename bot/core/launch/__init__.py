"""Launching instances from Slack: what Nebula offers (`Offer`), the request and the press on Launch
(`Launches`), and the follow-up to Running (`Follows`), each move kept by `LaunchBook`."""

from bot.core.launch.book import LaunchBook
from bot.core.launch.follows import Follows
from bot.core.launch.launches import Launches
from bot.core.launch.offer import Offer

__all__ = ["Follows", "LaunchBook", "Launches", "Offer"]
