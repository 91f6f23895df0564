"""The text kept from Nebula's answers: the quick path for clean text gives what the full cleaning gives."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.fleet.instance import TEXT_LIMIT, UNSAFE, safe_text


def cleaned(value: str) -> str:
    """The full cleaning, without the quick path."""
    return " ".join(UNSAFE.sub(" ", value[: TEXT_LIMIT * 2]).split())[:TEXT_LIMIT]


@given(st.text(max_size=TEXT_LIMIT + 40))
def test_any_text_is_kept_as_the_full_cleaning_keeps_it(value: str) -> None:
    assert safe_text(value) == cleaned(value)


@given(
    st.lists(
        st.sampled_from(["a", " ", "\u202e", "\u200b", "\u2028", "\u00a0", "\t", "\x85", "\ufeff", "é"]),
        max_size=30,
    ).map("".join)
)
def test_the_characters_that_hide_or_reorder_text_never_survive(value: str) -> None:
    kept = safe_text(value)
    assert kept == cleaned(value)
    assert not UNSAFE.search(kept)
    assert not re.search(r"\s\s|^\s|\s$", kept)
