"""The domain types: one summary per outcome set, and records that survive a rolling upgrade."""

from __future__ import annotations

import json

import pytest

from bot.domain.audit import AuditLine
from bot.domain.confirmation import Confirmation, InstanceOutcome, Status, summarize
from bot.domain.fleet.instance import Instance
from bot.domain.verbs import STOP
from bot.store.codecs import (
    audit_from_json,
    audit_to_json,
    confirmation_from_json,
    confirmation_to_json,
    outcomes_from_json,
    outcomes_to_json,
)

CONFIRMATION = Confirmation(
    id="c1",
    verb=STOP,
    instances=(Instance(id="i-1", host_name="box", gpu_count="2"),),
    requester="U1",
    workspace="T1",
    channel_id="C1",
    response_url="https://hooks.slack.com/commands/1",
    created_at=1.0,
    expires_at=601.0,
)


@pytest.mark.parametrize(
    ("statuses", "summary"),
    [
        ([Status.SUCCESS], Status.SUCCESS),
        ([Status.SUCCESS, Status.SUCCESS], Status.SUCCESS),
        ([Status.DRY_RUN, Status.DRY_RUN], Status.DRY_RUN),
        ([Status.UNKNOWN], Status.UNKNOWN),
        ([Status.FAILED], Status.FAILED),
        ([Status.SUCCESS, Status.FAILED], Status.PARTLY_FAILED),
        ([Status.SUCCESS, Status.UNKNOWN], Status.PARTLY_FAILED),
        ([], Status.FAILED),
    ],
)
def test_one_summary_for_a_set_of_outcomes(statuses: list[Status], summary: Status) -> None:
    assert summarize([InstanceOutcome(f"i-{n}", s, "") for n, s in enumerate(statuses)]) is summary


def test_a_confirmation_round_trips_with_its_verb() -> None:
    assert confirmation_from_json(confirmation_to_json(CONFIRMATION)) == CONFIRMATION


def test_a_record_from_a_newer_version_is_read_not_refused() -> None:
    # A replica of the next version may add fields to what it stores; this one must still read it.
    data = json.loads(confirmation_to_json(CONFIRMATION))
    data["undo_until"] = 123.0
    data["instances"][0]["owner"] = {"slack": "U9"}
    assert confirmation_from_json(json.dumps(data)) == CONFIRMATION

    outcomes = json.loads(outcomes_to_json([InstanceOutcome("i-1", Status.SUCCESS, "ok", 200)]))
    outcomes[0]["latency_ms"] = 5
    assert outcomes_from_json(json.dumps(outcomes)) == (InstanceOutcome("i-1", Status.SUCCESS, "ok", 200),)

    audit = AuditLine(ts=1.0, step="executed", verb="stop", outcome="success")
    assert audit_from_json(json.dumps(json.loads(audit_to_json(audit)) | {"replica": "bot-7"})) == audit


def test_records_written_before_the_vocabulary_changed_still_read() -> None:
    assert outcomes_from_json('[{"instance_id":"i","status":"dry run","message":"m"}]')[0].status is (
        Status.DRY_RUN
    )
    old = '{"ts":1,"step":"outcome","action":"delete","outcome":"success"}'
    assert audit_from_json(old).verb == "delete"


def test_an_unknown_verb_is_refused_rather_than_guessed() -> None:
    data = json.loads(confirmation_to_json(CONFIRMATION)) | {"verb": "resize"}
    with pytest.raises(ValueError, match="unknown verb"):
        confirmation_from_json(json.dumps(data))
