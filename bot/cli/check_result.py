"""One line of `nebula-bot check`'s report."""

from __future__ import annotations

from dataclasses import dataclass

from bot.infra.redact import redact


@dataclass(frozen=True)
class CheckResult:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    warning: bool = False

    def line(self) -> str:
        """`ok    slack     workspace Acme …`, never with a secret or a password in a URL."""
        mark = "FAIL" if not self.ok else "warn" if self.warning else "ok"
        return redact(f"{mark:<5} {self.name:<13} {self.detail}")
