"""Why something may not happen (or needs an approver): facts only. `bot.slack.messages.refusals`
turns each into the sentence the person reads, with what to do next."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.records import Protection
from bot.domain.verbs import Verb


@dataclass(frozen=True)
class ForeignWorkspace:
    """The request came from a workspace (or Enterprise org) other than the bot's own."""


@dataclass(frozen=True)
class WrongChannel:
    """`/nebula` works only in `allowed` channels."""

    allowed: frozenset[str]


@dataclass(frozen=True)
class NotAllowed:
    """`user` may not use the bot; `nobody_is` when no user or group is allowed at all; `looking`: what
    was refused only looks (a list, a cost)."""

    user: str
    nobody_is: bool
    looking: bool = False


@dataclass(frozen=True)
class OthersOwn:
    """Under the owner rule, the instances belong to others (`owners`: instance id, owner).

    With approvers it asks for one (the ruling is APPROVAL); without, only the owner can act.
    """

    owners: tuple[tuple[str, str], ...]
    approvers: frozenset[str]


@dataclass(frozen=True)
class OwnerUnknown:
    """Under the owner rule, Slack could not tell who owns these instances just now (`why`): an approver
    must confirm (APPROVAL), or, with none configured, it must wait."""

    instance_ids: tuple[str, ...]
    why: str
    approvers: frozenset[str]


@dataclass(frozen=True)
class NoApprovers:
    """Only an approver can confirm, and none are configured."""


@dataclass(frozen=True)
class OwnRequest:
    """The requester pressed confirm on their own request, which someone else must approve."""

    approvers: frozenset[str]
    owners: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NotApprover:
    """Only the approvers can approve this."""

    approvers: frozenset[str]


@dataclass(frozen=True)
class NotRequester:
    """Only the requester can confirm (or, with `cancel`, cancel) this."""

    requester: str
    cancel: bool = False


@dataclass(frozen=True)
class OtherChannel:
    """The click came from another channel than the confirmation's."""


@dataclass(frozen=True)
class Protected:
    """The instance is protected: `verb` is refused until someone lifts the protection."""

    protection: Protection
    verb: Verb


@dataclass(frozen=True)
class TooManyPending:
    """The requester already has `limit` confirmations waiting."""

    limit: int


@dataclass(frozen=True)
class ScheduleNotYours:
    """A schedule stops an instance on its own: setting one on an instance `owner` owns (None: nobody,
    or Slack could not tell, `why`) is for that owner or an approver."""

    instance_id: str
    owner: str | None
    approvers: frozenset[str]
    why: str | None = None


@dataclass(frozen=True)
class OverBudget:
    """The budget (`amount` per `period`) is spent (`spent`): starting an instance or extending a lease
    needs an approver."""

    amount: float
    period: str
    spent: float
    approvers: frozenset[str]


@dataclass(frozen=True)
class CostlyLaunch:
    """A launch at `per_hour` costs more than `limit` per hour (NEBULA_BOT_LAUNCH_APPROVAL_PER_HOUR):
    an approver other than the requester must press Launch."""

    per_hour: float
    limit: float
    approvers: frozenset[str]


@dataclass(frozen=True)
class Unleased:
    """A launch without a lease is for approvers (unless NEBULA_BOT_LAUNCH_UNLEASED allows it)."""

    approvers: frozenset[str]


Reason = (
    OverBudget
    | CostlyLaunch
    | Unleased
    | ScheduleNotYours
    | ForeignWorkspace
    | WrongChannel
    | NotAllowed
    | OthersOwn
    | OwnerUnknown
    | NoApprovers
    | OwnRequest
    | NotApprover
    | NotRequester
    | OtherChannel
    | Protected
    | TooManyPending
)
