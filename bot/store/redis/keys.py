"""The Redis store's keys, by team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.domain.teams import DEFAULT_TEAM

PREFIX: Final = "{nebula-bot}:"


@dataclass(frozen=True)
class Keys:
    """A store's keys. Each team has its own prefix (its hash tag, for Redis Cluster), so that nothing
    of one team is ever read as another's; the single team keeps the original `{nebula-bot}:`."""

    prefix: str = PREFIX

    @classmethod
    def for_team(cls, team: str) -> Keys:
        """The keys of `team` (`default`: the single team's)."""
        return cls(PREFIX if team == DEFAULT_TEAM else f"{{nebula-bot:{team}}}:")

    @property
    def pending(self) -> str:
        return self.prefix + "pending"

    @property
    def claimed(self) -> str:
        return self.prefix + "claimed"

    @property
    def scheduled(self) -> str:
        return self.prefix + "scheduled"

    @property
    def audit(self) -> str:
        return self.prefix + "audit"

    @property
    def cycles(self) -> str:
        return self.prefix + "cycles"

    @property
    def health(self) -> str:
        return self.prefix + "health"

    def conf(self, confirmation_id: str) -> str:
        return f"{self.prefix}conf:{confirmation_id}"

    def trigger(self, key: str) -> str:
        return f"{self.prefix}trigger:{key}"

    def records(self, kind: str) -> str:
        # One hash per record kind (named as when the first stores were written), the JSON by key.
        return f"{self.prefix}marks:{kind}"
