"""The actions a confirmation can carry out, and how the bot talks about each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal


@dataclass(frozen=True)
class Verb:
    """One confirmable action on instances."""

    name: str
    label: str
    gerund: str
    past: str
    style: Literal["danger", "primary"]
    warning: str

    def title(self, count: int) -> str:
        """ "Delete instance?" / "Stop 3 instances?"."""
        return f"{self.label} instance?" if count == 1 else f"{self.label} {count} instances?"


DELETE: Final = Verb("delete", "Delete", "Deleting", "deleted", "danger", "This cannot be undone.")
STOP: Final = Verb("stop", "Stop", "Stopping", "stopped", "danger", "Running work on it will be interrupted.")
START: Final = Verb("start", "Start", "Starting", "started", "primary", "It will be billed while it runs.")
REBOOT: Final = Verb(
    "reboot", "Reboot", "Rebooting", "rebooted", "danger", "Running work on it will be interrupted."
)

VERBS: Final = {verb.name: verb for verb in (DELETE, STOP, START, REBOOT)}
MAX_IDS: Final = 10
