"""Outbound Slack: replies and posts, user groups, the email directory, auth; `messages/` builds what is
sent."""
