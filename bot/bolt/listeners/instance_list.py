"""The instance list's controls: each row's action menu, and the "More" button."""

from __future__ import annotations

from typing import Any, Final

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.listeners import action_destination, actor_from_action, field, first_action
from bot.core.dispatch import Core
from bot.slack.messages.blocks import INSTANCE_MENU_ACTION_ID, LIST_MORE_ACTION_ID

# A page offset the bot itself could have put in a "More" button: ASCII digits, bounded.
_MAX_OFFSET: Final = 1_000_000


def offset_of(value: str | None) -> int | None:
    """The offset a "More" button carries, or None when the value is not one the bot wrote."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 7:
        return None
    offset = int(value)
    return offset if offset <= _MAX_OFFSET else None


def register(app: AsyncApp, core: Core) -> None:
    """Attach the list's listeners."""

    @app.action(INSTANCE_MENU_ACTION_ID)
    async def on_menu(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        choice = field(first_action(body), "selected_option", "value") or ""
        await core.confirmations.choose(actor_from_action(body, context), choice, action_destination(body))

    @app.action(LIST_MORE_ACTION_ID)
    async def on_more(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        actor, to = actor_from_action(body, context), action_destination(body)
        offset = offset_of(field(first_action(body), "value"))
        if offset is None:
            await core.reads.refuse_forged(actor, to)
            return
        await core.reads.list_page(actor, offset, to, replace=True)
