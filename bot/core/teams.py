"""Several teams in one bot: which team's core serves a request, and the Home of someone in several.

A request is served by the team whose channel it came from, with that team's key, store and rules;
nothing of one team is reachable from another's channel. With one team (no NEBULA_BOT_TEAMS_FILE)
every channel is its, subject to its own NEBULA_BOT_ALLOWED_CHANNELS as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from slack_sdk.models.blocks import Block

from bot.core.dispatch import Core
from bot.core.home import REPUBLISH_EVERY
from bot.domain.policy import Actor
from bot.infra import logs
from bot.infra.throttle import Throttle
from bot.slack.errors import ReplyError
from bot.slack.messages.home import TEAM_BLOCK, home_blocks, not_allowed_view, teams_view
from bot.slack.messages.kit import notice
from bot.slack.messages.teams import TeamLine, overview
from bot.slack.replier import Destination, say

NO_TEAM: Final = "`/nebula` does not work in this channel."


@dataclass
class Teams:
    """Each team's core, by name, and the channels that belong to each."""

    cores: Mapping[str, Core]
    channels: Mapping[str, frozenset[str]] = field(default_factory=dict)
    _opened: set[str] = field(default_factory=set)
    _throttle: Throttle = field(default_factory=lambda: Throttle(REPUBLISH_EVERY))

    @property
    def first(self) -> Core:
        """The first team's core (the only one, without a teams file)."""
        return next(iter(self.cores.values()))

    @property
    def several(self) -> bool:
        """More than one team."""
        return len(self.cores) > 1

    def route(self, channel: str | None) -> Core | None:
        """The core of the team `channel` belongs to; None when it belongs to none."""
        if not self.several:
            return self.first
        for name, channels in self.channels.items():
            if channel in channels:
                return self.cores[name]
        return None

    def named(self, name: str) -> Core | None:
        """A team's core by its name."""
        return self.cores.get(name)

    def from_block(self, block_id: str | None) -> Core | None:
        """The core a Home menu acts for: named in its block (`team:<name>:…`), or the only one."""
        if not self.several:
            return self.first
        name = (block_id or "").removeprefix(TEAM_BLOCK).partition(":")[0]
        return self.named(name) if (block_id or "").startswith(TEAM_BLOCK) else None

    def where_to_use(self, actor: Actor) -> str:
        """For a request from a channel of no team: one line, naming no team unless they are the person's."""
        usable = [
            f"{name}: " + ", ".join(f"<#{c}>" for c in sorted(self.channels.get(name, ())))
            for name, core in self.cores.items()
            if core.services.access.may_see(actor).allowed
        ]
        if actor.channel_id and actor.channel_id.startswith("D") and usable:
            return f"{NO_TEAM} Your teams' channels: " + "; ".join(usable) + "."
        return NO_TEAM

    def in_direct_message(self, actor: Actor) -> bool:
        """A request from a DM to a bot of several teams (a DM belongs to none of them)."""
        return self.several and (actor.channel_id or "").startswith("D")

    async def overview(self, actor: Actor, to: Destination) -> None:
        """`/nebula` in a DM: each team `actor` may see, grouped, with its channels and its fleet; nothing
        is acted on, since a DM belongs to no team."""
        lines = []
        for name, core in self.cores.items():
            facts = await core.home.facts(actor)
            if isinstance(facts, str):
                continue
            lines.append(
                TeamLine(
                    name=name,
                    channels=sorted(self.channels.get(name, ())),
                    running=None if facts.cost is None else facts.running,
                    per_hour=None if facts.cost is None else facts.cost.per_hour,
                    waiting=len(facts.waiting),
                    mine=len(facts.mine),
                    problem=facts.fleet_problem,
                )
            )
        logs.event("teams.overview", user=actor.user_id, channel=actor.channel_id, teams=len(lines))
        await say(self.first.services.replier, to, overview(lines) if lines else notice(NO_TEAM))

    async def home_opened(self, actor: Actor) -> None:
        """`app_home_opened`: the person's Home, every team they are in grouped under its name."""
        if not self.several:
            await self.first.home.opened(actor)
            return
        self._opened.add(actor.user_id)
        await self._publish(actor)

    def home_changed(self, actor: Actor) -> None:
        """After a change `actor` made: their Home again, at most once in a while."""
        if not self.several:
            self.first.home.refresh(actor)
        elif actor.user_id in self._opened:
            self._throttle.ask(actor.user_id, lambda: self._publish(actor))

    async def _publish(self, actor: Actor) -> None:
        parts: list[tuple[str, list[Block]]] = []
        why = ""
        for name, core in self.cores.items():
            facts = await core.home.facts(actor)
            if isinstance(facts, str):
                why = why or facts
                continue
            parts.append((name, home_blocks(dataclasses.replace(facts, team=name))))
        now = self.first.services.clock()
        view = teams_view(now, parts) if parts else not_allowed_view(why or NO_TEAM)
        try:
            await self.first.services.replier.publish_home(actor.user_id, view)
        except ReplyError as exc:
            logs.warning("home.publish_failed", user=actor.user_id, error=str(exc))
        finally:
            self._throttle.done(actor.user_id)
        logs.event("home.published", user=actor.user_id, teams=len(parts))
