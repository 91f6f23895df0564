"""The bot's Prometheus text, read back by prometheus_client's own parser, as a scraper reads it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from bot.infra.metrics import Metrics
from bot.infra.prometheus import Counter, Gauge, Histogram


def scraped(*families: Counter | Gauge | Histogram) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Each sample's name -> its labels (sorted pairs) -> its value, as prometheus_client parses them."""
    text = "".join(line + "\n" for family in families for line in family.exposition())
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_every_metric_of_the_bot_parses_with_its_type_and_help() -> None:
    metrics = Metrics()
    metrics.commands.labels("delete", "accepted").inc()
    metrics.nebula_seconds.labels("instance.get").observe(0.3)
    metrics.pending.labels("default").set(2)
    families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
    assert families["nebula_bot_commands"].type == "counter"
    assert families["nebula_bot_nebula_request_seconds"].type == "histogram"
    assert families["nebula_bot_pending_confirmations"].type == "gauge"
    assert families["nebula_bot_pending_confirmations"].documentation.startswith("Confirmations waiting")
    declared = [v for v in vars(metrics).values() if isinstance(v, Counter | Gauge | Histogram)]
    assert len(families) == len(declared) == 12


def test_a_counter_without_labels_reads_zero_until_counted_and_never_goes_down() -> None:
    reminders = Counter("reminders_total", "Reminders.")
    assert scraped(reminders) == {"reminders_total": {(): 0.0}}
    reminders.inc()
    reminders.inc(2)
    assert scraped(reminders) == {"reminders_total": {(): 3.0}}
    with pytest.raises(ValueError, match="only grows"):
        reminders.inc(-1)


def test_labels_must_match_the_names_in_number() -> None:
    commands = Counter("commands_total", "Commands.", ("verb", "result"))
    with pytest.raises(ValueError, match="takes labels"):
        commands.labels("delete")


def test_a_histogram_counts_each_observation_in_every_bucket_at_or_above_it() -> None:
    seconds = Histogram("call_seconds", "Calls.", ("endpoint",), buckets=(0.1, 1, 5))
    for value in (0.05, 0.1, 0.7, 7.0):
        seconds.labels("get").observe(value)
    samples = scraped(seconds)
    buckets = {dict(labels)["le"]: value for labels, value in samples["call_seconds_bucket"].items()}
    assert buckets == {"0.1": 2.0, "1.0": 3.0, "5.0": 3.0, "+Inf": 4.0}
    assert samples["call_seconds_count"] == {(("endpoint", "get"),): 4.0}
    assert samples["call_seconds_sum"][(("endpoint", "get"),)] == pytest.approx(7.85)


@given(st.text(), st.floats(allow_nan=False))
def test_any_label_value_and_reading_comes_back_as_written(team: str, reading: float) -> None:
    # Team names come from a file people write: quotes, backslashes and newlines must not break a line.
    gauge = Gauge("budget_dollars", "A\\budget\nper period.", ("team",))
    gauge.labels(team).set(reading)
    assert scraped(gauge) == {"budget_dollars": {(("team", team),): reading}}


def test_infinite_readings_are_written_as_prometheus_spells_them() -> None:
    gauge = Gauge("g", "G.", ("k",))
    gauge.labels("up").set(math.inf)
    gauge.labels("down").set(-math.inf)
    assert scraped(gauge)["g"] == {(("k", "up"),): math.inf, (("k", "down"),): -math.inf}
