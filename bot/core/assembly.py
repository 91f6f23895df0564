"""Wiring the core's parts to each other, once per process."""

from __future__ import annotations

import asyncio

from bot.core.access import Access
from bot.core.agreed import AgreedChanges
from bot.core.announce import Announcer
from bot.core.budgets import Budgets
from bot.core.changes import Changes
from bot.core.config import CoreConfig
from bot.core.decisions import Decisions
from bot.core.dispatch import Core
from bot.core.home import Home
from bot.core.lease_ends import LeaseEnds
from bot.core.leases import Leases
from bot.core.names import Names
from bot.core.owners import Owners
from bot.core.ownership_commands import OwnershipCommands
from bot.core.protection_commands import ProtectionCommands
from bot.core.protections import Protections
from bot.core.reads import Reads
from bot.core.reminders import Reminders
from bot.core.requests import Requests
from bot.core.schedule_runs import ScheduleRuns
from bot.core.schedules import Schedules
from bot.core.services import Services
from bot.core.sweeper import Sweeper
from bot.core.trail import Trail
from bot.core.undo import UndoWindow
from bot.core.watcher import Watcher
from bot.domain.policy import Identity, Rules
from bot.infra.clock import Clock
from bot.infra.health import Health
from bot.infra.inflight import InFlight
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaClient
from bot.nebula.fleet import Fleet
from bot.slack.directory import EmailDirectory
from bot.slack.replier import Replier
from bot.slack.usergroups import UserGroups
from bot.store.contract import Store
from bot.store.records import Records


def build_core(
    config: CoreConfig,
    *,
    rules: Rules,
    identity: Identity,
    nebula: NebulaClient,
    store: Store,
    replier: Replier,
    usergroups: UserGroups,
    directory: EmailDirectory,
    health: Health,
    inflight: InFlight,
    metrics: Metrics,
    clock: Clock,
    detail_slots: asyncio.Semaphore | None = None,
) -> Core:
    """The core, its parts sharing one `Services`; `detail_slots`, if given, bounds the fleet's detail
    reads together with other teams' cores."""
    records = Records(store)
    services = Services(
        config=config,
        clock=clock,
        access=Access(rules, identity, usergroups),
        nebula=nebula,
        store=store,
        records=records,
        replier=replier,
        trail=Trail(store, metrics, clock, source=config.source),
        announcer=Announcer(replier, config.audit_channel),
        protections=Protections(records, clock),
        owners=Owners(records, directory, clock),
        metrics=metrics,
        inflight=inflight,
        health=health,
    )
    fleet = Fleet(nebula, refresh=config.detail_refresh, clock=clock, slots=detail_slots)
    changes = Changes(services)
    undo = UndoWindow(services, changes=changes)
    requests = Requests(services)
    agreed = AgreedChanges(services, changes=changes)
    reminders = Reminders(services, fleet=fleet, requests=requests)
    budgets = Budgets(services, fleet=fleet)
    return Core(
        services=services,
        requests=requests,
        decisions=Decisions(services, changes=changes, undo=undo),
        changes=changes,
        undo=undo,
        reads=Reads(services, fleet=fleet),
        protection=ProtectionCommands(services, requests=requests),
        ownership=OwnershipCommands(services),
        reminders=reminders,
        leases=Leases(services, agreed=agreed, requests=requests),
        watcher=Watcher(
            services,
            fleet=fleet,
            reminders=reminders,
            lease_ends=LeaseEnds(services, agreed=agreed, fleet=fleet),
            schedule_runs=ScheduleRuns(services, agreed=agreed, fleet=fleet),
            budgets=budgets,
        ),
        sweeper=Sweeper(services, changes=changes, undo=undo),
        names=Names(services, fleet=fleet),
        home=Home(services, fleet=fleet),
        schedules=Schedules(services, agreed=agreed),
        budgets=budgets,
    )
