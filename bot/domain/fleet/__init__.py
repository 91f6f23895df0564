"""Instances: how Nebula's untrusted answers are read, which ids may reach a URL, and which instance a
typed word means."""
