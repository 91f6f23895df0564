"""For any answer Nebula could give, every message is valid Block Kit and nothing from outside is markup."""

from __future__ import annotations

import json
import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.domain.confirmation import Confirmation, InstanceOutcome, Status
from bot.domain.fleet.instance import Instance
from bot.domain.fleet.names import Called
from bot.domain.records import Lease, Protection, Reminder
from bot.domain.verbs import VERBS
from bot.nebula.answers import InstancePage
from bot.nebula.errors import NebulaRejected
from bot.slack.messages import confirmations, kit, texts
from bot.slack.messages import instances as instance_messages
from bot.slack.messages.kit import Message
from bot.slack.messages.notices import fleet as fleet_messages
from bot.slack.messages.notices import leases as lease_messages
from bot.slack.messages.notices import protection as protection_messages
from tests.helpers import costs_of
from tests.strategies import MARKERS, hostile_text, instances, numbers

STATUSES = [Status.SUCCESS, Status.FAILED, Status.UNKNOWN] * 4
PINGS = ["<!channel>", "<!here>", "<@U0EVIL>", "<https://evil.example|click>"]


def valid(message: Message) -> None:
    assert message.text.strip()
    assert len(message.text) <= 3000
    assert 1 <= len(message.blocks) <= 50
    for raw in message.blocks:
        block = Block.parse(raw)
        assert block is not None
        block.validate_json()


def inert(message: Message) -> None:
    everything = json.dumps(message.payload(), ensure_ascii=False)
    # Blocks are rendered as mrkdwn: outside code spans, nothing from outside may format.
    formatted = re.sub(r"`[^`]*`", "", json.dumps(message.blocks, ensure_ascii=False))
    for marker in MARKERS:
        assert marker not in formatted, marker
    # The fallback text drives notifications: nothing from outside may ping or link there either.
    for ping in PINGS:
        assert ping not in everything, ping
    for invisible in ("\u202e", "\u2066", "\x00", "\u200b"):
        assert invisible not in everything


@settings(max_examples=60, deadline=None)
@given(st.lists(instances, min_size=1, max_size=10, unique_by=lambda i: i.id), hostile_text)
def test_every_builder_holds_for_any_nebula_answer(found: list[Instance], said: str) -> None:
    for verb in VERBS.values():
        confirmation = Confirmation(
            id="c" * 22,
            verb=verb,
            instances=tuple(found),
            requester="U1",
            workspace="T1",
            channel_id="C1",
            response_url="",
            created_at=0,
            expires_at=600,
        )
        error = texts.nebula_error(NebulaRejected(http_status=409, nebula_message=said))
        outcomes = [
            InstanceOutcome(i.id, status, text)
            for i, status, text in zip(found, STATUSES, [texts.nebula_words(said), error] * 5, strict=False)
        ]
        for message in (
            confirmations.confirmation(confirmation),
            confirmations.in_progress(confirmation, "U2"),
            confirmations.cancelled(confirmation, "U2"),
            confirmations.expired(confirmation),
            confirmations.outcome(confirmation, "U2", outcomes),
            kit.notice(f"Could not look up `x`: {error}"),
        ):
            valid(message)
            inert(message)
        # Every instance's result is shown, not the first few, each named as every message names it.
        shown = json.dumps(confirmations.outcome(confirmation, "U2", outcomes).payload())
        assert all(json.dumps(kit.label(i))[1:-1] in shown for i in found)


@settings(max_examples=30, deadline=None)
@given(st.lists(instances, max_size=120), st.integers(0, 10_000), st.integers(0, 200))
def test_list_and_details_hold_for_any_page(page: list[Instance], total: int, offset: int) -> None:
    # Nebula may ignore limit=40 and send 120 rows: the message still fits.
    message = instance_messages.instance_list(InstancePage(tuple(page), len(page), total), offset)
    valid(message)
    inert(message)
    text_chars = sum(len(json.dumps(block)) for block in message.blocks)
    assert text_chars < 40 * 700, "well under what Slack takes for one message"
    for instance in page[:3]:
        details = instance_messages.instance_details(instance, time.time())
        valid(details)
        inert(details)


@settings(max_examples=40, deadline=None)
@given(st.lists(instances, max_size=60, unique_by=lambda i: i.id), st.floats(0, 10**10), numbers)
def test_fleet_messages_hold_for_any_fleet(found: list[Instance], now: float, figure: object) -> None:
    running = [i.model_copy(update={"status": "Running"}) for i in found]
    summary = costs_of(running, now)
    for message in (fleet_messages.cost(summary), fleet_messages.cost(summary, heading="Daily cost digest")):
        valid(message)
        inert(message)
    for row in summary.rows[:3]:
        instance = row.instance
        number = figure if isinstance(figure, float | int) else None
        reminder = Reminder(
            instance_id=instance.id,
            host_name=instance.host_name,
            gpu_type=instance.gpu_type,
            gpu_count=instance.gpu_count,
            channel_id="C1",
            posted_at=now,
            quiet_until=now + 86400,
            running_seconds=row.running_seconds,
            cost=row.cost if number is None else float(number),
            per_hour=row.per_hour,
            kept_by="U2",
        )
        lease = Lease(instance.id, instance.host_name, now, "U1", now, "C1", "T1", "stop", act_at=now + 60)
        called = Called(instance.id, instance.host_name, instance.id)
        for message in (
            fleet_messages.reminder(reminder, 86400),
            fleet_messages.reminder(reminder, 5400, kept_until=now + 5400),
            fleet_messages.reminder_closed(reminder, instance.status),
            fleet_messages.reminder_closed(reminder, None),
            lease_messages.lease_set(lease, dry_run=True),
            lease_messages.lease_shown(lease, called, dry_run=False),
            lease_messages.lease_shown(None, called, dry_run=False),
            lease_messages.lease_ended(lease, lease.act_at, 86400, dry_run=False),
            lease_messages.lease_ended(lease, None, 86400, dry_run=True),
            lease_messages.lease_kept(lease, "U3"),
            lease_messages.lease_moot(lease, instance.status),
            lease_messages.lease_not_carried_out(lease, "You may not change instances."),
            lease_messages.leases([lease] * 50),
        ):
            valid(message)
            inert(message)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(instances, min_size=1, max_size=10, unique_by=lambda i: i.id), hostile_text, st.floats(0, 1e10)
)
def test_guard_rail_messages_hold_for_any_answer_and_reason(
    found: list[Instance], said: str, now: float
) -> None:
    owners = tuple((i.id, "U0OWNER") for i in found[::2])
    confirmation = Confirmation(
        id="c" * 22,
        verb=VERBS["delete"],
        instances=tuple(found),
        requester="U1",
        workspace="T1",
        channel_id="C1",
        response_url="",
        created_at=now,
        expires_at=now + 600,
        needs_approval=True,
        owners=owners,
    )
    protection = Protection(found[0].id, "U2", now, said)
    named = found[0].model_copy(update={"owner_name": said})
    page = InstancePage(tuple(found), len(found), len(found))
    for message in (
        confirmations.confirmation(confirmation, "<@U9>"),
        confirmations.scheduled(confirmation, "U2", now + 60, 60),
        confirmations.undone(confirmation, "U2"),
        confirmations.refused(confirmation, protection_messages.refused(protection, VERBS["delete"])),
        instance_messages.instance_details(named, now, None, protection),
        instance_messages.instance_details(found[0], now, "U0OWNER", None),
        instance_messages.instance_list(page, 0, {protection.instance_id: protection}),
        kit.notice(protection_messages.refused(protection, VERBS["stop"])),
    ):
        valid(message)
        inert(message)


ODD = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [float("nan"), float("inf"), -float("inf")]
)


@given(ODD, ODD, ODD, ODD, ODD)
def test_no_figure_ever_breaks_a_message(a: float, b: float, c: float, d: float, e: float) -> None:
    # Issue #33.5: NaN or infinity, wherever it came from (a record, a computation), is shown as unknown
    # and never raises: one guard where figures enter a message (`kit.figure`).
    from bot.domain.money.budgets import DaySpend, Figures
    from bot.domain.money.costs import FleetCost, Usage
    from bot.slack.messages.notices import budgets as budget_messages

    instance = Instance(id="i-1", host_name="box", status="Running")
    reminder = Reminder("i-1", "box", "H100", "8", "C1", a, b, c, d, e, owner="U1")
    cost = FleetCost((Usage(instance, a, "nebula", b, c),), d, e, 0)
    figures = Figures(1000.0, "month", a, b, c, d, e, (("i-1", a),))
    built = [
        fleet_messages.reminder(reminder, 86400),
        fleet_messages.reminder(reminder, 86400, kept_until=a),
        fleet_messages.cost(cost),
        budget_messages.alert("80", figures, [instance], {}),
        budget_messages.budget_shown(figures, {"i-1": "box"}),
        budget_messages.digest(
            fleet_messages.cost(cost),
            figures,
            [DaySpend("2026-12-01", a, True), DaySpend("2026-12-02", b, False)],
        ),
    ]
    for message in built:
        valid(message)
        words = re.findall(r"[a-z]+", message.text.lower())
        assert "nan" not in words
        assert "inf" not in words


@given(st.sampled_from(["_it_", "~s~", "*b*", "a_b_c", "x~y~z"]))
def test_markup_from_nebula_stays_quoted_in_the_fallback_text(name: str) -> None:
    # Issue #33.5: the text fallback of chat.postMessage is mrkdwn too: Nebula's `_it_` must not italicise.
    instance = Instance(id="i-1", host_name=name, status="Running", price_per_hour="1")
    now = time.time()
    reminder = Reminder("i-1", name, "H100", "8", "C1", now, now, running_seconds=7200.0)
    for message in (
        instance_messages.instance_details(instance, now),
        instance_messages.instance_list(InstancePage((instance,), 1, 1), 0),
        fleet_messages.reminder(reminder, 86400),
    ):
        assert f"`{name}`" in message.text
        assert name not in message.text.replace(f"`{name}`", "")
