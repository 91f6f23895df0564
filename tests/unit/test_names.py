"""Which instance a typed word means (bot.domain.names), and commands written back as text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.commands import parse
from bot.core.commands.change import Change
from bot.core.commands.lease import Lease
from bot.core.commands.protect import Protect
from bot.domain.calendar.durations import format_seconds, parse_duration
from bot.domain.commands import Command
from bot.domain.fleet.ids import is_instance_id, is_reference
from bot.domain.fleet.instance import Instance
from bot.domain.fleet.names import Ambiguous, Found, Unknown, match, needs_fleet
from bot.domain.verbs import DELETE
from tests.strategies import command_texts, instances

UUID = "102cade84ea-e703-4400-b77d-8ed545d198ee"
TWIN = "102cade8ffe-0000-4400-b77d-000000000000"
FLEET = (
    Instance(id=UUID, host_name="trainer-1", status="Running"),
    Instance(id=TWIN, host_name="notebook", status="Stopped"),
    Instance(id="gpu-7", host_name="Trainer-1", status="Running"),
)


def test_an_id_written_as_nebula_writes_them_needs_no_read() -> None:
    assert not needs_fleet(UUID)
    assert match(UUID, None) == Found(UUID)
    assert all(needs_fleet(word) for word in ("trainer-1", "gpu-7", UUID[:8]))


def test_ids_names_and_prefixes() -> None:
    assert match("gpu-7", FLEET) == Found("gpu-7")  # an id, though not Nebula-shaped
    assert match("notebook", FLEET) == Found(TWIN)
    assert match("NOTEBOOK", FLEET) == Found(TWIN)  # host names in any case
    assert match("102cade84e", FLEET) == Found(UUID)
    assert match("102cade84e…", FLEET) == Found(UUID)  # as messages shorten ids
    assert match("102cade8...", FLEET) == Ambiguous("102cade8...", (FLEET[0], FLEET[1]))
    assert match("trainer-1", FLEET) == Ambiguous("trainer-1", (FLEET[0], FLEET[2]))
    # Too short for a prefix: said so, and never sent to Nebula as an id.
    assert match("102cade", FLEET) == Unknown("102cade", short=True)


def test_nothing_found_offers_close_names_and_no_unresolved_word_is_taken_for_an_id() -> None:
    # Issue #28.4: a word no instance of the read goes by stays away from Nebula's URLs.
    assert match("trainr-1", FLEET) == Unknown("trainr-1", ("trainer-1", "Trainer-1"))
    assert match("zz-9", FLEET) == Unknown("zz-9")
    assert match("zz.example", FLEET) == Unknown("zz.example")
    assert match("zz-9", None) == Unknown("zz-9")  # the fleet unreadable: only Nebula-shaped ids work
    assert match(UUID, None) == Found(UUID)
    assert match("trainer.lab", None) == Unknown("trainer.lab")


@given(st.text(max_size=70), st.lists(instances, max_size=8) | st.none())
def test_whatever_is_typed_only_a_valid_id_is_ever_found(word: str, fleet: list[Instance] | None) -> None:
    if not is_reference(word):
        return
    found = match(word, fleet)
    if isinstance(found, Found):
        assert is_instance_id(found.instance_id)
    elif isinstance(found, Ambiguous):
        assert len(found.candidates) >= 2
        assert len({c.id for c in found.candidates}) == len(found.candidates)


@given(command_texts)
def test_a_command_written_back_parses_to_itself(text: str) -> None:
    command = parse(text)
    if isinstance(command, Command) and command.references():
        assert parse(command.text()) == command


def test_resolved_commands_keep_everything_but_the_names() -> None:
    delete = Change(DELETE, ("trainer-1", UUID, "notebook"))
    resolved = delete.resolved({"trainer-1": UUID, "notebook": TWIN})
    assert resolved == Change(DELETE, (UUID, TWIN))  # the same instance once
    lease = Lease("trainer-1", seconds=5400.0)
    assert lease.resolved({"trainer-1": UUID}) == Lease(UUID, seconds=5400.0)
    assert Protect("x", "why").references() == ("x",)
    assert Protect(UUID, "final run").text() == f"protect {UUID} final run"


@given(st.from_regex(r"[0-9]{1,7}(\.[0-9]{1,3})?[smhd]?", fullmatch=True))
def test_durations_written_back_read_the_same(written: str) -> None:
    try:
        seconds = parse_duration(written)
    except ValueError:
        return
    assert parse_duration(format_seconds(seconds)) == seconds


def test_names_containing_the_word_come_first() -> None:
    assert match("note", FLEET) == Unknown("note", ("notebook",))
    assert match("rainer", FLEET) == Unknown("rainer", ("Trainer-1", "trainer-1"))
