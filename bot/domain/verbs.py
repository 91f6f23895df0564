"""The verbs a confirmation can carry out, how Nebula is asked for each, and how the bot talks about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal


@dataclass(frozen=True)
class Verb:
    """One confirmable change to instances.

    `method` and `suffix` say how Nebula is asked: delete is `DELETE /computing/instance/{id}`;
    start, stop and reboot are documented as `GET /computing/instance/{id}/{verb}`. A verb with no
    method changes only the bot's own records (unprotect).
    """

    name: str
    label: str
    gerund: str
    past: str
    style: Literal["danger", "primary"]
    warning: str
    method: Literal["DELETE", "GET"] | None
    suffix: str = ""

    @property
    def guarded(self) -> bool:
        """Refused on a protected instance: the verbs that stop work or destroy it."""
        return self.name in ("delete", "stop", "reboot")

    def title(self, count: int) -> str:
        """ "Delete instance?" / "Stop 3 instances?"."""
        return f"{self.label} instance?" if count == 1 else f"{self.label} {count} instances?"


DELETE: Final = Verb("delete", "Delete", "Deleting", "deleted", "danger", "This cannot be undone.", "DELETE")
STOP: Final = Verb(
    "stop", "Stop", "Stopping", "stopped", "danger", "Running work on it will be interrupted.", "GET", "stop"
)
START: Final = Verb(
    "start", "Start", "Starting", "started", "primary", "It will be billed while it runs.", "GET", "start"
)
REBOOT: Final = Verb(
    "reboot",
    "Reboot",
    "Rebooting",
    "rebooted",
    "danger",
    "Running work on it will be interrupted.",
    "GET",
    "reboot",
)

# Lifting a protection under the two-person rule: confirmed like a change, carried out by the bot alone.
UNPROTECT: Final = Verb(
    "unprotect",
    "Unprotect",
    "Unprotecting",
    "unprotected",
    "danger",
    "Stop, reboot and delete will be possible again.",
    None,
)

# The verbs Nebula carries out: the commands, and the list's menu.
VERBS: Final = {verb.name: verb for verb in (DELETE, STOP, START, REBOOT)}
# Every verb a stored confirmation may carry.
ALL_VERBS: Final = {**VERBS, UNPROTECT.name: UNPROTECT}
MAX_IDS: Final = 10
