"""Launching from Slack (issue #30): `/nebula create` shows the price, the lease and the budget before
anything is created; Launch creates the instance exactly once, whatever is pressed twice, at once, or
left unanswered by Nebula; the message follows the instance to Running, and the requester owns it."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from bot.domain.launch import Launch, Stage
from bot.service.runtime import BotRuntime
from bot.slack.messages import action_ids
from bot.store import Records, open_store
from tests.helpers import buttons, shown
from tests.standins.servers import INSTANCE_PASSWORD, Scripted
from tests.standins.slack_driver import Driver
from tests.standins.stack import ALICE, BOB, HANG_TIMEOUT, Stack, eventually

TYPED = "create h100 ubuntu-22.04 key=laptop name=exp-7 8h"
# The follow-up's own loop waits five minutes between passes here: the tests run its passes.
QUIET: dict[str, Any] = {"nebula_bot_launch_follow_every": 300}
CREATED = {"instance_name": "exp-7", "product_id": "p-h100-1", "image_id": "6", "ssh_key_id": 76}


@dataclasses.dataclass
class Asked:
    """A launch's confirmation: its id (what its buttons carry) and its message."""

    id: str
    ts: str


def launch_id(message: dict[str, Any]) -> str:
    found = buttons(message)
    assert found[action_ids.LAUNCH]["value"] == found[action_ids.CANCEL_LAUNCH]["value"]
    return str(found[action_ids.LAUNCH]["value"])


async def ask(stack: Stack, driver: Driver, text: str = TYPED, user: str = ALICE) -> Asked:
    message, _ = await stack.reply(driver, user, text)
    lid = launch_id(message)
    carrier = stack.slack.with_button(lid)
    assert carrier is not None
    return Asked(lid, carrier.ts)


def now_showing(stack: Stack, asked: Asked) -> str:
    return shown(stack.slack.message(asked.ts).body)


async def press(stack: Stack, driver: Driver, asked: Asked, until: str, user: str = ALICE) -> None:
    await driver.click(user, action_ids.LAUNCH, asked.id)
    await eventually(lambda: until in now_showing(stack, asked), seen=lambda: now_showing(stack, asked))


async def follow(runtime: BotRuntime) -> int:
    assert runtime.core is not None
    return await runtime.core.follow()


async def test_a_launch_shows_its_price_lease_and_budget_and_creates_nothing_yet(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(**QUIET)
    await stack.reply(driver, ALICE, "budget 5000/month")
    asked = await ask(stack, driver)
    said = now_showing(stack, asked)
    for seen in (
        "asked to *launch* `exp-7`",
        "1× H100-80G-SXM in CANADA",
        "$2.29/h",
        "Ubuntu 22.04 LTS x64",
        "laptop",
        "8h (~$18.32), then its owner is reminded",
        "of $5,000.00 this month; this lease adds ~$18.32",
        "Nothing is created before Launch is pressed",
        "billed $2.29 an hour",  # the Launch button's confirm dialog
    ):
        assert seen in said, seen
    assert stack.nebula.creates == []


@pytest.mark.parametrize("flat", [False, True])
async def test_launch_creates_once_and_follows_the_instance_to_running(http_stack: Stack, flat: bool) -> None:
    stack = http_stack
    stack.nebula.flat_products = flat  # the catalogue as older revisions answered it: one flat list
    runtime, driver = await stack.start_bot(**QUIET)
    asked = await ask(stack, driver)
    await press(stack, driver, asked, "Nebula created `exp-7`")
    assert stack.nebula.creates == [CREATED]

    assert await follow(runtime) == 1
    iid = stack.nebula.launched("exp-7")
    assert iid is not None
    await eventually(lambda: "is Deploying" in now_showing(stack, asked))
    stack.nebula.run("exp-7", "38.80.81.200")
    await follow(runtime)
    said = now_showing(stack, asked)
    assert f"`exp-7` ({iid[:8]}…) is running at `38.80.81.200`" in said
    assert f"Owner: <@{ALICE}>" in said
    assert "Lease: ends" in said
    assert await follow(runtime) == 0, "nothing more to follow"

    lease, _ = await stack.reply(driver, BOB, "lease exp-7")
    assert "ends" in shown(lease)
    assert f"set by <@{ALICE}>" in shown(lease)
    details, _ = await stack.reply(driver, BOB, "show exp-7")
    assert f"<@{ALICE}>" in shown(details)  # the requester owns it

    await driver.click(ALICE, action_ids.LAUNCH, asked.id)  # a late second press
    await eventually(lambda: len(stack.nebula.creates) == 1 and "running" in now_showing(stack, asked))
    assert stack.nebula.creates == [CREATED]
    assert all(INSTANCE_PASSWORD not in str(m.body) for m in stack.slack.messages)


async def test_presses_at_once_and_from_two_replicas_create_once(http_stack: Stack, redis_url: str) -> None:
    stack = http_stack
    _, first = await stack.start_bot(nebula_bot_state_url=redis_url, **QUIET)
    _, second = await stack.start_bot(nebula_bot_state_url=redis_url, **QUIET)
    asked = await ask(stack, first)
    presses = [(first if n % 2 else second).click(ALICE, action_ids.LAUNCH, asked.id) for n in range(6)]
    await asyncio.gather(*presses)
    await eventually(
        lambda: "Nebula created" in now_showing(stack, asked), seen=lambda: now_showing(stack, asked)
    )
    assert stack.nebula.creates == [CREATED]


async def test_two_launches_of_one_name_create_one_instance(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(**QUIET)
    one = await ask(stack, driver)
    other = await ask(stack, driver, TYPED.replace("h100", "a100"), user=BOB)
    await asyncio.gather(
        driver.click(ALICE, action_ids.LAUNCH, one.id), driver.click(BOB, action_ids.LAUNCH, other.id)
    )
    outcomes = [one, other]
    settled = ("Nebula created", "was not launched")
    await eventually(lambda: all(any(w in now_showing(stack, a) for w in settled) for a in outcomes))
    assert len(stack.nebula.creates) == 1
    refused = [now_showing(stack, a) for a in outcomes if "was not launched" in now_showing(stack, a)]
    assert len(refused) == 1
    assert "exp-7" in refused[0]


async def test_only_the_requester_may_press_launch(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(**QUIET)
    asked = await ask(stack, driver)
    [refusal] = await stack.click(driver, BOB, asked.id, action_ids.LAUNCH)
    assert f"Only <@{ALICE}> can confirm this." in shown(refusal)
    [cancel] = await stack.click(driver, BOB, asked.id, action_ids.CANCEL_LAUNCH)
    assert f"Only <@{ALICE}> can cancel this." in shown(cancel)
    await stack.click(driver, ALICE, asked.id, action_ids.LAUNCH, answers=0)
    await eventually(lambda: "Nebula created" in now_showing(stack, asked))
    assert len(stack.nebula.creates) == 1


async def test_a_press_from_another_channel_or_forged_creates_nothing(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(**QUIET)
    asked = await ask(stack, driver)
    _, url = await driver.click(ALICE, action_ids.LAUNCH, asked.id, channel="C0ELSEWHERE")
    await eventually(lambda: bool(stack.slack.posts_to(url)))
    assert "belongs to another channel" in shown(stack.slack.posts_to(url)[0])
    for forged in ("x" * 3000, "../../etc", "", asked.id + "x" * 40):
        _, url = await driver.click(ALICE, action_ids.LAUNCH, forged)
        await eventually(lambda url=url: bool(stack.slack.posts_to(url)))  # type: ignore[misc]
        assert "no longer known" in shown(stack.slack.posts_to(url)[0])
    assert stack.nebula.creates == []


async def test_cancel_closes_the_launch(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(**QUIET)
    asked = await ask(stack, driver)
    await driver.click(ALICE, action_ids.CANCEL_LAUNCH, asked.id)
    await eventually(lambda: "cancelled the launch" in now_showing(stack, asked))
    assert buttons(stack.slack.message(asked.ts).body) == {}
    [late] = await stack.click(driver, ALICE, asked.id, action_ids.LAUNCH)
    assert "cancelled the launch" in shown(late)
    assert stack.nebula.creates == []


async def test_an_expired_launch_creates_nothing(http_stack: Stack) -> None:
    stack = http_stack
    runtime, driver = await stack.start_bot(**QUIET)
    asked = await ask(stack, driver)
    stack.clock.advance(601)
    await follow(runtime)  # the follow-up closes it, message and all
    await eventually(lambda: "expired; nothing was created" in now_showing(stack, asked))
    [late] = await stack.click(driver, ALICE, asked.id, action_ids.LAUNCH)
    assert "expired" in shown(late)
    assert stack.nebula.creates == []


async def test_an_unanswered_create_is_settled_by_listing_and_never_sent_again(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.create = Scripted(hang=True)  # Nebula creates it, and the answer never comes
    runtime, driver = await stack.start_bot(nebula_api_timeout=HANG_TIMEOUT, **QUIET)
    asked = await ask(stack, driver)
    await press(stack, driver, asked, "did not answer the launch of `exp-7`")
    assert "will not send it again" in now_showing(stack, asked)
    stack.nebula.release.set()
    await follow(runtime)
    await eventually(lambda: "is Deploying" in now_showing(stack, asked))
    stack.nebula.run("exp-7")
    await follow(runtime)
    await eventually(lambda: "is running" in now_showing(stack, asked))
    assert stack.nebula.creates == [CREATED]


async def test_an_unanswered_create_that_made_nothing_fails_after_15_minutes(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.create = Scripted(hang=True)
    stack.nebula.create_makes = False
    runtime, driver = await stack.start_bot(nebula_api_timeout=HANG_TIMEOUT, **QUIET)
    asked = await ask(stack, driver)
    await press(stack, driver, asked, "did not answer")
    stack.nebula.release.set()
    await follow(runtime)
    stack.clock.advance(14 * 60)
    await follow(runtime)
    assert "did not answer" in now_showing(stack, asked), "still looked for"
    stack.clock.advance(61)
    await follow(runtime)
    await eventually(lambda: "did not appear in the fleet within 15 minutes" in now_showing(stack, asked))
    assert len(stack.nebula.creates) == 1
    stack.nebula.create = None
    again = await ask(stack, driver)  # the name is free again
    await press(stack, driver, again, "Nebula created `exp-7`")
    assert len(stack.nebula.creates) == 2


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Scripted(200, '{"status": "failed", "message": "GPU instances need account Tier 3"}'), "Tier 3"),
        (
            Scripted(400, '{"status": "failed", "message": "image and product are in different regions"}'),
            "regions",
        ),
        (Scripted(401, '{"status": "failed", "message": "Invalid API key"}'), "check NEBULA_API_KEY"),
    ],
)
async def test_a_refused_create_is_said_in_nebulas_words_and_frees_the_name(
    http_stack: Stack, answer: Scripted, expected: str
) -> None:
    stack = http_stack
    stack.nebula.create = answer
    stack.nebula.create_makes = False
    _, driver = await stack.start_bot(**QUIET)
    asked = await ask(stack, driver)
    await press(stack, driver, asked, "was not launched")
    assert expected in now_showing(stack, asked)
    again = await ask(stack, driver)
    assert again.id != asked.id


@pytest.mark.parametrize(
    "answer",
    [
        Scripted(502, "<html>Bad gateway</html>", "text/html"),
        Scripted(200, '{"message": "ok"}'),
        Scripted(500, ""),
    ],
)
async def test_an_unclear_answer_to_a_create_is_settled_by_listing(
    http_stack: Stack, answer: Scripted
) -> None:
    stack = http_stack
    stack.nebula.create = answer  # it may have been created: the bot cannot tell from this answer
    runtime, driver = await stack.start_bot(**QUIET)
    asked = await ask(stack, driver)
    await press(stack, driver, asked, "did not answer")
    await follow(runtime)
    await eventually(lambda: "is Deploying" in now_showing(stack, asked))
    assert len(stack.nebula.creates) == 1


async def test_a_create_nebula_never_got_is_not_created(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(**QUIET)
    asked = await ask(stack, driver)
    await stack.nebula.go_dark()  # connection refused from now on
    await press(stack, driver, asked, "was not launched")
    # The fleet is read before the create: that read finds Nebula gone, and nothing is sent.
    assert "the fleet could not be read first, so nothing was sent" in now_showing(stack, asked)
    assert "the connection was refused" in now_showing(stack, asked)


async def test_a_name_in_use_is_refused_before_and_at_the_press(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add("aa11bb22-0000-4000-8000-000000000001", host_name="exp-7")
    _, driver = await stack.start_bot(**QUIET)
    said, _ = await stack.reply(driver, ALICE, TYPED.replace("exp-7", "EXP-7"))
    assert "is already the name of an instance of this team" in shown(said)
    del stack.nebula.instances["aa11bb22-0000-4000-8000-000000000001"]
    asked = await ask(stack, driver)
    stack.nebula.add(
        "aa11bb22-0000-4000-8000-000000000002", host_name="exp-7"
    )  # launched elsewhere meanwhile
    await press(stack, driver, asked, "was not launched")
    assert "exists already" in now_showing(stack, asked)
    assert stack.nebula.creates == []


async def test_without_a_name_a_free_one_is_suggested(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.add("aa11bb22-0000-4000-8000-000000000001", host_name="h100-1")
    _, driver = await stack.start_bot(**QUIET)
    asked = await ask(stack, driver, "create h100 ubuntu-22.04 key=laptop")
    assert "`h100-2`" in now_showing(stack, asked)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "create",
            ["Which GPU?", "`/nebula create h100`", "`/nebula create a100`", "`/nebula create h100x8`"],
        ),
        ("create l40s", ["`l40s` is out of stock everywhere", "`/nebula create h100`"]),
        ("create rtx9090", ["No GPU is called `rtx9090`"]),
        ("create h100", ["Which image?", "`/nebula create h100 ubuntu-22.04-lts-x64`"]),
        ("create h100 windows", ["No image is called `windows`", "pytorch-2.4-cuda-12.4"]),
        ("create h100 ubuntu", ["`ubuntu` matches several images"]),
        (
            "create h100 ubuntu-22.04 8h",
            ["Which SSH key?", "`/nebula create h100 ubuntu-22.04 key=ci lease=8h`"],
        ),
        ("create h100 ubuntu-22.04 key=nope", ["No SSH key is called `nope`"]),
        ("create h100 ubuntu-22.04 key=ci name=Bad_Name", ["`Bad_Name` cannot name an instance"]),
        ("create h100x8 ubuntu-22.04 key=ci lease=off", ["Only approvers may launch without a lease"]),
    ],
)
async def test_what_is_missing_or_wrong_is_said_with_what_to_type(
    http_stack: Stack, typed: str, expected: list[str]
) -> None:
    stack = http_stack
    stack.slack.views_error = "expired_trigger_id"  # no form: what is missing is asked for in words
    _, driver = await stack.start_bot(**QUIET)
    said, _ = await stack.reply(driver, ALICE, typed)
    for seen in expected:
        assert seen in shown(said), (typed, shown(said))
    assert "L40S" not in shown(said)  # out of stock: never offered
    assert stack.nebula.creates == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("create h100 ubuntu-22.04 key=ci flavour=x", ["`flavour=x`: not a part of a launch", "Usage:"]),
        ("create h100 ubuntu-22.04 key=ci 10s", ["a lease lasts at least a minute"]),
        ("create h100 ubuntu-22.04 key=ci lease=soon", ["`lease=soon`: not a duration"]),
        ("create h100 ubuntu-22.04 key=ci a b", ["`a`: one part too many"]),
    ],
)
async def test_a_launch_that_cannot_be_read_is_answered_in_the_ack(
    http_stack: Stack, typed: str, expected: list[str]
) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(**QUIET)
    ack, _ = await driver.command(ALICE, typed)
    for seen in expected:
        assert seen in shown(ack.body), (typed, ack.body)
    assert not [c for c in stack.nebula.calls if "products" in c.path]


async def test_a_costly_launch_needs_an_approver_other_than_the_requester(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(
        nebula_bot_launch_approval_per_hour=5, nebula_bot_approvers=BOB, **QUIET
    )
    cheap = await ask(stack, driver)
    assert "Only they can launch it" in now_showing(stack, cheap)
    costly = await ask(stack, driver, "create h100x8 ubuntu-22.04 key=laptop name=big-1")
    assert f"Needs approval by <@{BOB}>" in now_showing(stack, costly)
    assert "$18.32/h, over the $5.00/h a launch may cost alone" in now_showing(stack, costly)
    [own] = await stack.click(driver, ALICE, costly.id, action_ids.LAUNCH)
    assert "someone else must approve it" in shown(own)
    assert stack.nebula.creates == []
    await press(stack, driver, costly, "Nebula created `big-1`", user=BOB)
    assert [c["product_id"] for c in stack.nebula.creates] == ["p-h100-8"]


async def test_a_costly_launch_without_approvers_is_refused_at_once(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(nebula_bot_launch_approval_per_hour=5, **QUIET)
    said, _ = await stack.reply(driver, ALICE, "create h100x8 ubuntu-22.04 key=laptop")
    assert "no approvers are set (NEBULA_BOT_APPROVERS): choose a cheaper GPU" in shown(said)
    assert buttons(said) == {}


async def test_no_lease_when_the_setting_allows_it(http_stack: Stack) -> None:
    stack = http_stack
    runtime, driver = await stack.start_bot(nebula_bot_launch_unleased=True, **QUIET)
    asked = await ask(stack, driver, TYPED.replace("8h", "lease=off"))
    assert "none: it runs, and bills, until someone stops it" in now_showing(stack, asked)
    await press(stack, driver, asked, "Nebula created")
    stack.nebula.run("exp-7")
    await follow(runtime)
    await eventually(lambda: "No lease." in now_showing(stack, asked))


async def test_the_catalogue_is_read_once_for_many_at_once(http_stack: Stack) -> None:
    stack = http_stack
    stack.nebula.latency = 0.2  # every call takes a while: the forms' reads overlap
    _, driver = await stack.start_bot(**QUIET)
    await asyncio.gather(*(driver.command(ALICE if n % 2 else BOB, "create") for n in range(12)))
    await eventually(lambda: sum("submit" in modal for modal in stack.slack.modals.values()) == 12)
    reads = [c for c in stack.nebula.calls if c.path.endswith("/computing/products")]
    assert len(reads) == 1
    assert len(stack.slack.trigger_ages) == 12  # every form opened on its own trigger, once


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Scripted(502, "<html>Bad gateway</html>", "text/html"), "could not read what Nebula offers"),
        (Scripted(200, '{"status": "success", "data": "nonsense"}'), "Nebula has no GPU in stock"),
    ],
)
async def test_an_unreadable_catalogue_is_said(http_stack: Stack, answer: Scripted, expected: str) -> None:
    stack = http_stack
    stack.nebula.offering = answer
    _, driver = await stack.start_bot(**QUIET)
    said, _ = await stack.reply(driver, ALICE, TYPED)
    assert expected in shown(said)
    assert stack.nebula.creates == []


async def test_a_launch_claimed_by_a_replica_that_crashed_is_settled_by_listing(
    http_stack: Stack, redis_url: str
) -> None:
    stack = http_stack
    runtime, driver = await stack.start_bot(nebula_bot_state_url=redis_url, **QUIET)
    asked = await ask(stack, driver)
    # What a replica that crashed after its claim and its POST leaves: claimed, no outcome; and the
    # instance Nebula made.
    store = await open_store(redis_url)
    records = Records(store)
    current = await records.get(Launch, asked.id)
    assert current is not None
    claimed = dataclasses.replace(
        current.record, stage=Stage.CLAIMED.value, decided_by=ALICE, decided_at=stack.clock()
    )
    assert await records.put(current, claimed) is not None
    await store.close()
    stack.nebula.add("aa11bb22-0000-4000-8000-000000000003", host_name="exp-7", status="Deploying")

    await follow(runtime)  # a claim this recent may still be in flight somewhere: left alone
    assert "Requested by" in now_showing(stack, asked)
    stack.clock.advance(10 * 60)
    await follow(runtime)
    await follow(runtime)
    await eventually(
        lambda: "is Deploying" in now_showing(stack, asked), seen=lambda: now_showing(stack, asked)
    )
    [late] = await stack.click(driver, ALICE, asked.id, action_ids.LAUNCH)
    assert "Deploying" in shown(late)
    assert stack.nebula.creates == []


async def test_launches_waiting_for_launch_are_limited_per_person(http_stack: Stack) -> None:
    stack = http_stack
    _, driver = await stack.start_bot(nebula_bot_max_pending_per_user=2, **QUIET)
    for n in range(2):
        await ask(stack, driver, TYPED.replace("exp-7", f"exp-{n}"))
    said, _ = await stack.reply(driver, ALICE, TYPED)
    assert "You already have 2 requests waiting for confirmation" in shown(said)
    other = await ask(stack, driver, TYPED, user=BOB)  # another person's are their own
    assert other.id
