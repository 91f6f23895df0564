"""The App Home tab: what each person sees when they open the bot. Pure: the core gathers the facts.

*Waiting for you* (confirmations they may decide), *Your instances* (owned or claimed, each with its
⋯ menu), *Leases ending in the next 24 h*, *Protected*, and *The fleet now* (running, burn rate, the
five costliest). Each section is capped so that the view stays within Slack's 100 blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock, HeaderBlock
from slack_sdk.models.views import View

from bot.domain.confirmation import Confirmation
from bot.domain.fleet.instance import Instance
from bot.domain.money.costs import FleetCost
from bot.domain.money.credits import Runway
from bot.domain.records import Lease, Protection
from bot.slack.messages import action_ids
from bot.slack.messages.instances import row
from bot.slack.messages.kit import context, dollars, moment, named, per_hour, section, who
from bot.slack.messages.mrkdwn import literal
from bot.slack.messages.notices.credits import runway_line
from bot.slack.messages.notices.protection import badge
from bot.slack.messages.wording import wording

WAITING_ROWS: Final = 10
MINE_ROWS: Final = 15
LEASE_ROWS: Final = 10
PROTECTED_ROWS: Final = 10
COSTLIEST: Final = 5
BLOCKS_MAX: Final = 100  # Slack's limit for a Home view


@dataclass(frozen=True)
class HomeFacts:
    """What one person's Home shows, gathered by the core. `fleet_problem` says why the fleet could
    not be read (the sections that need it say so instead)."""

    user: str
    now: float
    waiting: Sequence[Confirmation]
    mine: Sequence[Instance]
    leases: Sequence[Lease]
    protected: Sequence[Protection]
    protections: dict[str, Protection]
    cost: FleetCost | None
    running: int
    fleet_problem: str | None = None
    read_at: float | None = None  # when the fleet shown was read (it may be a minute old)
    team: str | None = None  # with several teams, whose these are (their menus say so)
    runway: Runway | None = None  # the account's credits at the burn rate now (None: unknown)


TEAM_BLOCK: Final = "team:"  # + the team + ":" + a row's place: which team a Home menu acts for


def home_view(facts: HomeFacts) -> dict[str, Any]:
    """The Home view for `facts`, validated as Slack validates views."""
    return _view(_top(facts.read_at if facts.read_at is not None else facts.now), home_blocks(facts))


def home_blocks(facts: HomeFacts) -> list[Block]:
    """The sections of one team's Home."""
    return [
        _launch(facts),
        *_waiting(facts),
        *_mine(facts),
        *_leases(facts),
        *_protected(facts),
        *_fleet(facts),
    ]


def _launch(facts: HomeFacts) -> ActionsBlock:
    """The button that opens the launch form (for this team, with several)."""
    block_id = f"{TEAM_BLOCK}{facts.team}:launch" if facts.team else "launch"
    button = ButtonElement(
        text="Launch a GPU", action_id=action_ids.HOME_LAUNCH, value="launch", style="primary"
    )
    return ActionsBlock(block_id=block_id, elements=[button])


def teams_view(now: float, teams: Sequence[tuple[str, list[Block]]]) -> dict[str, Any]:
    """The Home of someone in several teams: each team's sections under its name, each team given an
    equal share of Slack's 100 blocks."""
    share = (BLOCKS_MAX - 2) // max(1, len(teams)) - 1
    blocks: list[Block] = []
    for team, sections in teams:
        blocks += [HeaderBlock(text=f"Team {team}"), *sections[:share]]
    return _view(_top(now), blocks)


def not_allowed_view(why: str) -> dict[str, Any]:
    """The Home of someone who may not use the bot: why, and whom to ask."""
    return _view([HeaderBlock(text="Nebula GPUs")], [section(why)])


def _top(read_at: float) -> list[Block]:
    return [
        HeaderBlock(text="Nebula GPUs"),
        context(f"As of {moment(read_at)}. This tab is refreshed when you open it."),
    ]


def _view(top: list[Block], blocks: list[Block]) -> dict[str, Any]:
    view = View(type="home", blocks=[*top, *blocks][:BLOCKS_MAX])
    view.validate_json()
    return view.to_dict()


def _row(facts: HomeFacts, instance: Instance, where: str) -> Block:
    block_id = f"{TEAM_BLOCK}{facts.team}:{where}" if facts.team else None
    return row(instance, facts.protections.get(instance.id), action_ids.HOME_MENU, block_id)


def _heading(title: str, count: int, shown: int) -> list[Block]:
    more = f" (showing {shown} of {count})" if count > shown else ""
    return [DividerBlock(), section(f"*{title}*{more}")]


def _waiting(facts: HomeFacts) -> list[Block]:
    blocks = _heading("Waiting for you", len(facts.waiting), min(len(facts.waiting), WAITING_ROWS))
    if not facts.waiting:
        return [*blocks, context("Nothing waits for your confirmation.")]
    for confirmation in facts.waiting[:WAITING_ROWS]:
        subjects = ", ".join(named(i.id, i.host_name, 40) for i in confirmation.instances[:3])
        extra = len(confirmation.instances) - 3
        subjects += f" and {extra} more" if extra > 0 else ""
        whose = "yours" if confirmation.requester == facts.user else f"asked by {who(confirmation.requester)}"
        where = f" in <#{confirmation.channel_id}>" if confirmation.channel_id else ""
        until = moment(confirmation.expires_at)
        blocks.append(
            section(f"*{wording(confirmation.verb).label}* {subjects}: {whose}{where}, until {until}")
        )
    blocks.append(context("Confirm or cancel in the channel, where everyone sees it."))
    return blocks


def _mine(facts: HomeFacts) -> list[Block]:
    blocks = _heading("Your instances", len(facts.mine), min(len(facts.mine), MINE_ROWS))
    if facts.fleet_problem is not None:
        return [*blocks, context(f"The fleet could not be read: {literal(facts.fleet_problem, 200)}")]
    if not facts.mine:
        return [*blocks, context("None. `/nebula own <name>` makes an instance yours.")]
    rows = [_row(facts, i, f"mine:{n}") for n, i in enumerate(facts.mine[:MINE_ROWS])]
    return [
        *blocks,
        *rows,
        context("Use ⋯ to stop, start, reboot or delete: the usual confirmation follows."),
    ]


def _leases(facts: HomeFacts) -> list[Block]:
    blocks = _heading("Leases ending in the next 24 h", len(facts.leases), min(len(facts.leases), LEASE_ROWS))
    if not facts.leases:
        return [*blocks, context("None.")]
    for lease in facts.leases[:LEASE_ROWS]:
        then = "a reminder" if lease.action == "remind" else f"then {lease.action}"
        blocks.append(
            section(
                f"{named(lease.instance_id, lease.host_name, 40)} ends {moment(lease.ends_at)} ({then}), "
                f"set by {who(lease.set_by)}"
            )
        )
    return blocks


def _protected(facts: HomeFacts) -> list[Block]:
    count, shown = len(facts.protected), min(len(facts.protected), PROTECTED_ROWS)
    blocks = _heading("Protected", count, shown)
    if not facts.protected:
        return [*blocks, context("None.")]
    for protection in facts.protected[:PROTECTED_ROWS]:
        blocks.append(section(f"{named(protection.instance_id, None, 64)} {badge(protection)}"))
    return blocks


def _fleet(facts: HomeFacts) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), section("*The fleet now*")]
    if facts.cost is None:
        problem = literal(facts.fleet_problem or "not read yet", 200)
        return [*blocks, context(f"The fleet could not be read: {problem}")]
    cost = facts.cost
    blocks.append(
        section(
            f"{facts.running} running · {per_hour(cost.per_hour)} ({dollars(cost.per_day)} a day) · "
            f"{dollars(cost.so_far)} since they started"
        )
    )
    if facts.runway is not None:
        blocks.append(context(f"Credits: {runway_line(facts.runway, facts.now)}"))
    costliest = [_row(facts, use.instance, f"cost:{n}") for n, use in enumerate(cost.rows[:COSTLIEST])]
    if costliest:
        blocks.append(context(f"The {len(costliest)} costliest:"))
    return [*blocks, *costliest]
