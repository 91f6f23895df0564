"""`/nebula create`: launch an instance, the price and the lease shown before anything is created.
What happens then is `bot.core.launch`'s."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.commands import CommandSet, word
from bot.core.launch import Launches, LaunchForm
from bot.domain.calendar.durations import format_seconds, parse_duration
from bot.domain.commands import Command, UsageError, is_off
from bot.domain.launch import Wanted
from bot.domain.policy import Actor
from bot.domain.typed import words_of
from bot.slack.replier import Destination

MIN_LEASE_SECONDS = 60.0
# The parts written `part=value`, and the `Wanted` field each fills.
_NAMED = {"key": "key", "name": "name", "region": "region", "gpu": "gpu", "image": "image"}


@dataclass(frozen=True)
class Create(Command):
    """`/nebula create [<gpu>] [<image>] [key=…] [name=…] [region=…] [<lease>|lease=off]`."""

    wanted: Wanted

    def text(self) -> str:
        return written(self.wanted)


def written(wanted: Wanted) -> str:
    """`wanted` as the text after `/nebula` that asks for it."""
    named = [("key", wanted.key), ("name", wanted.name), ("region", wanted.region)]
    if wanted.unleased:
        named.append(("lease", "off"))
    elif wanted.lease is not None:
        named.append(("lease", format_seconds(wanted.lease)))
    parts = [wanted.gpu, wanted.image, *(f"{k}={v}" for k, v in named if v)]
    return " ".join(["create", *(p for p in parts if p)])


def parse_create(verb: str, args: Sequence[str]) -> Command | UsageError:
    """Each part optional, in any order: `part=value`, a duration (the lease), then the GPU and image."""
    named: dict[str, str] = {}
    plain: list[str] = []
    lease: float | None = None
    unleased = False
    for typed in _spans(words_of(list(args))):
        part, sep, given = typed.partition("=")
        lease_given = sep and part.lower() == "lease"
        if lease_given and (is_off(given) or given.lower() == "none"):
            unleased = True
            continue
        if sep and not lease_given:
            if part.lower() not in _NAMED or not given:
                return UsageError("launch_form", verb=verb, word=typed, detail="not a part of a launch")
            named[_NAMED[part.lower()]] = given
            continue
        seconds = _duration(given if lease_given else typed)
        if seconds is not None:
            if seconds < MIN_LEASE_SECONDS:
                return UsageError(
                    "launch_form", verb=verb, word=typed, detail="a lease lasts at least a minute"
                )
            lease = seconds
        elif sep:
            return UsageError("launch_form", verb=verb, word=typed, detail="not a duration")
        else:
            plain.append(typed)
    for field in ("gpu", "image"):
        if field not in named and plain:
            named[field] = plain.pop(0)
    if plain:
        return UsageError("launch_form", verb=verb, word=plain[0], detail="one part too many")
    return Create(Wanted(**named, lease=lease, unleased=unleased))


def _spans(words: list[str]) -> list[str]:
    """The words, a number and the unit after it taken as one (`8 hours`)."""
    joined: list[str] = []
    for typed in words:
        if joined and joined[-1].isdigit() and typed.isalpha() and _duration(f"{joined[-1]} {typed}"):
            joined[-1] = f"{joined[-1]} {typed}"
        else:
            joined.append(typed)
    return joined


def _duration(word: str) -> float | None:
    if not word[:1].isdigit():
        return None
    try:
        return parse_duration(word)
    except ValueError:
        return None


class LaunchWords(CommandSet):
    """create."""

    def __init__(self, *, launches: Launches, launch_form: LaunchForm) -> None:
        self._launches = launches
        self._form = launch_form

    @word(
        "create",
        usage="create [<gpu>] [<image>] [key=<name>] [name=<name>] [<lease>]",
        example="create h100 ubuntu-22.04 key=laptop name=exp-7 8h",
        parse=parse_create,
        rank=5,
        aliases=("launch",),
    )
    async def create(self, actor: Actor, to: Destination, command: Create) -> None:
        """launch a GPU instance: its price, its lease and the budget are shown before anything is created"""
        wanted = command.wanted
        if (wanted.gpu is None or wanted.image is None) and await self._form.open(actor, to, wanted):
            return  # the parts left out are chosen in the form
        missing = await self._launches.request(actor, to, wanted, written)
        if missing is not None and not await self._form.open(actor, to, wanted):
            await self._launches.tell_unchosen(to, missing, wanted, written)
