"""Launching instances from Slack: what Nebula offers (`Offer`), the request and the press on Launch
(`Launches`), the one POST (`Sender`), the form that asks for one (`LaunchForm`), and the follow-up
to Running (`Follows`), each move kept by `LaunchBook`."""

from bot.core.launch.book import LaunchBook
from bot.core.launch.follows import Follows
from bot.core.launch.form import LaunchForm, Taken
from bot.core.launch.launches import Launches
from bot.core.launch.offer import Offer
from bot.core.launch.sender import Sender

__all__ = ["Follows", "LaunchBook", "LaunchForm", "Launches", "Offer", "Sender", "Taken"]
