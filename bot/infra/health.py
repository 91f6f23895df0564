"""What is wrong with the running bot right now, as its probes found it: for /healthz, and for the core,
which takes no new request it could not keep (a store that cannot be written).

A problem is serious (the bot cannot do its job: /healthz answers 503) or only degrades it (it serves
requests, but something it should do by itself is not happening: /healthz answers 200, "degraded").
"""

from __future__ import annotations

from collections.abc import Callable

from bot.infra import logs


class Health:
    """Problems by part ("store:default", "socket", …), set by the probes; and parts asked on demand."""

    def __init__(self) -> None:
        self._problems: dict[str, str] = {}
        self._degraded: set[str] = set()  # parts whose problem degrades the bot rather than stops it
        self._asked: dict[str, Callable[[], str | None]] = {}

    def report(self, part: str, problem: str | None, *, error: str = "", degrades: bool = False) -> None:
        """`part` has `problem` now (None: it is fine); `degrades`: the bot still serves requests.
        Turning bad and turning good are logged once each."""
        before = self._problems.get(part)
        if problem is None:
            if before is not None:
                del self._problems[part]
                self._degraded.discard(part)
                logs.event(f"{part}.healthy")
            return
        self._problems[part] = problem
        (self._degraded.add if degrades else self._degraded.discard)(part)
        if before is None:  # logged when it turns bad, not each time the words change
            logs.warning(f"{part}.unhealthy", error=error or None, detail=problem)

    def ask(self, part: str, source: Callable[[], str | None]) -> None:
        """Also ask `source` what is wrong with `part` whenever the health is read."""
        self._asked[part] = source

    def problem(self, part: str) -> str | None:
        """What is wrong with `part`, or None."""
        source = self._asked.get(part)
        return source() if source is not None else self._problems.get(part)

    def problems(self) -> dict[str, str]:
        """Everything wrong now, by part."""
        asked = {part: found for part, source in self._asked.items() if (found := source()) is not None}
        return {**self._problems, **asked}

    def serious(self) -> bool:
        """Something is wrong that stops the bot doing its job (not merely degrading it)."""
        return any(part not in self._degraded for part in self.problems())
