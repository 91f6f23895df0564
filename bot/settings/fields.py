"""The kinds of value settings take (durations with units, lists of Slack ids), and how a failed
validation is told: one message naming every variable at fault."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, SecretStr, ValidationError
from pydantic_settings import NoDecode

from bot.domain.calendar.durations import parse_duration
from bot.domain.fleet.ids import is_slack_id


def _duration(value: object) -> object:
    if not isinstance(value, str):
        return value
    return 0.0 if value.strip() in ("0", "0s") else parse_duration(value)


# `90m`, `24h`, `2d`, or plain seconds; the field's own bounds apply after.
Duration = Annotated[float, BeforeValidator(_duration)]
WholeSeconds = Annotated[int, BeforeValidator(_duration)]
# Comma-separated Slack ids in the environment; NoDecode stops pydantic-settings expecting JSON.
IdList = Annotated[frozenset[str], NoDecode]


class ConfigError(Exception):
    """The configuration cannot be used; the message names every variable at fault."""


def split_ids(value: object) -> object:
    """ "U1, U2" as a set of ids."""
    if isinstance(value, str):
        return frozenset(part.strip() for part in value.split(",") if part.strip())
    return value


def only(values: frozenset[str], kinds: str, what: str, allow_star: bool = False) -> frozenset[str]:
    """`values` if each is a Slack id of one of `kinds` (or `*` when allowed); else a ValueError naming
    the others."""
    bad = sorted(v for v in values if not (allow_star and v == "*") and not is_slack_id(v, kinds))
    if bad:
        raise ValueError(f"expected {what}, got: {', '.join(bad)}")
    return values


def _users(value: frozenset[str]) -> frozenset[str]:
    return only(value, "UW", "Slack user ids (U… or W…), or *", allow_star=True)


def _groups(value: frozenset[str]) -> frozenset[str]:
    return only(value, "S", "Slack user-group ids (S…)")


def _approvers(value: frozenset[str]) -> frozenset[str]:
    return only(value, "UWS", "Slack user ids (U…, W…) or user-group ids (S…)")


# Lists of Slack ids, comma-separated in the environment (or a list in a file), each kind checked once
# for the environment and the teams file alike.
UserIds = Annotated[frozenset[str], NoDecode, BeforeValidator(split_ids), AfterValidator(_users)]
GroupIds = Annotated[frozenset[str], NoDecode, BeforeValidator(split_ids), AfterValidator(_groups)]
ApproverIds = Annotated[frozenset[str], NoDecode, BeforeValidator(split_ids), AfterValidator(_approvers)]


def not_placeholder(value: SecretStr) -> SecretStr:
    """Refuse "xoxb-..." or "ak_..." copied from the README: a value nobody filled in."""
    text = value.get_secret_value()
    if text.endswith(("...", "…")) or text.strip("-_.…") in ("xoxb", "xapp", "ak"):
        raise ValueError("is still the README's placeholder: paste the real value")
    return value


def is_set(value: SecretStr | None) -> bool:
    """A secret that is present and not empty."""
    return value is not None and bool(value.get_secret_value())


def describe(exc: ValidationError, source: str | None = None) -> str:
    """One message for every problem: the missing variables, then each invalid one and why. With
    `source` (a file), the names are its keys (`teams.research.channels`), and the file is named."""
    missing: list[str] = []
    invalid: list[str] = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        name = name if source else name.upper()
        if error["type"] == "missing":
            note = "" if error["msg"] == "Field required" else f" ({error['msg']})"
            missing.append(name + note)
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            invalid.append(f"Invalid {name}: {message}" if name else message)
    lines = ["Configuration error."]
    if missing:
        lines.append("Missing: " + ", ".join(missing))
    lines.extend(invalid)
    where = f"Fix them in {source}" if source else "Set them in the environment or in .env"
    lines.append(f"{where} (see README.md, Configuration).")
    return "\n".join(lines)
