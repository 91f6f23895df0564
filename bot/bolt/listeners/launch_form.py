"""The launch form: its submission, checked before the ack (Slack shows what is wrong under each field
and keeps the modal open), and the choices that change its cost line while it is open."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.bolt.payloads import actor_from_action, form_of, opened_of
from bot.core import Core
from bot.domain.launch import Field
from bot.slack.messages.notices.launch_form import CALLBACK


def register(app: AsyncApp, core: Core) -> None:
    """Attach the form's listeners."""

    @app.view(CALLBACK)
    async def on_submit(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        form = form_of(body)
        if form is None:
            await ack()
            return
        taken = await core.submission(actor_from_action(body, context), form)
        if taken.errors:
            await ack(response_action="errors", errors=taken.errors)
            return
        await ack()
        if taken.later is not None:
            core.inflight.spawn(taken.later, "launch")

    async def on_change(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        form, opened = form_of(body), opened_of(body)
        if form is not None and opened is not None:
            core.inflight.spawn(core.form_changed(actor_from_action(body, context), opened, form), "form")

    for changing in (Field.GPU, Field.LEASE):
        app.action(changing.action_id)(on_change)
