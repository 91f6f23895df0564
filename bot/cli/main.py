"""`nebula-bot` / `python -m bot`: start the bot, check its configuration, print its manifest or audit
trail, or open the shell.

Each subcommand imports what it needs when it runs, so that `manifest` and `audit` start in a
fraction of the time the bot itself needs to load Bolt.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings.settings import Settings

WATCHER_NICENESS = 10
EXIT_CODES = "exit codes: 0 done, 1 failed (a check, the start-up, a store), 2 bad configuration or arguments"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nebula-bot",
        description="Manage Nebula Block GPU instances from Slack. Configuration comes from the environment "
        "and .env (see README.md). Without a subcommand, runs the bot.",
        epilog=EXIT_CODES,
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bot (the default)", epilog=EXIT_CODES)
    sub.add_parser(
        "watch",
        help="run only the watcher and the sweeper, beside bots started with NEBULA_BOT_WATCHER=apart",
        epilog=EXIT_CODES,
    )
    sub.add_parser(
        "check",
        help="check the configuration and reach Slack, Nebula and the store; change nothing",
        epilog="exit codes: 0 every check passed, 1 a check failed, 2 bad configuration",
    )
    manifest = sub.add_parser(
        "manifest",
        help="print the Slack app manifest (Socket Mode unless --http-url)",
        epilog="exit codes: 0 printed, 2 bad --http-url",
    )
    manifest.add_argument("--http-url", help="public https URL of the bot, for HTTP mode")
    audit = sub.add_parser(
        "audit",
        help="print recent audit records from the configured store",
        epilog="exit codes: 0 printed, 1 the store could not be read, 2 bad NEBULA_BOT_STATE_URL",
    )
    audit.add_argument("--limit", type=int, default=50, help="how many records, newest first (default 50)")
    audit.add_argument("--json", action="store_true", help="one JSON object per line")
    audit.add_argument(
        "--team", default="default", help="whose trail, with NEBULA_BOT_TEAMS_FILE (default: default)"
    )
    shell = sub.add_parser(
        "shell",
        help="drive the bot from a terminal, without Slack (--demo: a simulated Nebula too)",
        epilog="exit codes: 0 end of input or :quit, 1 the bot could not start, "
        "2 bad configuration or arguments, 130 left with Ctrl-C while waiting for a scheduled change",
    )
    shell.add_argument(
        "--demo", action="store_true", help="a simulated Nebula and a temporary store; no key needed"
    )
    shell.add_argument("--as", dest="user", metavar="USER_ID", help="the Slack user you act as")
    shell.add_argument(
        "--channel",
        default="",
        metavar="CHANNEL_ID",
        help="the channel you type in (default: the first team's first channel, else C0SHELL)",
    )
    shell.add_argument(
        "--watch",
        action="store_true",
        help="also run the watcher and the sweeper, as the bot does (else: commands only)",
    )
    shell.add_argument(
        "--teams",
        action="store_true",
        help="(with --demo) two teams, each with its own fleet and channel (:channel C0INFRA switches)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "manifest":
        return _manifest(args.http_url)

    from bot.settings.fields import ConfigError
    from bot.settings.settings import load_settings
    from bot.settings.store_settings import load_store_settings

    if args.command == "shell":
        return _shell(ShellChoice(args.demo, args.user, args.channel, args.watch, args.teams))
    try:
        if args.command == "audit":
            from bot.cli.audit import print_audit

            return asyncio.run(print_audit(load_store_settings(), args.limit, args.json, args.team))
        settings = load_settings()
        from bot.settings.teams import team_settings

        team_settings(settings)  # a teams file is checked here, with the environment
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "check":
        from bot.cli.check import run_checks

        results = asyncio.run(run_checks(settings))
        for result in results:
            print(result.line())
        return 0 if all(result.ok for result in results) else 1
    return _run(settings, inbound=args.command != "watch")


def _manifest(http_url: str | None) -> int:
    from bot.cli.manifest import ManifestError, render

    try:
        print(render(http_url), end="")
    except ManifestError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


@dataclass(frozen=True)
class ShellChoice:
    """What `nebula-bot shell` was given on the command line."""

    demo: bool
    user: str | None
    channel: str
    watch: bool
    teams: bool


def _shell(choice: ShellChoice) -> int:
    from bot.infra import logs
    from bot.shell.options import ShellOptions
    from bot.shell.terminal import run_shell

    if choice.teams and not choice.demo:
        print(
            "--teams is the demo's (with --demo); a real bot's teams are NEBULA_BOT_TEAMS_FILE's.",
            file=sys.stderr,
        )
        return 2
    # The bot's own log lines would interleave with the conversation: only warnings, on stderr.
    logs.configure("WARNING", "text")
    options = ShellOptions(
        demo=choice.demo, user=choice.user, channel=choice.channel, watch=choice.watch, teams=choice.teams
    )
    return run_shell(options)


def _run(settings: Settings, *, inbound: bool = True) -> int:
    import faulthandler

    from bot.infra import logs
    from bot.service.runtime import BotRuntime
    from bot.service.startup import StartupError

    # A fatal signal (SIGBUS from a storage fault, SIGSEGV) at least leaves a traceback on stderr.
    faulthandler.enable()
    logs.configure(settings.nebula_bot_log_level, settings.nebula_bot_log_format)
    if not inbound:
        # The watcher is background work: on a machine it shares with bots, their acks get the CPU first.
        os.nice(WATCHER_NICENESS)
    try:
        drained = asyncio.run(BotRuntime(settings).serve_until_signalled(inbound=inbound))
    except StartupError as exc:
        print(f"nebula-bot could not start: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0 if drained else 1
