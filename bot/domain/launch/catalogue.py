"""What Nebula offers for a launch: GPU products, images and the team's SSH keys, as the bot keeps them
after reading Nebula's untrusted answers (`bot.nebula.catalogue`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    """One launchable configuration: a GPU model and count in a region, at a price per hour."""

    id: str
    region: str
    gpu: str  # the model as Nebula names it: "H100-80G-SXM"
    gpu_type: str  # its family: "H100"
    gpu_count: int
    price_per_hour: float
    in_stock: bool
    product_type: str = "Virtual Machine"

    @property
    def label(self) -> str:
        """How a person reads it: "1× H100-80G-SXM in CANADA"."""
        return f"{self.gpu_count}× {self.gpu} in {self.region}"


@dataclass(frozen=True)
class Image:
    """A system image: its id (as Nebula wants it back) and its name ("Ubuntu 22.04 LTS x64")."""

    id: str
    name: str


@dataclass(frozen=True)
class SshKey:
    """One of the team's SSH keys, by the name it was given at Nebula (the key itself is never kept)."""

    id: int
    name: str


@dataclass(frozen=True)
class Catalogue:
    """What can be launched, read at `read_at` (the bot's clock)."""

    products: tuple[Product, ...]
    images: tuple[Image, ...]
    keys: tuple[SshKey, ...]
    read_at: float = 0.0

    @property
    def offered(self) -> tuple[Product, ...]:
        """The products a person may choose: in stock, cheapest first."""
        return tuple(sorted((p for p in self.products if p.in_stock), key=_cheapest))


def _cheapest(product: Product) -> tuple[float, int, str, str]:
    return (product.price_per_hour, product.gpu_count, product.region, product.id)
