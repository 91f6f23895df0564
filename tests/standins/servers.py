"""Stand-ins for Slack and Nebula: small aiohttp servers on 127.0.0.1 speaking real HTTP.

They record everything they receive so tests can assert on what the bot actually sent.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.views import View

from bot.shell.local_slack import block_kit_problem
from tests.standins import catalogue

BOT_TOKEN = "xoxb-test-bot-token"
APP_TOKEN = "xapp-test-app-token"
TEAM_ID = "T0TEAM"
NEBULA_KEY = "ak_test_service_key_0123456789"
INSTANCE_PASSWORD = "hunter2-vm-password"


RESPONSE_URL_USES = 5
RESPONSE_URL_LIFETIME = 30 * 60


def _message_body(body: dict[str, Any]) -> dict[str, Any]:
    """The text and blocks of a posted message, with form-encoded blocks decoded."""
    blocks = body.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return {"text": body.get("text"), "blocks": blocks or []}


class LoopbackServer:
    """An aiohttp application served on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        self.web_app = web.Application()
        self._runner: web.AppRunner | None = None
        self._held: socket.socket | None = None  # the port, kept bound while the server is dark
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(self.web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._held is not None:
            self._held.close()
            self._held = None

    async def go_dark(self) -> None:
        """Stop answering: connections to the port are refused. The port stays bound (not listening),
        so that no other test's server, started meanwhile, answers in this one's place."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the old connections' TIME_WAIT
        held.bind(("127.0.0.1", self.port))
        self._held = held


@dataclass
class Posted:
    """One JSON body posted to a response_url."""

    path: str
    body: dict[str, Any]


@dataclass
class ChannelMessage:
    """A message as a channel shows it: its current body, and every edit that led there."""

    channel: str
    ts: str
    body: dict[str, Any]
    by_bot: bool = True
    thread_ts: str | None = None
    broadcast: bool = False
    edits: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ResponseUrl:
    """What Slack knows of a response_url: where it answers, for which message, how often used."""

    channel: str
    message_ts: str | None  # the message a click came from; None for a slash command's URL
    born: float
    uses: int = 0


class FakeSlack(LoopbackServer):
    """Slack's Web API (`auth.test`, `apps.connections.open`), response URLs and the Socket Mode socket."""

    def __init__(self, team_id: str = TEAM_ID) -> None:
        super().__init__()
        self.team_id = team_id
        self.enterprise_id: str | None = None
        self.enterprise_install = False  # an org-wide install: auth.test answers for the org
        self.scopes = ",".join(
            [
                *("commands", "chat:write", "chat:write.public", "usergroups:read"),
                *("users:read", "users:read.email", "im:write", "channels:read", "groups:read"),
            ]
        )
        # conversations.info: the channels the workspace has, as the bot sees them (id -> channel object)
        self.conversations: dict[str, dict[str, Any]] = {}
        self.posted: list[Posted] = []
        self.api_calls: list[str] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.response_status = 200
        self.usergroups: dict[str, list[str]] = {}
        self.usergroups_error: str | None = None
        self.users_by_email: dict[str, str] = {}  # users.lookupByEmail: email -> user id
        self.lookup_error: str | None = None  # users.lookupByEmail answers this error (e.g. ratelimited)
        self.lookup_delay = 0.0  # seconds users.lookupByEmail takes
        self.email_lookups: list[str] = []
        self.web_posts: list[tuple[str, dict[str, Any]]] = []
        self.channels_without_bot: set[str] = set()
        self.rejected: list[str] = []  # messages refused as Slack would refuse them: a test fails on any
        self.hold_responses = False  # response_url posts wait for `release` (a slow Slack)
        self.release = asyncio.Event()
        self.garbage_web_api = False  # chat.* answer an HTML error page, as a broken proxy would
        self.redirect_responses_to: str | None = None  # response_urls answer 307 to this address
        self._sockets: list[web.WebSocketResponse] = []
        self.app_token_revoked = False
        # chat.postMessage per channel: at most `rate_limit[0]` messages in any `rate_limit[1]` seconds.
        self.rate_limit: tuple[int, float] | None = None
        self.limited = 0  # how many 429s were sent
        self.auth_answer: str | None = None  # "500" or "garbled": auth.test fails without judging the token
        self.limit_every_chat = False  # every chat.* call answers 429 with Retry-After (Slack overwhelmed)
        self._sent: dict[str, list[float]] = {}
        self._envelopes = itertools.count(1)
        self._urls = itertools.count(1)
        self._ts = itertools.count(1)
        self.messages: list[ChannelMessage] = []
        self.homes: dict[str, dict[str, Any]] = {}  # each person's Home view, as last published
        self.publishes: list[tuple[str, float]] = []  # (user, monotonic time) of every views.publish
        self.dms: list[str] = []  # the people conversations.open was called for
        # Modals: the triggers Slack issued (id -> when), those used (each opens one modal, once), how old
        # each was when used (the bench reports it; 3 s is Slack's limit), and each open modal by id.
        self.triggers: dict[str, float] = {}
        self.used_triggers: set[str] = set()
        self.trigger_ages: list[float] = []
        self.modals: dict[str, dict[str, Any]] = {}
        self.views_error: str | None = None  # what views.open answers instead (`expired_trigger_id`)
        self._views = itertools.count(1)
        self.response_urls: dict[str, ResponseUrl] = {}
        self.web_app.router.add_post("/api/auth.test", self._auth_test)
        self.web_app.router.add_post("/api/apps.connections.open", self._connections_open)
        self.web_app.router.add_route("*", "/api/usergroups.users.list", self._usergroup_users)
        self.web_app.router.add_route("*", "/api/users.lookupByEmail", self._lookup_by_email)
        for method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            self.web_app.router.add_post(f"/api/{method}", self._chat)
        self.web_app.router.add_post("/api/views.publish", self._views_publish)
        self.web_app.router.add_post("/api/views.open", self._views_open)
        self.web_app.router.add_post("/api/views.update", self._views_update)
        self.web_app.router.add_post("/api/conversations.open", self._conversations_open)
        self.web_app.router.add_route("*", "/api/conversations.info", self._conversations_info)
        self.web_app.router.add_get("/socket", self._socket)
        self.web_app.router.add_post("/response/{name}", self._response)

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def new_response_url(self, channel: str = "C0OPS", message_ts: str | None = None) -> str:
        """A response_url for a slash command in `channel`, or for a click on the message `message_ts`."""
        path = f"/response/r{next(self._urls)}"
        self.response_urls[path] = ResponseUrl(channel, message_ts, time.monotonic())
        return self.url + path

    def _new_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def message(self, ts: str) -> ChannelMessage:
        [found] = [m for m in self.messages if m.ts == ts]
        return found

    def with_button(self, value: str, channel: str | None = None) -> ChannelMessage | None:
        """The newest message whose buttons carry `value` (as a person would find it to click): in
        `channel` when it is given; otherwise one in a channel before one in a DM (an approver's copy
        in a DM carries the same buttons as the channel's message)."""
        carrying = [m for m in self.messages if value in _button_values(m.body)]
        if channel is not None:
            carrying = [m for m in carrying if m.channel == channel]
        in_channels = [m for m in carrying if not m.channel.startswith("D")]
        found = in_channels or carrying
        return found[-1] if found else None

    def thread(self, ts: str) -> list[ChannelMessage]:
        """The replies in the thread under the message `ts`."""
        return [m for m in self.messages if m.thread_ts == ts]

    def _authorized(self, request: web.Request, token: str) -> bool:
        return request.headers.get("Authorization") == f"Bearer {token}"

    async def _auth_test(self, request: web.Request) -> web.Response:
        self.api_calls.append("auth.test")
        if self.auth_answer == "500":  # a proxy's error page, or Slack down
            return web.Response(
                status=500, text="<html>Internal Server Error</html>", content_type="text/html"
            )
        if self.auth_answer == "garbled":
            return web.Response(status=200, text='{"ok": tru', content_type="application/json")
        if not self._authorized(request, BOT_TOKEN):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response(
            {
                "ok": True,
                "team_id": None if self.enterprise_install else self.team_id,
                "enterprise_id": self.enterprise_id,
                "is_enterprise_install": self.enterprise_install,
                "team": "Acme",
                "user": "nebula",
                "user_id": "UBOT",
                "bot_id": "B0BOT",
                "url": "https://acme.slack.com/",
            },
            headers={"x-oauth-scopes": self.scopes},
        )

    async def _views_publish(self, request: web.Request) -> web.Response:
        self.api_calls.append("views.publish")
        if not self._authorized(request, BOT_TOKEN):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self.garbage_web_api:
            return web.Response(status=502, text="<html>Bad Gateway</html>", content_type="text/html")
        body = await self._form_or_json(request)
        view = body.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        user = body.get("user_id")
        if not isinstance(user, str) or not isinstance(view, dict):
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        # Slack checks a view as slack_sdk's View does: a Home of 1 to 100 valid blocks, no submit.
        problem = block_kit_problem({"blocks": view.get("blocks")}, limit=100)
        try:
            View(**view).validate_json()
        except (SlackObjectFormationError, TypeError) as exc:
            problem = problem or f"invalid view: {exc}"
        if problem is not None or view.get("type") != "home":
            self.rejected.append(f"views.publish: {problem or 'not a home view'}")
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        self.homes[user] = view
        self.publishes.append((user, time.monotonic()))
        return web.json_response({"ok": True, "view": {"id": f"V{user}", **view}})

    async def _views_open(self, request: web.Request) -> web.Response:
        self.api_calls.append("views.open")
        if not self._authorized(request, BOT_TOKEN):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        body = await self._form_or_json(request)
        if self.views_error is not None:
            return web.json_response({"ok": False, "error": self.views_error})
        trigger = body.get("trigger_id")
        if not isinstance(trigger, str) or trigger not in self.triggers or trigger in self.used_triggers:
            return web.json_response({"ok": False, "error": "invalid_trigger_id"})
        self.used_triggers.add(trigger)
        self.trigger_ages.append(time.monotonic() - self.triggers[trigger])
        view = self._modal(body, "views.open")
        if view is None:
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        view_id = f"V0MODAL{next(self._views)}"
        self.modals[view_id] = view | {"id": view_id, "hash": f"{view_id}.{next(self._views)}"}
        return web.json_response({"ok": True, "view": self.modals[view_id]})

    async def _views_update(self, request: web.Request) -> web.Response:
        self.api_calls.append("views.update")
        if not self._authorized(request, BOT_TOKEN):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        body = await self._form_or_json(request)
        view_id = str(body.get("view_id"))
        current = self.modals.get(view_id)
        if current is None:
            return web.json_response({"ok": False, "error": "not_found"})
        if body.get("hash") is not None and body.get("hash") != current["hash"]:
            return web.json_response({"ok": False, "error": "hash_conflict"})
        view = self._modal(body, "views.update")
        if view is None:
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        self.modals[view_id] = view | {"id": view_id, "hash": f"{view_id}.{next(self._views)}"}
        return web.json_response({"ok": True, "view": self.modals[view_id]})

    def _modal(self, body: dict[str, Any], method: str) -> dict[str, Any] | None:
        """The modal in `body`, if Slack would take it: slack_sdk's View checks, 100 valid blocks, a
        title of 24 characters, metadata of 3,000."""
        view = body.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if not isinstance(view, dict):
            self.rejected.append(f"{method}: no view")
            return None
        problem = block_kit_problem({"blocks": view.get("blocks")}, limit=100)
        try:
            View(**view).validate_json()
        except (SlackObjectFormationError, TypeError) as exc:
            problem = problem or f"invalid view: {exc}"
        if view.get("type") != "modal" or len(str(view.get("private_metadata", ""))) > 3000:
            problem = problem or "not a modal, or its metadata is too long"
        if problem is not None:
            self.rejected.append(f"{method}: {problem}")
            return None
        return view

    async def _conversations_open(self, request: web.Request) -> web.Response:
        self.api_calls.append("conversations.open")
        if not self._authorized(request, BOT_TOKEN):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        user = str((await self._form_or_json(request)).get("users", ""))
        self.dms.append(user)
        return web.json_response({"ok": True, "channel": {"id": f"D{user.removeprefix('U')}"}})

    def add_channel(self, channel_id: str, name: str, *, private: bool = False, member: bool = True) -> None:
        """A channel of the workspace; a private one the bot is not in is, to the bot, not there."""
        self.conversations[channel_id] = {
            "id": channel_id,
            "name": name,
            "is_channel": not private,
            "is_group": private,
            "is_private": private,
            "is_member": member,
        }

    async def _conversations_info(self, request: web.Request) -> web.Response:
        self.api_calls.append("conversations.info")
        if not self._authorized(request, BOT_TOKEN):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        scopes = self.scopes.split(",")
        if "channels:read" not in scopes or "groups:read" not in scopes:
            needed = "channels:read,groups:read,mpim:read,im:read"
            return web.json_response({"ok": False, "error": "missing_scope", "needed": needed})
        channel = self.conversations.get(str((await self._form_or_json(request)).get("channel", "")))
        if channel is None or (channel["is_private"] and not channel["is_member"]):
            return web.json_response({"ok": False, "error": "channel_not_found"})
        return web.json_response({"ok": True, "channel": channel})

    async def _form_or_json(self, request: web.Request) -> dict[str, Any]:
        if request.method == "GET":
            return dict(request.query)
        if request.content_type == "application/json":
            data: dict[str, Any] = await request.json()
            return dict(request.query) | data
        return dict(request.query) | dict(await request.post())

    async def _usergroup_users(self, request: web.Request) -> web.Response:
        self.api_calls.append("usergroups.users.list")
        if not self._authorized(request, BOT_TOKEN):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self.usergroups_error:
            return web.json_response({"ok": False, "error": self.usergroups_error})
        group = (await self._form_or_json(request)).get("usergroup")
        if group not in self.usergroups:
            return web.json_response({"ok": False, "error": "no_such_subteam"})
        return web.json_response({"ok": True, "users": self.usergroups[group]})

    async def _chat(self, request: web.Request) -> web.Response:
        method = request.path.removeprefix("/api/")
        self.api_calls.append(method)
        if not self._authorized(request, BOT_TOKEN):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self.garbage_web_api:
            return web.Response(status=502, text="<html>Bad Gateway</html>", content_type="text/html")
        body = await self._form_or_json(request)
        if body.get("channel") in self.channels_without_bot:
            return web.json_response({"ok": False, "error": "not_in_channel"})
        problem = block_kit_problem(body)
        if problem is not None:
            self.rejected.append(f"{method}: {problem}")
            return web.json_response({"ok": False, "error": "invalid_blocks"})
        if self.limit_every_chat or (
            method == "chat.postMessage" and self._limited(str(body.get("channel")))
        ):
            self.limited += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        channel = str(body.get("channel"))
        if method == "chat.update":
            # Slack edits only the caller's own messages, and only ones that exist.
            found = [m for m in self.messages if m.channel == channel and m.ts == body.get("ts")]
            if not found:
                return web.json_response({"ok": False, "error": "message_not_found"})
            if not found[0].by_bot:
                return web.json_response({"ok": False, "error": "cant_update_message"})
            found[0].body = _message_body(body)
            found[0].edits.append(found[0].body)
            self.web_posts.append((method, body))
            return web.json_response({"ok": True, "channel": channel, "ts": found[0].ts})
        self.web_posts.append((method, body))
        ts = self._new_ts()
        if method == "chat.postMessage":
            thread_ts = body.get("thread_ts")
            self.messages.append(
                ChannelMessage(
                    channel,
                    ts,
                    _message_body(body),
                    thread_ts=str(thread_ts) if thread_ts else None,
                    broadcast=str(body.get("reply_broadcast")).lower() == "true",
                )
            )
        return web.json_response({"ok": True, "channel": channel, "ts": ts})

    def _limited(self, channel: str) -> bool:
        if self.rate_limit is None:
            return False
        count, window = self.rate_limit
        now = time.monotonic()
        recent = [t for t in self._sent.get(channel, []) if now - t < window]
        if len(recent) >= count:
            self._sent[channel] = recent
            return True
        self._sent[channel] = [*recent, now]
        return False

    def chat(self, method: str, channel: str | None = None) -> list[dict[str, Any]]:
        return [
            b for m, b in self.web_posts if m == method and (channel is None or b.get("channel") == channel)
        ]

    async def _lookup_by_email(self, request: web.Request) -> web.Response:
        self.api_calls.append("users.lookupByEmail")
        if not self._authorized(request, BOT_TOKEN):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if "users:read.email" not in self.scopes.split(","):
            return web.json_response({"ok": False, "error": "missing_scope", "needed": "users:read.email"})
        email = str((await self._form_or_json(request)).get("email") or request.query.get("email", ""))
        self.email_lookups.append(email)
        if self.lookup_delay:
            await asyncio.sleep(self.lookup_delay)
        if self.lookup_error is not None:
            return web.json_response({"ok": False, "error": self.lookup_error})
        user = self.users_by_email.get(email)
        if user is None:
            return web.json_response({"ok": False, "error": "users_not_found"})
        return web.json_response({"ok": True, "user": {"id": user, "name": user.lower(), "profile": {}}})

    async def _connections_open(self, request: web.Request) -> web.Response:
        self.api_calls.append("apps.connections.open")
        if not self._authorized(request, APP_TOKEN) or self.app_token_revoked:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.acks[data["envelope_id"]] = data.get("payload") or {}
        self._sockets.remove(ws)
        return ws

    async def drop_sockets(self) -> None:
        """Close every Socket Mode connection from Slack's side, as a backend recycle does."""
        for ws in list(self._sockets):
            await ws.close()

    @property
    def socket_connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        envelope_id = f"env-{next(self._envelopes)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": True,
        }
        live = [ws for ws in self._sockets if not ws.closed]
        assert live, "no Socket Mode connection"
        await live[-1].send_str(json.dumps(envelope))
        return envelope_id

    async def _response(self, request: web.Request) -> web.Response:
        if self.hold_responses:
            await self.release.wait()
        if self.redirect_responses_to is not None:
            raise web.HTTPTemporaryRedirect(self.redirect_responses_to)
        body = await request.json()
        problem = block_kit_problem(body)
        if problem is not None:
            self.rejected.append(f"response_url: {problem}")
            return web.Response(status=400, text="invalid_blocks")
        self.posted.append(Posted(request.path, body))
        if self.response_status != 200:
            return web.Response(status=self.response_status, text="expired_url")
        known = self.response_urls.get(request.path)
        if known is None:
            return web.Response(status=404, text="no_such_url")
        known.uses += 1
        # Slack: a response_url works five times within thirty minutes.
        if known.uses > RESPONSE_URL_USES or time.monotonic() - known.born > RESPONSE_URL_LIFETIME:
            return web.Response(status=404, text="used_up")
        if body.get("replace_original") and known.message_ts is not None:
            # Only a click's response_url replaces: the message that carried the button.
            target = self.message(known.message_ts)
            target.body = _message_body(body)
            target.edits.append(target.body)
        elif body.get("response_type") == "in_channel":
            # A slash command's response_url never replaces: replace_original there posts anew.
            self.messages.append(ChannelMessage(known.channel, self._new_ts(), _message_body(body)))
        return web.Response(text="ok")

    def posts_to(self, response_url: str) -> list[dict[str, Any]]:
        path = response_url.removeprefix(self.url)
        return [p.body for p in self.posted if p.path == path]


@dataclass
class NebulaCall:
    method: str
    path: str
    authorization: str | None


@dataclass
class Scripted:
    """What the stand-in Nebula answers for one kind of call."""

    status: int = 200
    body: str | None = None
    content_type: str = "application/json"
    hang: bool = False


def instance_detail(instance_id: str, host_name: str = "trainer-1") -> dict[str, Any]:
    """A detail record as Nebula documents it, credentials included, numbers partly as strings."""
    return {
        "id": instance_id,
        "region": "CANADA",
        "product_type": "Virtual Machine",
        "host_name": host_name,
        "cpu_cores": "28",
        "ram": "58",
        "gpu_type": "RTX-A6000",
        "gpu_count": 1,
        "disk_size": 100,
        "public_ipv4": "38.80.81.128",
        "login_method": "password",
        "os": "Ubuntu Server 20.04 LTS",
        "exposed_ports": "",
        "vm_name": "ubuntu",
        "vm_password": INSTANCE_PASSWORD,
        "password": INSTANCE_PASSWORD,
        "user_name": "ubuntu",
        "status": "Running",
        "start_time": "EST 2024-11-04 10:11:50",
        "running_time": "12.5000 hours",
        "total_cost": "$8.4875",
    }


class FakeNebula(LoopbackServer):
    """Nebula's Platform API, with scriptable failures."""

    def __init__(self, key: str = NEBULA_KEY) -> None:
        super().__init__()
        self.instances: dict[str, dict[str, Any]] = {}
        self.key = key  # the service key it accepts (another team's Nebula has another)
        self.calls: list[NebulaCall] = []
        self.detail: Scripted | None = None
        self.listing: Scripted | None = None
        self.details_in_flight = 0
        self.most_details_in_flight = 0  # what GET /computing/instances answers instead of the list
        self.delete: Scripted | None = None
        self.power: dict[str, Scripted] = {}  # per instance id, for start/stop/reboot
        self.delete_by_id: dict[str, Scripted] = {}
        self.latency = 0.0  # a simulated network and server delay, for the benchmark
        self.release = asyncio.Event()
        self.hold_details = False
        # Nebula's list lagging behind its changes: the list answers from this copy (see `lag_list`).
        self.lagging_list: dict[str, dict[str, Any]] | None = None
        self.hold_deletes = False
        self.ignore_limit = False  # answer every row, whatever limit was asked for
        self.ignore_offset = False  # answer the first rows, whatever offset was asked for
        self.page_cap: int | None = None  # answer at most this many rows a page, whatever limit was asked
        self.total_as: str = "int"  # total_instance as an "int", a "string", or "missing"
        self.on_list: list[Callable[[int], None]] = []  # called with each list call's offset, first
        self.odd_details: dict[str, list[dict[str, Any]]] = {}  # detail fields to answer once each, in turn
        # Launches: what it offers (`flat`: as older revisions answered), what it answers instead, the
        # bodies of the creates it was sent, and what each create does.
        self.products: list[dict[str, Any]] = catalogue.products()
        self.flat_products = False
        self.images: list[dict[str, Any]] = list(catalogue.IMAGES)
        self.keys: list[dict[str, Any]] = list(catalogue.KEYS)
        self.offering: Scripted | None = None  # what GET /computing/products answers instead
        self.creates: list[dict[str, Any]] = []
        self.create: Scripted | None = None  # what a create answers instead (after creating, unless refused)
        self.create_makes = True  # whether a scripted create still makes the instance
        # Credits: the balance (a string, as Nebula writes it), the history rows, and what either
        # answers instead.
        self.balance: object = "1000000.00000"  # plenty: no runway alert unless a test says so
        self.credit_rows: list[dict[str, Any]] = []
        self.credits_answer: Scripted | None = None
        self.history_answer: Scripted | None = None
        self.web_app.router.add_route("*", "/api/v1/{tail:.*}", self._any)

    @property
    def api_url(self) -> str:
        return self.url + "/api/v1"

    def add(self, instance_id: str, host_name: str = "trainer-1", **fields: Any) -> None:
        """An instance as Nebula would describe it; `fields` replace or add detail fields."""
        self.instances[instance_id] = instance_detail(instance_id, host_name) | fields

    def lag_list(self) -> None:
        """From now on the list shows the instances as they are now, whatever happens to them."""
        self.lagging_list = copy.deepcopy(self.instances)

    def deletes(self) -> list[NebulaCall]:
        return [c for c in self.calls if c.method == "DELETE"]

    def changes(self) -> list[NebulaCall]:
        """Every call that changes state: DELETEs and the start/stop/reboot GETs."""

        def power(path: str) -> bool:
            parts = path.split("?")[0].split("/")  # "", api, v1, computing, instance, <id>, <verb>
            return len(parts) == 7 and parts[4] == "instance" and parts[6] in ("start", "stop", "reboot")

        return [c for c in self.calls if c.method == "DELETE" or power(c.path)]

    async def _any(self, request: web.Request) -> web.StreamResponse:
        detail = request.method == "GET" and len(request.match_info["tail"].split("/")) == 3
        self.details_in_flight += detail
        self.most_details_in_flight = max(self.most_details_in_flight, self.details_in_flight)
        try:
            return await self._handle(request)
        finally:
            self.details_in_flight -= detail

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.calls.append(NebulaCall(request.method, request.raw_path, request.headers.get("Authorization")))
        if self.latency:
            await asyncio.sleep(self.latency)
        if request.headers.get("Authorization") != f"Bearer {self.key}":
            return web.json_response({"status": "failed", "message": "Invalid API key"}, status=401)
        tail = request.match_info["tail"]
        parts = tail.split("/")
        if tail in ("computing/products", "cloud/images/vm-gpu", "ssh-keys") and request.method == "GET":
            return await self._catalogue(tail)
        if tail == "computing/instance" and request.method == "POST":
            return await self._create(request)
        if tail == "users/credits" and request.method == "GET":
            if self.credits_answer is not None:
                return await self._scripted(self.credits_answer)
            return web.json_response({"data": {"available_balance": self.balance}, "status": "success"})
        if tail == "users/credits/history" and request.method == "GET":
            return await self._history(request)
        if tail == "computing/instances" and request.method == "GET":
            return await self._scripted(self.listing) if self.listing else self._list(request)
        if len(parts) == 4 and parts[:2] == ["computing", "instance"] and request.method == "GET":
            return await self._power(parts[2], parts[3])
        if len(parts) == 3 and parts[:2] == ["computing", "instance"]:
            instance_id = parts[2]
            if request.method == "GET":
                return await self._detail(instance_id)
            if request.method == "DELETE":
                return await self._delete(instance_id)
        return web.json_response({"status": "failed", "message": "Not found"}, status=404)

    async def _catalogue(self, tail: str) -> web.Response:
        if tail == "computing/products":
            if self.offering is not None:
                return await self._scripted(self.offering)
            data: object = self.products if self.flat_products else catalogue.nested(self.products)
        else:
            data = self.images if tail.startswith("cloud") else self.keys
        return web.json_response({"data": data, "message": "ok", "status": "success"})

    async def _create(self, request: web.Request) -> web.Response:
        """As Nebula documents it: the instance is made (Deploying), and the answer carries no id."""
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"status": "failed", "message": "Invalid JSON"}, status=400)
        self.creates.append(body)
        sold = {p["id"]: p for p in self.products}
        chosen = sold.get(body.get("product_id")) if isinstance(body, dict) else None
        keys = {k["id"] for k in self.keys}
        if (
            chosen is None
            or not isinstance(body.get("instance_name"), str)
            or not isinstance(body.get("ssh_key_id"), int)
            or body["ssh_key_id"] not in keys
            or not isinstance(body.get("image_id"), str | int)
        ):
            return web.json_response({"status": "failed", "message": "Invalid parameters"}, status=400)
        if not chosen["is_available"]:
            return web.json_response({"status": "failed", "message": "Product is out of stock"})
        if self.create is None or self.create_makes:
            iid = str(uuid.uuid4())
            self.add(
                iid,
                body["instance_name"],
                status="Deploying",
                gpu_type=chosen["gpu_type"],
                gpu_count=chosen["gpu_count"],
                public_ipv4="",
            )
        if self.create is not None:
            return await self._scripted(self.create)
        return web.json_response({"message": "Instance created successfully", "status": "success"})

    async def _history(self, request: web.Request) -> web.Response:
        if self.history_answer is not None:
            return await self._scripted(self.history_answer)
        limit, offset = int(request.query.get("limit", "10")), int(request.query.get("offset", "0"))
        rows = self.credit_rows[0 if self.ignore_offset else offset :][:limit]
        data = {
            "credit_balance": 0.0,
            "credit_history": rows,
            "total_credit_histories": len(self.credit_rows),
        }
        return web.json_response({"data": data, "status": "success"})

    def launched(self, name: str) -> str | None:
        """The id of the instance created under `name`, if any."""
        return next((i for i, d in self.instances.items() if d["host_name"] == name), None)

    def run(self, name: str, address: str = "38.80.81.200") -> str:
        """The instance launched as `name` has deployed: it runs, at `address`. Its id."""
        iid = self.launched(name)
        assert iid is not None, f"nothing was launched as {name}"
        self.instances[iid] |= {"status": "Running", "public_ipv4": address}
        return iid

    def _list(self, request: web.Request) -> web.Response:
        limit, offset = int(request.query.get("limit", "10")), int(request.query.get("offset", "0"))
        for hook in self.on_list:
            hook(offset)
        rows = [
            {"price_per_hour": 0.679}
            | {k: v for k, v in detail.items() if k not in ("vm_password", "password", "user_name")}
            for detail in (self.lagging_list if self.lagging_list is not None else self.instances).values()
        ]
        shown = min(limit, self.page_cap) if self.page_cap is not None else limit
        body: dict[str, Any] = {
            "data": rows if self.ignore_limit else rows[0 if self.ignore_offset else offset :][:shown],
            "message": "All instances retrieved successfully",
            "status": "success",
        }
        if self.total_as != "missing":
            body["total_instance"] = len(rows) if self.total_as == "int" else str(len(rows))
        return web.json_response(body)

    async def _power(self, instance_id: str, verb: str) -> web.Response:
        if verb not in ("start", "stop", "reboot"):
            return web.json_response({"status": "failed", "message": "Not found"}, status=404)
        if self.hold_deletes:
            await self.release.wait()
        if instance_id in self.power:
            return await self._scripted(self.power[instance_id])
        if instance_id not in self.instances:
            return web.json_response({"status": "failed", "message": "Instance not found"}, status=404)
        self.instances[instance_id]["status"] = {"start": "Running", "stop": "Stopped", "reboot": "Running"}[
            verb
        ]
        return web.json_response(
            {
                "message": f"Instances {verb}{'p' if verb == 'stop' else ''}ed successfully",
                "status": "success",
            }
        )

    async def _scripted(self, script: Scripted) -> web.Response:
        if script.hang:
            await self.release.wait()
        return web.Response(status=script.status, text=script.body or "", content_type=script.content_type)

    async def _detail(self, instance_id: str) -> web.Response:
        if self.hold_details:
            await self.release.wait()
        if self.detail is not None:
            return await self._scripted(self.detail)
        if instance_id not in self.instances:
            return web.json_response({"status": "failed", "message": "Instance not found"}, status=404)
        odd = self.odd_details.get(instance_id)
        if odd:
            return web.json_response(
                {"data": [self.instances[instance_id] | odd.pop(0)], "message": "ok", "status": "success"}
            )
        return web.json_response(
            {
                "data": [self.instances[instance_id]],
                "message": "Get instance detail successfully",
                "status": "success",
            }
        )

    async def _delete(self, instance_id: str) -> web.Response:
        if self.hold_deletes:
            await self.release.wait()
        if self.delete is not None:
            return await self._scripted(self.delete)
        if instance_id in self.delete_by_id:
            return await self._scripted(self.delete_by_id[instance_id])
        if self.instances.pop(instance_id, None) is None:
            return web.json_response({"status": "failed", "message": "Instance not found"}, status=404)
        return web.json_response({"message": "Instances deleted successfully", "status": "success"})


@dataclass
class Ack:
    """What the bot answered Slack at once: HTTP status (200 for a Socket Mode ack) and body."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)


def _button_values(body: dict[str, Any]) -> set[str]:
    return {
        str(element.get("value"))
        for block in body.get("blocks") or []
        if isinstance(block, dict)
        for element in block.get("elements", [])
        if isinstance(element, dict) and "value" in element
    }
