"""Who owns an instance: an explicit `/nebula claim`, else the Nebula user Nebula names, found in
Slack by email (`users.lookupByEmail`, cached); else nobody known. Any doubt means "unknown"."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.ids import is_slack_id
from bot.domain.model import Instance, Ownership
from bot.infra import logs
from bot.infra.metrics import Metrics
from bot.slack.cache import LookupCache, Uncertain
from bot.slack.replier import slack_error
from bot.store.marks import Marks

# Up to this many instances, claims are read one by one rather than all at once.
FEW = 10


class EmailDirectory:
    """Slack users by email, through `users.lookupByEmail` (scope users:read.email), cached."""

    def __init__(
        self,
        client: AsyncWebClient,
        ttl: float,
        metrics: Metrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._metrics = metrics
        self._cache: LookupCache[str | None] = LookupCache(ttl, clock)

    async def user_for(self, email: str) -> str | None:
        """The Slack user id with this email, or None (not found, or Slack could not say)."""
        key = email.strip().lower()
        return await self._cache.get(key, lambda: self._look_up(key))

    async def _look_up(self, email: str) -> str | None:
        try:
            response = await self._client.users_lookupByEmail(email=email)
        except Exception as exc:  # users_not_found, missing_scope, a garbled answer: all "unknown"
            error = slack_error(exc)
            if error == "users_not_found":
                return None  # an answer: nobody in this workspace has that email
            logs.warning("owners.lookup_failed", error=error)  # never the email itself
            self._metrics.slack_errors.labels("users.lookupByEmail").inc()
            raise Uncertain(None) from None
        user = response.get("user")
        found = user.get("id") if isinstance(user, dict) else None
        return found if is_slack_id(found, "UW") else None


class Owners:
    """Answers "whose is this instance?"."""

    def __init__(
        self, marks: Marks, directory: EmailDirectory, clock: Callable[[], float] = time.time
    ) -> None:
        self._marks = marks
        self._directory = directory
        self._clock = clock

    async def of(self, instances: Iterable[Instance]) -> dict[str, str]:
        """The known owners (Slack user ids) of `instances`, by instance id."""
        wanted = list(instances)
        if len(wanted) <= FEW:
            held = [await self._marks.get(Ownership, instance.id) for instance in wanted]
            claimed = {h.mark.instance_id: h.mark.owner for h in held if h is not None}
        else:
            claimed = {h.mark.instance_id: h.mark.owner for h in await self._marks.all(Ownership)}
        owners: dict[str, str] = {}
        for instance in wanted:
            if instance.id in claimed:
                owners[instance.id] = claimed[instance.id]
            elif instance.owner_email:
                found = await self._directory.user_for(instance.owner_email)
                if found is not None:
                    owners[instance.id] = found
        return owners

    async def claim(self, instance_id: str, user: str) -> tuple[str | None, bool]:
        """Make `user` the owner. The previous claimant (if another), and True when it took."""
        held = await self._marks.get(Ownership, instance_id)
        previous = held.mark.owner if held else None
        won = await self._marks.put(held, Ownership(instance_id, user, self._clock()))
        return (previous if previous != user else None), won is not None

    async def release(self, instance_id: str) -> str | None:
        """Forget the claim; who had claimed it, or None when nobody had."""
        held = await self._marks.get(Ownership, instance_id)
        if held is None or not await self._marks.remove(held):
            return None
        return held.mark.owner
