"""Escaping text for Slack's mrkdwn, so that nothing from a user or from Nebula becomes markup."""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control characters (`&`, `<`, `>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(text: str, limit: int = 64) -> str:
    """`text` as inline code: escaped, bounded, and unable to close the code span early."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    return "`" + escape(shown.replace("`", "'")) + "`"
