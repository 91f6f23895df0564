"""`nebula-bot check`: whether the channels a team's settings name exist, and the bot can work there."""

from __future__ import annotations

from typing import Final

from slack_sdk.web.async_client import AsyncWebClient

from bot.cli.check_result import CheckResult
from bot.settings.settings import Settings
from bot.slack.channels import Channel, ChannelUnknown, channel_info

CHANNEL_SCOPES: Final = ("channels:read", "groups:read")


def named_channels(settings: Settings) -> dict[str, str]:
    """Every channel the settings name, with what it is for."""
    named = {c: "commands" for c in sorted(settings.nebula_bot_allowed_channels) if not c.startswith("D")}
    for channel, role in (
        (settings.nebula_bot_watch_channel, "watch"),
        (settings.nebula_bot_home_channel, "home"),
        (settings.nebula_bot_audit_channel, "audit"),
    ):
        if channel:
            named[channel] = f"{named[channel]}, {role}" if channel in named else role
    return named


async def check_channels(web: AsyncWebClient, settings: Settings) -> CheckResult | None:
    """One line for the channels `settings` name (None when they name none)."""
    named = named_channels(settings)
    if not named:
        return None
    found: list[str] = []
    problems: list[str] = []
    for channel_id, role in named.items():
        try:
            channel = await channel_info(web, channel_id)
        except ChannelUnknown as exc:
            if exc.error == "missing_scope":
                scopes = " and ".join(CHANNEL_SCOPES)
                return CheckResult(
                    "channels", True, f"cannot verify them: the token lacks {scopes} (add, reinstall)", True
                )
            problems.append(_unknown(exc))
            continue
        problem = _unusable(channel, role)
        if problem:
            problems.append(problem)
        else:
            found.append(f"#{channel.name} ({role})")
    if problems:
        return CheckResult("channels", False, "; ".join(problems))
    return CheckResult("channels", True, ", ".join(found))


def _unknown(exc: ChannelUnknown) -> str:
    if exc.error == "channel_not_found":
        return f"{exc.channel_id} not found (a wrong id, or a private channel the bot is not in: /invite it)"
    return f"{exc.channel_id} could not be looked up ({exc.error})"


def _unusable(channel: Channel, role: str) -> str | None:
    if channel.private and not channel.member:
        return f"#{channel.name} ({role}) is private and the bot is not in it: /invite the bot there"
    return None
