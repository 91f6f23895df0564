"""Looking one instance up for a person: the instance, or a reply saying why not."""

from __future__ import annotations

from bot.core.services import Services
from bot.domain.instance import Instance
from bot.nebula.errors import NebulaError, NebulaNotFound
from bot.slack.messages import texts
from bot.slack.messages.kit import notice
from bot.slack.messages.mrkdwn import code
from bot.slack.replier import Destination, say


async def instance_or_say(services: Services, to: Destination, instance_id: str) -> Instance | None:
    """The instance, or None after telling the person it does not exist or could not be looked up."""
    try:
        return await services.nebula.get_instance(instance_id)
    except NebulaNotFound:
        await say(services.replier, to, notice(f"No instance {code(instance_id)}."))
    except NebulaError as exc:
        text = f"Could not look up {code(instance_id)}: {texts.nebula_error(exc)}"
        await say(services.replier, to, notice(text))
    return None
