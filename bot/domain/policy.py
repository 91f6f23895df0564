"""Who may do what: pure functions of the rules, the actor and the request.

User-group membership needs Slack, so callers resolve it first (see `bot.slack.usergroups`) and pass
the result in as `Actor.groups`; nothing here does I/O. A ruling is one of three: allowed, allowed
once an approver confirms, or refused; every refusal carries the facts a person needs to act on it
(`bot.domain.refusals`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.confirmation import Confirmation
from bot.domain.refusals import (
    ForeignWorkspace,
    NoApprovers,
    NotAllowed,
    NotApprover,
    NotRequester,
    OtherChannel,
    OthersOwn,
    OwnerUnknown,
    OwnRequest,
    Reason,
    ScheduleNotYours,
    WrongChannel,
)


@dataclass(frozen=True)
class Rules:
    """The permission settings, as ids."""

    allowed_users: frozenset[str] = frozenset()
    allowed_usergroups: frozenset[str] = frozenset()
    allowed_channels: frozenset[str] = frozenset()
    approvers: frozenset[str] = frozenset()
    # NEBULA_BOT_OWNER_RULE=owner-or-approver: acting on someone else's instance needs an approver.
    owner_rule: bool = False

    @property
    def approver_groups(self) -> frozenset[str]:
        """The user groups (S…) among the approvers."""
        return frozenset(a for a in self.approvers if a.startswith("S"))

    @property
    def groups_to_resolve(self) -> frozenset[str]:
        """Every group whose membership a decision may need."""
        return self.allowed_usergroups | self.approver_groups

    @property
    def needs_approval(self) -> bool:
        """True when every change needs a second person (the two-person rule). Under the owner rule
        the approvers approve only changes to instances someone else owns."""
        return bool(self.approvers) and not self.owner_rule


@dataclass(frozen=True)
class Identity:
    """The workspace (and Enterprise org, if any) the bot token belongs to, from `auth.test`."""

    workspace: str
    enterprise_id: str | None = None
    bot_user_id: str | None = None
    # An org-wide install on Enterprise Grid: the token serves every workspace of the org.
    is_enterprise_install: bool = False


@dataclass(frozen=True)
class Actor:
    """Who sent a request, from where, and which of the rules' user groups they belong to."""

    user_id: str
    workspace: str | None
    enterprise_id: str | None
    channel_id: str | None
    groups: frozenset[str] = frozenset()


class Verdict(StrEnum):
    """The three answers a rule can give."""

    ALLOW = "allow"
    APPROVAL = "approval"  # allowed, once an approver other than the requester confirms
    REFUSE = "refuse"


@dataclass(frozen=True)
class Ruling:
    """A verdict, and the facts behind it (why refused, or why an approver must confirm)."""

    verdict: Verdict
    reason: Reason | None = None

    @property
    def allowed(self) -> bool:
        """Not refused (an APPROVAL ruling lets the request go on, to be approved)."""
        return self.verdict is not Verdict.REFUSE

    @property
    def needs_approval(self) -> bool:
        """An approver must confirm."""
        return self.verdict is Verdict.APPROVAL

    @property
    def why(self) -> Reason:
        """The reason behind a refusal or an approval (every such ruling has one)."""
        if self.reason is None:
            raise ValueError("this ruling allows, and has no reason")
        return self.reason


ALLOW = Ruling(Verdict.ALLOW)


def refuse(reason: Reason) -> Ruling:
    """A refusal for `reason`."""
    return Ruling(Verdict.REFUSE, reason)


def screen(rules: Rules, identity: Identity, actor: Actor) -> Ruling:
    """The checks that need no lookup: the actor's workspace (or org) and channel."""
    if not _ours(identity, actor):
        return refuse(ForeignWorkspace())
    if rules.allowed_channels and actor.channel_id not in rules.allowed_channels:
        return refuse(WrongChannel(rules.allowed_channels))
    return ALLOW


def _ours(identity: Identity, actor: Actor) -> bool:
    if identity.is_enterprise_install:
        return identity.enterprise_id is not None and actor.enterprise_id == identity.enterprise_id
    if actor.workspace != identity.workspace:
        return False
    return identity.enterprise_id is None or actor.enterprise_id == identity.enterprise_id


def may_request(rules: Rules, identity: Identity, actor: Actor) -> Ruling:
    """May `actor` look at instances or ask for a change?"""
    screened = screen(rules, identity, actor)
    if not screened.allowed:
        return screened
    if "*" in rules.allowed_users or actor.user_id in rules.allowed_users:
        return ALLOW
    if actor.groups & rules.allowed_usergroups:
        return ALLOW
    nobody = not rules.allowed_users and not rules.allowed_usergroups
    return refuse(NotAllowed(actor.user_id, nobody_is=nobody))


def is_approver(rules: Rules, actor: Actor) -> bool:
    """Is `actor` named in the approvers, directly or through a user group?"""
    return actor.user_id in rules.approvers or bool(actor.groups & rules.approver_groups)


def owner_approval(
    rules: Rules,
    actor: Actor,
    owners: Mapping[str, str],
    guarded: bool,
    unsure: Mapping[str, str] | None = None,
) -> Ruling:
    """Under the owner rule, may `actor` ask to change instances others own? Owners act alone;
    anyone else needs an approver (APPROVAL), or is refused when there are none. An owner Slack
    could not tell (`unsure`: instance id to why) is never taken for "no owner"."""
    if not (rules.owner_rule and guarded):
        return ALLOW
    others = tuple(sorted((iid, owner) for iid, owner in owners.items() if owner != actor.user_id))
    reason: OthersOwn | OwnerUnknown
    if others:
        reason = OthersOwn(others, rules.approvers)
    elif unsure:
        reason = OwnerUnknown(tuple(sorted(unsure)), sorted(unsure.values())[0], rules.approvers)
    else:
        return ALLOW
    return Ruling(Verdict.APPROVAL, reason) if rules.approvers else refuse(reason)


def may_confirm(rules: Rules, identity: Identity, actor: Actor, confirmation: Confirmation) -> Ruling:
    """May `actor` press the confirm button of `confirmation`?"""
    screened = _same_place(rules, identity, actor, confirmation)
    if not screened.allowed:
        return screened
    if rules.needs_approval or confirmation.needs_approval:
        if not rules.approvers:
            return refuse(NoApprovers())
        if actor.user_id == confirmation.requester:
            return refuse(OwnRequest(rules.approvers, confirmation.owners))
        if not is_approver(rules, actor):
            return refuse(NotApprover(rules.approvers))
        return ALLOW
    if actor.user_id != confirmation.requester:
        return refuse(NotRequester(confirmation.requester))
    return may_request(rules, identity, actor)


def may_cancel(rules: Rules, identity: Identity, actor: Actor, confirmation: Confirmation) -> Ruling:
    """May `actor` cancel `confirmation`? Its requester always may; an approver may reject it."""
    screened = _same_place(rules, identity, actor, confirmation)
    if not screened.allowed:
        return screened
    approval = rules.needs_approval or confirmation.needs_approval
    if actor.user_id == confirmation.requester or (approval and is_approver(rules, actor)):
        return ALLOW
    return refuse(NotRequester(confirmation.requester, cancel=True))


def _same_place(rules: Rules, identity: Identity, actor: Actor, confirmation: Confirmation) -> Ruling:
    screened = screen(rules, identity, actor)
    if not screened.allowed:
        return screened
    # Slack sends no channel for some surfaces: channels are compared only when both are known.
    if actor.channel_id and confirmation.channel_id and actor.channel_id != confirmation.channel_id:
        return refuse(OtherChannel())
    return ALLOW


def may_schedule(
    rules: Rules, actor: Actor, instance_id: str, owner: str | None, unsure: str | None = None
) -> Ruling:
    """May `actor` set or remove a schedule (standing stops) on an instance owned by `owner`?

    Under the owner rule, only its owner or an approver; under the two-person rule, a schedule that
    stops someone else's instance (or one nobody owns) needs an approver to set it. An owner Slack could
    not tell (`unsure`: why) is never taken for nobody.
    """
    if is_approver(rules, actor) or (owner == actor.user_id and unsure is None):
        return ALLOW
    refused = refuse(ScheduleNotYours(instance_id, owner, rules.approvers, unsure))
    if rules.owner_rule:
        return refused if unsure is not None or owner is not None else ALLOW
    return refused if rules.needs_approval else ALLOW
