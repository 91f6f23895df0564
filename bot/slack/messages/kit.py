"""The building blocks of the bot's messages: the `Message` type, sections, fields, people, times and money.

Pure functions. Everything from a user or from Nebula enters mrkdwn through `bot.slack.messages.mrkdwn`.
One vocabulary for figures: durations as `1d 22h`, money as `$1,112.28`, everywhere.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.domain.audit import LEASE_ACTOR, SCHEDULE_ACTOR, SYSTEM_ACTOR
from bot.domain.calendar.durations import format_duration
from bot.domain.fleet.ids import is_slack_id
from bot.domain.fleet.instance import Instance
from bot.domain.money.costs import money
from bot.slack.messages.mrkdwn import clean, code, code_within, fit, literal, literal_within, shorten

SECTION_LIMIT: Final = 3000
_SPANS: Final = re.compile(r"(`[^`]*`)")
_FORMATS: Final = re.compile(r"[_~*]")  # what Slack's mrkdwn would read as italic, strike or bold
FIELD_LIMIT: Final = 2000
# Slack refuses messages of roughly 13k characters of blocks even within every documented limit
# (slackapi/bolt-js#2509): 40 rows of at most this many characters stay well under it.
ROW_LIMIT: Final = 280
# Beyond this a figure is a bug, not a bill or a time (it would not even format as a date).
FIGURE_MAX: Final = 1e15
LAST_MOMENT: Final = 253402300800.0  # 10000-01-01: the first moment a date cannot show
UNKNOWN_TIME: Final = "an unknown time"
SHORT_ID: Final = 8  # characters of an id shown beside a name (MIN_PREFIX: what the bot takes back)
# How many people a sentence names before it says "and N more".
PEOPLE_SHOWN: Final = 10
# Who acted, when it was not a person: the names the audit uses, and how messages say them.
_NOT_PEOPLE: Final = {LEASE_ACTOR: "the lease", SYSTEM_ACTOR: "the bot", SCHEDULE_ACTOR: "the schedule"}


@dataclass(frozen=True)
class Message:
    """A Slack message: Block Kit blocks plus the plain-text fallback."""

    text: str
    blocks: tuple[dict[str, Any], ...] = ()

    def payload(self) -> dict[str, Any]:
        """The JSON body fields shared by `chat.postMessage` and `response_url`."""
        body: dict[str, Any] = {"text": self.text}
        if self.blocks:
            body["blocks"] = list(self.blocks)
        return body


def message(text: str, blocks: Sequence[Block]) -> Message:
    """A message of `blocks`, with `text` (mrkdwn) as its plain fallback."""
    # to_dict() validates lengths and required fields, so a bad block fails here, not in Slack.
    return Message(text=shorten(plain(text), 3000), blocks=tuple(block.to_dict() for block in blocks))


def plain(mrkdwn: str) -> str:
    """`mrkdwn` as a message's fallback text, which notifications show: the bot's own bold and code markers
    dropped, except around what would format without them (a host name `_it_`, Nebula's `~s~`)."""
    return "".join(
        part if part.startswith("`") and _FORMATS.search(part) else part.replace("`", "").replace("*", "")
        for part in _SPANS.split(mrkdwn)
    )


def section(mrkdwn: str) -> SectionBlock:
    """A section of the bot's own mrkdwn, fitted to Slack's limit."""
    return SectionBlock(text=MarkdownTextObject(text=fit(mrkdwn, SECTION_LIMIT)))


def context(mrkdwn: str) -> ContextBlock:
    """A context line of the bot's own mrkdwn."""
    return ContextBlock(elements=[MarkdownTextObject(text=fit(mrkdwn, SECTION_LIMIT))])


def notice(text: str) -> Message:
    """A short mrkdwn message: usage, refusals, errors. `text` is the bot's own mrkdwn."""
    return message(text, [section(text)])


def value(text: str | None, default: str = "unknown", limit: int = 100) -> str:
    """Nebula's `text` made inert in at most `limit` characters, or `default` when it said nothing."""
    return (literal_within(text, limit) or default) if text else default


def plural(count: int, noun: str, many: str | None = None) -> str:
    """ "1 instance", "2 instances" (`many`, for a noun that does not take an s)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def label(instance: Instance) -> str:
    """How every message names an instance: `notebook-ana` (c3e8f1a9…)."""
    return named(instance.id, instance.host_name)


def named(instance_id: str, host_name: str | None, budget: int = 64) -> str:
    """The host name first (in code, as a person would type it; at most `budget` characters as Slack
    receives it) and the short id beside it; the id in full when there is no name."""
    if not host_name:
        return code(instance_id)
    return f"{code_within(host_name, budget)} ({short_id(instance_id)})"


def short_id(instance_id: str) -> str:
    """The first 8 characters of an id and `…` (as the bot takes an id's start): `c3e8f1a9…`."""
    shown = clean(instance_id)
    return shown if len(shown) <= SHORT_ID + 1 else f"{shown[:SHORT_ID]}…"


def gpu(instance: Instance) -> str:
    """ "RTX-A6000 × 2"."""
    if instance.gpu_type and instance.gpu_count:
        return f"{literal_within(instance.gpu_type, 40)} × {literal_within(instance.gpu_count, 10)}"
    return value(instance.gpu_type or instance.gpu_count)


def fields(rows: Sequence[tuple[str, str]]) -> list[MarkdownTextObject]:
    """Section fields: a bold label over each value."""
    return [MarkdownTextObject(text=fit(f"*{label}*\n{value}", FIELD_LIMIT)) for label, value in rows]


def figure(value: float | None) -> float | None:
    """A figure fit to show, or None (shown as unknown): every figure enters a message through here, so
    that a missing, infinite or not-a-number one is never formatted (or raises)."""
    return value if value is not None and math.isfinite(value) and abs(value) < FIGURE_MAX else None


def when(timestamp: float) -> str:
    """A time within the next minutes, in each reader's time zone."""
    if figure(timestamp) is None:
        return UNKNOWN_TIME
    # Slack renders this in each reader's own time zone; the text after | is the fallback.
    return f"<!date^{int(timestamp)}^{{time}}|in a few minutes>"


def price(instance: Instance) -> str:
    """ "$0.679/h", or "price unknown"."""
    amount = money(instance.price_per_hour)
    return per_hour(amount) if amount is not None else "price unknown"


def moment(timestamp: float) -> str:
    """A date and time, in each reader's time zone (UTC in the fallback)."""
    if figure(timestamp) is None or not 0 <= timestamp < LAST_MOMENT:
        return UNKNOWN_TIME
    fallback = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))
    return f"<!date^{int(timestamp)}^{{date_short_pretty}} {{time}}|{fallback}>"


def who(actor: str) -> str:
    """A person as a mention; the bot's own actors ("lease") in words."""
    if is_slack_id(actor, "UW"):
        return f"<@{actor}>"
    return _NOT_PEOPLE.get(actor, literal(actor, 40))


def mention(slack_id: str) -> str:
    """How Slack shows a user (U…/W…) or user group (S…) id."""
    return f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>"


def people(ids: frozenset[str] | set[str]) -> str:
    """Users and groups as mentions, groups first, each once; a long list ends "… and 190 more"."""
    ordered = sorted(ids, key=lambda a: (not a.startswith("S"), a))
    shown = ", ".join(mention(a) for a in ordered[:PEOPLE_SHOWN])
    hidden = len(ordered) - PEOPLE_SHOWN
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def dollars(amount: float | None) -> str:
    """ "$1,234.56", or "unknown": the one way money is written."""
    shown = figure(amount)
    return "unknown" if shown is None else f"${shown:,.2f}"


def per_hour(amount: float | None) -> str:
    """ "$0.68/h", or "unknown"."""
    shown = dollars(amount)
    return shown if figure(amount) is None else f"{shown}/h"


def running_for(seconds: float | None) -> str:
    """ "1d 22h", or "unknown"."""
    shown = figure(seconds)
    return "unknown" if shown is None else format_duration(shown)
