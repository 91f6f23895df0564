"""What people type and paste, made into what they meant, where that is unambiguous. Pure.

Text pasted from Slack, a terminal or a document carries what nobody sees (a zero-width space, a
direction mark) and what the bot itself prints around names (backticks, a trailing comma in a list).
None of it is part of a command: it is removed, and when it was invisible the person is told, since
they could not have known.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

# Around a word: the bot's own code spans, and quotes of any kind.
_WRAPPERS: Final = "`'\"\u201c\u201d\u2018\u2019\u00ab\u00bb"  # curly quotes, guillemets
# After a word, as in a sentence or a list ("delete a, b."); an ellipsis is part of a shortened id.
_TRAILING: Final = ",;:!?."
ELLIPSES: Final = ("…", "...")


@dataclass(frozen=True)
class Tidied:
    """`text` without what cannot be part of a command; `invisible`: how many unseen characters went."""

    text: str
    invisible: int = 0


def tidy(text: str) -> Tidied:
    """`text` with format characters (zero-width spaces and joiners, direction marks, soft hyphens, a
    byte-order mark) removed and every kind of space made a plain one."""
    kept: list[str] = []
    invisible = 0
    for char in text:
        kind = unicodedata.category(char)
        if kind == "Cf":
            invisible += 1
        elif kind in ("Zs", "Zl", "Zp") or char in "\t\r\n":
            kept.append(" ")
        else:
            kept.append(char)
    return Tidied("".join(kept), invisible)


def bare_word(word: str) -> str:
    """A word as meant where an instance is named: without the backticks or quotes around it, and
    without the punctuation after it (`` `notebook-ana`, `` is notebook-ana); an ellipsis stays."""
    word = word.strip(_WRAPPERS)
    while word and word[-1] in _TRAILING and not word.endswith(ELLIPSES):
        word = word[:-1].rstrip(_WRAPPERS)
    return word.strip(_WRAPPERS)


def words_of(args: list[str] | tuple[str, ...]) -> list[str]:
    """Typed words where instances are named, split at commas too (`a,b` is two), each made bare."""
    found = []
    for arg in args:
        for part in arg.split(","):
            bare = bare_word(part)
            if bare:
                found.append(bare)
    return found
