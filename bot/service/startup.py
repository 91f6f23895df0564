"""Why the bot cannot start, in one line each, and the one start-up question asked of Slack."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.policy import Identity
from bot.slack.auth import SlackAuthFailed, auth_test
from bot.slack.messages import texts


class StartupError(Exception):
    """The bot cannot start; the message says which setting or dependency to fix."""

    exit_code = 1


class UnusableSetting(StartupError):
    """A setting names something that cannot be used (a store, a port): exit 2, like bad configuration."""

    exit_code = 2


async def fetch_identity(client: AsyncWebClient) -> Identity:
    """Ask Slack (`auth.test`) which workspace the bot token belongs to; any doubt stops the start."""
    try:
        return (await auth_test(client)).identity
    except SlackAuthFailed as exc:
        raise StartupError(auth_failed(exc, client.base_url)) from None


def auth_failed(exc: SlackAuthFailed, api_url: str) -> str:
    """Why `auth.test` did not vouch for SLACK_BOT_TOKEN, and what to do: only a refusal blames the token."""
    if exc.kind == "rejected":
        return f"Slack rejected SLACK_BOT_TOKEN ({exc.error}). Check the token in the app's settings."
    if exc.kind == "failed":
        return (
            f"Slack (or a proxy in front of it) failed to answer auth.test ({exc.error}); this says nothing "
            f"about the token. Try again shortly, and check Slack's status and SLACK_API_URL ({api_url})."
        )
    if exc.kind == "unreachable":
        return texts.slack_unreachable(api_url, exc.error)
    return "auth.test returned no team_id; is SLACK_API_URL a Slack Web API?"
