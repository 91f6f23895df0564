"""Putting text into Slack's mrkdwn so that nothing from a user or from Nebula becomes markup.

Everything Nebula sends (host names, statuses, messages) and everything a user types is data:
`literal` cleans it (control and bidirectional-override characters removed, whitespace collapsed),
bounds it, and then either shows it plainly (when it holds nothing Slack could read as markup) or
quotes it in a code span. `<!channel>`, `<@U…>`, `<url|label>`, `*bold*` and the like never ping,
link or format.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Final

ELLIPSIS: Final = "…"

# Characters that are never shown: controls (C0, C1), and the invisible formatting characters that
# can reorder or hide text (bidi overrides and isolates, zero-width characters, the BOM).
_INVISIBLE: Final = frozenset("\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u2060\u2061\u2062\u2063\ufeff")
_BIDI: Final = re.compile("[\u202a-\u202e\u2066-\u2069\u061c]")
# Plain values that Slack cannot read as markup are shown as they are; anything else is quoted.
_PLAIN: Final = re.compile(r"[A-Za-z0-9 .,:;$%/()+#=×-]*")
# The atoms a truncation must not cut: a <…> link or mention, an &entity;, a `code span`.
_ATOM: Final = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|`[^`]*`|.", re.DOTALL)


_ASCII_CONTROLS: Final = {code: None for code in [*range(0x20), 0x7F]} | {
    ord(c): " " for c in "\t\n\r\x0b\x0c"
}


def clean(text: str) -> str:
    """`text` without controls or invisible formatting characters, on one line."""
    if text.isascii():
        return " ".join(text.translate(_ASCII_CONTROLS).split())
    kept = []
    for char in _BIDI.sub("", text):
        if char in _INVISIBLE:
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            kept.append(" " if char in "\t\n\r\x0b\x0c\u2028\u2029" else "")
            continue
        kept.append(char)
    return " ".join("".join(kept).split())


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control characters (`&`, `<`, `>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """Plain text bounded to `limit` characters, ending in … when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


def code(text: str, limit: int = 64) -> str:
    """`text` as inline code: cleaned, bounded, escaped, and unable to close the code span early."""
    # Only a bounded prefix is cleaned: what lies beyond the limit is never shown anyway.
    shown = shorten(clean(text[: limit * 4]), limit).replace("`", "'") or " "
    return "`" + escape(shown) + "`"


def literal(text: str, limit: int = 100) -> str:
    """Outside text as mrkdwn: shown plainly when nothing in it is markup, otherwise as inline code."""
    shown = shorten(clean(text[: limit * 4]), limit)
    if _PLAIN.fullmatch(shown):
        return shown
    return code(shown, limit)


def fit(mrkdwn: str, limit: int) -> str:
    """Bound a mrkdwn text to `limit` characters without cutting a link, an entity or a code span."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    kept: list[str] = []
    used = 0
    for atom in _ATOM.findall(mrkdwn):
        if used + len(atom) > limit - len(ELLIPSIS):
            break
        kept.append(atom)
        used += len(atom)
    return "".join(kept) + ELLIPSIS


def literal_within(text: str, budget: int) -> str:
    """`literal(text)` cut so that what Slack receives (quoting and escaping included) fits `budget`
    characters: the text is cut before it is escaped, so escaping never cuts what follows it."""
    return _within(literal, text, budget)


def code_within(text: str, budget: int) -> str:
    """`code(text)` cut, as `literal_within` cuts, to `budget` characters as Slack receives them."""
    return _within(code, text, budget)


def _within(shape: Callable[[str, int], str], text: str, budget: int) -> str:
    limit = min(len(text), budget)
    while limit > 0:
        shown = shape(text, limit)
        if len(shown) <= budget:
            return shown
        limit = min(limit - 1, limit * budget // len(shown))
    return ""
