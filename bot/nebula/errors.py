"""What can go wrong with a Nebula call, as types carrying the facts (HTTP status, Nebula's own message).

Two branches: `NebulaAnswered` (something answered, and it was not a success) and `NebulaNoAnswer`
(nothing usable came back). Each has an explicit label for the metrics. The sentences people read
are in `bot.slack.messages.texts`.
"""

from __future__ import annotations

from typing import ClassVar, Literal


class NebulaError(Exception):
    """A Nebula call did not succeed."""

    def __init__(self, *, http_status: int | None = None, nebula_message: str = "") -> None:
        super().__init__(f"{type(self).__name__}(http_status={http_status})")
        self.http_status = http_status
        self.nebula_message = nebula_message

    @property
    def metric_label(self) -> str:
        """The `status` label of `nebula_bot_nebula_requests_total` for this failure."""
        raise NotImplementedError


class NebulaAnswered(NebulaError):
    """Nebula, or something in front of it, answered, and the answer was not a success."""

    http_status: int

    def __init__(self, *, http_status: int, nebula_message: str = "") -> None:
        super().__init__(http_status=http_status, nebula_message=nebula_message)

    @property
    def metric_label(self) -> str:
        return str(self.http_status)


class NebulaAuthError(NebulaAnswered):
    """Nebula rejected the service key (401/403). `key_source`: where that key comes from (a variable
    or a file), set by the client that sent it, for the person who has to fix it."""

    key_source: str = "NEBULA_API_KEY"


class NebulaNotFound(NebulaAnswered):
    """Nebula does not know the instance (404, or a detail with no data)."""


class NebulaRejected(NebulaAnswered):
    """Nebula refused: `status: failed`, or a 3xx/4xx other than auth and not-found."""


# "unclear": a 2xx whose `status` is missing or neither "success" nor "failed" (a success it contradicts).
Problem = Literal["empty", "not_json", "server_error", "unreadable", "too_large", "wrong_instance", "unclear"]


class NebulaBadResponse(NebulaAnswered):
    """The answer is not Nebula's API speaking: a 5xx, HTML, bad JSON, or data that cannot be read."""

    def __init__(self, problem: Problem, *, http_status: int, nebula_message: str = "") -> None:
        super().__init__(http_status=http_status, nebula_message=nebula_message)
        self.problem: Problem = problem


class NebulaNoAnswer(NebulaError):
    """Nothing usable came back."""

    label: ClassVar[str]

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    @property
    def metric_label(self) -> str:
        return self.label


class NebulaUnreachable(NebulaNoAnswer):
    """The request never reached Nebula: connection refused, DNS failure, connect timeout. `host`: the
    host it was sent to; `why`: what went wrong, in words ("" when the bot's own pool was full)."""

    label = "unreachable"

    def __init__(self, timeout: float, host: str = "", why: str = "") -> None:
        super().__init__(timeout)
        self.host = host
        self.why = why


class NebulaBusy(NebulaNoAnswer):
    """The bot did not send the call: too many of the team's calls were already waiting for Nebula."""

    label = "busy"

    def __init__(self) -> None:
        super().__init__(0.0)


class NebulaTimeout(NebulaNoAnswer):
    """A read did not complete in time. Nothing changed, so the user may simply try again."""

    label = "timeout"


class NebulaOutcomeUnknown(NebulaNoAnswer):
    """A state-changing request was sent, and no answer came: it may or may not have taken effect."""

    label = "outcomeunknown"
