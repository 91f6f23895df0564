"""The store: the contract every store keeps, SQLite and Redis, their codecs, and versioned records."""
