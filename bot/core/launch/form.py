"""The launch form, a modal: opened at once on a command that leaves parts out (or from the Home tab),
filled when the catalogue is read, kept in step with its choices (price, lease, budget), and checked on
submit so that what is wrong is said under its field before the modal closes.

A form Slack delivers twice is taken once: the launch it makes is kept under an id made from the
modal's own id.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Final

from bot.core.fleet import FleetView
from bot.core.launch.book import LaunchBook
from bot.core.launch.launches import Launches
from bot.core.launch.offer import Offer
from bot.core.money import Standing
from bot.domain.launch import (
    UNLEASED,
    Catalogue,
    Field,
    Filled,
    Launch,
    Plan,
    Submitted,
    Unchosen,
    Wanted,
    is_name,
)
from bot.domain.launch.plan import pick_image, pick_key, pick_name, pick_product
from bot.domain.policy import Actor
from bot.nebula.errors import NebulaError
from bot.slack.messages.kit import plain
from bot.slack.messages.mrkdwn import shorten
from bot.slack.messages.notices import launch_form as views
from bot.slack.messages.notices import launches as messages
from bot.slack.messages.refusals import refusal_text
from bot.slack.messages.texts import nebula_error
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination, Opened

# A submission is answered within Slack's 3 seconds: what it needs to read must come in this time.
CHECK_WITHIN: Final = 2.0
# What an error under a field may say (Slack shows a line or two).
ERROR_LIMIT: Final = 300
# A fleet read this recent is good enough to check a name on submit (the press checks it again).
NAMES_MAX_AGE: Final = 300.0


@dataclass(frozen=True)
class Taken:
    """What a form's submission comes to: errors under fields (nothing done), or the work to do after
    the ack (none: nothing to do, as for a form delivered twice)."""

    errors: dict[str, str]
    later: Coroutine[Any, Any, None] | None = None


class LaunchForm:
    """Opens, refreshes and takes the launch form."""

    def __init__(
        self,
        *,
        book: LaunchBook,
        offer: Offer,
        view: FleetView,
        standing: Standing,
        launches: Launches,
        outbox: Outbox,
    ) -> None:
        self._book = book
        self._offer = offer
        self._view = view
        self._standing = standing
        self._launches = launches
        self._outbox = outbox

    async def open(self, actor: Actor, to: Destination, wanted: Wanted) -> bool:
        """The form, for `to`'s trigger, with what was typed chosen in it. False when no modal opened
        (no trigger, or Slack refused it): the caller answers in words instead."""
        channel = actor.channel_id
        if not to.trigger_id or not channel:
            return False
        opened = await self._outbox.open_view(to.trigger_id, views.loading(channel))  # first: 3 s
        if opened is None:
            return False
        actor = await self._launches.resolve(actor)
        try:
            catalogue = await self._offer.read()
            taken = await self._taken(max_age=0.0)
        except NebulaError as exc:
            why = f"The bot could not read what Nebula offers. {nebula_error(exc)}"
            await self._outbox.update_view(opened, views.unavailable(channel, why))
            return True
        product = pick_product(catalogue, wanted)
        product = catalogue.offered[0] if isinstance(product, Unchosen) and catalogue.offered else product
        image, key = pick_image(catalogue, wanted.image), pick_key(catalogue, wanted.key)
        name = pick_name(wanted.name, product, taken) if not isinstance(product, Unchosen) else ""
        lease = None if wanted.unleased else wanted.lease or self._book.config.launch_lease
        shown = views.Form(
            catalogue=catalogue,
            product=None if isinstance(product, Unchosen) else product,
            image=None if isinstance(image, Unchosen) else image,
            key=None if isinstance(key, Unchosen) else key,
            name=name if isinstance(name, str) else wanted.name or "",
            lease=lease,
            default_lease=self._book.config.launch_lease,
            unleased=self._unleased(actor),
            budget=await self._budget(
                lease, None if isinstance(product, Unchosen) else product.price_per_hour
            ),
            channel=channel,
        )
        await self._outbox.update_view(opened, views.form(shown))
        return True

    async def changed(self, actor: Actor, opened: Opened, form: Submitted) -> None:
        """A GPU or a lease chosen in the open form: its cost line follows."""
        actor = await self._launches.resolve(actor)
        catalogue = await self._offer.read()
        filled = form.filled
        product = next((p for p in catalogue.offered if p.id == filled.product_id), None)
        lease = None if filled.lease == UNLEASED else filled.lease_seconds or self._book.config.launch_lease
        shown = views.Form(
            catalogue=catalogue,
            product=product,
            image=next((i for i in catalogue.images if i.id == filled.image_id), None),
            key=next((k for k in catalogue.keys if str(k.id) == filled.key_id), None),
            name=filled.name or "",
            lease=lease,
            default_lease=self._book.config.launch_lease,
            unleased=self._unleased(actor),
            budget=await self._budget(lease, product.price_per_hour if product else None),
            channel=form.channel_id or "",
        )
        await self._outbox.update_view(opened, views.form(shown))

    async def submitted(self, actor: Actor, form: Submitted) -> Taken:
        """Check the form within Slack's 3 seconds; what is wrong goes under its field."""
        launch_id = form_launch_id(form.view_id)
        actor = await self._launches.resolve(actor)
        if await self._book.records.get(Launch, launch_id) is not None:
            return Taken({})  # delivered again: already taken
        try:
            catalogue, taken = await asyncio.wait_for(self._read(), CHECK_WITHIN)
        except (TimeoutError, NebulaError):
            return Taken({Field.GPU.value: "Nebula is slow to answer just now. Press Launch again."})
        plan = self._plan(actor, form.filled, catalogue, taken)
        if isinstance(plan, dict):
            return Taken(plan)
        refused = await self._launches.refused(actor, plan)
        if refused is not None:
            return Taken({Field.GPU.value: shorten(plain(refusal_text(refused)), ERROR_LIMIT)})
        to = Destination(None, actor.channel_id, actor.user_id)
        return Taken({}, self._launches.offer(actor, to, plan, launch_id=launch_id, press=True))

    def _plan(
        self, actor: Actor, filled: Filled, catalogue: Catalogue, taken: frozenset[str]
    ) -> Plan | dict[str, str]:
        errors: dict[str, str] = {}
        product = next((p for p in catalogue.offered if p.id == filled.product_id), None)
        if product is None:
            errors[Field.GPU.value] = "Not in stock now: choose another GPU."
        image = next((i for i in catalogue.images if i.id == filled.image_id), None)
        if image is None:
            errors[Field.IMAGE.value] = "Choose an image."
        key = next((k for k in catalogue.keys if str(k.id) == filled.key_id), None)
        if key is None:
            errors[Field.KEY.value] = (
                "Choose an SSH key."
                if catalogue.keys
                else "This team has no SSH key at Nebula: add one there."
            )
        name = (filled.name or "").strip().lower()
        if not is_name(name):
            errors[Field.NAME.value] = (
                "Lower-case letters, digits and dashes, at most 63, no dash at either end."
            )
        elif name in taken:
            errors[Field.NAME.value] = f"{name} is taken in this team's fleet: choose another."
        lease = filled.lease_seconds
        if filled.lease == UNLEASED and not self._unleased(actor):
            errors[Field.LEASE.value] = "Only approvers may launch without a lease."
        elif filled.lease != UNLEASED and lease is None:
            errors[Field.LEASE.value] = "Choose a lease."
        if errors or product is None or image is None or key is None:
            return errors
        return Plan(name, product, image, key, lease)

    async def _read(self) -> tuple[Catalogue, frozenset[str]]:
        return await self._offer.read(), await self._taken(max_age=NAMES_MAX_AGE)

    async def _taken(self, max_age: float) -> frozenset[str]:
        fleet = await self._view.read(details=False, max_age=max_age)
        names = frozenset((i.host_name or "").lower() for i in fleet.instances)
        return names | await self._book.held_names()

    def _unleased(self, actor: Actor) -> bool:
        return self._book.config.launch_unleased or self._launches.is_approver(actor)

    async def _budget(self, lease: float | None, price: float | None) -> str:
        found = await self._standing.now()
        if found is None:
            return ""
        budget, figures = found
        adds = price * lease / 3600 if price is not None and lease is not None else None
        return messages.budget_line(figures.spent, budget.amount, budget.period, adds)


def form_launch_id(view_id: str) -> str:
    """The launch a form makes, by the modal's id: the same for every delivery of one submission."""
    digest = hashlib.sha256(f"launch-form:{view_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]
