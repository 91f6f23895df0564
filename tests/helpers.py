"""Reading the bot's Slack messages the way a person reads them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.domain.fleet.instance import Instance
from bot.domain.money.costs import FleetCost, summed, usage
from bot.slack.messages import action_ids

# Two instances of the demo fleet (bot/demo_nebula.py), for the shell's tests.
DEMO_SMALL = "c3e8f1a9-5d2b-4f7c-8e6a-2b9d4c1f7e05"  # notebook-ana
DEMO_BIG = "4f1c9e2a-7b3d-4c8e-9a51-0d2e6f8b1c37"  # llm-train-01


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The message's buttons by action_id."""
    found: dict[str, dict[str, Any]] = {}
    for block in message.get("blocks", []):
        if block.get("type") == "actions":
            for element in block["elements"]:
                found[element["action_id"]] = element
    return found


def confirmation_id(message: dict[str, Any]) -> str:
    """The value the Delete button carries, as Slack would send it back on a click."""
    found = buttons(message)
    assert found[action_ids.CONFIRM]["value"] == found[action_ids.CANCEL]["value"]
    return str(found[action_ids.CONFIRM]["value"])


# The parts of a message or a modal (and of its blocks and elements) that hold what a person reads.
_HOLDING_TEXT = (
    *("text", "title", "confirm", "deny", "fields", "elements", "blocks", "options", "accessory"),
    *("label", "element", "hint", "placeholder", "submit", "close", "initial_option"),
)


def shown(message: dict[str, Any]) -> str:
    """All the text a person could see in a message or a modal: the fallback, every block's text and
    fields, context, button and option labels, confirm dialogs, inputs' labels. Never a button's value
    or an action id."""
    seen: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    seen.append(value)
                elif key in _HOLDING_TEXT:
                    visit(value)

    visit(message)
    return "\n".join(seen)


def costs_of(instances: Iterable[Instance], now: float) -> FleetCost:
    """What the running instances among `instances` cost at `now`, as the bot sums them up."""
    return summed(usage(i, now) for i in instances if i.is_running)
