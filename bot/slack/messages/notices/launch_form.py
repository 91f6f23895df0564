"""The launch form, a modal: GPU (with its price and stock), image, SSH key, name and lease, and a line
that says, as the fields change, what it costs per hour, what the lease costs, and where the budget
stands after it. Built with slack_sdk's models, which refuse what Slack would."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.calendar.durations import format_duration
from bot.domain.launch import UNLEASED, Catalogue, Field, Image, Product, SshKey
from bot.slack.messages.kit import context, dollars, per_hour, section
from bot.slack.messages.mrkdwn import shorten

CALLBACK: Final = "nebula_launch_form"
COST_BLOCK: Final = "launch_cost"
# The leases the form offers (the setting's default is added when it is not among them).
LEASES: Final = (3600.0, 2 * 3600.0, 4 * 3600.0, 8 * 3600.0, 24 * 3600.0, 3 * 86400.0, 7 * 86400.0)
OPTIONS_MAX: Final = 100  # a static select's limit
OPTION_TEXT: Final = 75


@dataclass(frozen=True)
class Form:
    """What the form shows: the catalogue, what is chosen in it, and the budget's line ("" without)."""

    catalogue: Catalogue
    product: Product | None
    image: Image | None
    key: SshKey | None
    name: str
    lease: float | None  # seconds; None: no lease
    default_lease: float
    unleased: bool  # "no lease" may be chosen
    budget: str
    channel: str


def metadata(channel: str) -> str:
    """What the modal carries back: the channel it was opened for."""
    return json.dumps({"channel": channel})


def loading(channel: str) -> dict[str, Any]:
    """The modal as it opens, within the trigger's 3 seconds, while the catalogue is read."""
    return _view([section(":hourglass_flowing_sand: Reading what Nebula offers…")], channel, submit=False)


def unavailable(channel: str, why: str) -> dict[str, Any]:
    """The modal when nothing can be launched now (`why`, the bot's mrkdwn)."""
    return _view([section(f":warning: {why}")], channel, submit=False)


def form(shown: Form) -> dict[str, Any]:
    """The whole form, with what is chosen so far."""
    offered = shown.catalogue.offered[:OPTIONS_MAX]
    products = [_option(_product_text(p), p.id) for p in offered]
    images = [_option(i.name, i.id) for i in shown.catalogue.images[:OPTIONS_MAX]]
    keys = [_option(k.name, str(k.id)) for k in shown.catalogue.keys[:OPTIONS_MAX]]
    leases = [_option(format_duration(s), str(int(s))) for s in sorted({*LEASES, shown.default_lease})]
    if shown.unleased:
        leases.append(_option("No lease", UNLEASED))
    lease_value = UNLEASED if shown.lease is None else str(int(shown.lease))
    blocks: list[Block] = [
        _select(Field.GPU, "GPU", products, shown.product.id if shown.product else None, dispatch=True),
        _select(Field.IMAGE, "Image", images, shown.image.id if shown.image else None),
        _select(Field.KEY, "SSH key", keys, str(shown.key.id) if shown.key else None),
        InputBlock(
            block_id=Field.NAME.value,
            label="Name",
            hint="Lower-case letters, digits and dashes; unique in the team's fleet.",
            element=PlainTextInputElement(
                action_id=Field.NAME.action_id, initial_value=shown.name or None, max_length=63
            ),
        ),
        _select(Field.LEASE, "Lease", leases, lease_value, dispatch=True),
        context(cost_line(shown)),
    ]
    blocks[-1].block_id = COST_BLOCK
    return _view(blocks, shown.channel, submit=True)


def cost_line(shown: Form) -> str:
    """ "$2.29/h · 8h of lease ~$18.32 · Budget: $1,230.00 of $5,000.00 this month"."""
    if shown.product is None:
        return "Choose a GPU to see what it costs."
    price = shown.product.price_per_hour
    lease = (
        f"{format_duration(shown.lease)} of lease ~{dollars(price * shown.lease / 3600)}"
        if shown.lease is not None
        else "no lease: it bills until someone stops it"
    )
    budget = f" · Budget: {shown.budget}" if shown.budget else ""
    return f"*{per_hour(price)}* · {lease}{budget}"


def _product_text(product: Product) -> str:
    return shorten(f"{product.label} · {per_hour(product.price_per_hour)}", OPTION_TEXT)


def _option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=shorten(text, OPTION_TEXT)), value=value)


def _select(
    field: Field, label: str, options: Sequence[Option], chosen: str | None, *, dispatch: bool = False
) -> InputBlock:
    initial = next((o for o in options if o.value == chosen), None)
    return InputBlock(
        block_id=field.value,
        label=label,
        dispatch_action=dispatch or None,
        element=StaticSelectElement(
            action_id=field.action_id,
            placeholder=f"Choose the {label.lower()}",
            options=list(options) or [_option("None offered now", "none")],
            initial_option=initial,
        ),
    )


def _view(blocks: Sequence[Block], channel: str, *, submit: bool) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=CALLBACK,
        title="Launch a GPU",
        submit="Launch" if submit else None,
        close="Cancel",
        blocks=list(blocks),
        private_metadata=metadata(channel),
    )
    found: dict[str, Any] = view.to_dict()  # validates: refuses what Slack would
    return found
