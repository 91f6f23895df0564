"""Applying the policy to a live request: resolve the actor's user groups, then rule."""

from __future__ import annotations

import dataclasses

from bot.domain.confirmation import Confirmation
from bot.domain.policy import (
    Actor,
    Identity,
    Rules,
    Ruling,
    is_approver,
    may_cancel,
    may_confirm,
    may_request,
    screen,
)
from bot.slack.usergroups import UserGroups


class Access:
    """The policy's rules plus what it needs from Slack (group membership)."""

    def __init__(self, rules: Rules, identity: Identity, usergroups: UserGroups) -> None:
        self.rules = rules
        self.identity = identity
        self._usergroups = usergroups

    async def resolve(self, actor: Actor) -> Actor:
        """`actor` with the user groups the rules care about filled in."""
        groups = self.rules.groups_to_resolve
        if not groups:
            return actor
        return dataclasses.replace(actor, groups=await self._usergroups.groups_of(actor.user_id, groups))

    def screen(self, actor: Actor) -> Ruling:
        """Is `actor` in our workspace, in an allowed channel? (No person-level rule.)"""
        return screen(self.rules, self.identity, actor)

    def may_request(self, actor: Actor) -> Ruling:
        """May a resolved `actor` look at instances or ask for a change?"""
        return may_request(self.rules, self.identity, actor)

    def may_see(self, actor: Actor) -> Ruling:
        """May `actor` see this team's instances outside any channel (the Home tab)? The person's rules,
        not the channel's: what they ask for there is checked in the channel it is confirmed in."""
        return may_request(
            dataclasses.replace(self.rules, allowed_channels=frozenset()), self.identity, actor
        )

    def may_confirm(self, actor: Actor, confirmation: Confirmation) -> Ruling:
        """May a resolved `actor` press the confirm button?"""
        return may_confirm(self.rules, self.identity, actor, confirmation)

    def may_cancel(self, actor: Actor, confirmation: Confirmation) -> Ruling:
        """May a resolved `actor` press Cancel?"""
        return may_cancel(self.rules, self.identity, actor, confirmation)

    def is_approver(self, actor: Actor) -> bool:
        """Is a resolved `actor` among the approvers?"""
        return is_approver(self.rules, actor)
