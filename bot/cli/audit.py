"""`nebula-bot audit`: print the newest audit records from the configured store."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from bot.domain.teams import DEFAULT_TEAM, is_team_name
from bot.settings.store_settings import StoreSettings
from bot.slack.messages import texts
from bot.store.contract import open_store
from bot.store.location import SQLiteLocation


async def print_audit(settings: StoreSettings, limit: int, as_json: bool, team: str = DEFAULT_TEAM) -> int:
    """Print up to `limit` of `team`'s records, newest first; 1 when the store cannot be read."""
    if not is_team_name(team):
        print(f"--team takes a team's name from NEBULA_BOT_TEAMS_FILE, not {team!r}", file=sys.stderr)
        return 2
    location = settings.state_location
    if isinstance(location, SQLiteLocation) and not location.for_team(team).path.exists():
        # Opening would create an empty database: say where the trail was looked for, and change nothing.
        print(f"No audit trail at {location.for_team(team).path} (set NEBULA_BOT_STATE_URL)", file=sys.stderr)
        return 1
    try:
        store = await open_store(location, team=team)
    except Exception as exc:
        print(texts.store_unusable(location, exc), file=sys.stderr)
        return 1
    try:
        records = await store.recent_audit(max(1, limit))
    finally:
        await store.close()
    for record in records:
        print(json.dumps(asdict(record)) if as_json else record.line())
    return 0
