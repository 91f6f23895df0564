"""Records: small typed facts the bot keeps about instances (a reminder posted, a lease, a protection,
an owner, when it was first seen running) and the daily digest.

The store keeps each as versioned JSON swapped by compare-and-set (`bot.store.records`), so that
replicas never both act on one. A record type names its kind once, in its class line; its key is
the instance it is about.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import ClassVar, Literal

LeaseAction = Literal["remind", "stop", "delete"]


def new_serial() -> str:
    """A fresh version for a record whose buttons must be told apart from older ones'."""
    return secrets.token_hex(6)


class Record:
    """What every record type provides: its `KIND`, and the `key` of the thing it is about."""

    KIND: ClassVar[str]

    def __init_subclass__(cls, *, kind: str, **rest: object) -> None:
        super().__init_subclass__(**rest)
        cls.KIND = kind

    @property
    def key(self) -> str:
        """The instance the record is about (one record of a kind per instance)."""
        return str(getattr(self, "instance_id"))  # noqa: B009 - every per-instance record has the field


@dataclass(frozen=True)
class Reminder(Record, kind="reminder"):
    """A reminder posted about a long-running instance. Nothing more is posted about the instance
    until `quiet_until`. The figures are as of the post."""

    instance_id: str
    host_name: str | None
    gpu_type: str | None
    gpu_count: str | None
    channel_id: str
    posted_at: float
    quiet_until: float
    running_seconds: float | None = None
    cost: float | None = None
    per_hour: float | None = None
    message_ts: str | None = None
    kept_by: str | None = None
    owner: str | None = None  # a Slack user id, when the owner is known (see bot.core.owners)
    serial: str = ""  # this reminder's version: its buttons carry it (see bot.domain.controls)


@dataclass(frozen=True)
class Lease(Record, kind="lease"):
    """When an instance should go away, who said so, and how far its end has got.

    Set: `ended_at` is None. Ended: the notice is posted (`notice_ts`); for stop and delete the
    change is sent at `act_at` by confirmation `action_id`, which the store claims exactly once.
    """

    instance_id: str
    host_name: str | None
    ends_at: float
    set_by: str
    set_at: float
    channel_id: str
    workspace: str
    action: LeaseAction
    ended_at: float | None = None
    act_at: float | None = None
    action_id: str | None = None
    notice_ts: str | None = None
    # This lease's version, new at every set, Keep and end: a notice's buttons carry it.
    serial: str = ""
    # Its end is due, and Nebula could not be read to decide it (said once; decided on the first good read).
    waiting: bool = False


@dataclass(frozen=True)
class Schedule(Record, kind="schedule"):
    """When an instance should run (`Window`), and how far the bot has got with its edges.

    Window ends up to `handled_until` are done (stopped, kept running, or nothing to do); starts up
    to `started_until` likewise. `stopped_at` is the end at which the schedule stopped the instance:
    only then does the next start start it. A notice before an end carries `serial` and that end.
    """

    instance_id: str
    host_name: str | None
    days: str  # as `days_text` writes them: `weekdays`, `mon,wed`
    start: str
    end: str
    zone: str
    set_by: str
    set_at: float
    channel_id: str  # where its notices go
    workspace: str
    handled_until: float
    started_until: float
    noticed_end: float | None = None
    notice_ts: str | None = None
    kept_end: float | None = None
    kept_by: str | None = None
    stopped_at: float | None = None
    serial: str = ""


@dataclass(frozen=True)
class FirstSeen(Record, kind="first_seen"):
    """When the bot first saw an instance running, for instances whose running time Nebula omits."""

    instance_id: str
    at: float


@dataclass(frozen=True)
class Asked:
    """A request as its approvers' copies know it: its id, who asked, where, and whether an approver
    must decide it (a confirmation's or a launch's)."""

    id: str
    requester: str
    channel_id: str
    approval: bool


@dataclass(frozen=True)
class ApprovalCopies(Record, kind="approval_copies"):
    """The direct messages a request needing an approver was copied to, each (approver, DM channel,
    ts): a click there counts as in the request's channel, and each copy is kept in step with the
    channel's message. Keyed by the confirmation's or the launch's id."""

    confirmation_id: str
    copies: tuple[tuple[str, str, str], ...] = ()
    # When they were sent. Copies kept before this was (2026-12-08) read 0 and are forgotten at the
    # first look: an approver's press on one of those is then taken as made outside the channel.
    made_at: float = 0.0

    @property
    def key(self) -> str:
        """One record per confirmation."""
        return self.confirmation_id


@dataclass(frozen=True)
class Digest(Record, kind="digest"):
    """The last day (UTC, `YYYY-MM-DD`) the daily cost digest was posted."""

    day: str

    @property
    def key(self) -> str:
        """There is one digest."""
        return "daily"


@dataclass(frozen=True)
class Protection(Record, kind="protection"):
    """An instance nobody may stop, reboot or delete until it is unprotected."""

    instance_id: str
    by: str
    at: float
    reason: str = ""
    host_name: str | None = None  # as it was when protected (older records have none)


@dataclass(frozen=True)
class Ownership(Record, kind="ownership"):
    """Who said "this instance is mine" with `/nebula own` (or its older spelling, `claim`)."""

    instance_id: str
    owner: str
    at: float


@dataclass(frozen=True)
class Changed(Record, kind="changed"):
    """A change the bot carried out on an instance, Nebula having answered success: every view built
    from an older read of the fleet shows it, on every replica. `verb` is the verb's name."""

    instance_id: str
    host_name: str | None
    verb: str
    at: float
    requester: str
    confirmer: str


@dataclass(frozen=True)
class Silence(Record, kind="silence"):
    """The watcher has run no cycle since `since`: said once in the watch channel (`message_ts`), and
    said again, there, when cycles resume."""

    since: float
    channel_id: str
    message_ts: str | None = None

    @property
    def key(self) -> str:
        """There is one watcher per team."""
        return "watcher"


@dataclass(frozen=True)
class Choice(Record, kind="choice"):
    """The commands a "Which one?" offered (one per candidate): its buttons carry this record's key and
    an index, never the command itself (a protection's reason alone may be longer than a button's
    value may be). Taken once; forgotten after a while."""

    token: str
    texts: tuple[str, ...]
    user: str
    at: float

    @property
    def key(self) -> str:
        """Its token, as its buttons carry it."""
        return self.token


@dataclass(frozen=True)
class RunwayAlert(Record, kind="runway"):
    """The runway alert the watch channel has had: under which threshold (`level`: 1 under
    NEBULA_BOT_RUNWAY_ALERT, 2 under a quarter of it), at which balance. One per account and store, so
    that each crossing is posted once, across replicas and restarts."""

    level: int
    balance: float
    at: float

    @property
    def key(self) -> str:
        return "account"
