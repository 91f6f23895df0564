"""Launching an instance: what Nebula offers (`catalogue`), what a person asked for and what it makes
(`plan`), and what the store keeps of a launch (`records`)."""

from bot.domain.launch.catalogue import Catalogue, Image, Product, SshKey
from bot.domain.launch.form import UNLEASED, Field, Filled, Submitted
from bot.domain.launch.plan import (
    Part,
    Plan,
    Unchosen,
    Wanted,
    Why,
    choose,
    gpu_word,
    image_word,
    is_name,
    plain,
)
from bot.domain.launch.records import Failure, Launch, NameClaim, Stage

__all__ = [
    "UNLEASED",
    "Catalogue",
    "Failure",
    "Field",
    "Filled",
    "Image",
    "Launch",
    "NameClaim",
    "Part",
    "Plan",
    "Product",
    "SshKey",
    "Stage",
    "Submitted",
    "Unchosen",
    "Wanted",
    "Why",
    "choose",
    "gpu_word",
    "image_word",
    "is_name",
    "plain",
]
