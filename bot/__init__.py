"""nebula-slack-bot: manage Nebula Block GPU instances from Slack, safely."""
