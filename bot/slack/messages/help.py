"""The help text, and what the bot says to text it cannot parse (`bot.domain.commands.UsageError`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.domain.commands import UsageError
from bot.slack.messages.kit import Message, notice
from bot.slack.messages.mrkdwn import code


@dataclass(frozen=True)
class HelpLine:
    """One word in the help: how it is written after `/nebula`, what it does, and an example."""

    usage: str
    summary: str
    example: str


NAMES: Final = (
    "Where `<id>` is written, an instance's id, its host name or the first 8 or more characters of its id "
    "will do; a word that acts on an instance, typed alone, offers a menu of them."
)


def usage_block(lines: Sequence[HelpLine], example: str) -> str:
    """Every word, one line each, then `example` and how instances are named."""
    shown = [f"• `/nebula {line.usage}`: {line.summary}" for line in lines]
    return "*Usage*\n" + "\n".join(shown) + f"\nExample: `/nebula {example}`. {NAMES}"


def usage_text(error: UsageError, lines: Sequence[HelpLine], example: str) -> str:
    """What was wrong with the text, and the usage."""
    verb = error.verb
    usage = usage_block(lines, example)
    match error.problem:
        case "unknown_verb":
            hint = f" Did you mean `{error.guess}`?" if error.guess else ""
            return f"Unknown command {code(error.word)}.{hint}\n{usage}"
        case "takes_nothing":
            return f"`/nebula {verb}` takes no arguments.\n{usage}"
        case "missing_id":
            return f"Which instance? Add its id: `/nebula {verb} <instance-id>`.\n{usage}"
        case "bad_id":
            return f"{code(error.word)} is not a valid instance id.\n{usage}"
        case "too_many_ids":
            many = "exactly one instance id" if error.limit == 1 else f"at most {error.limit} instance ids"
            return f"`/nebula {verb}` takes {many}.\n{usage}"
        case "lease_form":
            return f"Write `/nebula lease <instance-id> <duration>`, e.g. 8h.\n{usage}"
        case "bad_duration":
            return f"{code(error.word)}: {error.detail}. Or write `off` to remove the lease."
        case "budget_form":
            return (
                f"Not a budget: {code(error.word)}. Write `/nebula budget 5000/month` (or `/week`), or `off`."
            )
        case "schedule_form":
            return (
                f"{_WINDOW_PROBLEMS.get(error.detail, 'Not a schedule')}: {code(error.word)}. {SCHEDULE_FORM}"
            )


SCHEDULE_FORM: Final = (
    "Write `/nebula schedule <instance> <days> HH:MM-HH:MM [zone]`, e.g. "
    "`/nebula schedule notebook-ana weekdays 08:00-19:00 Europe/Berlin` (days: `daily`, `weekdays`, "
    "`weekends`, `mon-fri`, `sat,sun`, …; `off` removes it)."
)
_WINDOW_PROBLEMS: Final = {
    "days": "Not days of the week",
    "times": "Not a time range",
    "same_times": "A window needs a start and an end that differ",
    "zone": "Not a time zone the bot knows (such as `Europe/Berlin`, `America/New_York` or `UTC`)",
}


def usage(error: UsageError, lines: Sequence[HelpLine], example: str) -> Message:
    """The answer to text that is not a command."""
    return notice(usage_text(error, lines, example))


def help_message(lines: Sequence[HelpLine], example: str) -> Message:
    """The answer to `/nebula help`."""
    return notice(usage_block(lines, example))
