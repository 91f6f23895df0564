"""Properties of command parsing: no text ever leads to a Nebula path other than one instance's."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.core.commands import every_word, parse
from bot.core.commands.change import Change
from bot.core.commands.help import Help
from bot.core.commands.lease import Lease
from bot.core.commands.look import ListAll, Show
from bot.domain.commands import Command, UsageError
from bot.domain.fleet.ids import is_instance_id, is_reference
from bot.domain.typed import words_of
from bot.domain.verbs import MAX_IDS
from bot.nebula.client import instance_path
from bot.slack.messages.help import usage_text
from tests.strategies import command_texts

SAFE_PATH = re.compile(
    r"/api/v1/computing/(instance/[A-Za-z0-9][A-Za-z0-9_-]{0,63}|instances\?limit=\d+&offset=\d+)"
)


@given(command_texts)
def test_parse_never_raises_and_only_yields_valid_references(text: str) -> None:
    result = parse(text)
    assert isinstance(result, Command | UsageError)
    if hasattr(result, "instance_id"):  # every command about one instance
        assert is_reference(result.instance_id)
        assert result.instance_id == words_of(text.split()[1:])[0]  # as typed, without quotes or commas
    if isinstance(result, Lease) and result.seconds is not None:
        assert result.seconds > 0
    if isinstance(result, Change):
        assert 1 <= len(result.instance_ids) <= MAX_IDS
        assert len(set(result.instance_ids)) == len(result.instance_ids)
        assert set(result.instance_ids) == set(words_of(text.split()[1:]))
        for reference in result.instance_ids:
            assert is_reference(reference)
            if is_instance_id(reference):  # others reach Nebula only once resolved (tests/unit/test_names.py)
                assert instance_path(reference).count("/") == 3


@given(st.text(max_size=100))
def test_instance_path_refuses_anything_outside_the_pattern(candidate: str) -> None:
    if is_instance_id(candidate):
        assert instance_path(candidate).count("/") == 3
    else:
        try:
            instance_path(candidate)
        except ValueError:
            return
        raise AssertionError(f"accepted {candidate!r}")


def test_examples() -> None:
    from bot.domain.verbs import DELETE, REBOOT

    assert parse("delete 102cade84ea-e703-4400-b77d-8ed545d198ee") == Change(
        DELETE, ("102cade84ea-e703-4400-b77d-8ed545d198ee",)
    )
    assert parse("  DELETE   my_box-1 ") == Change(DELETE, ("my_box-1",))
    assert parse("delete a b a c b") == Change(DELETE, ("a", "b", "c"))
    assert parse("reboot x") == Change(REBOOT, ("x",))
    assert isinstance(parse("reboot x y"), UsageError)
    assert isinstance(parse("delete " + " ".join(f"i{n}" for n in range(10))), Change)
    assert isinstance(parse("delete " + " ".join(f"i{n}" for n in range(11))), UsageError)
    assert isinstance(parse("delete " + "a" * 64), Change)
    assert isinstance(parse("delete " + "a" * 65), UsageError)
    assert parse("show x") == Show("x")
    assert parse("list") == ListAll()
    assert parse("") == parse("help") == Help()


def test_misspelt_verbs_get_a_suggestion() -> None:
    for typo, meant in [("dlete", "delete"), ("rebot", "reboot"), ("lst", "list"), ("shw", "show")]:
        result = parse(f"{typo} x")
        assert isinstance(result, UsageError)
        assert f"Did you mean `{meant}`?" in usage_text(result, every_word().lines(), every_word().example)
    for unrelated in ["xyzzy", "mine", "tera"]:  # shares letters with `terminate`, means something else
        nonsense = parse(unrelated)
        assert isinstance(nonsense, UsageError)
        assert "Did you mean" not in usage_text(nonsense, every_word().lines(), every_word().example)


def test_guard_rail_and_fleet_commands() -> None:
    from bot.core.commands.lease import AllLeases
    from bot.core.commands.look import Cost
    from bot.core.commands.own import Own
    from bot.core.commands.protect import AllProtected, Protect, Unprotect
    from bot.domain.commands import Pick

    assert parse("protect i-1 final run, do not touch") == Protect("i-1", "final run, do not touch")
    assert parse("protect i-1") == Protect("i-1", "")
    assert parse("unprotect i-1") == Unprotect("i-1")
    assert parse("protected") == AllProtected()
    assert parse("claim i-1") == parse("own i-1") == Own("i-1")
    assert parse("claim i-1 OFF") == Own("i-1", off=True)
    assert parse("cost") == Cost()
    assert parse("leases") == AllLeases()
    assert parse("lease i-1 90m") == Lease("i-1", seconds=5400)
    assert parse("lease i-1 off") == Lease("i-1", off=True)
    assert parse("lease i-1") == Lease("i-1")
    for bad in ("lease i-1 0.001s", "lease i-1 0.5", "lease i-1 ٣h"):
        assert isinstance(parse(bad), UsageError), bad
    for bad in ("protect ../x why", "unprotect a b", "claim a b", "cost x",
                "protected x", "lease i-1 0", "lease i-1 2h more"):  # fmt: skip
        assert isinstance(parse(bad), UsageError), bad
    for word in ("protect", "unprotect", "lease", "show", "delete", "stop", "start", "reboot", "own"):
        assert parse(word) == Pick(word)  # a menu of instances follows
    assert parse("claim") == Pick("own")
