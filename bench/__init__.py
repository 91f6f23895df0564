"""Benchmarks: scripts that print figures (see each one\x27s docstring)."""
