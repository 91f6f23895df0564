"""`nebula-bot audit`: print the newest audit records from the configured store."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from bot.settings import StoreSettings
from bot.store import open_store


async def print_audit(settings: StoreSettings, limit: int, as_json: bool) -> int:
    """Print up to `limit` records, newest first; 1 when the store cannot be read."""
    try:
        store = await open_store(settings.state_location)
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
