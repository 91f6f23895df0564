"""The policy module: pure decisions, each refusal telling the user what to do."""

from __future__ import annotations

import pytest

from bot.domain.confirmation import Confirmation
from bot.domain.fleet.instance import Instance
from bot.domain.policy import (
    Actor,
    Identity,
    Rules,
    Ruling,
    may_cancel,
    may_confirm,
    may_request,
    owner_approval,
    screen,
)
from bot.domain.verbs import DELETE
from bot.slack.messages.kit import mention, people
from bot.slack.messages.refusals import refusal_text

US = Identity(workspace="T1")


def said(ruling: Ruling) -> str:
    """The sentence the person reads for `ruling` ("" when there is nothing to say)."""
    return refusal_text(ruling.reason) if ruling.reason is not None else ""


ORG = Identity(workspace="T1", enterprise_id="E1")


def actor(
    user: str = "U1",
    team: str = "T1",
    channel: str = "C1",
    groups: frozenset[str] = frozenset(),
    enterprise: str | None = None,
) -> Actor:
    return Actor(user_id=user, workspace=team, enterprise_id=enterprise, channel_id=channel, groups=groups)


ACTION = Confirmation(
    id="c1",
    verb=DELETE,
    instances=(Instance(id="i-1"),),
    requester="U1",
    workspace="T1",
    channel_id="C1",
    response_url="",
    created_at=0,
    expires_at=600,
)


def test_nobody_by_default_and_the_refusal_names_the_user_and_settings() -> None:
    decision = may_request(Rules(), US, actor("U9"))
    assert not decision.allowed
    assert "`U9`" in said(decision)
    assert "NEBULA_BOT_ALLOWED_USERS" in said(decision)


@pytest.mark.parametrize(
    ("rules", "who", "allowed"),
    [
        (Rules(allowed_users=frozenset({"U1"})), actor("U1"), True),
        (Rules(allowed_users=frozenset({"U1"})), actor("U2"), False),
        (Rules(allowed_users=frozenset({"*"})), actor("U2"), True),
        (Rules(allowed_usergroups=frozenset({"S1"})), actor("U2", groups=frozenset({"S1"})), True),
        (Rules(allowed_usergroups=frozenset({"S1"})), actor("U2", groups=frozenset({"S2"})), False),
        (
            Rules(allowed_users=frozenset({"U1"}), allowed_usergroups=frozenset({"S1"})),
            actor("U2", groups=frozenset({"S1"})),
            True,
        ),
        (Rules(allowed_users=frozenset({"*"})), actor("U1", team="T2"), False),
        (Rules(allowed_users=frozenset({"*"}), allowed_channels=frozenset({"C9"})), actor("U1"), False),
        (Rules(allowed_users=frozenset({"*"}), allowed_channels=frozenset({"C1"})), actor("U1"), True),
    ],
)
def test_may_request(rules: Rules, who: Actor, allowed: bool) -> None:
    assert may_request(rules, US, who).allowed is allowed


def test_enterprise_org_must_match_when_the_bot_has_one() -> None:
    rules = Rules(allowed_users=frozenset({"*"}))
    assert may_request(rules, ORG, actor(enterprise="E1")).allowed
    assert not may_request(rules, ORG, actor(enterprise="E2")).allowed
    assert not may_request(rules, ORG, actor(enterprise=None)).allowed
    assert may_request(rules, US, actor(enterprise="E7")).allowed


def test_refusals_say_where_to_go() -> None:
    rules = Rules(allowed_users=frozenset({"*"}), allowed_channels=frozenset({"C7", "C8"}))
    reason = said(screen(rules, US, actor(channel="C1")))
    assert "<#C7>" in reason
    assert "<#C8>" in reason


def test_without_approvers_only_the_requester_confirms_and_cancels() -> None:
    rules = Rules(allowed_users=frozenset({"U1", "U2"}))
    assert may_confirm(rules, US, actor("U1"), ACTION).allowed
    assert may_cancel(rules, US, actor("U1"), ACTION).allowed
    assert said(may_confirm(rules, US, actor("U2"), ACTION)) == "Only <@U1> can confirm this."
    assert said(may_cancel(rules, US, actor("U2"), ACTION)) == "Only <@U1> can cancel this."


def test_a_requester_who_lost_permission_cannot_confirm_but_can_withdraw() -> None:
    rules = Rules(allowed_users=frozenset({"U2"}))
    assert not may_confirm(rules, US, actor("U1"), ACTION).allowed
    assert may_cancel(rules, US, actor("U1"), ACTION).allowed


def test_clicks_from_another_channel_or_workspace_are_refused() -> None:
    rules = Rules(allowed_users=frozenset({"*"}))
    assert "another channel" in said(may_confirm(rules, US, actor(channel="C2"), ACTION))
    assert "other workspaces" in said(may_cancel(rules, US, actor(team="T2"), ACTION))


def test_two_person_rule() -> None:
    rules = Rules(allowed_users=frozenset({"*"}), approvers=frozenset({"U5", "S5"}))
    assert rules.needs_approval
    assert people(rules.approvers) == "<!subteam^S5>, <@U5>"
    own = may_confirm(rules, US, actor("U1"), ACTION)
    assert not own.allowed
    assert "someone else must approve it: <!subteam^S5>, <@U5>" in said(own)
    assert not may_confirm(rules, US, actor("U2"), ACTION).allowed
    assert may_confirm(rules, US, actor("U5"), ACTION).allowed
    assert may_confirm(rules, US, actor("U6", groups=frozenset({"S5"})), ACTION).allowed
    # The requester, even as an approver, never approves their own request.
    assert not may_confirm(rules, US, actor("U1", groups=frozenset({"S5"})), ACTION).allowed
    assert may_cancel(rules, US, actor("U5"), ACTION).allowed
    assert not may_cancel(rules, US, actor("U2"), ACTION).allowed


def test_groups_to_resolve_and_mentions() -> None:
    rules = Rules(allowed_usergroups=frozenset({"S1"}), approvers=frozenset({"U1", "S2"}))
    assert rules.groups_to_resolve == {"S1", "S2"}
    assert mention("U1") == "<@U1>"
    assert mention("S1") == "<!subteam^S1>"


def test_a_long_list_of_approvers_is_summarised() -> None:
    many = Rules(approvers=frozenset({"S0LEADS", *(f"U{n:05d}" for n in range(200))}))
    text = people(many.approvers)
    assert text.startswith("<!subteam^S0LEADS>, <@U00000>")
    assert text.endswith(" and 191 more")
    assert len(text) < 300


def test_owner_rule() -> None:
    rules = Rules(allowed_users=frozenset({"*"}), approvers=frozenset({"U5"}), owner_rule=True)
    assert not rules.needs_approval  # the approvers approve only changes to others' instances
    owners = {"i-1": "U7", "i-2": "U1"}
    ruling = owner_approval(rules, actor("U1"), owners, guarded=True)
    assert ruling.allowed
    assert "`i-1` belongs to <@U7>" in said(ruling)
    assert "<@U5>" in said(ruling)
    assert "i-2" not in said(ruling)  # U1 owns that one
    assert said(owner_approval(rules, actor("U7"), {"i-1": "U7"}, guarded=True)) == ""
    assert said(owner_approval(rules, actor("U1"), {}, guarded=True)) == ""  # nobody known: ordinary rules
    assert said(owner_approval(rules, actor("U1"), owners, guarded=False)) == ""  # start is not guarded
    alone = owner_approval(Rules(owner_rule=True), actor("U1"), owners, guarded=True)
    assert not alone.allowed
    assert "no approvers are set" in said(alone)
    off = owner_approval(Rules(approvers=frozenset({"U5"})), actor("U1"), owners, guarded=True)
    assert said(off) == ""
    flagged = Confirmation(**{**ACTION.__dict__, "needs_approval": True})
    assert not may_confirm(rules, US, actor("U1"), flagged).allowed
    assert may_confirm(rules, US, actor("U5"), flagged).allowed
    assert may_confirm(rules, US, actor("U1"), ACTION).allowed  # an instance nobody owns
