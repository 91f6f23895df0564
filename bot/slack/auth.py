"""Who the bot token belongs to (`auth.test`), asked once at start-up and by `nebula-bot check`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.policy import Identity
from bot.slack.errors import connection_error, slack_error


class SlackAuthFailed(Exception):
    """`auth.test` did not vouch for the token: `kind` says how, `error` is Slack's word or the cause.

    `rejected`: Slack answered, and refused the token. `failed`: Slack, or a proxy in front of it,
    answered with an error page, a 5xx or garbage, which says nothing about the token.
    """

    def __init__(self, kind: Literal["rejected", "failed", "unreachable", "not_slack"], error: str) -> None:
        super().__init__(f"{kind}: {error}")
        self.kind = kind
        self.error = error


@dataclass(frozen=True)
class BotAccount:
    """What `auth.test` says about the bot token."""

    identity: Identity
    workspace_name: str
    bot_name: str
    scopes: frozenset[str] | None  # None when Slack did not send the x-oauth-scopes header


async def auth_test(client: AsyncWebClient) -> BotAccount:
    """Ask Slack which workspace (and Enterprise org) the bot token belongs to."""
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        raise SlackAuthFailed("rejected" if _refused(exc) else "failed", slack_error(exc)) from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise SlackAuthFailed("unreachable", connection_error(exc)) from None
    enterprise_install = response.get("is_enterprise_install") is True
    workspace = response.get("team_id") or (response.get("enterprise_id") if enterprise_install else None)
    if not isinstance(workspace, str) or not workspace:
        raise SlackAuthFailed("not_slack", "auth.test returned no team_id")
    header = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes")
    scopes = None if header is None else frozenset(s.strip() for s in str(header).split(",") if s.strip())
    user_id = response.get("user_id")
    return BotAccount(
        identity=Identity(
            workspace=workspace,
            enterprise_id=response.get("enterprise_id") or None,
            bot_user_id=user_id if isinstance(user_id, str) else None,
            is_enterprise_install=enterprise_install,
        ),
        workspace_name=str(response.get("team") or workspace),
        bot_name=str(response.get("user") or user_id or "?"),
        scopes=scopes,
    )


def _refused(exc: SlackApiError) -> bool:
    """Slack itself refused: a JSON answer with its `error` word, and no server failure."""
    status = getattr(exc.response, "status_code", None) or getattr(exc.response, "status", None)
    data = getattr(exc.response, "data", None)
    answered = isinstance(data, dict) and isinstance(data.get("error"), str)
    return answered and not (isinstance(status, int) and status >= 500)
