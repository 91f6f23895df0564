"""Fuzzing the buttons: whoever clicks what, from wherever, however often, nothing runs that should not."""

from __future__ import annotations

import asyncio
import itertools

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.slack.messages import action_ids
from tests.helpers import buttons
from tests.standins.servers import TEAM_ID
from tests.standins.slack_driver import CHANNEL
from tests.standins.stack import ALICE, BOB, Stack, eventually
from tests.strategies import Click, clicks

_serial = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(clicks, min_size=1, max_size=8))
# Always tried: the plainest sequence, which a bot that never deletes fails.
@example([Click(ALICE, 0, action_ids.CONFIRM, CHANNEL, TEAM_ID, "")])
async def test_no_click_sequence_deletes_what_it_should_not(http_stack: Stack, sequence: list[Click]) -> None:
    stack = http_stack
    if not stack.bots:
        await stack.start_bot(nebula_bot_allowed_users=f"{ALICE},{BOB}", nebula_bot_max_pending_per_user=100)
    bot = stack.bots[0]
    driver = stack.driver_for(bot)

    # Two fresh confirmations: Alice's and Bob's, each for its own instance.
    requests = []
    for requester in (ALICE, BOB):
        instance = f"inst-{next(_serial)}"
        stack.nebula.add(instance)
        cid = await stack.request(driver, requester, f"delete {instance}")
        requests.append((requester, instance, cid))

    def value(click: Click) -> str:
        return click.forged if click.target == 2 else requests[click.target][2]

    sent = await asyncio.gather(
        *(driver.click(c.user, c.action, value(c), channel=c.channel, team=c.team) for c in sequence)
    )

    # Every click gets an answer: a word to the clicker alone, or (for the click that decided) the
    # confirmation message itself changed. Then nothing is left in flight.
    def decided(click: Click) -> bool:
        return click.target < 2 and not buttons(stack.showing(requests[click.target][2]))

    answered = list(zip(sequence, [url for _, url in sent], strict=True))
    await eventually(lambda: all(stack.slack.posts_to(url) or decided(c) for c, url in answered))
    await eventually(lambda: bot.inflight.count == 0)

    deleted = [call.path.rsplit("/", 1)[1] for call in stack.nebula.deletes()]
    assert set(deleted) <= {instance for _, instance, _ in requests}
    for target, (requester, instance, _) in enumerate(requests):

        def valid(action: str, target: int = target, requester: str = requester) -> bool:
            """The requester's own click on this confirmation, from its channel and workspace."""
            return any(
                c.target == target
                and c.action == action
                and c.user == requester
                and c.channel == CHANNEL
                and c.team == TEAM_ID
                for c in sequence
            )

        confirmed, cancelled = valid(action_ids.CONFIRM), valid(action_ids.CANCEL)
        # Safety: never twice, and only ever on the requester's own confirm.
        assert deleted.count(instance) <= 1, "never twice"
        if not confirmed:
            assert instance not in deleted, "only the requester's own confirm deletes"
        # Liveness: a bot that never deletes fails here. With no competing cancel, a confirm deletes.
        if confirmed and not cancelled:
            assert deleted.count(instance) == 1, "the requester's confirm deletes, exactly once"
    stack.nebula.calls.clear()
