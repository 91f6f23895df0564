"""Keeping secrets out of everything the bot emits: Slack messages, log lines, audit records, `check`.

Nebula may echo the key it was sent (`Bearer ak_…`) in an error message, and a URL may carry a
password. Every text that leaves the bot passes through `redact`, which removes the configured
secrets, anything shaped like a Slack token or a bearer credential, and credentials in URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

HIDDEN: Final = "[redacted]"
_SHAPES: Final = re.compile(
    r"(?i)\bbearer\s+[^\s\"',;]+"  # an Authorization header's value
    r"|\bxox[abeoprs]-[A-Za-z0-9-]+"  # Slack bot, user and refresh tokens
    r"|\bxapp-[A-Za-z0-9-]+"  # Slack app-level tokens
    r"|(?<=://)[^/\s:@]+:[^/\s@]*@"  # user:password@ in a URL
)
_secrets: set[str] = set()


def register(secrets: Iterable[str | None]) -> None:
    """Add configured secrets (tokens, keys) to what `redact` removes, for this whole process."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            _secrets.add(secret)


def redact(text: str) -> str:
    """`text` with every known secret and credential-shaped part replaced by `[redacted]`."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return _SHAPES.sub(lambda m: HIDDEN + ("@" if m.group().endswith("@") else ""), text)


def redact_data(value: Any) -> Any:
    """`redact` applied to every string inside JSON-like data (a Slack message body)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_data(item) for item in value]
    if isinstance(value, dict):
        return {key: redact_data(item) for key, item in value.items()}
    return value
