"""The SQLite store's file: its tables, its compare-and-set statements, reading its rows, and whether
the path still holds the file the store opened.

Records live in the table `marks`, the name they had when the first databases were written.
"""

from __future__ import annotations

import os
from typing import Final

from bot.domain.confirmation import Entry, State
from bot.store.codecs import confirmation_from_json, outcomes_from_json

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS confirmations (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL,
    expires_at  REAL NOT NULL,
    action      TEXT NOT NULL,
    actor       TEXT,
    decided_at  REAL,
    outcomes    TEXT
);
CREATE INDEX IF NOT EXISTS confirmations_pending ON confirmations (state, expires_at);
CREATE INDEX IF NOT EXISTS confirmations_claimed ON confirmations (state, decided_at);
CREATE TABLE IF NOT EXISTS audit (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    record  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS triggers (
    id       TEXT PRIMARY KEY,
    seen_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS triggers_seen ON triggers (seen_at);
CREATE TABLE IF NOT EXISTS marks (
    kind   TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS cycles (
    slot  INTEGER PRIMARY KEY,
    at    REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS health (
    id  INTEGER PRIMARY KEY,
    at  REAL NOT NULL
);
"""

# The column is still called "action", as in every database written so far.
Row = tuple[str, str, str | None, float | None, str | None, str | None]
COLUMNS = "action, state, actor, decided_at, outcomes, message_ts"
# How long a write waits for a lock held by another process, and an audit line: a person waiting on a
# request is told the store is busy rather than kept waiting (Slack wants an answer within seconds).
BUSY_MS = 2_000
AUDIT_BUSY_MS = 1_000
GLANCE_MS = 250  # the replay guard and the watcher's slot: best efforts, never worth a wait

# The compare-and-set: only a pending row moves, and only on the right side of its expiry.
DECIDE_IN_TIME = (
    "UPDATE confirmations SET state = ?, actor = ?, decided_at = ? "
    "WHERE id = ? AND state = 'pending' AND expires_at > ?"
)
RELEASE = "UPDATE confirmations SET state = ?, actor = ?, decided_at = ? WHERE id = ? AND state = 'scheduled'"
EXPIRE = (
    "UPDATE confirmations SET state = ?, actor = ?, decided_at = ? "
    "WHERE id = ? AND state = 'pending' AND expires_at <= ?"
)


def to_entry(row: Row) -> Entry:
    """A confirmation's row (in COLUMNS order) as an entry."""
    confirmation, state, actor, decided_at, outcomes, message_ts = row
    return Entry(
        confirmation=confirmation_from_json(confirmation),
        state=State(state),
        decided_by=actor,
        decided_at=decided_at,
        outcomes=outcomes_from_json(outcomes),
        message_ts=message_ts,
    )


def check_file(path: str, identity: tuple[int, int]) -> None:
    """Raise OSError unless `path` is still the file opened (`identity`: device, inode) and writable.

    An open connection keeps writing to a file that was deleted, replaced or made read-only under
    it; only a look at the path tells that the next start would find nothing there.
    """
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise OSError(f"{path} no longer exists") from None
    if (stat.st_dev, stat.st_ino) != identity:
        raise OSError(f"{path} was replaced by another file")
    folder = os.path.dirname(os.path.abspath(path))
    # Mode bits as well as access(): root may still write, but a restart as the service user may not.
    if not (stat.st_mode & 0o222) or not os.access(path, os.W_OK):
        raise OSError(f"{path} was made read-only")
    if not (os.stat(folder).st_mode & 0o222) or not os.access(folder, os.W_OK):
        raise OSError(f"the folder of {path} was made read-only")
