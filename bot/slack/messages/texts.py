"""Sentences users read about failures: what happened and what to do next.

The errors themselves (`bot.nebula.errors`, `bot.store.errors`) carry only facts; the words live
here, beside the messages that use them.
Every function returns mrkdwn: Nebula's own words are quoted through `bot.slack.messages.mrkdwn.literal`.
"""

from __future__ import annotations

import errno
import socket

from bot.nebula.errors import (
    NebulaAuthError,
    NebulaBadResponse,
    NebulaBusy,
    NebulaError,
    NebulaNotFound,
    NebulaOutcomeUnknown,
    NebulaRejected,
    NebulaTimeout,
    NebulaUnreachable,
)
from bot.slack.messages.mrkdwn import literal

_PROBLEMS = {
    "empty": "an empty body",
    "not_json": "a body that is not a JSON object",
    "unreadable": "data the bot could not read",
    "too_large": "a body too large to read",
}


def nebula_words(message: str) -> str:
    """Nebula's own message, as mrkdwn that cannot format, ping or link."""
    return literal(message, 300)


def _said(exc: NebulaError) -> str:
    return f" Nebula said: {nebula_words(exc.nebula_message)}" if exc.nebula_message else ""


def nebula_error(exc: NebulaError, *, after_change: bool = False) -> str:
    """What to tell a user about a failed Nebula call. `after_change`: it was a state change."""
    if isinstance(exc, NebulaAuthError):
        return f"The service key was rejected (HTTP {exc.http_status}): check {exc.key_source}.{_said(exc)}"
    if isinstance(exc, NebulaNotFound):
        hint = " (already deleted?)" if after_change else ""
        return f"Nebula does not know this instance{hint}.{_said(exc)}"
    if isinstance(exc, NebulaBadResponse):
        if exc.problem == "server_error":
            return f"Nebula failed (HTTP {exc.http_status}).{_said(exc)}"
        if exc.problem == "unclear":
            return (
                f"Nebula's answer contradicts itself (HTTP {exc.http_status} without a status of success "
                f"or failure).{_said(exc)}"
            )
        if exc.problem == "wrong_instance":
            return (
                "Nebula answered for a different instance; nothing was done. "
                "Check the id in the Nebula console."
            )
        return (
            f"Nebula answered HTTP {exc.http_status} with {_PROBLEMS[exc.problem]}. Try again later; "
            "if it persists, check Nebula's status."
        )
    if isinstance(exc, NebulaRejected):
        if exc.nebula_message:
            return nebula_words(exc.nebula_message)
        return f"Nebula refused the request (HTTP {exc.http_status})."
    if isinstance(exc, NebulaBusy):
        return "Nebula is busy with the team's other requests; nothing was sent. Try again in a minute."
    if isinstance(exc, NebulaUnreachable):
        if not exc.host:
            return "Nebula is unreachable; nothing was sent. Try again shortly."
        return (
            f"Nebula at {literal(exc.host, 80)} is unreachable ({exc.why}); nothing was sent. "
            "If it persists, check NEBULA_API_URL."
        )
    if isinstance(exc, NebulaOutcomeUnknown):
        return (
            f"No answer from Nebula within {exc.timeout:g} s: "
            "outcome unknown: check with the Nebula console before trying again."
        )
    if isinstance(exc, NebulaTimeout):
        return f"Nebula did not answer within {exc.timeout:g} s. Try again shortly."
    return "Nebula's answer could not be used."


NOTHING_RECORDED = (
    "The bot stopped before Nebula's answer was recorded: outcome unknown: check with the Nebula console."
)
REPORTED_SUCCESS = "Nebula reported success."
NOTHING_SENT = "The bot hit an internal error before calling Nebula: nothing was sent."
INTERNAL_AFTER_SENDING = (
    "The bot hit an internal error after calling Nebula: outcome unknown: check with the Nebula console."
)
STOPPING = (
    "Outcome unknown: the bot was stopping while Nebula had not answered: check with the Nebula console."
)


def removed_invisible(count: int) -> str:
    """What the bot took out of a command before reading it, since the person could not see it."""
    what = "an invisible character" if count == 1 else f"{count} invisible characters"
    return f"_(Removed {what}, such as a zero-width space, from what you typed.)_"


def store_down(problem: str) -> str:
    """Why the bot takes no new request right now: its store cannot keep one."""
    return (
        f"The bot cannot take new requests right now: its {literal(problem, 200)}. Nothing was asked. "
        "Try again in a few minutes; whoever runs the bot can see this on /healthz."
    )


def store_busy() -> str:
    """A request met the store held by another process for longer than a write waits."""
    return (
        "The bot's store is busy just now (another process is writing to it), so this was not taken: "
        "nothing was asked or changed. Try again in a minute."
    )


def port_unusable(host: str, port: int, exc: OSError) -> str:
    """Why the bot cannot listen at NEBULA_BOT_HOST:NEBULA_BOT_PORT, and what to do."""
    fix = "use 0.0.0.0 (every interface) or 127.0.0.1"
    if isinstance(exc, socket.gaierror):
        return f"NEBULA_BOT_HOST={host} does not resolve to an address: {fix}."
    if exc.errno == errno.EADDRINUSE:
        return f"NEBULA_BOT_PORT={port} is in use on {host}: stop what listens there, or choose another port."
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"NEBULA_BOT_HOST={host} is not an address of this machine: {fix}."
    reason = exc.strerror or str(exc)
    return f"cannot listen on {host}:{port} ({reason}): check NEBULA_BOT_HOST and NEBULA_BOT_PORT."


def slack_unreachable(url: str, cause: str) -> str:
    """Why Slack's Web API could not be reached (`cause`, in words), and what to check."""
    return f"cannot reach {url}: {cause}; check the network or proxy (SLACK_API_URL)."
