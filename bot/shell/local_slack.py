"""Slack, as far as `nebula-bot shell` needs it: the Web API methods the bot calls and its
response_urls, served in-process on 127.0.0.1 so that the bot's own Slack code runs unchanged.
Nothing here reaches Slack; every message the bot sends is handed to `on_message` to be shown.

It refuses what Slack would refuse (blocks and views slack_sdk's models reject), and keeps what it
refused in `rejected`: the service tests use it too, as their Slack.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

TEAM_ID: Final = "T0SHELL"
BOT_USER: Final = "U0NEBULABOT"
SHELL_TOKEN: Final = "xoxb-shell-local-only"  # noqa: S105 - the local stand-in checks no token


def block_kit_problem(body: dict[str, Any], limit: int = 50) -> str | None:
    """Why Slack would refuse this message's blocks (slack_sdk's own validation), or None. A message
    holds at most 50 blocks, a Home view 100."""
    raw = body.get("blocks")
    if raw is None:
        return None if isinstance(body.get("text"), str) and body["text"] else "no_text"
    if isinstance(raw, str):  # the Web API client sends blocks JSON-encoded in form bodies
        raw = json.loads(raw)
    if not isinstance(raw, list) or not 1 <= len(raw) <= limit:
        return f"invalid_blocks: 1 to {limit} blocks"
    for item in raw:
        try:
            block = Block.parse(item)
            if block is None:
                return f"invalid_blocks: {item!r:.80}"
            block.validate_json()
        except (SlackObjectFormationError, KeyError, TypeError) as exc:
            return f"invalid_blocks: {exc}"
    return None


@dataclass
class Shown:
    """A message as the shell's channel holds it."""

    ts: str
    channel: str
    body: dict[str, Any]
    ephemeral: bool = False
    thread_ts: str | None = None
    edited: bool = False
    home: bool = False  # the person's App Home tab, not a channel message


class LocalSlack:
    """The Web API (`auth.test`, `chat.*`, lookups) and response_urls, on 127.0.0.1."""

    def __init__(self, on_message: Callable[[Shown], None]) -> None:
        self._on_message = on_message
        self.messages: list[Shown] = []
        self.rejected: list[str] = []  # what Slack would have refused
        self.dms: list[str] = []  # the people conversations.open was called for
        self.modal: dict[str, Any] | None = None  # the modal open now (views.open), as last updated
        self._views = itertools.count(1)
        self._ts = itertools.count(1)
        self._urls = itertools.count(1)
        self._url_messages: dict[str, tuple[str, str | None]] = {}  # path -> (channel, message ts)
        app = web.Application()
        for method in ("auth.test", "chat.postMessage", "chat.update", "chat.postEphemeral"):
            app.router.add_post(f"/api/{method}", self._web_api)
        app.router.add_post("/api/views.publish", self._views_publish)
        app.router.add_post("/api/conversations.open", self._conversations_open)
        app.router.add_post("/api/views.open", self._views_open)
        app.router.add_post("/api/views.update", self._views_update)
        app.router.add_route("*", "/api/usergroups.users.list", self._no_members)
        app.router.add_route("*", "/api/users.lookupByEmail", self._no_user)
        app.router.add_post("/response/{name}", self._response)
        self._runner = web.AppRunner(app, access_log=None)
        self.url = ""

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Stop listening."""
        await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """SLACK_API_URL for the bot."""
        return f"{self.url}/api/"

    @property
    def response_prefix(self) -> str:
        """SLACK_RESPONSE_URL_PREFIXES for the bot."""
        return f"{self.url}/response/"

    def response_url(self, channel: str, message_ts: str | None = None) -> str:
        """A response_url for a command in `channel`, or for a click on the message `message_ts`."""
        path = f"/response/r{next(self._urls)}"
        self._url_messages[path] = (channel, message_ts)
        return self.url + path

    def _new_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    def _show(self, shown: Shown) -> None:
        self.messages.append(shown)
        self._on_message(shown)

    async def _web_api(self, request: web.Request) -> web.Response:
        method = request.path.removeprefix("/api/")
        if method == "auth.test":
            return web.json_response(
                {
                    "ok": True,
                    "team_id": TEAM_ID,
                    "team": "shell",
                    "user": "nebula",
                    "user_id": BOT_USER,
                    "bot_id": "B0SHELL",
                }
            )
        body = await _body(request)
        channel = str(body.get("channel", ""))
        problem = block_kit_problem(body)
        if problem is not None:
            self.rejected.append(f"{method}: {problem}")
            return web.json_response({"ok": False, "error": "invalid_blocks"})
        if method == "chat.update":
            found = [m for m in self.messages if m.ts == body.get("ts") and m.channel == channel]
            if not found:
                return web.json_response({"ok": False, "error": "message_not_found"})
            found[0].body = _message(body)
            found[0].edited = True
            self._on_message(found[0])
            return web.json_response({"ok": True, "channel": channel, "ts": found[0].ts})
        ts = self._new_ts()
        thread = body.get("thread_ts")
        self._show(
            Shown(
                ts, channel, _message(body), method == "chat.postEphemeral", str(thread) if thread else None
            )
        )
        return web.json_response({"ok": True, "channel": channel, "ts": ts, "message_ts": ts})

    async def _views_publish(self, request: web.Request) -> web.Response:
        body = await _body(request)
        view = body.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        blocks = view.get("blocks", []) if isinstance(view, dict) else []
        problem = block_kit_problem({"blocks": blocks}, limit=100)
        if problem is not None:
            self.rejected.append(f"views.publish: {problem}")
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        for shown in self.messages:
            if shown.home:  # one Home: publishing replaces it
                shown.body = {"text": "", "blocks": blocks}
                shown.edited = True
                self._on_message(shown)
                return web.json_response({"ok": True})
        self._show(Shown(self._new_ts(), "", {"text": "", "blocks": blocks}, home=True))
        return web.json_response({"ok": True})

    async def _conversations_open(self, request: web.Request) -> web.Response:
        self.dms.append(str((await _body(request)).get("users", "")))
        return web.json_response({"ok": True, "channel": {"id": "D0SHELL"}})

    async def _no_members(self, _: web.Request) -> web.Response:
        return web.json_response({"ok": True, "users": []})

    async def _views_open(self, request: web.Request) -> web.Response:
        # One modal at a time, as a person has: the shell asks for its fields as prompts.
        view = _view(await _body(request))
        problem = block_kit_problem({"blocks": view.get("blocks", [])}, limit=100)
        if problem is not None:
            self.rejected.append(f"views.open: {problem}")
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        self.modal = view | {"id": f"V0SHELL{next(self._views)}", "hash": secrets.token_hex(6)}
        return web.json_response({"ok": True, "view": self.modal})

    async def _views_update(self, request: web.Request) -> web.Response:
        body = await _body(request)
        view = _view(body)
        if self.modal is None or body.get("view_id") != self.modal["id"]:
            return web.json_response({"ok": False, "error": "not_found"})
        if body.get("hash") not in (None, "", self.modal["hash"]):
            return web.json_response({"ok": False, "error": "hash_conflict"})
        problem = block_kit_problem({"blocks": view.get("blocks", [])}, limit=100)
        if problem is not None:
            self.rejected.append(f"views.update: {problem}")
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        self.modal = view | {"id": self.modal["id"], "hash": secrets.token_hex(6)}
        return web.json_response({"ok": True, "view": self.modal})

    async def _no_user(self, _: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error": "users_not_found"})

    async def _response(self, request: web.Request) -> web.Response:
        channel, message_ts = self._url_messages.get(request.path, ("", None))
        body = await request.json()
        problem = block_kit_problem(body)
        if problem is not None:
            self.rejected.append(f"response_url: {problem}")
            return web.Response(status=400, text="invalid_blocks")
        if body.get("replace_original") and message_ts is not None:
            for shown in self.messages:
                if shown.ts == message_ts:
                    shown.body = _message(body)
                    shown.edited = True
                    shown.ephemeral = body.get("response_type") != "in_channel"
                    self._on_message(shown)
                    return web.Response(text="ok")
        self._show(Shown(self._new_ts(), channel, _message(body), body.get("response_type") != "in_channel"))
        return web.Response(text="ok")


async def _body(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
        return data
    return dict(await request.post())


def _view(body: dict[str, Any]) -> dict[str, Any]:
    view = body.get("view")
    view = json.loads(view) if isinstance(view, str) else view
    return view if isinstance(view, dict) else {}


def _message(body: dict[str, Any]) -> dict[str, Any]:
    blocks = body.get("blocks")
    if isinstance(blocks, str):  # form-encoded: blocks arrive as JSON text
        blocks = json.loads(blocks)
    return {"text": body.get("text", ""), "blocks": blocks or []}
