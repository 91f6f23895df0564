"""Infrastructure every layer shares: structured logs, redaction, metrics, the clock, in-flight work."""
