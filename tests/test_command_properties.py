"""Properties of command parsing: no text ever leads to a Nebula path other than one instance's."""

from __future__ import annotations

import re
import string
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import DeleteCommand, HelpCommand, UsageError, is_valid_instance_id, parse
from bot.nebula import instance_path
from tests.conftest import ALICE, Stack, eventually
from tests.standins.slack_driver import command_form

SAFE_PATH = re.compile(r"/api/v1/computing/instance/[A-Za-z0-9_-]{1,64}")

# Text that looks like a command often enough to matter: real verbs, path tricks, odd spaces.
words = st.one_of(
    st.sampled_from(["delete", "DELETE", "Delete", "help", "dlete", "show"]),
    st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=70),
    st.sampled_from(
        ["..", "/", "%2F", "?", "#", "a/../b", "x?y=1", "\u202e", "\u00a0", "\t", "\n", "`", "<!here>"]
    ),
    st.text(max_size=20),
)
command_texts = st.lists(words, max_size=4).map(" ".join) | st.text(max_size=200)


@given(command_texts)
def test_parse_never_raises_and_only_yields_valid_ids(text: str) -> None:
    result = parse(text)
    assert isinstance(result, DeleteCommand | HelpCommand | UsageError)
    if isinstance(result, DeleteCommand):
        assert is_valid_instance_id(result.instance_id)
        assert text.split() == [text.split()[0], result.instance_id]
        assert instance_path(result.instance_id) == f"/computing/instance/{result.instance_id}"


@given(st.text(max_size=100))
def test_instance_path_refuses_anything_outside_the_pattern(candidate: str) -> None:
    if is_valid_instance_id(candidate):
        assert instance_path(candidate).count("/") == 3
    else:
        try:
            instance_path(candidate)
        except ValueError:
            return
        raise AssertionError(f"accepted {candidate!r}")


def test_valid_ids() -> None:
    assert parse("delete 102cade84ea-e703-4400-b77d-8ed545d198ee") == DeleteCommand(
        "102cade84ea-e703-4400-b77d-8ed545d198ee"
    )
    assert parse("  DELETE   my_box-1 ") == DeleteCommand("my_box-1")
    assert isinstance(parse("delete " + "a" * 64), DeleteCommand)
    assert isinstance(parse("delete " + "a" * 65), UsageError)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command_texts)
async def test_through_the_running_bot_nebula_only_sees_instance_paths(http_stack: Stack, text: str) -> None:
    stack = http_stack
    if not stack.bots:
        await stack.start_bot(nebula_bot_allowed_users="*")
    driver = stack.driver_for(stack.bots[0])
    calls_before = len(stack.nebula.calls)
    response_url = stack.slack.new_response_url()

    ack = await driver.post_signed(urlencode(command_form(ALICE, text, response_url)))

    assert ack.status == 200
    if isinstance(parse(text), DeleteCommand):
        # A valid command looks the instance up (and, unknown here, answers "No instance").
        await eventually(lambda: len(stack.slack.posts_to(response_url)) == 1)
        assert len(stack.nebula.calls) == calls_before + 1
    else:
        assert ack.body.get("response_type") == "ephemeral"
        assert len(stack.nebula.calls) == calls_before
    assert all(SAFE_PATH.fullmatch(call.path) for call in stack.nebula.calls)
    assert all(call.method == "GET" for call in stack.nebula.calls)
