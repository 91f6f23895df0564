"""What `/nebula` answers in a direct message to someone in several teams: each of their teams, with
its channels and where its fleet stands, and where to go to act (a DM belongs to no team)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.slack.messages.kit import Message, context, dollars, message, section
from bot.slack.messages.mrkdwn import literal

# Slack's 50 blocks per message: a header, a line per team, the hint. Beyond this, the Home tab.
TEAMS_SHOWN = 40
CHANNELS_SHOWN = 10


@dataclass(frozen=True)
class TeamLine:
    """One team as a person in it sees it from a DM."""

    name: str
    channels: Sequence[str]
    running: int | None  # None: the fleet could not be read (`problem` says why)
    per_hour: float | None
    waiting: int
    mine: int
    problem: str | None = None


def overview(lines: Sequence[TeamLine]) -> Message:
    """Each of the person's teams, grouped, with the channels to act in."""
    blocks: list[Block] = [HeaderBlock(text="Your Nebula teams")]
    for line in lines[:TEAMS_SHOWN]:
        blocks.append(section(_line(line)))
    more = f" ({len(lines) - TEAMS_SHOWN} more teams on your Home tab.)" if len(lines) > TEAMS_SHOWN else ""
    blocks.append(
        context(
            "A direct message belongs to no team: use `/nebula` in a team's channel to act. "
            f"The bot's Home tab shows each team's instances.{more}"
        )
    )
    names = ", ".join(line.name for line in lines)
    return message(f"Your Nebula teams: {names}", blocks)


def _line(line: TeamLine) -> str:
    shown = sorted(line.channels)[:CHANNELS_SHOWN]
    where = ", ".join(f"<#{c}>" for c in shown) or "no channel"
    if len(line.channels) > CHANNELS_SHOWN:
        where += f" and {len(line.channels) - CHANNELS_SHOWN} more"
    if line.running is None:
        fleet = f"fleet unreadable: {line.problem or 'Nebula did not answer'}"
    else:
        fleet = f"{line.running} running · {dollars(line.per_hour)}/h"
    extras = []
    if line.waiting:
        extras.append(f"{line.waiting} waiting for you")
    if line.mine:
        extras.append(f"{line.mine} yours")
    tail = "".join(f" · {e}" for e in extras)
    return f"*Team {literal(line.name, 80)}* · {where}\n{fleet}{tail}"
