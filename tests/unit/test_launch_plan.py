"""Properties of a launch's pieces: Nebula's catalogue read leniently and safely, a typed launch parsed
and written back, and a plan chosen from them (issue #30)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.core.commands import every_word, parse
from bot.core.commands.launch import Create
from bot.domain.commands import UsageError
from bot.domain.launch import Catalogue, Part, Plan, Unchosen, Wanted, Why, choose, is_name
from bot.nebula.catalogue import MAX_GPUS, MAX_PRICE, images_of, keys_of, products_of
from bot.slack.messages.kit import Message
from bot.slack.messages.notices import launches as messages
from tests.standins import catalogue
from tests.strategies import hostile_text

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=30,
)
# Rows shaped like products, with any value in any field.
product_rows = st.fixed_dictionaries(
    {},
    optional={
        name: json_values | st.just(good)
        for name, good in catalogue.product("p-1", "CANADA", "H100-80G-SXM", "H100", 1, 2.29).items()
    },
)


def offered() -> Catalogue:
    return Catalogue(
        products_of({"data": catalogue.nested(catalogue.products())}),
        images_of({"data": catalogue.IMAGES}),
        keys_of({"data": catalogue.KEYS}),
    )


def test_nested_and_flat_products_read_the_same() -> None:
    rows = catalogue.products()
    assert products_of({"data": rows}) == products_of({"data": catalogue.nested(rows)})
    read = {p.id: p for p in products_of({"data": rows})}
    assert read["p-h100-8"].gpu_count == 8
    assert read["p-h100-8"].price_per_hour == 18.32
    assert not read["p-l40s-1"].in_stock
    assert [p.id for p in offered().offered] == ["p-a100-1", "p-h100-1", "p-h100-8"]  # cheapest first


@given(st.lists(product_rows, max_size=8), json_values)
def test_any_answer_reads_as_plausible_products_or_none(rows: list[dict[str, Any]], noise: object) -> None:
    for data in (rows, {"CANADA": {"H100": rows}}, noise):
        for product in products_of({"data": data}):
            assert 0 < product.price_per_hour <= MAX_PRICE
            assert math.isfinite(product.price_per_hour)
            assert 1 <= product.gpu_count <= MAX_GPUS
            assert product.id.isascii()
            assert 0 < len(product.id) <= 64
            assert product.gpu


@given(json_values)
def test_images_and_keys_never_raise(data: object) -> None:
    for image in images_of({"data": data}):
        assert image.id
        assert image.name
    for key in keys_of({"data": data}):
        assert isinstance(key.id, int)
        assert key.name


def test_figures_as_strings_are_read_and_nonsense_left_out() -> None:
    rows = [
        catalogue.product("a", "CANADA", "H100", "H100", 1, 2.0)
        | {"price_per_hour": "2.50", "gpu_count": "2"},
        catalogue.product("b", "CANADA", "H100", "H100", 1, 2.0) | {"price_per_hour": "NaN"},
        catalogue.product("c", "CANADA", "H100", "H100", 1, 2.0) | {"price_per_hour": -1},
        catalogue.product("d", "CANADA", "H100", "H100", 1, 2.0) | {"price_per_hour": 1e9},
        catalogue.product("e", "CANADA", "H100", "H100", 1, 2.0) | {"gpu_count": 1.5},
        catalogue.product("f/../x", "CANADA", "H100", "H100", 1, 2.0),
        catalogue.product("g", "CANADA", "H100", "H100", 1, 2.0) | {"is_available": "yes"},
    ]
    read = {p.id: p for p in products_of({"data": rows})}
    assert set(read) == {"a", "g"}
    assert (read["a"].price_per_hour, read["a"].gpu_count) == (2.5, 2)
    assert not read["g"].in_stock  # only `true` is available


def test_a_typed_launch_writes_itself_back() -> None:
    for typed in (
        "create h100 ubuntu-22.04 key=laptop name=exp-7 lease=8h",
        "create h100x8 key=ci region=canada lease=off",
        "create",
        "create a100 lease=90m",
    ):
        parsed = parse(typed)
        assert isinstance(parsed, Create), typed
        assert parse(parsed.text()) == parsed, typed


def test_parts_in_any_order_and_as_pasted() -> None:
    one = parse("create `h100`, ubuntu-22.04 8h name=exp-7 key=laptop")
    other = parse("launch KEY=laptop 8 hours h100 ubuntu-22.04 NAME=exp-7")
    assert isinstance(one, Create)
    assert one == other
    assert one.wanted == Wanted(gpu="h100", image="ubuntu-22.04", key="laptop", name="exp-7", lease=8 * 3600)


@given(st.lists(hostile_text, max_size=6))
def test_parsing_a_launch_never_raises(words: list[str]) -> None:
    result = every_word().parse(" ".join(["create", *words]))
    assert isinstance(result, UsageError | tuple)


def test_a_plan_is_the_cheapest_fitting_product() -> None:
    plan = choose(offered(), Wanted(gpu="H100", image="ubuntu-22.04", key="ci"), frozenset(), 8 * 3600)
    assert isinstance(plan, Plan)
    assert (plan.product.id, plan.image.id, plan.key.id, plan.name) == ("p-h100-1", "6", 81, "h100-1")
    assert plan.lease_cost == 2.29 * 8
    eight = choose(offered(), Wanted(gpu="8xh100", image="pytorch", key="ci"), frozenset(), None)
    assert isinstance(eight, Plan)
    assert eight.product.id == "p-h100-8"
    assert eight.lease_cost is None


def test_names_taken_and_invalid() -> None:
    taken = frozenset({"h100-1", "exp-7"})
    plan = choose(offered(), Wanted(gpu="h100", image="ubuntu-22.04", key="ci"), taken, 3600)
    assert isinstance(plan, Plan)
    assert plan.name == "h100-2"
    for name, why in (
        ("EXP-7", Why.TAKEN),
        ("-x", Why.INVALID),
        ("a" * 64, Why.INVALID),
        ("x_y", Why.INVALID),
    ):
        found = choose(offered(), Wanted(gpu="h100", image="ubuntu-22.04", key="ci", name=name), taken, 3600)
        assert found == Unchosen(Part.NAME, why, name)
    assert is_name("a" * 63)
    assert is_name("exp-7")


@given(hostile_text, hostile_text)
def test_every_answer_about_a_part_is_a_valid_message(gpu: str, image: str) -> None:
    found = choose(offered(), Wanted(gpu=gpu or None, image=image or None), frozenset(), 3600)
    if isinstance(found, Unchosen):
        shown = messages.unchosen(found, offered(), lambda word: f"create {word}")
        assert isinstance(shown, Message)
