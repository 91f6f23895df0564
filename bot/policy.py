"""Who may do what: pure functions of the configuration, the actor and the request."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from bot.confirmations import PendingAction

SETTING = "NEBULA_BOT_ALLOWED_USERS"


@dataclass(frozen=True)
class Identity:
    """The workspace (and Enterprise org, if any) the bot token belongs to, from `auth.test`."""

    team_id: str
    enterprise_id: str | None = None
    bot_user_id: str | None = None


@dataclass(frozen=True)
class Actor:
    """Who sent a request, from where."""

    user_id: str
    team_id: str | None
    enterprise_id: str | None
    channel_id: str | None


@dataclass(frozen=True)
class Decision:
    """Allowed, or refused with a `reason` that tells the user what to do."""

    allowed: bool
    reason: str = ""


ALLOW = Decision(True)


def same_workspace(identity: Identity, actor: Actor) -> Decision:
    """Refuse requests from any workspace or Enterprise org other than the bot token's own."""
    if actor.team_id != identity.team_id or (
        identity.enterprise_id is not None and actor.enterprise_id != identity.enterprise_id
    ):
        return Decision(
            False, "This bot only serves its own workspace; requests from other workspaces are refused."
        )
    return ALLOW


def may_request(allowed_users: Set[str], identity: Identity, actor: Actor) -> Decision:
    """May `actor` ask for a destructive action?"""
    workspace = same_workspace(identity, actor)
    if not workspace.allowed:
        return workspace
    if "*" in allowed_users or actor.user_id in allowed_users:
        return ALLOW
    if not allowed_users:
        return Decision(
            False,
            f"Nobody may delete instances yet: {SETTING} is empty. "
            f"Ask whoever runs the bot to add your user id `{actor.user_id}` to it.",
        )
    return Decision(
        False,
        f"You may not delete instances. Ask whoever runs the bot to add your user id "
        f"`{actor.user_id}` to {SETTING}.",
    )


def may_decide(allowed_users: Set[str], identity: Identity, actor: Actor, action: PendingAction) -> Decision:
    """May `actor` confirm or cancel `action`? Only its requester, from where it was asked, still allowed."""
    workspace = same_workspace(identity, actor)
    if not workspace.allowed:
        return workspace
    if actor.user_id != action.requester or actor.team_id != action.team_id:
        return Decision(False, f"Only <@{action.requester}> can confirm this.")
    if actor.channel_id != action.channel_id:
        return Decision(False, "This confirmation belongs to another channel; nothing was done.")
    return may_request(allowed_users, identity, actor)
