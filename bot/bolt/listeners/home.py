"""The App Home tab: publish a person's Home when they open it (its ⋯ menus are button families)."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import field
from bot.core import Core
from bot.domain.policy import Actor


def register(app: AsyncApp, core: Core) -> None:
    """Attach the Home listener."""

    @app.event("app_home_opened")
    async def on_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
        user = field(event, "user")
        if user is None or field(event, "tab") != "home":
            return  # the Messages tab, or a payload without a person
        actor = Actor(
            user_id=user, workspace=context.team_id, enterprise_id=context.enterprise_id, channel_id=None
        )
        core.inflight.spawn(core.home_opened(actor), "home")
