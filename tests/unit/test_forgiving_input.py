"""What people type and paste means what they meant, where that is unambiguous (issue #28.4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.commands import every_word, parse
from bot.core.commands.change import Change
from bot.core.commands.lease import Lease
from bot.core.commands.look import ListAll, Show
from bot.domain.calendar.schedules import Window, WindowError, find_zone, parse_window
from bot.domain.commands import UsageError
from bot.domain.fleet.ids import is_reference
from bot.domain.typed import Tidied, bare_word, tidy, words_of
from bot.domain.verbs import DELETE, REBOOT
from bot.slack.messages.help import usage_text

ZERO_WIDTH = "\u200b"


def test_what_nobody_sees_is_removed_and_counted() -> None:
    assert tidy(f"show note{ZERO_WIDTH}book-ana") == Tidied("show notebook-ana", 1)
    assert tidy("show notebook-ana\ufeff\u200d") == Tidied("show notebook-ana", 2)
    assert tidy("show\u00a0notebook-ana\u2009now") == Tidied("show notebook-ana now")  # any space is one
    assert tidy("show notebook-ana") == Tidied("show notebook-ana")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("`notebook-ana`", "notebook-ana"),  # as the bot itself prints it
        ("notebook-ana,", "notebook-ana"),
        ("notebook-ana.", "notebook-ana"),
        ("`notebook-ana`,", "notebook-ana"),
        ("'notebook-ana'", "notebook-ana"),
        ("\u201cnotebook-ana\u201d", "notebook-ana"),
        ("102cade8…", "102cade8…"),  # a shortened id keeps its ellipsis
        ("102cade8...", "102cade8..."),
        ("v1.2", "v1.2"),  # a dot inside a name is the name's
    ],
)
def test_a_word_where_an_instance_is_named_is_taken_bare(typed: str, meant: str) -> None:
    assert bare_word(typed) == meant


def test_commands_read_through_what_is_pasted_around_names() -> None:
    assert parse("show `notebook-ana`") == Show("notebook-ana")
    assert parse("delete a, b.") == parse("delete a,b") == Change(DELETE, ("a", "b"))
    assert parse("lease notebook-ana 1h30m") == Lease("notebook-ana", seconds=5400)
    assert parse("lease notebook-ana 8 hours") == Lease("notebook-ana", seconds=8 * 3600)
    assert parse("lease `notebook-ana` off.") == Lease("notebook-ana", off=True)


@pytest.mark.parametrize("verb", ["kill", "remove", "rm", "terminate", "destroy", "KILL"])
def test_the_words_people_use_for_delete_mean_delete(verb: str) -> None:
    # A confirmation follows as for `delete`, saying *delete*: nothing is done on a synonym alone.
    assert parse(f"{verb} notebook-ana") == Change(DELETE, ("notebook-ana",))


def test_other_words_people_use() -> None:
    assert parse("status notebook-ana") == parse("info notebook-ana") == Show("notebook-ana")
    assert parse("restart llm-train-01") == Change(REBOOT, ("llm-train-01",))
    assert parse("ls") == ListAll()
    assert not isinstance(parse("help me"), UsageError)


def test_a_word_that_is_not_a_command_gets_one_line_not_the_whole_help() -> None:
    words = every_word()
    error = parse("stauts x")
    assert isinstance(error, UsageError)
    said = usage_text(error, words.lines(), words.example)
    assert said.startswith("Unknown command `stauts`. Did you mean `status`?")
    assert "`/nebula help` lists every command." in said
    assert said.count("/nebula") == 1
    missing = parse("stop")
    assert not isinstance(missing, UsageError)  # alone: a menu
    bad = parse("stop ../etc")
    assert isinstance(bad, UsageError)
    said = usage_text(bad, words.lines(), words.example)
    assert "Usage: `/nebula stop <id>`" in said
    assert "/nebula delete" not in said


@pytest.mark.parametrize(
    ("typed", "window"),
    [
        ("weekdays 08:00-19:00", ("08:00", "19:00", "UTC")),
        ("weekdays 9:00-17:00", ("09:00", "17:00", "UTC")),
        ("weekdays 9am-5pm", ("09:00", "17:00", "UTC")),
        ("weekdays 9 am - 5 pm", ("09:00", "17:00", "UTC")),
        ("weekdays 9:30am to 6:15pm", ("09:30", "18:15", "UTC")),
        ("weekdays 9-17 europe/berlin", ("09:00", "17:00", "Europe/Berlin")),
        ("weekdays 09:00\u201317:00 AMERICA/NEW_YORK", ("09:00", "17:00", "America/New_York")),
        ("weekdays 12am-12pm", ("00:00", "12:00", "UTC")),
        ("weekdays 10pm-6am", ("22:00", "06:00", "UTC")),
    ],
)
def test_hours_and_zones_as_people_write_them(typed: str, window: tuple[str, str, str]) -> None:
    found = parse_window(typed.split(), "UTC")
    assert isinstance(found, Window)
    assert (found.start, found.end, found.zone) == window


def test_hours_without_days_are_every_day() -> None:
    found = parse_window(["9-17"], "UTC")
    assert isinstance(found, Window)
    assert len(found.days) == 7


@pytest.mark.parametrize("typed", ["daily 13pm-2pm", "daily 24:00-01:00", "daily 9:61-10", "daily 0am-5am"])
def test_hours_that_are_not_hours_are_refused(typed: str) -> None:
    assert parse_window(typed.split(), "UTC") == WindowError("times", typed.split(" ", 1)[1])


def test_an_abbreviation_is_no_zone_but_says_which_it_may_mean() -> None:
    assert find_zone("PST") == WindowError("zone", "PST", ("America/Los_Angeles",))
    assert find_zone("est") == WindowError("zone", "est", ("America/New_York",))
    ist = find_zone("IST")
    assert isinstance(ist, WindowError)
    assert len(ist.meant) > 1  # really ambiguous: every choice named
    assert find_zone("utc") == "UTC"
    assert find_zone("Mars/Olympus") == WindowError("zone", "Mars/Olympus")
    words = every_word()
    error = parse("schedule notebook-ana weekdays 9-17 PST")
    assert isinstance(error, UsageError)
    assert "did you mean `America/Los_Angeles`?" in usage_text(error, words.lines(), words.example)


@given(st.text(max_size=80))
def test_whatever_is_pasted_only_valid_references_come_out(text: str) -> None:
    for word in words_of(text.split()):
        assert word
        if is_reference(word):
            assert word == bare_word(word)  # made bare once is bare
