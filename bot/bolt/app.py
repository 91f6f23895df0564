"""Bolt wiring only: the AsyncApp, its authorization, and its listeners."""

from __future__ import annotations

import logging

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot.bolt.listeners import register_all
from bot.core import Core
from bot.domain.policy import Identity
from bot.settings.settings import Settings


def _drop_token_unused_warning(record: logging.LogRecord) -> bool:
    # Bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that it is unused,
    # because the token reaches it through `authorize`. The warning is true and harmless; drop it.
    return "token` will be unused" not in record.getMessage()


def build_app(settings: Settings, identity: Identity, core: Core) -> AsyncApp:
    """The Bolt app. Request signatures are verified in HTTP mode (Socket Mode has none to verify)."""
    bot_token = settings.slack_bot_token.get_secret_value()

    # The identity came from auth.test at start-up; handing it to Bolt spares every first request
    # a second auth.test before its ack.
    async def authorize() -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=identity.enterprise_id,
            team_id=None if identity.is_enterprise_install else identity.workspace,
            bot_user_id=identity.bot_user_id,
            bot_token=bot_token,
        )

    signing_secret = settings.slack_signing_secret
    bolt_logger = logging.getLogger("slack_bolt")
    bolt_logger.addFilter(_drop_token_unused_warning)
    app = AsyncApp(
        client=AsyncWebClient(base_url=settings.slack_api_url),
        signing_secret=signing_secret.get_secret_value() if signing_secret else "",
        request_verification_enabled=not settings.socket_mode,
        authorize=authorize,
        logger=bolt_logger,
        # Every listener acks, hands its work to a task counted in flight, and returns: the ack goes out
        # when it returns, with no timer between (Bolt's default polls for ack() every 10 ms).
        process_before_response=True,
    )
    register_all(app, core)
    return app
