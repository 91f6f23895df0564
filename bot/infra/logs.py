"""Structured logs: one event per line, as JSON, with who, where, which instance and what came of it."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, Final

from bot.infra.redact import redact

LOGGER_NAME: Final = "nebula_bot"
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Renders a record and its `extra` fields as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str))


class TextFormatter(logging.Formatter):
    """One line per event for people: time, level, event, then key=value fields."""

    def format(self, record: logging.LogRecord) -> str:
        when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        parts = [when, f"{record.levelname:<7}", record.getMessage()]
        for key, value in record.__dict__.items():
            if key not in _STANDARD:
                text = str(value)
                parts.append(f"{key}={json.dumps(text) if not text or ' ' in text or '=' in text else text}")
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


def configure(level: str, fmt: str | None = None) -> None:
    """Send every log line (the bot's, Bolt's, aiohttp's) to stderr: text on a terminal, else JSON."""
    handler = logging.StreamHandler(sys.stderr)
    chosen = fmt or ("text" if sys.stderr.isatty() else "json")
    handler.setFormatter(TextFormatter() if chosen == "text" else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request at INFO; the bot's own events already say what was called and why.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))


def event(name: str, **fields: object) -> None:
    """Log one event. Fields are data (user, channel, instance, outcome, …), never secrets."""
    _log(logging.INFO, name, fields)


def warning(name: str, **fields: object) -> None:
    """Log one event that someone should look at."""
    _log(logging.WARNING, name, fields)


def _log(level: int, name: str, fields: dict[str, object]) -> None:
    logging.getLogger(LOGGER_NAME).log(level, name, extra=_extra(fields))


def _extra(fields: dict[str, object]) -> dict[str, object]:
    # LogRecord owns names like "message" and "name"; a field by such a name would make logging raise.
    return {(f"{k}_" if k in _STANDARD else k): v for k, v in fields.items() if v is not None}


def failure(name: str, **fields: object) -> None:
    """Log an unexpected exception (call from an `except` block), with its traceback."""
    logging.getLogger(LOGGER_NAME).error(name, exc_info=True, extra=_extra(fields))
