"""What is wrong with the running bot right now, as its probes found it: for /healthz, and for the core,
which takes no new request it could not keep (a store that cannot be written)."""

from __future__ import annotations

from collections.abc import Callable

from bot.infra import logs


class Health:
    """Problems by part ("store", "socket", …), set by the probes; and parts asked on demand."""

    def __init__(self) -> None:
        self._problems: dict[str, str] = {}
        self._asked: list[Callable[[], str | None]] = []

    def report(self, part: str, problem: str | None, *, error: str = "") -> None:
        """`part` has `problem` now (None: it is fine). Turning bad and turning good are logged once each."""
        before = self._problems.get(part)
        if problem is None:
            if before is not None:
                del self._problems[part]
                logs.event(f"{part}.healthy")
            return
        self._problems[part] = problem
        if before is None:  # logged when it turns bad, not each time the words change
            logs.warning(f"{part}.unhealthy", error=error or None, detail=problem)

    def ask(self, source: Callable[[], str | None]) -> None:
        """Also ask `source` for a problem whenever the health is read."""
        self._asked.append(source)

    def problem(self, part: str) -> str | None:
        """What is wrong with `part`, or None."""
        return self._problems.get(part)

    def problems(self) -> list[str]:
        """Everything wrong now."""
        asked = [found for source in self._asked if (found := source()) is not None]
        return [*self._problems.values(), *asked]
