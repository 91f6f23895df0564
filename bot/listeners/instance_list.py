"""The instance list's controls: each row's action menu, and the "More" button."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.blocks import INSTANCE_MENU_ACTION_ID, LIST_MORE_ACTION_ID
from bot.core import Core
from bot.listeners import action_destination, actor_from_action


def _first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    first = actions[0]
    return first if isinstance(first, dict) else {}


def register(app: AsyncApp, core: Core) -> None:
    """Attach the list's listeners."""

    @app.action(INSTANCE_MENU_ACTION_ID)
    async def on_menu(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        selected = _first_action(body).get("selected_option") or {}
        await core.confirmations.choose(
            actor_from_action(body), str(selected.get("value", "")), action_destination(body)
        )

    @app.action(LIST_MORE_ACTION_ID)
    async def on_more(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        value = str(_first_action(body).get("value", "0"))
        offset = int(value) if value.isdigit() else 0
        await core.reads.list_page(actor_from_action(body), offset, action_destination(body), replace=True)
