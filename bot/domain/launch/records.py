"""What the store keeps of a launch: the request and where it is (`Launch`), and the name it holds
(`NameClaim`), so that of two launches of one name, or two deliveries of one press, one creates.

Nebula's create answers no id: the instance is found again by its name. So the name is claimed in the
store before the POST, and a launch whose POST got no answer is settled by listing the fleet for that
name, never by sending it again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.launch.plan import Plan
from bot.domain.records import Record


class Stage(StrEnum):
    """Where a launch is. The values are stored: never rename them."""

    PENDING = "pending"  # shown with its price, waiting for Launch
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    CLAIMED = "claimed"  # Launch pressed: this replica holds the name and sends the one POST
    CREATED = "created"  # Nebula said it created it; not yet listed
    UNSURE = "unsure"  # the POST got no answer: settled by listing, never sent again
    FOUND = "found"  # listed, with its id: followed until it runs
    RUNNING = "running"
    FAILED = "failed"  # not created (Nebula refused, or it never appeared), or it failed to start
    GAVE_UP = "gave_up"  # created, but not running when the bot stopped following it

    @property
    def open(self) -> bool:
        """Still followed: created or unsure, and not yet running or failed."""
        return self in (Stage.CLAIMED, Stage.CREATED, Stage.UNSURE, Stage.FOUND)


class Failure(StrEnum):
    """Why a launch did not come to run. The values are stored: never rename them."""

    NAME_HELD = "name_held"  # another launch holds the name
    NAME_IN_FLEET = "name_in_fleet"  # an instance of that name appeared meanwhile
    FLEET_UNREAD = "fleet_unread"  # the fleet could not be read before the POST: nothing sent
    DRY_RUN = "dry_run"
    NOT_SENT = "not_sent"  # Nebula could not be reached: nothing sent
    REFUSED = "refused"  # Nebula refused the create
    NEVER_APPEARED = "never_appeared"  # no answer, and not listed within the follow-up
    GONE = "gone"  # listed once, then no more
    BROKE = "broke"  # Nebula shows it failed (the status in `detail`)


@dataclass(frozen=True)
class Launch(Record, kind="launch"):
    """One launch, from its confirmation to the instance running (or not)."""

    id: str
    requester: str
    workspace: str
    channel_id: str
    name: str
    product_id: str
    product_label: str
    price_per_hour: float
    image_id: str
    image_name: str
    key_id: int
    key_name: str
    lease_seconds: float | None
    needs_approval: bool
    created_at: float
    expires_at: float
    stage: str = Stage.PENDING.value
    decided_by: str | None = None
    decided_at: float | None = None
    message_ts: str | None = None
    instance_id: str | None = None
    status: str | None = None  # Nebula's last word on the instance's status
    address: str | None = None  # its public IPv4, once it runs
    nebula_message: str = ""  # Nebula's own words on the create
    failure: str = ""  # why it was not launched (a `Failure`), and what else is known of it
    detail: str = ""
    follow_until: float | None = None

    @property
    def key(self) -> str:
        return self.id

    @property
    def stage_now(self) -> Stage:
        """`stage`, read leniently (an unknown value is taken as failed: nothing more is done)."""
        return Stage(self.stage) if self.stage in Stage._value2member_map_ else Stage.FAILED

    @classmethod
    def of(
        cls,
        plan: Plan,
        *,
        requester: str,
        workspace: str,
        channel_id: str,
        now: float,
        ttl: float,
        approval: bool,
    ) -> Launch:
        """A new pending launch of `plan`."""
        return cls(
            id=secrets.token_urlsafe(16),
            requester=requester,
            workspace=workspace,
            channel_id=channel_id,
            name=plan.name,
            product_id=plan.product.id,
            product_label=plan.product.label,
            price_per_hour=plan.product.price_per_hour,
            image_id=plan.image.id,
            image_name=plan.image.name,
            key_id=plan.key.id,
            key_name=plan.key.name,
            lease_seconds=plan.lease_seconds,
            needs_approval=approval,
            created_at=now,
            expires_at=now + ttl,
        )

    @property
    def lease_cost(self) -> float | None:
        """What the lease's span costs at the price shown (None without a lease)."""
        return None if self.lease_seconds is None else self.price_per_hour * self.lease_seconds / 3600


@dataclass(frozen=True)
class NameClaim(Record, kind="launch_name"):
    """A name held by a launch until its instance is listed under it (or the launch failed)."""

    name: str
    launch_id: str
    claimed_at: float

    @property
    def key(self) -> str:
        return self.name
