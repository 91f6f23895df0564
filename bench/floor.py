"""The floor: a bare Bolt AsyncApp on aiohttp doing the least the delete flow needs.

Ack; look the instance up; post buttons (chat.postMessage). On click: ack; DELETE; post the
outcome in the message's thread. No store, policy, audit, edits or checks. Whatever the real bot
costs beyond this is its own overhead.
Configured by the same environment variables as the bot, read from os.environ, or with
`--pydantic-settings` through a pydantic-settings model as the bot reads them: the floor of the
prescribed stack, which shows what configuration by pydantic-settings alone costs in memory.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient


@dataclass(frozen=True)
class Config:
    nebula_api_url: str
    nebula_api_key: str
    slack_api_url: str
    slack_bot_token: str
    slack_signing_secret: str
    port: int


def from_environ() -> Config:
    return Config(
        os.environ["NEBULA_API_URL"],
        os.environ["NEBULA_API_KEY"],
        os.environ["SLACK_API_URL"],
        os.environ["SLACK_BOT_TOKEN"],
        os.environ["SLACK_SIGNING_SECRET"],
        int(os.environ["NEBULA_BOT_PORT"]),
    )


def from_pydantic_settings() -> Config:
    # Imported here, so that the bare floor never loads pydantic.
    from pydantic import SecretStr
    from pydantic_settings import BaseSettings

    class Settings(BaseSettings):
        nebula_api_url: str
        nebula_api_key: SecretStr
        slack_api_url: str
        slack_bot_token: SecretStr
        slack_signing_secret: SecretStr
        nebula_bot_port: int

    read = Settings()  # type: ignore[call-arg]  # from the environment
    return Config(
        read.nebula_api_url,
        read.nebula_api_key.get_secret_value(),
        read.slack_api_url,
        read.slack_bot_token.get_secret_value(),
        read.slack_signing_secret.get_secret_value(),
        read.nebula_bot_port,
    )


async def main() -> None:
    config = from_pydantic_settings() if "--pydantic-settings" in sys.argv[1:] else from_environ()
    nebula = httpx.AsyncClient(
        base_url=config.nebula_api_url,
        headers={"Authorization": f"Bearer {config.nebula_api_key}"},
        timeout=httpx.Timeout(30),
    )
    session = aiohttp.ClientSession()

    async def authorize() -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=None, team_id="T0TEAM", bot_token=config.slack_bot_token)

    app = AsyncApp(
        client=AsyncWebClient(base_url=config.slack_api_url),
        signing_secret=config.slack_signing_secret,
        authorize=authorize,
    )

    @app.command("/nebula")
    async def command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        instance_id = body["text"].split()[1]
        detail = (await nebula.get(f"/computing/instance/{instance_id}")).json()
        host = detail["data"][0]["host_name"]
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"Delete {instance_id} ({host})?"}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Delete"},
                        "style": "danger",
                        "action_id": "nebula_confirm",
                        "value": instance_id,
                    },
                ],
            },
        ]
        # As the bot does: posted with chat.postMessage, so that it can be edited and threaded.
        await client.chat_postMessage(channel=body["channel_id"], text="Delete?", blocks=blocks)

    @app.action("nebula_confirm")
    async def confirm(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        instance_id = body["actions"][0]["value"]
        result = (await nebula.delete(f"/computing/instance/{instance_id}")).json()
        await client.chat_postMessage(
            channel=body["channel"]["id"],
            thread_ts=body["container"]["message_ts"],
            reply_broadcast=True,
            text=f"{result['status']}: {result['message']}",
        )

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", config.port).start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("floor.ready", flush=True)
    await stop.wait()
    await runner.cleanup()
    await nebula.aclose()
    await session.close()


if __name__ == "__main__":
    asyncio.run(main())
