"""Who may do what: pure functions of the rules, the actor and the request.

User-group membership needs Slack, so callers resolve it first (see `bot.slack.usergroups`) and pass the
result in as `Actor.groups`; nothing here does I/O. Every refusal says what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.model import Confirmation

USERS_SETTING = "NEBULA_BOT_ALLOWED_USERS"
GROUPS_SETTING = "NEBULA_BOT_ALLOWED_USERGROUPS"


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

    team_id: str
    enterprise_id: str | None = None
    bot_user_id: str | None = None
    # An org-wide install on Enterprise Grid: the token serves every workspace of the org.
    is_enterprise_install: bool = False


@dataclass(frozen=True)
class Actor:
    """Who sent a request, from where, and which of the rules' user groups they belong to."""

    user_id: str
    team_id: str | None
    enterprise_id: str | None
    channel_id: str | None
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    """Allowed, or refused with a `reason` that tells the user what to do."""

    allowed: bool
    reason: str = ""


ALLOW = Decision(True)


def mention(slack_id: str) -> str:
    """How Slack shows a user (U…/W…) or user group (S…) id."""
    return f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>"


APPROVERS_SHOWN = 10


def approvers_text(rules: Rules) -> str:
    """The approvers as Slack mentions, groups first; a long list is summarised ("… and 190 more")."""
    ordered = sorted(rules.approvers, key=lambda a: (not a.startswith("S"), a))
    shown = ", ".join(mention(a) for a in ordered[:APPROVERS_SHOWN])
    hidden = len(ordered) - APPROVERS_SHOWN
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def screen(rules: Rules, identity: Identity, actor: Actor) -> Decision:
    """The checks that need no lookup: the actor's workspace (or org) and channel."""
    if not _ours(identity, actor):
        return Decision(
            False, "This bot only serves its own workspace; requests from other workspaces are refused."
        )
    if rules.allowed_channels and actor.channel_id not in rules.allowed_channels:
        channels = ", ".join(f"<#{c}>" for c in sorted(rules.allowed_channels))
        return Decision(False, f"`/nebula` does not work in this channel. Use it in {channels}.")
    return ALLOW


def _ours(identity: Identity, actor: Actor) -> bool:
    if identity.is_enterprise_install:
        return identity.enterprise_id is not None and actor.enterprise_id == identity.enterprise_id
    if actor.team_id != identity.team_id:
        return False
    return identity.enterprise_id is None or actor.enterprise_id == identity.enterprise_id


def may_request(rules: Rules, identity: Identity, actor: Actor) -> Decision:
    """May `actor` ask for a destructive action?"""
    screened = screen(rules, identity, actor)
    if not screened.allowed:
        return screened
    if "*" in rules.allowed_users or actor.user_id in rules.allowed_users:
        return ALLOW
    if actor.groups & rules.allowed_usergroups:
        return ALLOW
    if not rules.allowed_users and not rules.allowed_usergroups:
        return Decision(
            False,
            f"Nobody may change instances yet: {USERS_SETTING} and {GROUPS_SETTING} are empty. "
            f"Ask whoever runs the bot to add your user id `{actor.user_id}`.",
        )
    return Decision(
        False,
        f"You may not change instances. Ask whoever runs the bot to add your user id `{actor.user_id}` "
        f"to {USERS_SETTING}, or you to a user group in {GROUPS_SETTING}.",
    )


def is_approver(rules: Rules, actor: Actor) -> bool:
    """Is `actor` named in the approvers, directly or through a user group?"""
    return actor.user_id in rules.approvers or bool(actor.groups & rules.approver_groups)


def owners_text(owners: dict[str, str]) -> str:
    """ "`i-1` belongs to <@U1>", for up to three instances."""
    parts = [f"`{iid}` belongs to {mention(owner)}" for iid, owner in sorted(owners.items())[:3]]
    more = f" (and {len(owners) - 3} more)" if len(owners) > 3 else ""
    return "; ".join(parts) + more


def owner_approval(rules: Rules, actor: Actor, owners: dict[str, str], guarded: bool) -> Decision:
    """Under the owner rule, may `actor` ask to change instances others own? `reason` is set (and
    `allowed` True) when an approver must confirm; the owners act alone."""
    if not (rules.owner_rule and guarded):
        return ALLOW
    others = {iid: owner for iid, owner in owners.items() if owner != actor.user_id}
    if not others:
        return ALLOW
    if not rules.approvers:
        return Decision(
            False,
            f"{owners_text(others)}: only the owner can do this, and no approvers are set "
            "(NEBULA_BOT_APPROVERS). Ask the owner.",
        )
    return Decision(True, f"{owners_text(others)}: an approver must confirm ({approvers_text(rules)}).")


def may_confirm(rules: Rules, identity: Identity, actor: Actor, confirmation: Confirmation) -> Decision:
    """May `actor` press the confirm button of `confirmation`?"""
    screened = _same_place(rules, identity, actor, confirmation)
    if not screened.allowed:
        return screened
    if rules.needs_approval or confirmation.needs_approval:
        if not rules.approvers:
            return Decision(
                False, "Only an approver can confirm this, and none are set (NEBULA_BOT_APPROVERS)."
            )
        if actor.user_id == confirmation.requester:
            return Decision(
                False, f"You asked for this, so someone else must approve it: {approvers_text(rules)}."
            )
        if not is_approver(rules, actor):
            return Decision(False, f"Only {approvers_text(rules)} can approve this.")
        return ALLOW
    if actor.user_id != confirmation.requester:
        return Decision(False, f"Only <@{confirmation.requester}> can confirm this.")
    return may_request(rules, identity, actor)


def may_cancel(rules: Rules, identity: Identity, actor: Actor, confirmation: Confirmation) -> Decision:
    """May `actor` cancel `confirmation`? Its requester always may; an approver may reject it."""
    screened = _same_place(rules, identity, actor, confirmation)
    if not screened.allowed:
        return screened
    approval = rules.needs_approval or confirmation.needs_approval
    if actor.user_id == confirmation.requester or (approval and is_approver(rules, actor)):
        return ALLOW
    return Decision(False, f"Only <@{confirmation.requester}> can cancel this.")


def _same_place(rules: Rules, identity: Identity, actor: Actor, confirmation: Confirmation) -> Decision:
    screened = screen(rules, identity, actor)
    if not screened.allowed:
        return screened
    if actor.channel_id != confirmation.channel_id:
        return Decision(False, "This confirmation belongs to another channel; nothing was done.")
    return ALLOW
