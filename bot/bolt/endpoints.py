"""The bot's own HTTP paths, shared by the server and the manifest."""

from __future__ import annotations

from typing import Final

EVENTS_PATH: Final = "/slack/events"
HEALTH_PATH: Final = "/healthz"
METRICS_PATH: Final = "/metrics"
