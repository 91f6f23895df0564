"""An instance as the bot shows it, read from Nebula's untrusted answer."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

# Never kept from anything Nebula sends: controls (C0, C1), bidirectional overrides and isolates, and the
# invisible characters that can reorder or hide text in a message (U+202E turns a line around).
UNSAFE: Final = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
TEXT_LIMIT: Final = 512


def safe_text(value: str) -> str:
    """`value` without control or bidirectional characters, on one line, bounded."""
    if len(value) <= TEXT_LIMIT and value.isprintable() and _tidy(value):
        # Every unsafe character is unprintable (Cc, Cf, Zl, Zp), and so is every whitespace but the
        # space: most of what Nebula sends is already clean, and this is read for every field of every
        # instance of every page.
        return value
    return " ".join(UNSAFE.sub(" ", value[: TEXT_LIMIT * 2]).split())[:TEXT_LIMIT]


def _tidy(value: str) -> bool:
    return "  " not in value and not value.startswith(" ") and not value.endswith(" ")


def _as_text(value: object) -> object:
    # Nebula sends numbers as strings in one place and as numbers in another; show either.
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return safe_text(value)
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

    @property
    def status_word(self) -> str:
        """Nebula's status, lower case, for comparisons ("running", "stopped", …)."""
        return (self.status or "").strip().lower()

    @property
    def is_running(self) -> bool:
        """True when Nebula says the instance is running (and so is billed)."""
        return self.status_word == "running"

    @property
    def is_gone(self) -> bool:
        """True when Nebula says the instance is being deleted or is deleted."""
        return self.status_word in ("deleted", "deleting", "completed")
