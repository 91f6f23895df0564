"""Inbound Slack: the Bolt app, the HTTP edge in front of it, and the listeners (one per kind of payload)."""
