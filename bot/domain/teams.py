"""Teams: several Nebula teams (each its own key, channels, people and money) served by one bot.

A team's name is a short slug (`research`, `prod-eu`): it names the team in messages, audit records,
metrics and the store's keys. Without NEBULA_BOT_TEAMS_FILE there is one team, `default`.
"""

from __future__ import annotations

import re
from typing import Final

DEFAULT_TEAM: Final = "default"
_NAME: Final = re.compile(r"[a-z][a-z0-9-]{0,31}", re.ASCII)


def is_team_name(value: object) -> bool:
    """True for a team name: a lower-case letter, then up to 31 letters, digits or dashes."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None
