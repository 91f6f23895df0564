"""What Slack says of a channel the configuration names (`conversations.info`), for `nebula-bot check`.

Needs `channels:read` (public channels) and `groups:read` (private ones); a private channel the bot
is not in is, to Slack, a channel that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.errors import connection_error, slack_error


@dataclass(frozen=True)
class Channel:
    """A channel Slack knows, as the bot token sees it."""

    channel_id: str
    name: str
    private: bool
    member: bool  # the bot is in it (a private channel must invite it; a public one need not)


class ChannelUnknown(Exception):
    """Slack did not describe the channel: `error` is Slack's word (`channel_not_found`,
    `missing_scope`, …) or the failure's kind."""

    def __init__(self, channel_id: str, error: str) -> None:
        super().__init__(f"{channel_id}: {error}")
        self.channel_id = channel_id
        self.error = error


async def channel_info(client: AsyncWebClient, channel_id: str) -> Channel:
    """The channel `channel_id`. Raises ChannelUnknown."""
    try:
        response = await client.conversations_info(channel=channel_id)
    except SlackApiError as exc:
        raise ChannelUnknown(channel_id, slack_error(exc)) from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise ChannelUnknown(channel_id, connection_error(exc)) from None
    found = response.get("channel")
    if not isinstance(found, dict) or found.get("id") != channel_id:
        raise ChannelUnknown(channel_id, "unreadable_answer")
    name = found.get("name")
    return Channel(
        channel_id=channel_id,
        name=name if isinstance(name, str) else channel_id,
        private=found.get("is_private") is True,
        member=found.get("is_member") is True,
    )
