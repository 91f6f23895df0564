"""The delete flow: request, confirm, cancel, expire. Knows nothing of Bolt.

Slack handlers call `screen` while acknowledging (pure, instant), then the async methods after the
ack. The one rule that makes deletion trustworthy lives in `confirm`: the store's atomic claim
comes first, and only its single winner calls Nebula.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot import blocks, logs
from bot.blocks import Message
from bot.commands import USAGE as USAGE_TEXT
from bot.commands import DeleteCommand, HelpCommand, UsageError, parse
from bot.confirmations import (
    ConfirmationStore,
    InstanceOutcome,
    PendingAction,
    Record,
    State,
    new_confirmation_id,
)
from bot.inflight import InFlight
from bot.nebula import NebulaClient, NebulaError, NebulaNotFound, NebulaOutcomeUnknown
from bot.policy import Actor, Identity, may_decide, may_request
from bot.replies import Replier, ReplyError

Clock = Callable[[], float]

_DECIDED_WORDS = {
    State.CLAIMED: "confirmed and is being carried out (its outcome is posted here when Nebula answers; "
    "if nothing appears, check the Nebula console)",
    State.DONE: "carried out",
    State.CANCELLED: "cancelled",
    State.EXPIRED: "expired",
}

SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class FlowConfig:
    """The parts of the settings the flow needs."""

    allowed_users: frozenset[str]
    confirm_ttl: int


class DeleteFlow:
    """Everything between a `/nebula` command and Nebula's answer in the channel."""

    def __init__(
        self,
        config: FlowConfig,
        identity: Identity,
        nebula: NebulaClient,
        store: ConfirmationStore,
        replier: Replier,
        inflight: InFlight,
        clock: Clock = time.time,
    ) -> None:
        self._config = config
        self._identity = identity
        self._nebula = nebula
        self._store = store
        self._replier = replier
        self._inflight = inflight
        self._clock = clock

    def screen(self, actor: Actor, text: str) -> DeleteCommand | Message:
        """Decide instantly, with no I/O, whether a command goes ahead; if not, the ephemeral answer."""
        parsed = parse(text)
        if isinstance(parsed, HelpCommand):
            return blocks.notice(USAGE_TEXT)
        if isinstance(parsed, UsageError):
            logs.event("command.rejected", user=actor.user_id, channel=actor.channel_id, outcome="usage")
            return blocks.notice(parsed.message)
        decision = may_request(self._config.allowed_users, self._identity, actor)
        if not decision.allowed:
            logs.event(
                "delete.refused",
                user=actor.user_id,
                team=actor.team_id,
                channel=actor.channel_id,
                instance=parsed.instance_id,
                outcome="not_allowed",
            )
            return blocks.notice(decision.reason)
        return parsed

    async def request(self, actor: Actor, command: DeleteCommand, response_url: str) -> None:
        """Look the instance up and post the confirmation in the channel."""
        async with self._inflight.track():
            instance_id = command.instance_id
            fields = {"user": actor.user_id, "channel": actor.channel_id, "instance": instance_id}
            try:
                instance = await self._nebula.get_instance(instance_id)
            except NebulaNotFound:
                logs.event("delete.lookup", outcome="not_found", **fields)
                await self._reply(response_url, blocks.notice(f"No instance `{instance_id}`."))
                return
            except NebulaError as exc:
                logs.warning(
                    "delete.lookup",
                    outcome="error",
                    http_status=exc.http_status,
                    error=type(exc).__name__,
                    **fields,
                )
                text = f"Could not look up `{instance_id}`: {exc.user_message}"
                await self._reply(response_url, blocks.notice(text))
                return
            now = self._clock()
            action = PendingAction(
                id=new_confirmation_id(),
                verb="delete",
                instances=(instance,),
                requester=actor.user_id,
                team_id=actor.team_id or "",
                channel_id=actor.channel_id or "",
                response_url=response_url,
                created_at=now,
                expires_at=now + self._config.confirm_ttl,
            )
            await self._store.add(action)
            logs.event("delete.requested", outcome="pending", confirmation=action.id, **fields)
            await self._reply(response_url, blocks.confirmation(action), in_channel=True)

    async def confirm(self, actor: Actor, confirmation_id: str, response_url: str) -> None:
        """A click on Delete: claim atomically, then call Nebula once, then post the outcome."""
        async with self._inflight.track():
            record = await self._decidable(actor, confirmation_id, response_url)
            if record is None:
                return
            transition = await self._store.decide(
                confirmation_id, State.CLAIMED, actor.user_id, self._clock()
            )
            if not transition.won:
                await self._lost(actor, confirmation_id, transition.record, response_url)
                return
            action = record.action
            logs.event(
                "delete.confirmed",
                user=actor.user_id,
                channel=actor.channel_id,
                instance=",".join(action.instance_ids),
                confirmation=action.id,
                outcome="claimed",
            )
            await self._reply(response_url, blocks.in_progress(action, actor.user_id), replace_original=True)
            outcomes = await asyncio.gather(
                *(self._delete(action, actor, iid) for iid in action.instance_ids)
            )
            await self._store.finish(confirmation_id, tuple(outcomes))
            await self._reply(response_url, blocks.outcome(action, actor.user_id, outcomes), in_channel=True)

    async def _delete(self, action: PendingAction, actor: Actor, instance_id: str) -> InstanceOutcome:
        fields = {
            "user": actor.user_id,
            "requester": action.requester,
            "channel": actor.channel_id,
            "instance": instance_id,
            "confirmation": action.id,
        }
        try:
            result = await self._nebula.delete_instance(instance_id)
        except NebulaNotFound as exc:
            logs.warning(
                "delete.executed",
                outcome="not_found",
                http_status=exc.http_status,
                **fields,
            )
            said = f" Nebula said: {exc.nebula_message}" if exc.nebula_message else ""
            text = f"Nebula does not know this instance (already deleted?).{said}"
            return InstanceOutcome(instance_id, "failed", text, exc.http_status)
        except NebulaOutcomeUnknown as exc:
            logs.warning("delete.executed", outcome="unknown", **fields)
            return InstanceOutcome(instance_id, "unknown", exc.user_message)
        except NebulaError as exc:
            logs.warning(
                "delete.executed",
                outcome=type(exc).__name__,
                http_status=exc.http_status,
                **fields,
            )
            return InstanceOutcome(instance_id, "failed", exc.user_message, exc.http_status)
        logs.event(
            "delete.executed",
            outcome=result.status,
            http_status=result.http_status,
            latency_ms=round(result.latency * 1000),
            **fields,
        )
        return InstanceOutcome(instance_id, result.status, result.message, result.http_status)

    async def cancel(self, actor: Actor, confirmation_id: str, response_url: str) -> None:
        """A click on Cancel: the confirmation can no longer be carried out."""
        async with self._inflight.track():
            record = await self._decidable(actor, confirmation_id, response_url)
            if record is None:
                return
            transition = await self._store.decide(
                confirmation_id, State.CANCELLED, actor.user_id, self._clock()
            )
            if not transition.won:
                await self._lost(actor, confirmation_id, transition.record, response_url)
                return
            logs.event(
                "delete.cancelled",
                user=actor.user_id,
                channel=actor.channel_id,
                instance=",".join(record.action.instance_ids),
                confirmation=confirmation_id,
                outcome="cancelled",
            )
            await self._reply(
                response_url, blocks.cancelled(record.action, actor.user_id), replace_original=True
            )

    async def _decidable(self, actor: Actor, confirmation_id: str, response_url: str) -> Record | None:
        """The record if `actor` may decide it; otherwise tell them why not and return None."""
        record = await self._store.get(confirmation_id)
        if record is None:
            logs.event("click.unknown", user=actor.user_id, channel=actor.channel_id, outcome="unknown")
            await self._reply(response_url, blocks.unknown_confirmation())
            return None
        decision = may_decide(self._config.allowed_users, self._identity, actor, record.action)
        if not decision.allowed:
            logs.event(
                "click.refused",
                user=actor.user_id,
                channel=actor.channel_id,
                instance=",".join(record.action.instance_ids),
                confirmation=confirmation_id,
                outcome="not_allowed",
            )
            await self._reply(response_url, blocks.notice(decision.reason))
            return None
        return record

    async def _lost(
        self, actor: Actor, confirmation_id: str, record: Record | None, response_url: str
    ) -> None:
        """Someone else decided first, or time ran out: say so, and never act."""
        if record is None:
            await self._reply(response_url, blocks.unknown_confirmation())
            return
        if record.state is State.PENDING:
            # Still pending yet not claimable: it is past its expiry. Close it for good.
            await self._store.decide(confirmation_id, State.EXPIRED, SYSTEM_ACTOR, self._clock())
            logs.event(
                "delete.expired",
                user=actor.user_id,
                channel=actor.channel_id,
                instance=",".join(record.action.instance_ids),
                confirmation=confirmation_id,
                outcome="expired",
            )
            await self._reply(response_url, blocks.expired(record.action), replace_original=True)
            return
        if record.state is State.EXPIRED:
            await self._reply(response_url, blocks.expired(record.action), replace_original=True)
            return
        logs.event(
            "click.duplicate",
            user=actor.user_id,
            channel=actor.channel_id,
            instance=",".join(record.action.instance_ids),
            confirmation=confirmation_id,
            outcome=record.state.value,
        )
        await self._reply(response_url, blocks.already_decided(_DECIDED_WORDS[record.state]))

    async def expire_overdue(self) -> int:
        """Close confirmations whose time ran out and take their buttons away. Returns how many."""
        async with self._inflight.track():
            closed = 0
            for record in await self._store.overdue(self._clock()):
                transition = await self._store.decide(
                    record.action.id, State.EXPIRED, SYSTEM_ACTOR, self._clock()
                )
                if not transition.won:
                    continue
                closed += 1
                logs.event(
                    "delete.expired",
                    channel=record.action.channel_id,
                    user=record.action.requester,
                    instance=",".join(record.action.instance_ids),
                    confirmation=record.action.id,
                    outcome="expired",
                )
                await self._reply(
                    record.action.response_url, blocks.expired(record.action), replace_original=True
                )
            return closed

    async def _reply(
        self, url: str, message: Message, *, in_channel: bool = False, replace_original: bool = False
    ) -> None:
        # A failed post must not undo or repeat anything: the store already holds the truth.
        try:
            await self._replier.reply(url, message, in_channel=in_channel, replace_original=replace_original)
        except ReplyError as exc:
            logs.warning("slack.reply_failed", error=str(exc))
