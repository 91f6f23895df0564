"""The demo's clock: the machine's, moved on by `:wait 2h`, so that what time brings (reminders, leases
ending, schedules, budget alerts) can be seen without waiting for it."""

from __future__ import annotations

import time


class DemoClock:
    """Now, as the demo has it: the machine's time, plus however far `:wait` has moved it on."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.time() + self.ahead

    def advance(self, seconds: float) -> None:
        """Move the clock on by `seconds`."""
        self.ahead += seconds
