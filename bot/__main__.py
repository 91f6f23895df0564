"""`nebula-bot` / `python -m bot`: start the bot, or read its audit trail."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict

from bot import logs
from bot.check import run_checks
from bot.confirmations import open_store
from bot.manifest import ManifestError
from bot.manifest import render as render_manifest
from bot.runtime import BotRuntime, StartupError
from bot.settings import ConfigError, StoreSettings, load_settings, load_store_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nebula-bot",
        description="Manage Nebula Block GPU instances from Slack. Configuration comes from the environment "
        "and .env (see README.md).",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bot (the default)")
    sub.add_parser(
        "check", help="check the configuration and reach Slack, Nebula and the store; change nothing"
    )
    manifest = sub.add_parser("manifest", help="print the Slack app manifest (Socket Mode unless --http-url)")
    manifest.add_argument("--http-url", help="public https URL of the bot, for HTTP mode")
    audit = sub.add_parser("audit", help="print recent audit records from the configured store")
    audit.add_argument("--limit", type=int, default=50, help="how many records, newest first (default 50)")
    audit.add_argument("--json", action="store_true", help="one JSON object per line")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point. Exit codes: 0 done, 1 failed to start or a check failed, 2 bad configuration."""
    args = _parser().parse_args(argv)
    if args.command == "manifest":
        try:
            print(render_manifest(args.http_url), end="")
        except ManifestError as exc:
            print(exc, file=sys.stderr)
            return 2
        return 0
    try:
        if args.command == "audit":
            return asyncio.run(_print_audit(load_store_settings(), args.limit, args.json))
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "check":
        results = asyncio.run(run_checks(settings))
        for result in results:
            print(result.line())
        return 0 if all(result.ok for result in results) else 1
    logs.configure(settings.nebula_bot_log_level, settings.nebula_bot_log_format)
    try:
        drained = asyncio.run(BotRuntime(settings).serve_until_signalled())
    except StartupError as exc:
        print(f"nebula-bot could not start: {exc}", file=sys.stderr)
        return 1
    return 0 if drained else 1


async def _print_audit(settings: StoreSettings, limit: int, as_json: bool) -> int:
    try:
        store = await open_store(settings.nebula_bot_state_url)
    except Exception as exc:
        print(f"Cannot open the store at NEBULA_BOT_STATE_URL ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    try:
        records = await store.recent_audit(max(1, limit))
    finally:
        await store.close()
    for record in records:
        print(json.dumps(asdict(record)) if as_json else record.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
