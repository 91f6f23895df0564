"""An in-memory Slack for the core's service tests: it keeps what the bot said, where, and every edit.

It implements the bot's `Replier` (the one door to Slack the core has), validates every message as
Slack would (Block Kit, through the stand-in's validator), and can be told to refuse.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.slack.errors import ReplyError
from bot.slack.messages.kit import Message
from bot.slack.replier import Destination
from tests.helpers import buttons, shown
from tests.standins.servers import block_kit_problem


@dataclass
class Said:
    """One message as the channel (or the one person) sees it now."""

    where: str  # a channel id, or "ephemeral:<user>" / "response_url"
    body: dict[str, Any]
    ts: str | None = None
    thread_ts: str | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """What a person reads in it."""
        return shown(self.body)


class MemorySlack:
    """A `Replier` that remembers everything, in order."""

    def __init__(self) -> None:
        self.said: list[Said] = []
        self.homes: dict[str, dict[str, Any]] = {}  # the Home view each person was last shown
        self.refusing = False  # every call raises ReplyError, as when Slack is down
        self._ts = itertools.count(1)

    def _check(self, message: Message) -> dict[str, Any]:
        if self.refusing:
            raise ReplyError("Slack refused (test)")
        body = message.payload()
        problem = block_kit_problem(body)
        assert problem is None, problem
        return body

    async def reply(
        self, to: Destination, message: Message, *, in_channel: bool = False, replace_original: bool = False
    ) -> None:
        body = self._check(message)
        where = (to.channel or "?") if in_channel else f"ephemeral:{to.user}"
        self.said.append(Said(where, body))

    async def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> str:
        body = self._check(message)
        ts = f"1700000000.{next(self._ts):06d}"
        self.said.append(Said(channel, body, ts, thread_ts))
        return ts

    async def update(self, channel: str, ts: str, message: Message) -> None:
        body = self._check(message)
        [found] = [s for s in self.said if s.ts == ts and s.where == channel]
        found.body = body
        found.edits.append(body)

    async def publish_home(self, user: str, view: dict[str, Any]) -> None:
        if self.refusing:
            raise ReplyError("Slack refused (test)")
        self.homes[user] = view

    async def open_dm(self, user: str) -> str:
        if self.refusing:
            raise ReplyError("Slack refused (test)")
        return f"D{user}"

    def with_buttons(self, action_id: str) -> list[Said]:
        """The messages that show a button or menu with `action_id` now."""
        return [s for s in self.said if action_id in buttons(s.body)]

    def texts(self) -> list[str]:
        """What was said, in order."""
        return [s.text for s in self.said]
