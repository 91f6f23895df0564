"""Sending the bot what Slack sends: signed HTTP requests, or Socket Mode envelopes."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Option

from tests.standins.servers import TEAM_ID, Ack, FakeSlack

SIGNING_SECRET = "test-signing-secret-8f3a"
_EVENTS = itertools.count(1)
OPTIONS_DEADLINE = 3.0
CHANNEL = "C0OPS"


def signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 request signature."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


_triggers = itertools.count(1)


def command_form(
    user: str, text: str, response_url: str, channel: str = CHANNEL, team: str = TEAM_ID
) -> dict[str, str]:
    """The form fields of a slash command request."""
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "team_domain": "acme",
        "channel_id": channel,
        "channel_name": "ops",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/nebula",
        "text": text,
        "api_app_id": "A0APP",
        "is_enterprise_install": "false",
        "response_url": response_url,
        # Slack gives every request its own trigger_id; a second request with the same one is a replay.
        "trigger_id": f"{next(_triggers)}.456.abc",
    }


def click_payload(
    user: str, action_id: str, value: str, response_url: str, channel: str = CHANNEL, team: str = TEAM_ID
) -> dict[str, Any]:
    """A `block_actions` payload for a click on one of the bot's buttons."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A0APP",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": "123.456.def",
        "team": {"id": team, "domain": "acme"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "ops"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "nebula_decision",
                "value": value,
                "type": "button",
                "action_ts": "1700000001.000200",
                "text": {"type": "plain_text", "text": "x"},
            }
        ],
    }


def suggestion_payload(
    user: str, action_id: str, block_id: str, typed: str, channel: str, team: str = TEAM_ID
) -> dict[str, Any]:
    """A `block_suggestion` payload, as bolt-python's tests have it: a person typing in an external select."""
    return {
        "type": "block_suggestion",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": channel,
                      "is_ephemeral": True},
        "api_app_id": "A0APP",
        "token": "legacy-verification-token",
        "action_id": action_id,
        "block_id": block_id,
        "value": typed,
        "team": {"id": team, "domain": "acme"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "ops"},
    }  # fmt: skip


def options_problem(body: dict[str, Any]) -> str | None:
    """Why Slack would refuse an answer to an options request, or None: at most 100 options, each a valid
    `Option` (text at most 75 characters, value at most 150)."""
    options = body.get("options")
    if not isinstance(options, list):
        return f"no options list in {body!r:.80}"
    if len(options) > 100:
        return f"{len(options)} options; Slack takes 100"
    for item in options:
        parsed = Option.from_single_value(item) if isinstance(item, str) else Option(**item)
        try:
            parsed.validate_json()
        except SlackObjectFormationError as exc:
            return f"invalid option {item!r:.80}: {exc}"
    return None


Poll = Callable[[Callable[[], bool]], Awaitable[None]]


class Driver:
    """Plays Slack towards the bot, over HTTP (signed) or over the Socket Mode WebSocket."""

    def __init__(self, mode: str, slack: FakeSlack, bot_url: str, session: aiohttp.ClientSession, poll: Poll):
        self.mode = mode
        self.slack = slack
        self.bot_url = bot_url
        self.session = session
        self.poll = poll

    async def command(self, user: str, text: str, **kw: str) -> tuple[Ack, str]:
        """Type `/nebula <text>`. Returns the ack and the command's response_url."""
        response_url = self.slack.new_response_url(kw.get("channel", CHANNEL))
        form = command_form(user, text, response_url, **kw)
        self.slack.triggers[form["trigger_id"]] = time.monotonic()
        if self.mode == "socket":
            return await self._envelope("slash_commands", dict(form)), response_url
        return await self.post_signed(urlencode(form)), response_url

    async def click(self, user: str, action_id: str, value: str, **kw: str) -> tuple[Ack, str]:
        """Click a button. Returns the ack and the click's response_url.

        The click comes from the message that carries a button with `value`, as in Slack; a forged
        value comes from a message the bot never posted.
        """
        channel = kw.get("channel", CHANNEL)
        carrier = self.slack.with_button(value, channel)
        message_ts = carrier.ts if carrier is not None else "1699999999.000001"
        response_url = self.slack.new_response_url(channel, carrier.ts if carrier is not None else None)
        payload = click_payload(user, action_id, value, response_url, **kw)
        payload["container"]["message_ts"] = message_ts
        if self.mode == "socket":
            return await self._envelope("interactive", payload), response_url
        return await self.post_signed(urlencode({"payload": json.dumps(payload)})), response_url

    async def choose(
        self, user: str, action_id: str, value: str, block_id: str, kind: str = "static_select", **kw: str
    ) -> tuple[Ack, str]:
        """Choose the option `value` in a select or overflow menu (`kind`) of an ephemeral message, as
        Slack reports it."""
        channel = kw.get("channel", CHANNEL)
        response_url = self.slack.new_response_url(channel)
        payload = click_payload(user, action_id, value, response_url, **kw)
        payload["container"]["is_ephemeral"] = True
        action = payload["actions"][0]
        del action["value"], action["text"]
        action |= {
            "type": kind,
            "block_id": block_id,
            "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value},
        }
        if self.mode == "socket":
            return await self._envelope("interactive", payload), response_url
        return await self.post_signed(urlencode({"payload": json.dumps(payload)})), response_url

    async def options(self, user: str, action_id: str, block_id: str, typed: str, **kw: str) -> Ack:
        """Type `typed` into an external select menu: Slack's `block_suggestion` request; the ack holds
        the options (checked as Slack checks them)."""
        payload = suggestion_payload(user, action_id, block_id, typed, kw.get("channel", CHANNEL))
        started = time.monotonic()
        if self.mode == "socket":
            ack = await self._envelope("interactive", payload)
        else:
            ack = await self.post_signed(urlencode({"payload": json.dumps(payload)}))
        problem = options_problem(ack.body)
        assert problem is None, problem
        # Slack shows nothing for an answer later than 3 s: the stand-in does not accept it either.
        assert time.monotonic() - started < OPTIONS_DEADLINE, "options answered too late for Slack"
        return ack

    async def home_opened(self, user: str, tab: str = "home") -> Ack:
        """`user` opens the bot's App Home (an `app_home_opened` event, as the Events API sends it)."""
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": f"D{user.removeprefix('U')}",
            "tab": tab,
            "event_ts": "1700000000.000100",
        }
        body = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0APP",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(_EVENTS):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {"enterprise_id": None, "team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True}
            ],
        }
        if self.mode == "socket":
            return await self._envelope("events_api", body)
        return await self.post_signed(json.dumps(body), content_type="application/json")

    async def home_menu(self, user: str, action_id: str, value: str, block_id: str = "home") -> Ack:
        """Choose `value` in an overflow menu on `user`'s Home: a `block_actions` from a view, which
        carries no channel and no response_url."""
        payload = click_payload(user, action_id, value, "unused")
        del payload["channel"], payload["response_url"]
        payload["container"] = {"type": "view", "view_id": f"V{user}"}
        payload["view"] = {
            "id": f"V{user}",
            "type": "home",
            "blocks": self.slack.homes.get(user, {}).get("blocks", []),
        }
        action = payload["actions"][0]
        del action["value"], action["text"]
        action |= {
            "type": "overflow",
            "block_id": block_id,
            "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value},
        }
        if self.mode == "socket":
            return await self._envelope("interactive", payload)
        return await self.post_signed(urlencode({"payload": json.dumps(payload)}))

    async def home_press(self, user: str, action_id: str, value: str, block_id: str) -> Ack:
        """Press a button on `user`'s Home: a `block_actions` from a view, with a trigger (a modal may be
        opened with it) and no channel or response_url."""
        payload = click_payload(user, action_id, value, "unused")
        del payload["channel"], payload["response_url"]
        payload["container"] = {"type": "view", "view_id": f"V{user}"}
        payload["view"] = {
            "id": f"V{user}",
            "type": "home",
            "blocks": self.slack.homes.get(user, {}).get("blocks", []),
        }
        payload["trigger_id"] = f"{next(_triggers)}.456.home"
        self.slack.triggers[payload["trigger_id"]] = time.monotonic()
        payload["actions"][0]["block_id"] = block_id
        if self.mode == "socket":
            return await self._envelope("interactive", payload)
        return await self.post_signed(urlencode({"payload": json.dumps(payload)}))

    async def shortcut(self, user: str, text: str, callback_id: str, **kw: str) -> tuple[Ack, str]:
        """`user` runs the message shortcut `callback_id` on a message saying `text` (`message_action`,
        shaped as in bolt-python's tests). Returns the ack and the shortcut's response_url."""
        channel = kw.get("channel", CHANNEL)
        response_url = self.slack.new_response_url(channel)
        payload = {
            "type": "message_action",
            "token": "legacy-verification-token",
            "action_ts": "1700000001.000200",
            "team": {"id": TEAM_ID, "domain": "acme"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID, "name": user.lower()},
            "channel": {"id": channel, "name": "ops"},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": f"{next(_EVENTS)}.456.shortcut",
            "response_url": response_url,
            "message_ts": "1700000000.000300",
            "message": {"type": "message", "user": "U0SOMEONE", "ts": "1700000000.000300", "text": text},
        }
        if self.mode == "socket":
            return await self._envelope("interactive", payload), response_url
        return await self.post_signed(urlencode({"payload": json.dumps(payload)})), response_url

    async def submit_form(self, user: str, view_id: str, values: dict[str, dict[str, Any]]) -> Ack:
        """Press the modal's submit button, with `values` (block id, then action id, then the element's
        state, as Slack sends it in `view.state.values`)."""
        payload = self._from_modal("view_submission", user, view_id, values) | {"response_urls": []}
        return await self._interactive(payload)

    async def change_form(
        self, user: str, view_id: str, field: str, value: str, values: dict[str, dict[str, Any]]
    ) -> Ack:
        """Choose `value` in the modal's select `field` (block id; its action id is `nebula_<field>`),
        which dispatches a `block_actions` from inside the modal."""
        payload = self._from_modal("block_actions", user, view_id, values)
        payload["container"] = {"type": "view", "view_id": view_id}
        payload["actions"] = [
            {
                "type": "static_select",
                "action_id": f"nebula_{field}",
                "block_id": field,
                "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
                "action_ts": "1700000001.000300",
            }
        ]
        return await self._interactive(payload)

    def _from_modal(
        self, kind: str, user: str, view_id: str, values: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """What every payload from inside a modal carries, as Slack shapes it."""
        return {
            "type": kind,
            "team": {"id": TEAM_ID, "domain": "acme"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0APP",
            "token": "legacy-verification-token",
            "trigger_id": f"{next(_triggers)}.789.ghi",
            "view": self.slack.modals[view_id] | {"state": {"values": values}, "team_id": TEAM_ID},
            "is_enterprise_install": False,
            "enterprise": None,
        }

    async def _interactive(self, payload: dict[str, Any]) -> Ack:
        if self.mode == "socket":
            return await self._envelope("interactive", payload)
        return await self.post_signed(urlencode({"payload": json.dumps(payload)}))

    async def post_signed(
        self,
        body: str,
        *,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        signed: bool = True,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> Ack:
        """POST a body to /slack/events (a form, or JSON for events), signed as Slack signs it (or not,
        or wrongly)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {"Content-Type": content_type}
        if signed:
            headers |= {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature(secret, ts, body)}
        async with self.session.post(f"{self.bot_url}/slack/events", data=body, headers=headers) as response:
            text = await response.text()
            parsed = json.loads(text) if text.startswith("{") else {"text": text} if text else {}
            return Ack(response.status, parsed)

    async def _envelope(self, kind: str, payload: dict[str, Any]) -> Ack:
        envelope_id = await self.slack.send_envelope(kind, payload)
        await self.poll(lambda: envelope_id in self.slack.acks)
        return Ack(200, self.slack.acks[envelope_id])
