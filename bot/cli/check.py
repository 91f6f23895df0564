"""`nebula-bot check`: validate the configuration and reach every dependency, changing nothing."""

from __future__ import annotations

import dataclasses
import socket
import time

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.cli.check_channels import check_channels
from bot.cli.check_result import CheckResult
from bot.domain.calendar.durations import format_duration
from bot.domain.teams import DEFAULT_TEAM
from bot.infra.redact import register
from bot.nebula.client import NebulaClient
from bot.nebula.errors import NebulaAuthError, NebulaError
from bot.service.startup import auth_failed
from bot.settings.settings import Settings
from bot.settings.teams import TeamSettings, team_settings
from bot.slack.auth import SlackAuthFailed, auth_test
from bot.slack.errors import slack_error
from bot.slack.messages import texts
from bot.slack.messages.kit import plural
from bot.store import StoreMissing, check_store, open_store

REQUIRED_SCOPES = frozenset({"commands", "chat:write", "chat:write.public"})
# users.lookupByEmail needs both (Slack requires users:read alongside users:read.email).
EMAIL_SCOPES = frozenset({"users:read", "users:read.email"})


async def run_checks(settings: Settings) -> list[CheckResult]:
    """Every check, in order; each is independent of the others' results."""
    register(settings.secrets())
    results = [_configuration(settings)]
    async with aiohttp.ClientSession() as session:
        web = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=settings.slack_api_url,
            session=session,
        )
        results.extend(await _slack(settings, web))
        if settings.slack_app_token is not None:
            results.append(await _app_token(settings, web))
        teams = team_settings(settings)
        if len(teams) == 1:
            results.extend(await _team(web, teams[0].settings, teams[0].key_source))
            results.append(_port(settings))
            return results
        for team in teams:  # one block per team
            channels = ", ".join(sorted(team.settings.nebula_bot_allowed_channels))
            results.append(CheckResult("team", True, f"{team.name}: channels {channels}"))
            results.extend(await _team(web, team.settings, team.key_source, team.name))
            results.extend(_sharing(team, teams))
    results.append(_port(settings))
    return results


def _sharing(team: TeamSettings, teams: list[TeamSettings]) -> list[CheckResult]:
    """How a team's budget counts where its key is another team's too (one account, one bill)."""
    key = team.settings.api_key()
    others = ", ".join(t.name for t in teams if t.name != team.name and t.settings.api_key() == key)
    if not others:
        lone = "instances named, but no other team has this key: the account's whole bill is this team's"
        return [CheckResult("sharing", True, lone, warning=True)] if team.instances else []
    if not team.instances:
        split = 'name this team\'s instances (instances = ["research-*"]) to split it'
        return [
            CheckResult(
                "sharing", True, f"key shared with {others}: budgets count the whole fleet; {split}", True
            )
        ]
    named = ", ".join(team.instances)
    return [CheckResult("sharing", True, f"key shared with {others}: budgets count instances named {named}")]


async def _team(
    web: AsyncWebClient, settings: Settings, key_source: str, name: str = DEFAULT_TEAM
) -> list[CheckResult]:
    """One team's block: its channels, its key at Nebula, its store, its watcher."""
    channels = await check_channels(web, settings)
    return [
        *([channels] if channels is not None else []),
        await _nebula(settings, key_source),
        await _store(settings, name),
        _watcher(settings),
        await _cycles(settings, name),
    ]


def _configuration(settings: Settings) -> CheckResult:
    mode = (
        "Socket Mode"
        if settings.socket_mode
        else f"HTTP mode on {settings.nebula_bot_host}:{settings.nebula_bot_port}"
    )
    users, groups = settings.nebula_bot_allowed_users, settings.nebula_bot_allowed_usergroups
    who = "everyone" if "*" in users else f"{plural(len(users), 'user')}, {plural(len(groups), 'group')}"
    extras = []
    owner_rule = settings.nebula_bot_owner_rule != "off"
    if owner_rule:
        approving = "approvers approve others' instances" if settings.nebula_bot_approvers else "no approvers"
        extras.append(f"owner rule on ({approving})")
    elif settings.nebula_bot_approvers:
        extras.append("two-person rule on")
    if settings.nebula_bot_undo_seconds:
        extras.append(f"undo window {format_duration(settings.nebula_bot_undo_seconds)}")
    if settings.nebula_bot_dry_run:
        extras.append("DRY RUN")
    detail = f"{mode}; allowed: {who}" + "".join(f"; {e}" for e in extras)
    nobody = not settings.nebula_bot_allowed_users and not settings.nebula_bot_allowed_usergroups
    if nobody:
        return CheckResult(
            "configuration", True, detail + " (nobody may act: set NEBULA_BOT_ALLOWED_USERS)", True
        )
    return CheckResult("configuration", True, detail)


async def _slack(settings: Settings, web: AsyncWebClient) -> list[CheckResult]:
    try:
        account = await auth_test(web)
    except SlackAuthFailed as exc:
        if exc.kind == "rejected":
            return [CheckResult("slack", False, f"SLACK_BOT_TOKEN was rejected ({exc.error})")]
        return [CheckResult("slack", False, auth_failed(exc, settings.slack_api_url))]
    identity = account.identity
    results = [
        CheckResult(
            "slack",
            True,
            f"workspace {account.workspace_name} ({identity.workspace}), bot @{account.bot_name}",
        )
    ]
    if account.scopes is None:
        results.append(CheckResult("slack scopes", True, "Slack did not report the token's scopes", True))
        return results
    needed = set(REQUIRED_SCOPES)
    if settings.nebula_bot_allowed_usergroups or any(
        a.startswith("S") for a in settings.nebula_bot_approvers
    ):
        needed.add("usergroups:read")
    if settings.nebula_bot_owner_rule != "off":
        needed |= EMAIL_SCOPES
    missing = sorted(needed - account.scopes)
    if missing:
        detail = f"missing {', '.join(missing)}: add them in OAuth & Permissions and reinstall the app"
        return [*results, CheckResult("slack scopes", False, detail)]
    results.append(CheckResult("slack scopes", True, ", ".join(sorted(needed))))
    if not account.scopes >= EMAIL_SCOPES:
        # Owners are looked up by email whenever Nebula names a user; without both scopes they never are.
        lacking = ", ".join(sorted(EMAIL_SCOPES - account.scopes))
        results.append(
            CheckResult("owners", True, f"owners cannot be found by email: the token lacks {lacking}", True)
        )
    results.append(_home(settings, account.scopes))
    return results


def _home(settings: Settings, scopes: frozenset[str]) -> CheckResult:
    """Where changes asked for from the Home tab are confirmed, and whether that can work."""
    channel = settings.nebula_bot_home_channel or settings.nebula_bot_watch_channel
    if channel is not None:
        return CheckResult("home tab", True, f"changes asked for on Home are confirmed in {channel}")
    if "im:write" not in scopes:
        detail = "changes asked for on Home need a DM (scope im:write) or NEBULA_BOT_HOME_CHANNEL"
        return CheckResult("home tab", True, detail, True)
    return CheckResult("home tab", True, "changes asked for on Home are confirmed in a DM with the person")


async def _app_token(settings: Settings, web: AsyncWebClient) -> CheckResult:
    assert settings.slack_app_token is not None
    try:
        # Issues a WebSocket URL that is simply never used: nothing connects, nothing changes.
        await web.apps_connections_open(app_token=settings.slack_app_token.get_secret_value())
    except SlackApiError as exc:
        return CheckResult("socket mode", False, f"SLACK_APP_TOKEN was rejected ({slack_error(exc)})")
    except Exception as exc:
        return CheckResult("socket mode", False, f"apps.connections.open failed: {slack_error(exc)}")
    return CheckResult("socket mode", True, "SLACK_APP_TOKEN accepted")


async def _nebula(settings: Settings, key: str) -> CheckResult:
    """Whether Nebula accepts the key (named `key`: NEBULA_API_KEY, or a team's variable or file)."""
    client = NebulaClient(settings.nebula_api_url, settings.api_key(), settings.nebula_api_timeout)
    try:
        page = await client.list_instances(limit=1)
    except NebulaAuthError:
        return CheckResult("nebula", False, f"{key} was rejected: check the key (a team API key, ak_…)")
    except NebulaError as exc:
        return CheckResult(
            "nebula", False, f"{texts.nebula_error(exc)} (NEBULA_API_URL={settings.nebula_api_url})"
        )
    finally:
        await client.aclose()
    count = f"; the team has {page.total} instance(s)" if page.total is not None else ""
    return CheckResult("nebula", True, f"{key} accepted{count}")


async def _store(settings: Settings, team: str = DEFAULT_TEAM) -> CheckResult:
    checked = await check_store(
        settings.nebula_bot_state_url, team=team, allow_volatile=settings.nebula_bot_allow_volatile_redis
    )
    return CheckResult("store", checked.ok, checked.detail, checked.warning)


def _port(settings: Settings) -> CheckResult:
    """Whether the bot could listen where it is told to (it is not running, so nothing should be there)."""
    host, port = settings.nebula_bot_host, settings.nebula_bot_port
    try:
        with socket.create_server((host, port), reuse_port=False):
            pass
    except OSError as exc:
        return CheckResult("port", False, texts.port_unusable(host, port, exc))
    return CheckResult("port", True, f"{host}:{port} is free")


async def _cycles(settings: Settings, team: str) -> CheckResult:
    """When a watcher last ran a cycle of this team's (any process's, as the store's claims say)."""
    every = settings.nebula_bot_watch_interval
    apart = settings.nebula_bot_watcher == "apart"
    hint = " (NEBULA_BOT_WATCHER=apart: is `nebula-bot watch` running?)" if apart else ""
    try:
        store = await open_store(settings.nebula_bot_state_url, team=team, create=False)
    except StoreMissing:
        return CheckResult("cycles", True, "no watcher cycle yet: the store is created on first start")
    except Exception as exc:
        return CheckResult(
            "cycles", True, f"cannot tell ({type(exc).__name__}); the store line says why", True
        )
    try:
        last = await store.last_cycle()
    finally:
        await store.close()
    if last is None:
        return CheckResult("cycles", True, f"no watcher cycle recorded yet{hint}", apart)
    ago = max(0.0, time.time() - last)
    said = f"last watcher cycle {format_duration(ago)} ago (one is due every {format_duration(every)})"
    if ago > 2 * every:
        return CheckResult("cycles", True, f"{said}: no watcher runs{hint}", True)
    return CheckResult("cycles", True, said)


def _watcher(settings: Settings) -> CheckResult:
    """What the watcher will do, and where it runs."""
    found = _watching(settings)
    if settings.nebula_bot_watcher == "here":
        return found
    apart = "; in a process of its own (NEBULA_BOT_WATCHER=apart: run `nebula-bot watch` beside the bot)"
    return dataclasses.replace(found, detail=found.detail + apart)


def _watching(settings: Settings) -> CheckResult:
    """What the watcher will do: reminders, leases and the digest, as configured."""
    every = format_duration(settings.nebula_bot_watch_interval)
    action = settings.nebula_bot_lease_action
    leases = (
        f"leases {action} {format_duration(settings.nebula_bot_lease_grace)} after their end"
        if action != "remind"
        else "leases remind"
    )
    if action != "remind" and settings.nebula_bot_approvers and settings.nebula_bot_owner_rule == "off":
        return CheckResult(
            "watcher",
            True,
            f"{leases}, but the two-person rule is on, so leases only remind "
            "(set NEBULA_BOT_LEASE_ACTION=remind to say so)",
            True,
        )
    channel = settings.nebula_bot_watch_channel
    if channel is None:
        return CheckResult(
            "watcher", True, f"no reminders (NEBULA_BOT_WATCH_CHANNEL unset); {leases}; every {every}"
        )
    digest = f"; digest at {settings.nebula_bot_digest_at} UTC" if settings.nebula_bot_digest_at else ""
    return CheckResult(
        "watcher",
        True,
        f"reminders in {channel} after {format_duration(settings.nebula_bot_remind_after)} running, "
        f"Keep for {format_duration(settings.nebula_bot_snooze)}; {leases}; every {every}{digest}",
    )
