"""Labelled counters, gauges and histograms, and Prometheus' text format for them.

Written here rather than taken from prometheus_client: the bot needs only these, and the library cost
0.8 MB of resident memory at start, most of what kept the bot above its memory target (issue #32).
The tests read this output with prometheus_client's own parser.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Final

CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return "NaN" if math.isnan(value) else repr(float(value))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class _Family:
    """One metric: its name, help, label names, and a value per combination of label values."""

    kind: str = ""

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...]) -> None:
        self.name = name
        self._help = documentation.replace("\\", "\\\\").replace("\n", "\\n")
        self._labelnames = labelnames

    def _key(self, values: tuple[str, ...]) -> tuple[str, ...]:
        if len(values) != len(self._labelnames):
            raise ValueError(f"{self.name} takes labels {self._labelnames}, not {values}")
        return tuple(str(v) for v in values)

    def _labels(self, values: tuple[str, ...], extra: tuple[tuple[str, str], ...] = ()) -> str:
        pairs = sorted([*zip(self._labelnames, values, strict=True), *extra])
        return "{" + ",".join(f'{k}="{_escaped(v)}"' for k, v in pairs) + "}" if pairs else ""

    def _samples(self) -> Iterator[str]:
        raise NotImplementedError

    def exposition(self) -> Iterator[str]:
        yield f"# HELP {self.name} {self._help}"
        yield f"# TYPE {self.name} {self.kind}"
        yield from self._samples()


class _Value:
    def __init__(self) -> None:
        self.value = 0.0


class _CounterChild(_Value):
    def inc(self, amount: float = 1.0) -> None:
        """Count `amount` more (never less: a counter only grows)."""
        if amount < 0:
            raise ValueError("a counter only grows")
        self.value += amount


class _GaugeChild(_Value):
    def set(self, value: float) -> None:
        """The gauge reads `value` from now on."""
        self.value = float(value)


class Counter(_Family):
    kind = "counter"

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...] = ()) -> None:
        # As prometheus_client names it: a counter's samples end in `_total`.
        super().__init__(name if name.endswith("_total") else name + "_total", documentation, labelnames)
        self._children: dict[tuple[str, ...], _CounterChild] = {}
        if not labelnames:  # a counter without labels reads 0 before its first count
            self.labels()

    def labels(self, *values: str) -> _CounterChild:
        """The count for these label values (in the order of the label names)."""
        return self._children.setdefault(self._key(values), _CounterChild())

    def inc(self, amount: float = 1.0) -> None:
        """Count a counter without labels."""
        self.labels().inc(amount)

    def _samples(self) -> Iterator[str]:
        for key, child in self._children.items():
            yield f"{self.name}{self._labels(key)} {_number(child.value)}"


class Gauge(_Family):
    kind = "gauge"

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...] = ()) -> None:
        super().__init__(name, documentation, labelnames)
        self._children: dict[tuple[str, ...], _GaugeChild] = {}
        if not labelnames:
            self.labels()

    def labels(self, *values: str) -> _GaugeChild:
        """The reading for these label values (in the order of the label names)."""
        return self._children.setdefault(self._key(values), _GaugeChild())

    def _samples(self) -> Iterator[str]:
        for key, child in self._children.items():
            yield f"{self.name}{self._labels(key)} {_number(child.value)}"


class _HistogramChild:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.bounds = buckets
        self.counts = [0] * len(buckets)
        self.count = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        """Count one observation of `value`."""
        for i, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[i] += 1
        self.count += 1
        self.sum += value


class Histogram(_Family):
    kind = "histogram"

    def __init__(
        self, name: str, documentation: str, labelnames: tuple[str, ...], buckets: tuple[float, ...]
    ) -> None:
        super().__init__(name, documentation, labelnames)
        self._buckets = (*sorted(float(b) for b in buckets), math.inf)
        self._children: dict[tuple[str, ...], _HistogramChild] = {}

    def labels(self, *values: str) -> _HistogramChild:
        """The histogram for these label values (in the order of the label names)."""
        return self._children.setdefault(self._key(values), _HistogramChild(self._buckets))

    def _samples(self) -> Iterator[str]:
        for key, child in self._children.items():
            for bound, count in zip(self._buckets, child.counts, strict=True):
                le = (("le", _number(bound)),)
                yield f"{self.name}_bucket{self._labels(key, le)} {_number(count)}"
            yield f"{self.name}_count{self._labels(key)} {_number(child.count)}"
            yield f"{self.name}_sum{self._labels(key)} {_number(child.sum)}"
