"""From what a person typed (`Wanted`) and what Nebula offers (`Catalogue`) to what will be launched
(`Plan`), or to the one part that is missing or does not match (`Unchosen`). Pure: no I/O."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.domain.launch.catalogue import Catalogue, Image, Product, SshKey

# A new instance's name: a host name's label (letters, digits and inner dashes, at most 63), lower case,
# since Nebula lists it as the host name and a launch is found again by it.
NAME: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_COUNTED: Final = re.compile(r"(?:(\d{1,2})\s*[x×*])?([a-z0-9][a-z0-9-]*?)(?:\s*[x×*]\s*(\d{1,2}))?")


def plain(text: str) -> str:
    """`text` lower case with everything but letters and digits dropped: how parts are compared."""
    return "".join(c for c in text.lower() if c.isalnum())


def is_name(text: str) -> bool:
    """True for a name a new instance may have."""
    return NAME.fullmatch(text) is not None


class Part(StrEnum):
    """The parts of a launch a person chooses."""

    GPU = "gpu"
    IMAGE = "image"
    KEY = "key"
    NAME = "name"


class Why(StrEnum):
    """Why a part could not be chosen."""

    MISSING = "missing"  # nothing typed, and no single choice
    UNKNOWN = "unknown"  # typed, matches nothing offered
    SOLD_OUT = "sold_out"  # typed, matches only products out of stock
    AMBIGUOUS = "ambiguous"  # typed, matches several
    TAKEN = "taken"  # a name already in the fleet, or being launched
    INVALID = "invalid"  # a name outside the host-name rules
    NONE = "none"  # nothing to choose from (no SSH key at all)


@dataclass(frozen=True)
class Wanted:
    """What a person asked for: every part optional (`lease` in seconds; None: the default)."""

    gpu: str | None = None
    image: str | None = None
    key: str | None = None
    name: str | None = None
    region: str | None = None
    lease: float | None = None
    unleased: bool = False

    def chose(self, part: Part, word: str | None) -> Wanted:
        """The same, with `word` for `part` (None: left to choose)."""
        match part:
            case Part.GPU:
                return dataclasses.replace(self, gpu=word)
            case Part.IMAGE:
                return dataclasses.replace(self, image=word)
            case Part.KEY:
                return dataclasses.replace(self, key=word)
            case Part.NAME:
                return dataclasses.replace(self, name=word)


@dataclass(frozen=True)
class Plan:
    """What a launch will create, and for how long (`lease_seconds` None: no lease)."""

    name: str
    product: Product
    image: Image
    key: SshKey
    lease_seconds: float | None

    @property
    def lease_cost(self) -> float | None:
        """What the lease's span costs at the product's price, or None without a lease."""
        if self.lease_seconds is None:
            return None
        return self.product.price_per_hour * self.lease_seconds / 3600


@dataclass(frozen=True)
class Unchosen:
    """The first part that could not be chosen, what was typed for it, and why."""

    part: Part
    why: Why
    typed: str | None = None


def choose(
    catalogue: Catalogue, wanted: Wanted, taken: frozenset[str], lease: float | None
) -> Plan | Unchosen:
    """The plan `wanted` makes of `catalogue`; `taken` are the names in use (lower case); `lease` the
    default lease in seconds (None: none)."""
    product = pick_product(catalogue, wanted)
    if isinstance(product, Unchosen):
        return product
    image = pick_image(catalogue, wanted.image)
    if isinstance(image, Unchosen):
        return image
    key = pick_key(catalogue, wanted.key)
    if isinstance(key, Unchosen):
        return key
    name = pick_name(wanted.name, product, taken)
    if isinstance(name, Unchosen):
        return name
    seconds = None if wanted.unleased else (wanted.lease if wanted.lease is not None else lease)
    return Plan(name, product, image, key, seconds)


def gpu_word(product: Product) -> str:
    """What to type to get `product` (with `region=` when its family is offered in several)."""
    family = plain(product.gpu_type) or plain(product.gpu)
    return family if product.gpu_count == 1 else f"{family}x{product.gpu_count}"


def image_word(image: Image) -> str:
    """What to type to get `image`: its name, lower case, dashes for spaces."""
    return "-".join(image.name.lower().split())


def pick_product(catalogue: Catalogue, wanted: Wanted) -> Product | Unchosen:
    """The cheapest offered product of the typed family, count and region."""
    if wanted.gpu is None:
        offered = catalogue.offered
        if len({gpu_word(p) for p in offered}) == 1:
            return offered[0]
        return Unchosen(Part.GPU, Why.MISSING if offered else Why.SOLD_OUT)
    matching = [p for p in catalogue.products if _is_gpu(p, wanted.gpu, wanted.region)]
    in_stock = sorted((p for p in matching if p.in_stock), key=lambda p: (p.gpu_count, p.price_per_hour))
    if in_stock:
        return in_stock[0]
    return Unchosen(Part.GPU, Why.SOLD_OUT if matching else Why.UNKNOWN, wanted.gpu)


def _is_gpu(product: Product, typed: str, region: str | None) -> bool:
    if region is not None and plain(region) != plain(product.region):
        return False
    found = _COUNTED.fullmatch(typed.lower().strip())
    if found is None:
        return plain(typed) == plain(product.id)
    count = found.group(1) or found.group(3)
    if count is not None and int(count) != product.gpu_count:
        return False
    family = plain(found.group(2))
    names = {plain(product.gpu_type), plain(product.gpu), plain(product.id)}
    return family in names or plain(product.gpu).startswith(family)


def pick_image(catalogue: Catalogue, typed: str | None) -> Image | Unchosen:
    """The image whose name starts with what was typed (compared on letters and digits alone)."""
    if typed is None:
        if len(catalogue.images) == 1:
            return catalogue.images[0]
        return Unchosen(Part.IMAGE, Why.MISSING if catalogue.images else Why.NONE)
    wanted = plain(typed)
    exact = [i for i in catalogue.images if plain(i.name) == wanted or i.id == typed]
    starting = [i for i in catalogue.images if wanted and plain(i.name).startswith(wanted)]
    found = exact or starting
    if len(found) == 1:
        return found[0]
    return Unchosen(Part.IMAGE, Why.AMBIGUOUS if found else Why.UNKNOWN, typed)


def pick_key(catalogue: Catalogue, typed: str | None) -> SshKey | Unchosen:
    """The key of that name (any case); without one, the team's only key."""
    if typed is None:
        if len(catalogue.keys) == 1:
            return catalogue.keys[0]
        return Unchosen(Part.KEY, Why.MISSING if catalogue.keys else Why.NONE)
    found = [k for k in catalogue.keys if k.name.lower() == typed.lower()]
    return found[0] if len(found) == 1 else Unchosen(Part.KEY, Why.UNKNOWN, typed)


def pick_name(typed: str | None, product: Product, taken: frozenset[str]) -> str | Unchosen:
    """The typed name if it may be used, else a free one after the GPU's family: `h100-1`, `h100-2`…"""
    if typed is not None:
        name = typed.lower()
        if not is_name(name):
            return Unchosen(Part.NAME, Why.INVALID, typed)
        return Unchosen(Part.NAME, Why.TAKEN, typed) if name in taken else name
    stem = "-".join(re.findall(r"[a-z0-9]+", product.gpu_type.lower()))[:50] or "gpu"
    return next(f"{stem}-{n}" for n in range(1, len(taken) + 2) if f"{stem}-{n}" not in taken)
