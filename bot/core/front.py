"""The core's front door: what listeners, the shell and tests reach, and nothing else.

A request is served by the team whose channel it came from, with that team's key, store and rules;
nothing of one team is reachable from another's channel. With one team (no NEBULA_BOT_TEAMS_FILE)
every channel is its, subject to its own NEBULA_BOT_ALLOWED_CHANNELS. A direct message belongs to no
team: `/nebula` there shows the person's teams. The Home tab shows every team the person is in, and is
published here, when opened and a few seconds after a change the person made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from slack_sdk.models.blocks import Block, Option

from bot.core.clicks import Click
from bot.core.confirmations import Sweep
from bot.core.launch import Taken
from bot.core.team import Team
from bot.core.watch import Cycle
from bot.domain.launch import Field, Submitted
from bot.domain.policy import Actor
from bot.infra import logs
from bot.infra.clock import Clock
from bot.infra.inflight import InFlight
from bot.infra.throttle import Throttle
from bot.nebula.gate import acting_for
from bot.slack.messages.home import TEAM_BLOCK, home_blocks, home_view, not_allowed_view, teams_view
from bot.slack.messages.kit import Message, notice
from bot.slack.messages.teams import TeamLine, overview
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination, Opened

NO_TEAM: Final = "`/nebula` does not work in this channel."
# A person's Home is republished at most this often (views.publish allows about 100 a minute per app).
REPUBLISH_EVERY: Final = 5.0


@dataclass(frozen=True)
class Answer:
    """What a slash command gets: an answer in the ack itself (or none), and the work that follows it."""

    now: Message | None = None
    later: Coroutine[Any, Any, None] | None = None


@dataclass
class Core:
    """Every team's core, by name, and the channels that belong to each."""

    teams: Mapping[str, Team]
    outbox: Outbox
    inflight: InFlight
    clock: Clock
    channels: Mapping[str, frozenset[str]] = field(default_factory=dict)
    _opened: set[str] = field(default_factory=set)
    _throttle: Throttle = field(default_factory=lambda: Throttle(REPUBLISH_EVERY))

    @property
    def first(self) -> Team:
        """The first team (the only one, without a teams file)."""
        return next(iter(self.teams.values()))

    @property
    def several(self) -> bool:
        """More than one team."""
        return len(self.teams) > 1

    @property
    def action_ids(self) -> tuple[str, ...]:
        """The action ids of every button family (each team's core answers the same)."""
        return self.first.clicks.action_ids

    def team(self, name: str | None = None) -> Team:
        """A team by its name (the first, unnamed)."""
        return self.first if name is None else self.teams[name]

    def route(self, channel: str | None) -> Team | None:
        """The team `channel` belongs to; None when it belongs to none."""
        if not self.several:
            return self.first
        for name, channels in self.channels.items():
            if channel in channels:
                return self.teams[name]
        return None

    def command(self, actor: Actor, text: str, to: Destination, trigger_id: str | None) -> Answer:
        """`/nebula <text>`: what the ack answers at once, and what is done after it."""
        team = self.route(actor.channel_id)
        if team is None and self.several and (actor.channel_id or "").startswith("D"):
            return Answer(later=self._overview(actor, to))  # the person's teams, grouped
        if team is None:
            return Answer(Message(self._where_to_use(actor)))  # a channel of no team: one line
        screened = team.screen(actor, text)
        if isinstance(screened, Message):
            return Answer(screened)
        now = notice(screened.note) if screened.note else None
        return Answer(now, team.run(actor, screened, to, trigger_id))

    async def click(self, actor: Actor, to: Destination, click: Click) -> None:
        """A press on one of the bot's controls (in another team's channel, nothing is found)."""
        team = self._team_of(actor, click)
        if team is None:
            logs.warning("click.no_team", user=actor.user_id, channel=actor.channel_id)
            return
        pressed = await team.click(actor, to, click)
        if pressed is not None and pressed.refreshes_home:
            self._home_changed(actor)

    async def options(self, actor: Actor, block_id: str, typed: str) -> list[Option]:
        """The options of a menu searched as one types."""
        team = self.route(actor.channel_id)
        return [] if team is None else await team.options(actor, block_id, typed)

    async def shortcut(self, actor: Actor, to: Destination, text: str) -> None:
        """The message shortcut on a message saying `text`."""
        team = self.route(actor.channel_id)
        if team is None:
            await self.outbox.reply(to, notice(self._where_to_use(actor)))
            return
        await team.shortcut(actor, to, text)

    async def home_opened(self, actor: Actor) -> None:
        """`app_home_opened`: the person's Home, every team they are in under its name."""
        self._opened.add(actor.user_id)
        await self._publish(actor)

    async def cycle(self, team: str | None = None) -> Cycle:
        """One watcher cycle of a team (the first, unnamed), now."""
        return await self.team(team).background.cycle()

    async def tick(self, team: str | None = None) -> Cycle | None:
        """A team's cycle of this interval, unless another replica has run it."""
        return await self.team(team).background.tick()

    async def sweep(self, team: str | None = None) -> Sweep:
        """One sweeper pass of a team, now."""
        return await self.team(team).background.sweep()

    async def submission(self, actor: Actor, form: Submitted) -> Taken:
        """A launch form sent: checked within Slack's 3 seconds by the team of the channel it was opened
        for; errors under its fields, or the work to do after the ack."""
        team = self.route(form.channel_id)
        if team is None:
            return Taken({Field.GPU.value: "This form belongs to a channel the bot does not serve."})
        return await team.submission(dataclasses.replace(actor, channel_id=form.channel_id), form)

    async def form_changed(self, actor: Actor, opened: Opened, form: Submitted) -> None:
        """A choice made in an open launch form: the form follows it."""
        team = self.route(form.channel_id)
        if team is not None:
            await team.form_changed(dataclasses.replace(actor, channel_id=form.channel_id), opened, form)

    async def follow(self, team: str | None = None) -> int:
        """One pass over a team's open launches, now; how many were open."""
        return await self.team(team).background.follow()

    def _team_of(self, actor: Actor, click: Click) -> Team | None:
        """The team a press is for: its channel's, or, from a Home tab (no channel), the one its block
        names (`team:<name>:…`)."""
        if not self.several:
            return self.first
        if actor.channel_id:
            return self.route(actor.channel_id)
        block = click.block_id or ""
        name = block.removeprefix(TEAM_BLOCK).partition(":")[0]
        return self.teams.get(name) if block.startswith(TEAM_BLOCK) else None

    def _where_to_use(self, actor: Actor) -> str:
        """For a request from a channel of no team: one line, naming no team unless they are the person's."""
        usable = [
            f"{name}: " + ", ".join(f"<#{c}>" for c in sorted(self.channels.get(name, ())))
            for name, team in self.teams.items()
            if team.access.may_see(actor).allowed
        ]
        if actor.channel_id and actor.channel_id.startswith("D") and usable:
            return f"{NO_TEAM} Your teams' channels: " + "; ".join(usable) + "."
        return NO_TEAM

    async def _overview(self, actor: Actor, to: Destination) -> None:
        """`/nebula` in a DM: each team `actor` may see, grouped, with its channels and its fleet; nothing
        is acted on, since a DM belongs to no team."""
        lines = []
        for name, team in self.teams.items():
            facts = await team.facts(actor)
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
        await self.outbox.reply(to, overview(lines) if lines else notice(NO_TEAM))

    def _home_changed(self, actor: Actor) -> None:
        """After a change `actor` made: their Home again (if they use it), at most once in a while."""
        if actor.user_id in self._opened:
            self._throttle.ask(actor.user_id, lambda: self._publish(actor))

    async def _publish(self, actor: Actor) -> None:
        """Gather `actor`'s Home and publish it; a failure is logged, never raised or retried."""
        async with self.inflight.track():
            with acting_for(actor.user_id):
                try:
                    view = await self._view(actor)
                    published = await self.outbox.publish_home(actor.user_id, view)
                except Exception:  # a bug must not take the listener down; the person sees the old Home
                    logs.failure("home.failed", user=actor.user_id)
                    return
                finally:
                    self._throttle.done(actor.user_id)
        if published:
            logs.event("home.published", user=actor.user_id, teams=len(self.teams), outcome="published")

    async def _view(self, actor: Actor) -> dict[str, object]:
        if not self.several:
            facts = await self.first.facts(actor)
            return not_allowed_view(facts) if isinstance(facts, str) else home_view(facts)
        parts: list[tuple[str, list[Block]]] = []
        why = ""
        for name, team in self.teams.items():
            facts = await team.facts(actor)
            if isinstance(facts, str):
                why = why or facts
                continue
            parts.append((name, home_blocks(dataclasses.replace(facts, team=name))))
        return teams_view(self.clock(), parts) if parts else not_allowed_view(why or NO_TEAM)
