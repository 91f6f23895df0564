"""`nebula-bot` / `python -m bot`: start the bot."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import logs
from bot.runtime import BotRuntime, StartupError
from bot.settings import ConfigError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nebula-bot",
        description="Manage Nebula Block GPU instances from Slack. Configuration comes from the environment "
        "and .env (see README.md).",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bot (the default)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point. Exit codes: 0 clean stop, 1 could not start, 2 bad configuration."""
    _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    logs.configure(settings.nebula_bot_log_level)
    try:
        drained = asyncio.run(BotRuntime(settings).serve_until_signalled())
    except StartupError as exc:
        print(f"nebula-bot could not start: {exc}", file=sys.stderr)
        return 1
    return 0 if drained else 1


if __name__ == "__main__":
    sys.exit(main())
