"""The core: what `/nebula` does, knowing nothing of Bolt.

Its front door (`Core`) is all that listeners, the shell and tests reach: a command, a click, an options
request, the message shortcut, the Home tab; and each team's background work. It is built in one place
(`build_core`). Inside, by concern: `rails` (who may act, the audit trail, protections, owners),
`money`, `confirmations`, `fleet`, `watch`, and the words (`commands`) and buttons (`clicks`), each
declared once.
"""

from bot.core.build import Setup, World, build_core, store_health, watcher_health
from bot.core.clicks import Click
from bot.core.config import CoreConfig
from bot.core.confirmations import Sweep
from bot.core.front import Answer, Core
from bot.core.team import Background, Team
from bot.core.watch import Cycle

__all__ = [
    "Answer",
    "Background",
    "Click",
    "Core",
    "CoreConfig",
    "Cycle",
    "Setup",
    "Sweep",
    "Team",
    "World",
    "build_core",
    "store_health",
    "watcher_health",
]
