"""One team's core, as the front door sees it: a command, a click, an options request, the message
shortcut, its part of a Home tab; and the work it does by itself (`Background`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from slack_sdk.models.blocks import Option

from bot.core.clicks import Click, ClickDesk, Family
from bot.core.commands import Words
from bot.core.confirmations import Changes, Sweep, Sweeper, UndoWindow
from bot.core.dispatch import Commands, Screened
from bot.core.fleet import Home, Names
from bot.core.launch import Follows, LaunchForm, Taken
from bot.core.rails import Access
from bot.core.watch import Cycle, Watchdog, Watcher
from bot.domain.confirmation import Confirmation
from bot.domain.launch import Submitted
from bot.domain.policy import Actor
from bot.slack.messages.choices import PICK_BLOCK
from bot.slack.messages.home import HomeFacts
from bot.slack.messages.kit import Message
from bot.slack.replier import Destination, Opened


class Background:
    """What a team's core does by itself: the watcher's cycles, the sweeper's passes, and what must
    happen to changes in flight when the bot stops."""

    def __init__(
        self,
        *,
        watcher: Watcher,
        watchdog: Watchdog,
        sweeper: Sweeper,
        changes: Changes,
        window: UndoWindow,
        follows: Follows,
    ) -> None:
        self._follows = follows
        self._watcher = watcher
        self._watchdog = watchdog
        self._sweeper = sweeper
        self._changes = changes
        self._window = window

    async def watch_until(self, stop: asyncio.Event) -> None:
        """The watcher's cycles, one at the start of each interval, until `stop` is set."""
        await self._watcher.run_until(stop)

    async def sweep_until(self, stop: asyncio.Event) -> None:
        """The sweeper's passes until `stop` is set."""
        await self._sweeper.run_until(stop)

    async def follow_until(self, stop: asyncio.Event) -> None:
        """The launches' follow-up passes until `stop` is set."""
        await self._follows.run_until(stop)

    async def follow(self) -> int:
        """One pass over the open launches, now; how many were open."""
        return await self._follows.step()

    async def tick(self) -> Cycle | None:
        """This interval's cycle, unless another replica has run it."""
        return await self._watcher.tick()

    async def cycle(self) -> Cycle:
        """One watcher cycle, now."""
        return await self._watcher.cycle()

    async def watcher_problem(self, up_since: float) -> str | None:
        """Whether some process runs this team's watcher cycles (None), or what is wrong; said once in
        the watch channel, and again when they resume."""
        return await self._watchdog.look(up_since)

    async def sweep(self) -> Sweep:
        """One sweeper pass, now."""
        return await self._sweeper.sweep()

    async def armed(self) -> list[tuple[Confirmation, float]]:
        """The changes this process will send when their undo windows end, with the seconds left."""
        return await self._window.armed()

    async def wait_armed(self) -> None:
        """Until every change armed here has been sent (or undone)."""
        await self._window.wait_armed()

    def disarm(self) -> None:
        """At shutdown: the undo windows' sends are left to the sweeper after a restart."""
        self._window.disarm()

    async def abandon(self) -> tuple[int, list[asyncio.Task[object]]]:
        """At shutdown, past the drain: say "outcome unknown" for what Nebula has not answered. How many
        were, and the tasks still carrying changes out (to be cancelled)."""
        return await self._changes.abandon(), self._changes.running_tasks()

    async def save_outcomes(self) -> int:
        """Keep in the store every outcome known and not yet kept; how many still wait."""
        return await self._changes.save_outcomes()


@dataclass(frozen=True)
class Team:
    """A team's narrow API."""

    name: str
    words: Words
    access: Access
    commands: Commands
    clicks: ClickDesk
    names: Names
    home: Home
    background: Background
    form: LaunchForm

    def screen(self, actor: Actor, text: str) -> Screened | Message:
        """What `/nebula <text>` is answered at once (see `bot.core.dispatch.Screen`)."""
        return self.commands.screen(actor, text)

    async def run(self, actor: Actor, screened: Screened, to: Destination, trigger_id: str | None) -> None:
        """A screened command, after the ack."""
        await self.commands.run(actor, screened, to, trigger_id)

    async def click(self, actor: Actor, to: Destination, click: Click) -> Family | None:
        """A press on one of the bot's controls."""
        return await self.clicks.click(actor, to, click)

    async def submission(self, actor: Actor, form: Submitted) -> Taken:
        """A launch form sent: checked now (errors under its fields), carried out after the ack."""
        return await self.form.submitted(actor, form)

    async def form_changed(self, actor: Actor, opened: Opened, form: Submitted) -> None:
        """A choice made in an open launch form."""
        await self.form.changed(actor, opened, form)

    async def options(self, actor: Actor, block_id: str, typed: str) -> list[Option]:
        """The options of a menu searched as one types (`block_id` names the word it picks for)."""
        spec = self.words.find(block_id.removeprefix(PICK_BLOCK)) if block_id.startswith(PICK_BLOCK) else None
        if spec is None or spec.fits is None:
            return []
        return await self.names.options(actor, spec.name, spec.fits, typed)

    async def shortcut(self, actor: Actor, to: Destination, text: str) -> None:
        """The message shortcut on a message saying `text`."""
        await self.clicks.shortcut(actor, to, text)

    async def facts(self, actor: Actor) -> HomeFacts | str:
        """What `actor`'s Home shows of this team, or why they may not see it."""
        return await self.home.facts(actor)
