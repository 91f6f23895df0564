"""The core's view of the settings: what the confirmations, the watcher and the rails need to know."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.records import LeaseAction


@dataclass(frozen=True)
class CoreConfig:
    """The parts of the settings the core needs."""

    confirm_ttl: int
    nebula_timeout: float
    audit_channel: str | None = None
    dry_run: bool = False
    max_pending_per_user: int = 5
    # Forgotten GPUs (see bot.core.watcher): reminders go to `watch_channel`; durations in seconds.
    watch_channel: str | None = None
    watch_interval: float = 300.0
    # Where the watcher runs: "here" (in this process), or "apart" (`nebula-bot watch`, beside it).
    watcher: str = "here"
    detail_refresh: float = 6 * 3600.0  # a running instance's detail is read again after this long
    # Schedules: the zone of a window written without one, and how long before a stop its notice comes.
    timezone: str = "UTC"
    schedule_notice: float = 900.0
    remind_after: float = 86400.0
    snooze: float = 86400.0
    lease_action: LeaseAction = "remind"
    lease_grace: float = 1800.0
    digest_minute: int | None = None
    # Guard rails: seconds between the confirm click and the call to Nebula, with an Undo button.
    undo_seconds: float = 0.0
    # Where a change asked for from the App Home tab is confirmed (else the watch channel, else a DM).
    home_channel: str | None = None
    # Which team's fleet this core serves (several teams: see NEBULA_BOT_TEAMS_FILE).
    team: str = "default"
    # Launches: the default lease (seconds), whether anyone may launch without one, the price per hour
    # over which an approver must press Launch (None: none), and how often a launch is looked at.
    launch_lease: float = 8 * 3600.0
    launch_unleased: bool = False
    approval_dm: bool = True  # approvers get each request needing them by direct message
    launch_approval_per_hour: float | None = None
    launch_follow_every: float = 5.0
    # Credits: the runway under which the watch channel is alerted (seconds); the other teams whose key
    # is this team's (one Nebula account, one balance).
    runway_alert: float = 72 * 3600.0
    shares_balance_with: tuple[str, ...] = ()
    # Where the key is shared: the patterns of this team's instances' names, which split the account's
    # spend between its teams (empty: not split; budgets count the whole fleet, estimated).
    own_instances: tuple[str, ...] = ()
    # Where requests come from: "slack", or "shell" (`nebula-bot shell`), as the audit records it.
    source: str = "slack"

    @property
    def stale_claim_after(self) -> float:
        """Seconds after which a claim with no outcome cannot still be in flight on any replica."""
        # A live replica finishes within: the state change, the follow-up read, and some slack.
        return 2 * self.nebula_timeout + 60
