"""The changes a confirmation can carry out: facts only.

How Nebula is asked for each is the client's (`bot.nebula.client`); how the bot words each (a button's
label, its style, "Deleting…") is `bot.slack.messages.wording`'s. Both look a verb up by the object,
never by its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Verb:
    """One confirmable change to instances.

    `name` is stored in every confirmation and audit line: never rename one. `needs` are the statuses
    (lower case) the verb applies to; an instance in another is answered with what would apply.
    """

    name: str
    # Refused on a protected instance: the verbs that stop work or destroy it.
    guarded: bool
    # Waits out NEBULA_BOT_UNDO_SECONDS, with Undo: the verbs that lose work or the instance.
    undoable: bool
    needs: frozenset[str]
    # A call to Nebula; False for a change of the bot's own records (unprotect).
    remote: bool = True


RUNNING: Final = "running"
STOPPED: Final = "stopped"

DELETE: Final = Verb("delete", guarded=True, undoable=True, needs=frozenset({RUNNING, STOPPED}))
STOP: Final = Verb("stop", guarded=True, undoable=True, needs=frozenset({RUNNING}))
START: Final = Verb("start", guarded=False, undoable=False, needs=frozenset({STOPPED}))
REBOOT: Final = Verb("reboot", guarded=True, undoable=False, needs=frozenset({RUNNING}))
# Lifting a protection under the two-person rule: confirmed like a change, carried out by the bot alone.
UNPROTECT: Final = Verb("unprotect", guarded=False, undoable=False, needs=frozenset(), remote=False)

# The verbs Nebula carries out: the commands, and the list's menu.
VERBS: Final = {verb.name: verb for verb in (DELETE, STOP, START, REBOOT)}
# Every verb a stored confirmation may carry.
ALL_VERBS: Final = {**VERBS, UNPROTECT.name: UNPROTECT}
MAX_IDS: Final = 10
