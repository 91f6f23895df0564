"""The domain: instances as the bot shows them, confirmations, their states and outcomes.

These are the types the stores persist. A confirmation moves from `pending` to exactly one of
`claimed`, `scheduled`, `cancelled` or `expired`, by an atomic compare-and-set in the store (a
`scheduled` one, waiting out the undo window, moves on to `claimed` or `cancelled` the same way);
only the caller that wins `claimed` may call Nebula, and it records the outcome (`done`) afterwards.
A `claimed` entry without an outcome is what a crash leaves behind; it is never carried out again.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from bot.domain.verbs import ALL_VERBS, Verb


def _as_text(value: object) -> object:
    # Nebula sends numbers as strings in one place and as numbers in another; show either.
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return value


Text = Annotated[str | None, BeforeValidator(_as_text)]


class Instance(BaseModel):
    """What the bot shows of an instance. Credentials in Nebula's answer are dropped at parse time."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    host_name: Text = None
    gpu_type: Text = None
    gpu_count: Text = None
    region: Text = None
    status: Text = None
    running_time: Text = None
    total_cost: Text = None
    price_per_hour: Text = None
    product_type: Text = None
    os: Text = None
    public_ipv4: Text = None
    cpu_cores: Text = None
    ram: Text = None
    disk_size: Text = None
    start_time: Text = None
    # The Nebula user the instance belongs to, when Nebula says (its console's data has `user`).
    owner_name: Text = None
    owner_email: Text = None

    @model_validator(mode="before")
    @classmethod
    def _owner(cls, data: Any) -> Any:
        user = data.get("user") if isinstance(data, dict) else None
        if not isinstance(user, dict):
            return data
        email, name = user.get("email"), user.get("name")
        return {
            **data,
            "owner_email": email if isinstance(email, str) and "@" in email and len(email) <= 254 else None,
            "owner_name": name if isinstance(name, str) else None,
        }


class State(StrEnum):
    """Where a confirmation is in its life."""

    PENDING = "pending"
    # Confirmed, and waiting out NEBULA_BOT_UNDO_SECONDS before anyone may claim it (or undo it).
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    DONE = "done"


class Status(StrEnum):
    """What came of a state change: per instance, and (with PARTLY_FAILED) for a whole confirmation."""

    SUCCESS = "success"
    FAILED = "failed"
    UNKNOWN = "unknown"
    DRY_RUN = "dry_run"
    PARTLY_FAILED = "partly_failed"

    @classmethod
    def read(cls, value: object) -> Status:
        """Tolerant decoding: older records spelt the dry run `dry run`; anything unknown is UNKNOWN."""
        text = str(value).replace(" ", "_")
        return cls(text) if text in cls._value2member_map_ else cls.UNKNOWN


@dataclass(frozen=True)
class InstanceOutcome:
    """Nebula's answer for one instance."""

    instance_id: str
    status: Status
    message: str
    http_status: int | None = None


def summarize(outcomes: Sequence[InstanceOutcome]) -> Status:
    """One confirmation's overall result: the common status, else PARTLY_FAILED."""
    statuses = {outcome.status for outcome in outcomes}
    if len(statuses) == 1:
        return next(iter(statuses))
    return Status.PARTLY_FAILED if statuses else Status.FAILED


@dataclass(frozen=True)
class Confirmation:
    """What a requester asked for, as the confirmation message shows it."""

    id: str
    verb: Verb
    instances: tuple[Instance, ...]
    requester: str
    team_id: str
    channel_id: str
    response_url: str = field(repr=False)
    created_at: float
    expires_at: float
    # An approver must confirm, whatever NEBULA_BOT_APPROVERS says for everyone (the owner rule).
    needs_approval: bool = False
    # Known owners (Slack user ids) of its instances, as (instance id, owner) pairs.
    owners: tuple[tuple[str, str], ...] = ()

    @property
    def instance_ids(self) -> tuple[str, ...]:
        """The ids of the instances this confirmation targets."""
        return tuple(instance.id for instance in self.instances)


@dataclass(frozen=True)
class Entry:
    """A confirmation as the store keeps it: its state, who decided it and when, and the outcomes."""

    confirmation: Confirmation
    state: State
    decided_by: str | None = None
    decided_at: float | None = None
    outcomes: tuple[InstanceOutcome, ...] = ()
    # The confirmation message the bot posted (chat.postMessage), edited for its whole life; None when
    # it could only be posted through the command's response_url.
    message_ts: str | None = None


@dataclass(frozen=True)
class Transition:
    """The result of an attempted state change: `won` is True for exactly one caller."""

    won: bool
    entry: Entry | None


def new_confirmation_id() -> str:
    """An unguessable id: it travels in the buttons' value."""
    return secrets.token_urlsafe(16)


def confirmation_to_json(confirmation: Confirmation) -> str:
    """Serialise a confirmation for a store."""
    data = {f.name: getattr(confirmation, f.name) for f in fields(confirmation)}
    data["verb"] = confirmation.verb.name
    # An owner's email is looked up when needed, never kept.
    data["instances"] = [
        instance.model_dump(exclude_none=True, exclude={"owner_email"}) for instance in confirmation.instances
    ]
    return json.dumps(data, separators=(",", ":"))


def confirmation_from_json(text: str) -> Confirmation:
    """Read back what `confirmation_to_json` wrote, by this version or another.

    Fields a newer version added are ignored, so replicas of two versions can share a store
    during a rolling upgrade. Only the verb must be one this version knows.
    """
    data: dict[str, Any] = json.loads(text)
    known = {f.name for f in fields(Confirmation)}
    values = {name: value for name, value in data.items() if name in known}
    verb = ALL_VERBS.get(str(values.get("verb")))
    if verb is None:
        raise ValueError(f"a confirmation for an unknown verb {values.get('verb')!r}")
    values["verb"] = verb
    values["instances"] = tuple(Instance.model_validate(item) for item in values.get("instances", ()))
    values["owners"] = tuple(
        (str(pair[0]), str(pair[1]))
        for pair in values.get("owners", ())
        if isinstance(pair, list) and len(pair) == 2
    )
    return Confirmation(**values)


def outcomes_to_json(outcomes: Sequence[InstanceOutcome]) -> str:
    """Serialise outcomes for a store."""
    return json.dumps([asdict(outcome) for outcome in outcomes], separators=(",", ":"))


def outcomes_from_json(text: str | None) -> tuple[InstanceOutcome, ...]:
    """Read back what `outcomes_to_json` wrote; fields this version does not know are ignored."""
    if not text:
        return ()
    read = []
    for item in json.loads(text):
        status = item.get("status")
        http_status = item.get("http_status")
        read.append(
            InstanceOutcome(
                instance_id=str(item.get("instance_id", "")),
                status=Status.read(status),
                message=str(item.get("message", "")),
                http_status=http_status if isinstance(http_status, int) else None,
            )
        )
    return tuple(read)


LeaseAction = Literal["remind", "stop", "delete"]


@dataclass(frozen=True)
class Reminder:
    """A reminder posted about a long-running instance (a mark: see `bot.store.marks`).

    Nothing more is posted about the instance until `quiet_until`. The figures are as of the post.
    """

    KIND: ClassVar[str] = "reminder"
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

    @property
    def key(self) -> str:
        """One reminder per instance."""
        return self.instance_id


@dataclass(frozen=True)
class Lease:
    """When an instance should go away, who said so, and how far its end has got (a mark).

    Set: `ended_at` is None. Ended: the notice is posted (`notice_ts`); for stop and delete the
    change is sent at `act_at` by confirmation `action_id`, which the store claims exactly once.
    """

    KIND: ClassVar[str] = "lease"
    instance_id: str
    host_name: str | None
    ends_at: float
    set_by: str
    set_at: float
    channel_id: str
    team_id: str
    action: LeaseAction
    ended_at: float | None = None
    act_at: float | None = None
    action_id: str | None = None
    notice_ts: str | None = None

    @property
    def key(self) -> str:
        """One lease per instance."""
        return self.instance_id


@dataclass(frozen=True)
class FirstSeen:
    """When the bot first saw an instance running, for instances whose running time Nebula omits."""

    KIND: ClassVar[str] = "first_seen"
    instance_id: str
    at: float

    @property
    def key(self) -> str:
        """One per instance."""
        return self.instance_id


@dataclass(frozen=True)
class Digest:
    """The last day (UTC, `YYYY-MM-DD`) the daily cost digest was posted."""

    KIND: ClassVar[str] = "digest"
    day: str

    @property
    def key(self) -> str:
        """There is one digest."""
        return "daily"


@dataclass(frozen=True)
class Protection:
    """An instance nobody may stop, reboot or delete until it is unprotected (a mark)."""

    KIND: ClassVar[str] = "protection"
    instance_id: str
    by: str
    at: float
    reason: str = ""

    @property
    def key(self) -> str:
        """One protection per instance."""
        return self.instance_id


@dataclass(frozen=True)
class Ownership:
    """Who said "this instance is mine" with `/nebula claim` (a mark)."""

    KIND: ClassVar[str] = "ownership"
    instance_id: str
    owner: str
    at: float

    @property
    def key(self) -> str:
        """One owner per instance."""
        return self.instance_id
