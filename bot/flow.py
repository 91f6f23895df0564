"""Everything `/nebula` does: list, show, and the confirmable actions (delete, stop, start, reboot).

Knows nothing of Bolt. Slack handlers call `screen` while acknowledging (pure, instant), then the
async methods after the ack. The one rule that makes state changes trustworthy lives in `confirm`:
the store's atomic claim comes first, and only its single winner calls Nebula. Every step of a
confirmable action leaves an audit record.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot import blocks, logs
from bot.audit import AuditRecord
from bot.blocks import Message
from bot.commands import USAGE as USAGE_TEXT
from bot.commands import (
    ActionCommand,
    Command,
    HelpCommand,
    ListCommand,
    ShowCommand,
    UsageError,
    is_valid_instance_id,
    parse,
)
from bot.confirmations import (
    ConfirmationStore,
    InstanceOutcome,
    PendingAction,
    Record,
    State,
    new_confirmation_id,
)
from bot.inflight import InFlight
from bot.metrics import Metrics
from bot.nebula import Instance, NebulaClient, NebulaError, NebulaNotFound, NebulaOutcomeUnknown
from bot.policy import (
    Actor,
    Decision,
    Identity,
    Rules,
    approvers_text,
    may_cancel,
    may_confirm,
    may_request,
    screen,
)
from bot.replies import Destination, Replier, ReplyError
from bot.usergroups import UserGroups
from bot.verbs import VERBS, Verb

Clock = Callable[[], float]

_DECIDED_WORDS = {
    State.CLAIMED: "confirmed and is being carried out (its outcome is posted here when Nebula answers; "
    "if nothing appears, check the Nebula console)",
    State.DONE: "carried out",
    State.CANCELLED: "cancelled",
    State.EXPIRED: "expired",
}

SYSTEM_ACTOR = "system"

# Audit steps that are also a confirmation's outcome on the metrics dashboard.
_COUNTED_STEPS = {
    "requested": "requested",
    "outcome": "executed",
    "recovered": "recovered",
    "cancelled": "cancelled",
    "expired": "expired",
    "refused": "refused",
}


@dataclass(frozen=True)
class FlowConfig:
    """The parts of the settings the flow needs."""

    rules: Rules
    confirm_ttl: int
    nebula_timeout: float
    audit_channel: str | None = None
    dry_run: bool = False

    @property
    def stale_claim_after(self) -> float:
        """Seconds after which a claim with no outcome cannot still be in flight on any replica."""
        # A live replica finishes within: the DELETE, the follow-up read, and some slack.
        return 2 * self.nebula_timeout + 60


class ActionFlow:
    """Everything between a `/nebula` command and Nebula's answer in the channel."""

    def __init__(
        self,
        config: FlowConfig,
        identity: Identity,
        nebula: NebulaClient,
        store: ConfirmationStore,
        replier: Replier,
        usergroups: UserGroups,
        inflight: InFlight,
        metrics: Metrics,
        clock: Clock = time.time,
    ) -> None:
        self._metrics = metrics
        self._config = config
        self._rules = config.rules
        self._identity = identity
        self._nebula = nebula
        self._store = store
        self._replier = replier
        self._usergroups = usergroups
        self._inflight = inflight
        self._clock = clock

    def screen(self, actor: Actor, text: str) -> Command | Message:
        """Decide instantly, with no I/O, whether a command goes ahead; if not, the ephemeral answer."""
        parsed = parse(text)
        if isinstance(parsed, HelpCommand):
            self._metrics.commands.labels("help", "help").inc()
            return blocks.notice(USAGE_TEXT)
        if isinstance(parsed, UsageError):
            self._metrics.commands.labels("invalid", "usage").inc()
            logs.event("command.rejected", user=actor.user_id, channel=actor.channel_id, outcome="usage")
            return blocks.notice(parsed.message)
        verb = (
            parsed.verb.name
            if isinstance(parsed, ActionCommand)
            else "list"
            if isinstance(parsed, ListCommand)
            else "show"
        )
        screened = screen(self._rules, self._identity, actor)
        self._metrics.commands.labels(verb, "accepted" if screened.allowed else "refused").inc()
        if not screened.allowed:
            logs.event(
                "command.refused",
                user=actor.user_id,
                team=actor.team_id,
                channel=actor.channel_id,
                outcome="refused",
                detail=screened.reason,
            )
            return blocks.notice(screened.reason)
        return parsed

    async def run(self, actor: Actor, command: Command, to: Destination) -> None:
        """Carry out a screened command, after the ack."""
        if isinstance(command, ActionCommand):
            await self.request(actor, command, to)
        elif isinstance(command, ListCommand):
            await self.list_page(actor, 0, to)
        elif isinstance(command, ShowCommand):
            await self.show(actor, command.instance_id, to)

    async def list_page(self, actor: Actor, offset: int, to: Destination, *, replace: bool = False) -> None:
        """One page of the team's instances, ephemeral; `replace` swaps it for the page the user had."""
        async with self._inflight.track(), self._guard(to, actor):
            if not await self._may_read(actor, to):
                return
            try:
                page = await self._nebula.list_instances(blocks.LIST_PAGE_SIZE, max(0, offset))
            except NebulaError as exc:
                logs.warning(
                    "list.failed", user=actor.user_id, channel=actor.channel_id, error=type(exc).__name__
                )
                await self._reply(to, blocks.notice(f"Could not list instances: {exc.user_message}"))
                return
            logs.event("list.shown", user=actor.user_id, channel=actor.channel_id, count=len(page.instances))
            await self._reply(to, blocks.instance_list(page, max(0, offset)), replace_original=replace)

    async def show(self, actor: Actor, instance_id: str, to: Destination) -> None:
        """One instance's details, ephemeral."""
        async with self._inflight.track(), self._guard(to, actor):
            if not await self._may_read(actor, to):
                return
            try:
                instance = await self._nebula.get_instance(instance_id)
            except NebulaNotFound:
                await self._reply(to, blocks.notice(f"No instance `{instance_id}`."))
                return
            except NebulaError as exc:
                await self._reply(to, blocks.notice(f"Could not look up `{instance_id}`: {exc.user_message}"))
                return
            logs.event("show.shown", user=actor.user_id, channel=actor.channel_id, instance=instance_id)
            await self._reply(to, blocks.instance_details(instance))

    async def menu(self, actor: Actor, choice: str, to: Destination) -> None:
        """A choice in a listed instance's menu (`verb:id`): the same confirmation as the slash command."""
        verb_name, _, instance_id = choice.partition(":")
        if verb_name not in VERBS or not is_valid_instance_id(instance_id):
            logs.warning("menu.invalid", user=actor.user_id, channel=actor.channel_id)
            await self._reply(to, blocks.notice("That choice is not one the bot offered; nothing was done."))
            return
        await self.request(actor, ActionCommand(VERBS[verb_name], (instance_id,)), to)

    async def _may_read(self, actor: Actor, to: Destination) -> bool:
        # Listing shows addresses and costs: the same people who may act may look.
        actor = await self._with_groups(actor)
        decision = may_request(self._rules, self._identity, actor)
        if not decision.allowed:
            logs.event("read.refused", user=actor.user_id, channel=actor.channel_id, outcome="not_allowed")
            await self._reply(to, blocks.notice(decision.reason))
        return decision.allowed

    async def request(self, actor: Actor, command: ActionCommand, to: Destination) -> None:
        """Check the requester, look the instances up, and post the confirmation in the channel."""
        async with self._inflight.track(), self._guard(to, actor):
            actor = await self._with_groups(actor)
            verb = command.verb
            ids = command.instance_ids
            decision = may_request(self._rules, self._identity, actor)
            if not decision.allowed:
                await self._refuse(actor, decision, to, verb=verb, instance=",".join(ids))
                return
            looked_up = await asyncio.gather(*(self._look_up(iid) for iid in ids))
            missing = [iid for iid, found in zip(ids, looked_up, strict=True) if found is None]
            errors = [found for found in looked_up if isinstance(found, NebulaError)]
            if missing or errors:
                text = (
                    "No instance " + ", ".join(f"`{iid}`" for iid in missing) + "."
                    if missing
                    else f"Could not look up {', '.join(f'`{iid}`' for iid in ids)}: {errors[0].user_message}"
                )
                await self._trail(
                    "lookup",
                    "not_found" if missing else "error",
                    actor,
                    verb=verb,
                    instance=",".join(ids),
                    message=text,
                    warn=bool(errors),
                )
                await self._reply(to, blocks.notice(text))
                return
            now = self._clock()
            action = PendingAction(
                id=new_confirmation_id(),
                verb=verb.name,
                instances=tuple(found for found in looked_up if isinstance(found, Instance)),
                requester=actor.user_id,
                team_id=actor.team_id or "",
                channel_id=actor.channel_id or "",
                response_url=to.response_url or "",
                created_at=now,
                expires_at=now + self._config.confirm_ttl,
            )
            await self._store.add(action)
            await self._trail("requested", "pending", actor, action=action)
            approval = approvers_text(self._rules) if self._rules.needs_approval else None
            await self._reply(
                to, blocks.confirmation(action, approval, dry_run=self._config.dry_run), in_channel=True
            )

    async def _look_up(self, instance_id: str) -> Instance | NebulaError | None:
        """The instance, None when Nebula does not know it, or the error that stopped the lookup."""
        try:
            return await self._nebula.get_instance(instance_id)
        except NebulaNotFound:
            return None
        except NebulaError as exc:
            return exc

    async def confirm(self, actor: Actor, confirmation_id: str, to: Destination) -> None:
        """A click on Delete: claim atomically, then call Nebula once, then post the outcome."""
        async with self._inflight.track(), self._guard(to, actor):
            record = await self._decidable(actor, confirmation_id, to, may_confirm)
            if record is None:
                return
            transition = await self._store.decide(
                confirmation_id, State.CLAIMED, actor.user_id, self._clock()
            )
            if not transition.won:
                await self._lost(actor, confirmation_id, transition.record, to)
                return
            action = record.action
            await self._trail("confirmed", "claimed", actor, action=action)
            await self._reply(to, blocks.in_progress(action, actor.user_id), replace_original=True)
            outcomes = await asyncio.gather(
                *(self._perform(action, actor, iid) for iid in action.instance_ids)
            )
            await self._store.finish(confirmation_id, tuple(outcomes))
            await self._announce(action, actor.user_id, tuple(outcomes), to)

    async def _perform(self, action: PendingAction, actor: Actor, instance_id: str) -> InstanceOutcome:
        started = time.monotonic()
        if self._config.dry_run:
            would = f"Dry run: would have sent {self._nebula.describe(action.verb, instance_id)}"
            await self._trail(
                "executed", "dry_run", actor, action=action, instance=instance_id, message=would
            )
            return InstanceOutcome(instance_id, "dry run", would)
        try:
            result = await self._nebula.perform(action.verb, instance_id)
        except NebulaNotFound as exc:
            said = f" Nebula said: {exc.nebula_message}" if exc.nebula_message else ""
            hint = " (already deleted?)" if action.verb == "delete" else ""
            outcome = InstanceOutcome(
                instance_id, "failed", f"Nebula does not know this instance{hint}.{said}", exc.http_status
            )
        except NebulaOutcomeUnknown as exc:
            outcome = InstanceOutcome(
                instance_id, "unknown", f"{exc.user_message} {await self._now_true(action.verb, instance_id)}"
            )
        except NebulaError as exc:
            outcome = InstanceOutcome(instance_id, "failed", exc.user_message, exc.http_status)
        else:
            outcome = InstanceOutcome(instance_id, result.status, result.message, result.http_status)
        await self._trail(
            "executed",
            outcome.status,
            actor,
            action=action,
            instance=instance_id,
            message=outcome.message,
            latency_ms=round((time.monotonic() - started) * 1000),
            warn=outcome.status != "success",
        )
        return outcome

    async def _now_true(self, verb: str, instance_id: str) -> str:
        """After a state change with no answer, one read to tell the user what is true now."""
        try:
            instance = await self._nebula.get_instance(instance_id)
        except NebulaNotFound:
            return "Checked afterwards: the instance is gone."
        except NebulaError:
            return "Checked afterwards: still unknown (Nebula did not answer the check either)."
        # After a delete, any status means it survived; after a power action, the status is the answer.
        still = "still" if verb == "delete" else "now"
        return f"Checked afterwards: the instance is {still} {instance.status or 'listed'}."

    async def _announce(
        self,
        action: PendingAction,
        confirmer: str,
        outcomes: tuple[InstanceOutcome, ...],
        to: Destination,
        step: str = "outcome",
    ) -> None:
        """Post the outcome in the channel (and the audit channel) and record it as `step`."""
        message = blocks.outcome(action, confirmer, outcomes)
        statuses = {o.status for o in outcomes}
        summary = "success" if statuses == {"success"} else "unknown" if statuses == {"unknown"} else "failed"
        text = " ".join(f"{o.instance_id}: {o.status}: {o.message}" for o in outcomes)
        await self._trail(step, summary, None, action=action, actor_id=confirmer, message=text)
        await self._reply(to, message, in_channel=True)
        if self._config.audit_channel:
            try:
                await self._replier.post(self._config.audit_channel, message)
            except ReplyError as exc:
                logs.warning("audit_channel.post_failed", channel=self._config.audit_channel, error=str(exc))

    async def cancel(self, actor: Actor, confirmation_id: str, to: Destination) -> None:
        """A click on Cancel: the confirmation can no longer be carried out."""
        async with self._inflight.track(), self._guard(to, actor):
            record = await self._decidable(actor, confirmation_id, to, may_cancel)
            if record is None:
                return
            transition = await self._store.decide(
                confirmation_id, State.CANCELLED, actor.user_id, self._clock()
            )
            if not transition.won:
                await self._lost(actor, confirmation_id, transition.record, to)
                return
            await self._trail("cancelled", "cancelled", actor, action=record.action)
            await self._reply(to, blocks.cancelled(record.action, actor.user_id), replace_original=True)

    async def _decidable(
        self,
        actor: Actor,
        confirmation_id: str,
        to: Destination,
        rule: Callable[[Rules, Identity, Actor, PendingAction], Decision],
    ) -> Record | None:
        """The record if `actor` may act on it under `rule`; otherwise tell them why not, and None."""
        record = await self._store.get(confirmation_id)
        if record is None:
            logs.event("click.unknown", user=actor.user_id, channel=actor.channel_id, outcome="unknown")
            await self._reply(to, blocks.unknown_confirmation())
            return None
        actor = await self._with_groups(actor)
        decision = rule(self._rules, self._identity, actor, record.action)
        if not decision.allowed:
            await self._refuse(actor, decision, to, action=record.action)
            return None
        return record

    async def _lost(self, actor: Actor, confirmation_id: str, record: Record | None, to: Destination) -> None:
        """Someone else decided first, or time ran out: say so, and never act."""
        if record is None:
            await self._reply(to, blocks.unknown_confirmation())
            return
        if record.state is State.PENDING:
            # Still pending yet not claimable: it is past its expiry. Close it for good.
            transition = await self._store.decide(confirmation_id, State.EXPIRED, SYSTEM_ACTOR, self._clock())
            if transition.won:
                await self._trail("expired", "expired", actor, action=record.action)
            await self._reply(to, blocks.expired(record.action), replace_original=True)
            return
        if record.state is State.EXPIRED:
            await self._reply(to, blocks.expired(record.action), replace_original=True)
            return
        logs.event(
            "click.duplicate",
            user=actor.user_id,
            channel=actor.channel_id,
            confirmation=confirmation_id,
            outcome=record.state.value,
        )
        await self._reply(to, blocks.already_decided(_DECIDED_WORDS[record.state]))

    async def expire_overdue(self) -> int:
        """Close confirmations whose time ran out and take their buttons away. Returns how many."""
        async with self._inflight.track():
            closed = 0
            for record in await self._store.overdue(self._clock()):
                action = record.action
                transition = await self._store.decide(action.id, State.EXPIRED, SYSTEM_ACTOR, self._clock())
                if not transition.won:
                    continue
                closed += 1
                await self._trail("expired", "expired", None, action=action, actor_id=SYSTEM_ACTOR)
                await self._reply(self._origin(action), blocks.expired(action), replace_original=True)
            return closed

    async def recover_stale_claims(self) -> int:
        """Report claims that a crash left without an outcome. They are never executed again."""
        async with self._inflight.track():
            reported = 0
            cutoff = self._clock() - self._config.stale_claim_after
            for record in await self._store.stale_claims(cutoff):
                action = record.action
                outcomes = tuple(
                    InstanceOutcome(
                        iid,
                        "unknown",
                        "The bot stopped before Nebula's answer was recorded: "
                        "outcome unknown: check with the Nebula console.",
                    )
                    for iid in action.instance_ids
                )
                # finish() is a compare-and-set too: one replica reports, the others skip.
                if not await self._store.finish(action.id, outcomes):
                    continue
                reported += 1
                await self._announce(
                    action, record.actor or action.requester, outcomes, self._origin(action), step="recovered"
                )
            return reported

    @asynccontextmanager
    async def _guard(self, to: Destination, actor: Actor) -> AsyncIterator[None]:
        """After the ack, nobody else will tell the user: a bug or a dead store must not mean silence."""
        try:
            yield
        except Exception:
            logs.failure("flow.failed", user=actor.user_id, channel=actor.channel_id)
            await self._reply(to, blocks.internal_error())

    def _origin(self, action: PendingAction) -> Destination:
        """Where the confirmation was posted: its command's response_url, then the channel."""
        return Destination(action.response_url or None, action.channel_id, action.requester)

    async def _with_groups(self, actor: Actor) -> Actor:
        groups = self._rules.groups_to_resolve
        if not groups:
            return actor
        return dataclasses.replace(actor, groups=await self._usergroups.groups_of(actor.user_id, groups))

    async def _refuse(
        self,
        actor: Actor,
        decision: Decision,
        to: Destination,
        *,
        verb: Verb | None = None,
        instance: str | None = None,
        action: PendingAction | None = None,
    ) -> None:
        await self._trail(
            "refused",
            "not_allowed",
            actor,
            action=action,
            verb=verb,
            instance=instance,
            message=decision.reason,
        )
        await self._reply(to, blocks.notice(decision.reason))

    async def _trail(
        self,
        step: str,
        outcome: str,
        actor: Actor | None,
        *,
        action: PendingAction | None = None,
        verb: Verb | None = None,
        instance: str | None = None,
        actor_id: str | None = None,
        message: str = "",
        latency_ms: int | None = None,
        warn: bool = False,
    ) -> None:
        """One step, logged and kept in the audit trail."""
        record = AuditRecord(
            ts=self._clock(),
            step=step,
            action=action.verb if action else verb.name if verb else "unknown",
            outcome=outcome,
            workspace=actor.team_id if actor else (action.team_id if action else None),
            channel=actor.channel_id if actor else (action.channel_id if action else None),
            actor=actor.user_id if actor else actor_id,
            instance=instance or (",".join(action.instance_ids) if action else None),
            message=message,
            latency_ms=latency_ms,
            confirmation=action.id if action else None,
        )
        if step in _COUNTED_STEPS:
            self._metrics.confirmations.labels(_COUNTED_STEPS[step]).inc()
        # In the log, Nebula's or the refusal's words go under "detail" ("message" belongs to the log record).
        fields = {
            ("detail" if k == "message" else k): v
            for k, v in dataclasses.asdict(record).items()
            if k not in ("ts", "step") and v not in (None, "")
        }
        (logs.warning if warn else logs.event)(f"{record.action}.{step}", **fields)
        try:
            await self._store.audit(record)
        except Exception as exc:  # the audit must never stop the flow; the log line above remains
            logs.warning("audit.write_failed", error=type(exc).__name__, step=step)

    async def _reply(
        self, to: Destination, message: Message, *, in_channel: bool = False, replace_original: bool = False
    ) -> None:
        # A failed post must not undo or repeat anything: the store already holds the truth.
        try:
            await self._replier.reply(to, message, in_channel=in_channel, replace_original=replace_original)
        except ReplyError as exc:
            logs.warning("slack.reply_failed", channel=to.channel, error=str(exc))
