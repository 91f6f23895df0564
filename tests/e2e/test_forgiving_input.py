"""What people type and paste, through the running bot (issue #28.4): what is unambiguous is read as
meant, and no word that was not resolved to an id on a read of the fleet reaches Nebula's URLs."""

from __future__ import annotations

import pytest

from tests.helpers import shown
from tests.standins.stack import ALICE, INSTANCE, Stack

PASTED = [
    "show `trainer-1`",  # as the bot itself prints names
    "show trainer-1,",
    "show trainer-1.",
    "status trainer-1",  # the word people use
    "show TRAINER-1",
    "show trainer\u200b-1",  # a zero-width space from a copy
    "info\u00a0trainer-1",  # a no-break space
]


@pytest.mark.parametrize("text", PASTED)
async def test_a_name_as_pasted_shows_the_instance(stack: Stack, text: str) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()
    said, _ = await stack.reply(driver, ALICE, text)
    assert INSTANCE in shown(said), text
    assert "Running" in shown(said)


async def test_an_invisible_character_is_removed_and_the_person_told(stack: Stack) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()
    ack, _ = await driver.command(ALICE, "kill trainer\u200b-1")
    assert "Removed an invisible character" in shown(ack.body)
    cid = await stack.request(driver, ALICE, "kill trainer\u200b-1")
    asked = shown(stack.showing(cid))
    assert "asked to *delete*" in asked  # a synonym asks for the same confirmation, in the verb's own word
    assert stack.nebula.deletes() == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("show foo", "No instance called `foo`. `/nebula list` shows them all."),
        ("show traner-1", "No instance called `traner-1`. Did you mean `trainer-1`?"),
        ("show 102cade", "from 8 characters on"),
        ("delete zz-9 trainer-1", "No instance called `zz-9`."),
        ("lease zz-9 2h", "No instance called `zz-9`."),
    ],
)
async def test_a_word_no_instance_goes_by_never_reaches_nebulas_urls(
    stack: Stack, text: str, says: str
) -> None:
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()
    said, _ = await stack.reply(driver, ALICE, text)
    assert says in shown(said)
    assert stack.nebula.calls, "the fleet was read to look for it"
    assert all(call.path.startswith("/api/v1/computing/instances") for call in stack.nebula.calls), [
        call.path for call in stack.nebula.calls
    ]


async def test_an_instance_created_a_moment_ago_is_found_by_its_name(stack: Stack) -> None:
    # A name is looked for in a read made after it was typed: never "No instance" from an older read.
    stack.nebula.add(INSTANCE, host_name="trainer-1")
    _, driver = await stack.start_bot()
    await stack.reply(driver, ALICE, "show trainer-1")
    stack.nebula.add("gpu-fresh", host_name="fresh-box")
    said, _ = await stack.reply(driver, ALICE, "show fresh-box")
    assert "gpu-fresh" in shown(said)
