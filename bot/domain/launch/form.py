"""The launch form (a Slack modal) as the bot reads it back: what was chosen in each field, as ids the bot
itself offered (anything else reads as None), and where the launch was asked for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Field(StrEnum):
    """The form's fields: each is a block id, and the action id of its element is `nebula_launch_<field>`.
    The values are what Slack sends back: never rename them."""

    GPU = "launch_gpu"
    IMAGE = "launch_image"
    KEY = "launch_key"
    NAME = "launch_name"
    LEASE = "launch_lease"

    @property
    def action_id(self) -> str:
        """The action id of the field's element."""
        return f"nebula_{self.value}"


# A lease option's value for "no lease".
UNLEASED = "off"


@dataclass(frozen=True)
class Filled:
    """The form's fields as they stand: each as the value the bot put in its option, or typed (name)."""

    product_id: str | None = None
    image_id: str | None = None
    key_id: str | None = None
    name: str | None = None
    lease: str | None = None  # seconds, or UNLEASED

    @property
    def lease_seconds(self) -> float | None:
        """The lease chosen, in seconds (None: none chosen, or no lease)."""
        if self.lease is None or not self.lease.isdigit() or len(self.lease) > 9:
            return None
        return float(self.lease)


@dataclass(frozen=True)
class Submitted:
    """A form sent: the modal's id (stable across Slack's redeliveries), where it was opened from, and
    what it holds."""

    view_id: str
    channel_id: str | None
    filled: Filled
