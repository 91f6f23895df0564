"""The bot's Prometheus metrics, a set per running bot (so several can share a process, as in tests)."""

from __future__ import annotations

from bot.infra.prometheus import CONTENT_TYPE, Counter, Gauge, Histogram

__all__ = ("CONTENT_TYPE", "Metrics")


class Metrics:
    """What an operator watches: commands, confirmations, Nebula calls, Slack errors, pending work."""

    def __init__(self) -> None:
        self.commands = Counter(
            "nebula_bot_commands_total",
            "Slash commands by verb and result.",
            ("verb", "result"),
        )
        self.confirmations = Counter(
            "nebula_bot_confirmations_total",
            "Confirmations by outcome: requested, executed, cancelled, expired, refused, recovered.",
            ("outcome",),
        )
        self.nebula_requests = Counter(
            "nebula_bot_nebula_requests_total",
            "Nebula API calls by endpoint and result (HTTP status or error).",
            ("endpoint", "status"),
        )
        self.nebula_seconds = Histogram(
            "nebula_bot_nebula_request_seconds",
            "Nebula API call latency by endpoint.",
            ("endpoint",),
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
        )
        self.slack_errors = Counter(
            "nebula_bot_slack_errors_total",
            "Failed Slack calls by method (response_url, chat.postMessage, …).",
            ("method",),
        )
        self.pending = Gauge(
            "nebula_bot_pending_confirmations",
            "Confirmations waiting for a click, as each team's store counts them.",
            ("team",),
        )

        self.fleet_cost_per_hour = Gauge(
            "nebula_bot_fleet_cost_per_hour",
            "What the running instances cost per hour, in dollars, as of the watcher's last cycle.",
            ("team",),
        )
        self.reminders = Counter(
            "nebula_bot_reminders_total",
            "Reminders posted about long-running instances.",
        )
        self.lease_actions = Counter(
            "nebula_bot_lease_actions_total",
            "What came of leases that ended, by the lease's action and outcome.",
            ("action", "outcome"),
        )

        self.budget = Gauge("nebula_bot_budget_dollars", "The budget per period.", ("team",))
        self.budget_spent = Gauge("nebula_bot_budget_spent_dollars", "Spent this budget period.", ("team",))
        self.budget_forecast = Gauge(
            "nebula_bot_budget_forecast_dollars",
            "Spend forecast for the period's end at the current burn rate.",
            ("team",),
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        families = [v for v in vars(self).values() if isinstance(v, Counter | Gauge | Histogram)]
        return "".join(line + "\n" for family in families for line in family.exposition()).encode()
