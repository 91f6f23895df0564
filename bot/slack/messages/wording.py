"""How the bot words each verb: its button's label and style, and the words of its messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bot.domain.verbs import DELETE, REBOOT, START, STOP, UNPROTECT, Verb

INTERRUPTS: Final = "Running work on it will be interrupted."


@dataclass(frozen=True)
class Wording:
    """A verb in words: "Delete", "Deleting", "deleted", the danger of it, and its button's style."""

    label: str
    gerund: str
    past: str
    warning: str
    style: Literal["danger", "primary"] = "danger"

    def title(self, count: int) -> str:
        """ "Delete instance?" / "Stop 3 instances?"."""
        return f"{self.label} instance?" if count == 1 else f"{self.label} {count} instances?"


_WORDING: Final = {
    DELETE: Wording("Delete", "Deleting", "deleted", "This cannot be undone."),
    STOP: Wording("Stop", "Stopping", "stopped", INTERRUPTS),
    START: Wording("Start", "Starting", "started", "It will be billed while it runs.", "primary"),
    REBOOT: Wording("Reboot", "Rebooting", "rebooted", INTERRUPTS),
    UNPROTECT: Wording(
        "Unprotect", "Unprotecting", "unprotected", "Stop, reboot and delete will be possible again."
    ),
}


def wording(verb: Verb) -> Wording:
    """How `verb` is said."""
    return _WORDING[verb]
