"""Every message is valid Block Kit, carries a fallback, and escapes what came from outside."""

from __future__ import annotations

import time

import pytest
from slack_sdk.models.blocks import Block

from bot.core.commands import every_word
from bot.domain.confirmation import Confirmation, Entry, InstanceOutcome, State, Status
from bot.domain.fleet.instance import Instance
from bot.domain.verbs import VERBS
from bot.nebula.answers import InstancePage
from bot.slack.messages import action_ids, confirmations, instances, kit, texts
from bot.slack.messages.help import usage_block
from bot.slack.messages.kit import Message

HOSTILE = Instance(
    id="i-1",
    host_name="<!channel> *pwn* `x` & <https://evil|click>",
    gpu_type="<@U999>",
    gpu_count="8",
    region="<!here>",
    status="Running",
    running_time="1 h",
    total_cost="$1",
)


def confirmation(verb: str = "delete", count: int = 1, instance: Instance = HOSTILE) -> Confirmation:
    instances = tuple(instance.model_copy(update={"id": f"i-{n}-" + "a" * 58}) for n in range(count))
    return Confirmation(
        id="c" * 22,
        verb=VERBS[verb],
        instances=instances,
        requester="U1",
        workspace="T1",
        channel_id="C1",
        response_url="",
        created_at=1_700_000_000,
        expires_at=1_700_000_600,
    )


def every_message() -> list[tuple[str, Message]]:
    outcomes = [
        InstanceOutcome(f"i-{n}", s, texts.nebula_words("<!channel> *x* " + "x" * 300))
        for n, s in enumerate([Status.SUCCESS, Status.FAILED, Status.UNKNOWN])
    ]
    page = InstancePage(tuple(HOSTILE.model_copy(update={"id": f"i-{n}"}) for n in range(40)), 40, 95)
    messages = [
        ("usage", kit.notice(usage_block(every_word().lines(), every_word().example))),
        ("internal error", confirmations.internal_error()),
        ("unknown", confirmations.unknown_confirmation()),
        ("already", confirmations.already_decided(Entry(confirmation("delete", 1), State.CANCELLED))),
        ("list", instances.instance_list(page, 40)),
        ("empty list", instances.instance_list(InstancePage((), 0, 0), 0)),
        ("details", instances.instance_details(HOSTILE, time.time())),
    ]
    for verb in VERBS:
        for count in (1, 10):
            a = confirmation(verb, count)
            messages += [
                (f"{verb}x{count} confirmation", confirmations.confirmation(a)),
                (f"{verb}x{count} approval", confirmations.confirmation(a, "<@U2>, <!subteam^S1>")),
                (f"{verb}x{count} in progress", confirmations.in_progress(a, "U2")),
                (f"{verb}x{count} cancelled", confirmations.cancelled(a, "U2")),
                (f"{verb}x{count} expired", confirmations.expired(a)),
                (f"{verb}x{count} outcome", confirmations.outcome(a, "U2", outcomes * 3)),
            ]
    return messages


@pytest.mark.parametrize(("name", "message"), every_message(), ids=[n for n, _ in every_message()])
def test_every_message_is_valid_block_kit_with_a_fallback(name: str, message: Message) -> None:
    assert message.text.strip(), "a plain-text fallback for notifications and screen readers"
    assert len(message.text) <= 3000
    assert 1 <= len(message.blocks) <= 50
    for raw in message.blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()  # slack_sdk's own Block Kit validation (lengths, required fields)
        assert block.to_dict() == raw


def test_nothing_from_outside_becomes_markup() -> None:
    for _, message in every_message():
        text = str(message.payload())
        assert "<!channel>" not in text
        assert "<!here>" not in text
        assert "<@U999>" not in text
        assert "<https://evil" not in text
    details = str(instances.instance_details(HOSTILE, time.time()).payload())
    assert "&lt;!channel&gt;" in details


def test_confirm_button_styles_fit_the_verb() -> None:
    styles = {}
    for verb in VERBS:
        confirm = next(
            e
            for b in confirmations.confirmation(confirmation(verb)).blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == action_ids.CONFIRM
        )
        styles[verb] = (confirm["style"], confirm["confirm"]["style"], confirm["text"]["text"])
    assert styles == {
        "delete": ("danger", "danger", "Delete"),
        "stop": ("danger", "danger", "Stop"),
        "start": ("primary", "primary", "Start"),
        "reboot": ("danger", "danger", "Reboot"),
    }
