"""The sentence for every refusal (`bot.domain.refusals`): what is not allowed, and what to do next."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bot.domain.refusals import (
    CostlyLaunch,
    ForeignWorkspace,
    NoApprovers,
    NotAllowed,
    NotApprover,
    NotRequester,
    OtherChannel,
    OthersOwn,
    OverBudget,
    OwnerUnknown,
    OwnRequest,
    Protected,
    Reason,
    ScheduleNotYours,
    TooManyPending,
    Unleased,
    WrongChannel,
)
from bot.slack.messages.kit import Message, dollars, mention, named, notice, people
from bot.slack.messages.mrkdwn import code
from bot.slack.messages.notices import protection

USERS_SETTING: Final = "NEBULA_BOT_ALLOWED_USERS"
GROUPS_SETTING: Final = "NEBULA_BOT_ALLOWED_USERGROUPS"
APPROVERS_SETTING: Final = "NEBULA_BOT_APPROVERS"
OWNERS_SHOWN: Final = 3


def owners_text(owners: tuple[tuple[str, str], ...], names: Mapping[str, str | None] | None = None) -> str:
    """ "`notebook-ana` (c3e8f1a9…) belongs to <@U1>", for up to three instances (by their `names`)."""
    called = names or {}
    parts = [
        f"{named(iid, called.get(iid))} belongs to {mention(owner)}" for iid, owner in owners[:OWNERS_SHOWN]
    ]
    more = f" (and {len(owners) - OWNERS_SHOWN} more)" if len(owners) > OWNERS_SHOWN else ""
    return "; ".join(parts) + more


def refusal_text(reason: Reason, names: Mapping[str, str | None] | None = None) -> str:
    """The refusal as mrkdwn: what is not allowed, and what to do next (`names`: the host names of the
    instances it is about, by id, when they are known)."""
    match reason:
        case OverBudget(amount, period, spent, approvers):
            spent_text = f"The budget ({dollars(amount)}/{period}) is spent ({dollars(spent)} this {period})"
            if approvers:
                needs = f"starting an instance or extending a lease needs an approver ({people(approvers)})"
                return f"{spent_text}: {needs}."
            return f"{spent_text}, and no approvers are set ({APPROVERS_SETTING}): ask to raise it."
        case CostlyLaunch(per_hour, limit, approvers):
            costs = f"It costs {dollars(per_hour)}/h, over the {dollars(limit)}/h a launch may cost alone"
            if approvers:
                return f"{costs}: an approver must press Launch ({people(approvers)})."
            return f"{costs}, and no approvers are set ({APPROVERS_SETTING}): choose a cheaper GPU."
        case Unleased(approvers):
            who = f" ({people(approvers)})" if approvers else f"; none are set ({APPROVERS_SETTING})"
            return f"Only approvers may launch without a lease{who}. Give it one: `lease=8h`."
        case ScheduleNotYours(instance_id, owner, approvers, why):
            who_may = f"<@{owner}> or an approver" if owner else "an approver"
            ask = f" ({people(approvers)})" if approvers else f": none are set ({APPROVERS_SETTING})"
            unknown = (
                f"The bot could not tell who owns it just now (Slack answered {code(why)}). " if why else ""
            )
            return (
                f"{unknown}A schedule stops {code(instance_id)} on its own: only {who_may} may set it{ask}."
            )
        case ForeignWorkspace():
            return "This bot only serves its own workspace; requests from other workspaces are refused."
        case WrongChannel(allowed):
            channels = ", ".join(f"<#{c}>" for c in sorted(allowed))
            return f"`/nebula` does not work in this channel. Use it in {channels}."
        case NotAllowed(user, nobody_is=True, looking=looking):
            what = "see or change" if looking else "change"
            return (
                f"Nobody may {what} instances yet: {USERS_SETTING} and {GROUPS_SETTING} are empty. "
                f"Ask whoever runs the bot to add your user id `{user}`."
            )
        case NotAllowed(user, looking=looking):
            what = (
                "see the team's instances (they show addresses and costs)" if looking else "change instances"
            )
            return (
                f"You may not {what}. Ask whoever runs the bot to add your user id `{user}` "
                f"to {USERS_SETTING}, or you to a user group in {GROUPS_SETTING}."
            )
        case OthersOwn(owners, approvers) if approvers:
            return f"{owners_text(owners, names)}: an approver must confirm ({people(approvers)})."
        case OthersOwn(owners):
            return (
                f"{owners_text(owners, names)}: only the owner can do this, and no approvers are set "
                f"({APPROVERS_SETTING}). Ask the owner."
            )
        case OwnerUnknown(instance_ids, why, approvers):
            which = ", ".join(named(i, (names or {}).get(i)) for i in instance_ids[:OWNERS_SHOWN])
            could_not = f"The bot could not tell who owns {which} just now (Slack answered {code(why)})"
            if approvers:
                return f"{could_not}: an approver must confirm ({people(approvers)})."
            return f"{could_not}, and only an owner may do this. Try again in a minute."
        case NoApprovers():
            return f"Only an approver can confirm this, and none are set ({APPROVERS_SETTING})."
        case OwnRequest(approvers, owners) if owners:
            return (
                f"You asked for this, so someone else must approve it: {owners_text(owners, names)}, and "
                f"{people(approvers)} may approve."
            )
        case OwnRequest(approvers):
            return f"You asked for this, so someone else must approve it: {people(approvers)}."
        case NotApprover(approvers):
            return f"Only {people(approvers)} can approve this."
        case NotRequester(requester, cancel):
            return f"Only <@{requester}> can {'cancel' if cancel else 'confirm'} this."
        case OtherChannel():
            return "This confirmation belongs to another channel; nothing was done."
        case Protected(found, verb):
            return protection.refused(found, verb)
        case TooManyPending(limit):
            return (
                f"You already have {limit} requests waiting for confirmation. Confirm or cancel one of "
                "them (or let them expire) before asking for more."
            )


def refusal(reason: Reason, names: Mapping[str, str | None] | None = None) -> Message:
    """The refusal as a message for the person refused."""
    return notice(refusal_text(reason, names))
