"""`nebula-bot audit`: print the newest audit records from the configured store."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from bot.domain.teams import DEFAULT_TEAM, is_team_name
from bot.settings.store_settings import StoreSettings
from bot.store import StoreMissing, explain, open_store


async def print_audit(settings: StoreSettings, limit: int, as_json: bool, team: str = DEFAULT_TEAM) -> int:
    """Print up to `limit` of `team`'s records, newest first; 1 when the store cannot be read."""
    if not is_team_name(team):
        print(f"--team takes a team's name from NEBULA_BOT_TEAMS_FILE, not {team!r}", file=sys.stderr)
        return 2
    url = settings.nebula_bot_state_url
    try:
        # Never created here: a store that is not there is said to be missing, and nothing changes.
        store = await open_store(url, team=team, create=False)
    except StoreMissing as exc:
        print(f"No audit trail at {exc.where} (set NEBULA_BOT_STATE_URL)", file=sys.stderr)
        return 1
    except Exception as exc:
        print(explain(url, exc, team=team), file=sys.stderr)
        return 1
    try:
        lines = await store.recent(max(1, limit))
    finally:
        await store.close()
    for line in lines:
        print(json.dumps(asdict(line)) if as_json else line.shown())
    return 0
