"""Building the core, in one place: each team's parts wired to each other, once per process.

Every part is given the collaborators it uses, by keyword. The families of words and of buttons are
given theirs by name, from what is built here: a new word is one new module in `bot.core.commands`,
whose constructor names what it needs.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.core import clicks, commands
from bot.core.clicks import ClickDesk
from bot.core.config import CoreConfig
from bot.core.confirmations import (
    AgreedChanges,
    Announcer,
    ApprovalDMs,
    Changes,
    Decisions,
    Executor,
    Lookup,
    Requests,
    Rulings,
    Sweeper,
    UndoWindow,
)
from bot.core.dispatch import Commands, Runner, Screen
from bot.core.fleet import Choices, FleetView, Home, Names, Reads
from bot.core.forged import Forged
from bot.core.front import Core
from bot.core.handling import Handling
from bot.core.home_channel import HomeChannel
from bot.core.launch import Follows, LaunchBook, Launches, LaunchForm, Offer, Sender
from bot.core.money import Accrual, Alerts, Billing, Costing, Credits, MoneyWatch, RunwayWatch, Standing
from bot.core.rails import Access, OwnChanges, Owners, Protections, Trail
from bot.core.team import Background, Team
from bot.core.watch import (
    Digests,
    FleetWatch,
    LeaseBook,
    LeaseEnds,
    Leases,
    ReminderBook,
    Reminders,
    ScheduleBook,
    ScheduleRuns,
    Schedules,
    Settlement,
    Watchdog,
    Watcher,
)
from bot.domain.policy import Identity, Rules
from bot.infra.clock import Clock, Pause
from bot.infra.health import Health
from bot.infra.inflight import InFlight
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaClient
from bot.nebula.fleet import Fleet
from bot.slack.directory import EmailDirectory
from bot.slack.outbox import Outbox
from bot.slack.replier import Replier
from bot.slack.usergroups import UserGroups
from bot.store import Records, Store, Trouble

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    """What every team's core shares in one process: Slack, and the process's own parts. Detail reads
    (`detail_slots`) are bounded for all teams together."""

    identity: Identity
    replier: Replier
    usergroups: UserGroups
    directory: EmailDirectory
    health: Health
    inflight: InFlight
    metrics: Metrics
    clock: Clock
    pause: Pause
    detail_slots: asyncio.Semaphore


@dataclass(frozen=True)
class Setup:
    """One team as its settings make it: its configuration and rules, its Nebula and its store."""

    config: CoreConfig
    rules: Rules
    nebula: NebulaClient
    store: Store


def store_health(team: str) -> str:
    """The part of the health that says whether `team`'s store can be written."""
    return f"store:{team}"


def watcher_health(team: str) -> str:
    """The part of the health that says whether `team`'s watcher runs its cycles."""
    return f"watcher:{team}"


def refusing(trouble: Trouble | None) -> str | None:
    """Why a new request is refused at once: a store that cannot be written (one merely busy is tried,
    and the request told if the write does not get through)."""
    return f"store cannot be written: {trouble.what}" if trouble is not None and not trouble.busy else None


def build_core(teams: Mapping[str, Setup], world: World, channels: Mapping[str, frozenset[str]]) -> Core:
    """The front door over every team's core."""
    return Core(
        teams={name: build_team(setup, world) for name, setup in teams.items()},
        outbox=Outbox(world.replier),
        inflight=world.inflight,
        clock=world.clock,
        channels=channels if len(teams) > 1 else {},
    )


def build_team(setup: Setup, world: World) -> Team:
    """One team's core."""
    config, rules, nebula, store = setup.config, setup.rules, setup.nebula, setup.store
    clock, metrics, inflight = world.clock, world.metrics, world.inflight
    parts: dict[str, Any] = {"config": config, "clock": clock, "metrics": metrics, "inflight": inflight}
    parts["outbox"] = outbox = Outbox(world.replier)
    parts["records"] = records = Records(store)
    parts["trail"] = Trail(store, metrics, clock, source=config.source)
    parts["access"] = access = Access(rules, world.identity, world.usergroups)
    parts["protections"] = Protections(records, clock)
    parts["owners"] = Owners(records, world.directory, clock)
    parts["billing"] = billing = Billing(
        nebula=nebula,
        records=records,
        clock=clock,
        shares_balance_with=config.shares_balance_with,
        own_instances=config.own_instances,
    )
    parts["standing"] = Standing(records=records, billing=billing, clock=clock, approvers=rules.approvers)
    parts["fleet"] = Fleet(nebula, refresh=config.detail_refresh, clock=clock, slots=world.detail_slots)
    make = _maker(parts)
    make(Credits, nebula=nebula)
    make(Costing)
    parts["changed"] = changed = OwnChanges(records=records, clock=clock)
    parts["view"] = FleetView(fleet=parts["fleet"], nebula=nebula, changed=changed, clock=clock)
    parts["confirmations"] = store
    make(Rulings)
    make(ApprovalDMs, _as="approval_dms", usergroups=world.usergroups)
    make(Announcer, outbox=outbox, audit_channel=config.audit_channel)
    make(Lookup, nebula=nebula)
    make(Executor, nebula=nebula, dry_run=config.dry_run)
    changes = make(Changes)
    window = make(UndoWindow, _as="window", seconds=config.undo_seconds)
    make(Requests)
    make(Decisions)
    make(AgreedChanges, _as="agreed")
    make(Settlement)
    lease_book = make(LeaseBook)
    make(Leases, book=lease_book)
    lease_ends = make(LeaseEnds, book=lease_book)
    schedule_book = make(ScheduleBook)
    make(Schedules, book=schedule_book)
    schedule_runs = make(ScheduleRuns, book=schedule_book)
    make(Reminders, book=make(ReminderBook))
    make(Offer, nebula=nebula)
    launch_book = make(LaunchBook)
    make(Sender, book=launch_book, nebula=nebula)
    make(Launches, book=launch_book)
    form = make(LaunchForm, book=launch_book)
    follows = make(Follows, book=launch_book, pause=world.pause)
    make(Accrual, team=config.team, own_instances=config.own_instances)
    make(Alerts)
    make(RunwayWatch)
    make(MoneyWatch)
    make(Digests, minute=config.digest_minute)
    fleet_watch = make(FleetWatch)
    watcher = make(
        Watcher,
        pause=world.pause,
        cycles=store,
        lease_ends=lease_ends,
        schedule_runs=schedule_runs,
        fleet_watch=fleet_watch,
    )
    sweeper = make(Sweeper)
    make(Choices)
    names = make(Names)
    make(Reads)
    home = make(Home)
    make(Handling)
    make(Forged)
    allowed = sorted(rules.allowed_channels)
    home_at = config.home_channel or config.watch_channel or (allowed[0] if allowed else None)
    make(HomeChannel, channel=home_at)
    words = parts["words"] = commands.every_word()
    said = [handler for family in commands.families() for handler in make(family).handlers()]
    screen = Screen(
        words=words,
        instants={spec.name: handler for spec, handler in said if spec.instant},
        access=access,
        metrics=metrics,
        store_problem=lambda: refusing(store.trouble),
    )
    runner = make(
        Runner, handlers={spec.name: handler for spec, handler in said if not spec.instant}, replay=store
    )
    parts["commands"] = make(Commands, screen=screen, runner=runner)
    pressed = [found for family in clicks.families() for found in make(family).handlers()]
    desk = make(
        ClickDesk,
        handlers={action: (spec, handler) for spec, handler in pressed for action in spec.action_ids},
    )
    watchdog = make(Watchdog, cycles=store)
    background = Background(
        watcher=watcher, watchdog=watchdog, sweeper=sweeper, changes=changes, window=window, follows=follows
    )
    return Team(config.team, words, access, parts["commands"], desk, names, home, background, form)


def _maker(parts: dict[str, Any]) -> Any:
    """Builds a part from `parts` by the names its constructor asks for (and `given`), and adds it to
    `parts` under its own name (or `_as`), for the parts built after it."""

    def make(kind: type[T], _as: str | None = None, **given: Any) -> T:
        wanted = [name for name in inspect.signature(kind).parameters if name not in given]
        missing = [name for name in wanted if name not in parts]
        if missing:
            raise TypeError(f"{kind.__name__} needs {', '.join(missing)}, which the core does not build")
        built = kind(**given, **{name: parts[name] for name in wanted})
        parts[_as or _name(kind)] = built
        return built

    return make


def _name(kind: type) -> str:
    """A part's name among the others: its class's name, in snake case (`UndoWindow` -> `undo_window`)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in kind.__name__).lstrip("_")
