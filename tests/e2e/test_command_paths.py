"""Through the running bot: no command text ever leads Nebula to a path other than one instance's."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings

from bot.core.commands import parse
from bot.core.commands.help import Help
from bot.core.commands.look import ListAll, Show
from bot.domain.commands import UsageError
from bot.domain.fleet.names import needs_fleet
from bot.domain.typed import tidy
from tests.standins.slack_driver import command_form
from tests.standins.stack import ALICE, Stack, eventually
from tests.strategies import command_texts
from tests.unit.test_commands import SAFE_PATH

# What typing may also read (never change): the launch catalogue and the account's credits.
READS = re.compile(
    rf"{SAFE_PATH.pattern}|/api/v1/(computing/products|cloud/images/vm-gpu|ssh-keys|users/credits"
    r"|users/credits/history\?limit=\d+&offset=\d+)"
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command_texts)
async def test_through_the_running_bot_nebula_only_sees_instance_paths(http_stack: Stack, text: str) -> None:
    stack = http_stack
    if not stack.bots:
        await stack.start_bot(nebula_bot_allowed_users="*", nebula_bot_max_pending_per_user=100)
    driver = stack.driver_for(stack.bots[0])
    calls_before = len(stack.nebula.calls)
    seen_before = len(stack.slack.messages) + len(stack.slack.modals)
    response_url = stack.slack.new_response_url()

    ack = await driver.post_signed(urlencode(command_form(ALICE, text, response_url)))

    assert ack.status == 200
    parsed = parse(tidy(text).text)  # as the bot reads it: without what nobody sees
    if isinstance(parsed, Help | UsageError):
        # Help and usage are answered in the ack itself, with nothing asked of Nebula.
        assert ack.body.get("response_type") == "ephemeral"
        assert len(stack.nebula.calls) == calls_before
    else:
        # Every other command is answered once, after the ack: to the person, or in the channel (a
        # launch's confirmation), or with a form.
        def answered() -> int:
            shown = len(stack.slack.messages) + len(stack.slack.modals) - seen_before
            return len(stack.slack.posts_to(response_url)) + shown

        await eventually(lambda: answered() >= 1)
        assert len(stack.slack.posts_to(response_url)) <= 1
        if isinstance(parsed, ListAll) or (isinstance(parsed, Show) and not needs_fleet(parsed.instance_id)):
            # These always read from Nebula (a name is resolved on a read of the fleet a moment old).
            assert len(stack.nebula.calls) > calls_before
    # Text alone never changes anything: state changes need a click on a confirmation.
    assert stack.nebula.changes() == []
    made = stack.nebula.calls[calls_before:]  # by this text (the examples share one bot)
    assert all(READS.fullmatch(call.path) for call in made), made
    assert all(call.method == "GET" for call in made), made
