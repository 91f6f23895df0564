"""Messages keep their meaning at the limits (issue #19.12-15): names give way before ids and figures,
markup stays balanced, one vocabulary for figures, nothing Nebula sends can reorder a line."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.confirmation import Confirmation
from bot.domain.fleet.instance import Instance
from bot.domain.policy import Actor, Identity, Rules, may_confirm
from bot.domain.records import Asked, Protection
from bot.domain.verbs import DELETE
from bot.nebula.answers import InstancePage
from bot.slack.messages import confirmations, instances, kit
from bot.slack.messages.kit import Message
from bot.slack.messages.notices import fleet
from bot.slack.messages.notices.approvals import approval_copy
from bot.slack.messages.notices.protection import badge
from tests.helpers import costs_of, shown
from tests.strategies import hostile_text, instance_ids

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def row_texts(message: dict[str, object]) -> list[str]:
    blocks = message["blocks"]
    assert isinstance(blocks, list)
    return [b["text"]["text"] for b in blocks if b.get("type") == "section" and "text" in b]


@settings(max_examples=60, deadline=None)
@given(instance_ids, hostile_text, st.integers(1, 64))
def test_a_row_never_loses_its_id_or_its_figures(instance_id: str, name: str, ampersands: int) -> None:
    host = "&" * ampersands + name
    instance = Instance(
        id=instance_id,
        host_name=host,
        status="Running",
        price_per_hour="0.679",
        running_time="46.5 hours",
        total_cost="$1112.28",
    )
    listed = instances.instance_list(InstancePage((instance,), 1, 1), 0).payload()
    [row] = [t for t in row_texts(listed) if f"`{instance_id}`" in t]
    assert "$0.68/h" in row  # one money format: cents (issue #28.6)
    cost = fleet.cost(costs_of([instance], time.time())).payload()
    [line] = [t for t in row_texts(cost) if "running 1d 22h" in t]
    assert kit.short_id(instance_id) in line  # named as everywhere: the name, and the id's start
    assert "*$1,112.28*" in line
    assert "running 1d 22h" in line
    outside_code = re.sub(r"`[^`]*`", "", line)  # inside a code span, * is just a character
    assert outside_code.count("*") % 2 == 0, "bold markers balanced"


def test_one_vocabulary_for_durations_and_money() -> None:
    instance = Instance(id="i-1", status="Running", running_time="46.5000 hours", total_cost="$1112.2800")
    shown_text = shown(instances.instance_details(instance, time.time()).payload())
    assert "1d 22h" in shown_text
    assert "$1,112.28" in shown_text
    assert "46.5000" not in shown_text
    assert "1112.2800" not in shown_text


def test_the_badge_reads_protected_colon_reason() -> None:
    assert badge(Protection("i-1", "U1", 0.0, "final eval")) == ":lock: protected: final eval"
    assert badge(Protection("i-1", "U1", 0.0)) == ":lock: protected"


def test_several_instances_in_a_confirmation_are_kept_apart_and_people_named_once() -> None:
    now = time.time()
    confirmation = Confirmation(
        id="c",
        verb=DELETE,
        instances=(Instance(id="i-1"), Instance(id="i-2")),
        requester="U1",
        workspace="T1",
        channel_id="C1",
        response_url="",
        created_at=now,
        expires_at=now + 600,
    )
    blocks = confirmations.confirmation(confirmation).payload()["blocks"]
    assert any(block["type"] == "divider" for block in blocks)
    note = shown(confirmations.scheduled(confirmation, "U1", now + 60, 60).payload())
    assert "<@U1> or an approver can undo it" in note
    assert "<@U1>, <@U1>" not in note


@given(hostile_text)
def test_no_bidirectional_control_from_nebula_reaches_a_message(name: str) -> None:
    instance = Instance(id="i-1", host_name=f"\u202e{name}\u202d", status="Run\u202ening", region="\u2066CA")
    for text in (instance.host_name or "", instance.status or "", instance.region or ""):
        assert not set(text) & set(BIDI)
    message = shown(instances.instance_details(instance, time.time()).payload())
    assert not set(message) & set(BIDI)


def test_a_click_is_compared_by_channel_only_when_both_channels_are_known() -> None:
    rules, us = Rules(allowed_users=frozenset({"U1"})), Identity(workspace="T1")
    nowhere = Confirmation("c", DELETE, (Instance(id="i-1"),), "U1", "T1", "", "", 0.0, 600.0)
    from_channel = Actor("U1", "T1", None, "C1")
    assert may_confirm(rules, us, from_channel, nowhere).allowed


def test_an_approvers_copy_of_a_full_request_keeps_its_buttons() -> None:
    full = Message(text="x", blocks=(*tuple({"type": "divider"} for _ in range(49)), {"type": "actions"}))
    asked = Asked("c", "U1", "C1", approval=True)
    copy = approval_copy(asked, full)
    assert len(copy.blocks) == 50
    assert copy.blocks[-1] == {"type": "actions"}
    short = approval_copy(asked, Message(text="x", blocks=({"type": "actions"},)))
    assert short.blocks[0]["type"] == "context"
    assert short.blocks[-1] == {"type": "actions"}
