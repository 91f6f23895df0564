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
    """One word in the help: the word, how it is written after `/nebula`, what it does, an example."""

    word: str
    usage: str
    summary: str
    example: str


NAMES: Final = (
    "Where `<id>` is written, an instance's name, its id or the first 8 or more characters of its id "
    "will do; a word that acts on an instance, typed alone, offers a menu of them."
)
EVERY_WORD: Final = "`/nebula help` lists every command."


def usage_block(lines: Sequence[HelpLine], example: str) -> str:
    """Every word, one line each, then `example` and how instances are named."""
    shown = [f"• `/nebula {line.usage}`: {line.summary}" for line in lines]
    return "*Usage*\n" + "\n".join(shown) + f"\nExample: `/nebula {example}`. {NAMES}"


def _usage_of(verb: str, lines: Sequence[HelpLine]) -> str:
    """One word's usage line, with its example, and where to find the others."""
    line = next((line for line in lines if line.word == verb), None)
    if line is None:
        return EVERY_WORD
    return f"Usage: `/nebula {line.usage}` ({line.summary}), e.g. `/nebula {line.example}`. {EVERY_WORD}"


def usage_text(error: UsageError, lines: Sequence[HelpLine], example: str) -> str:
    """What was wrong with the text, and what to write instead: one word's usage, not all of them."""
    verb = error.verb
    usage = _usage_of(verb, lines)
    match error.problem:
        case "unknown_verb":
            hint = f" Did you mean `{error.guess}`?" if error.guess else ""
            return f"Unknown command {code(error.word)}.{hint} {EVERY_WORD}"
        case "takes_nothing":
            return f"`/nebula {verb}` takes nothing after it.\n{usage}"
        case "missing_id":
            return (
                f"Which instance? Write its name or id after `{verb}`, or `/nebula {verb}` alone for a menu."
                f"\n{usage}"
            )
        case "bad_id":
            return (
                f"{code(error.word)} cannot name an instance (a name or an id has only letters, digits, "
                f"`-`, `_` and `.`).\n{usage}"
            )
        case "too_many_ids":
            many = "one instance" if error.limit == 1 else f"at most {error.limit} instances"
            return f"`/nebula {verb}` takes {many}.\n{usage}"
        case "lease_form":
            return f"Write `/nebula lease <id> <duration>`, e.g. `/nebula lease notebook-ana 8h`.\n{usage}"
        case "bad_duration":
            return f"{code(error.word)}: {error.detail}. Or write `off` to remove the lease."
        case "launch_form":
            return f"{code(error.word)}: {error.detail}.\n{usage}"
        case "budget_form":
            return (
                f"Not a budget: {code(error.word)}. Write `/nebula budget 5000/month` (or `/week`), or `off`."
            )
        case "schedule_form":
            if error.choices:
                meant = " or ".join(f"`{zone}`" for zone in error.choices)
                return (
                    f"{code(error.word)} is an abbreviation, not a time zone (it would be wrong half the "
                    f"year): did you mean {meant}?"
                )
            return (
                f"{_WINDOW_PROBLEMS.get(error.detail, 'Not a schedule')}: {code(error.word)}. {SCHEDULE_FORM}"
            )


SCHEDULE_FORM: Final = (
    "Write `/nebula schedule <id> <days> <hours> [zone]`, e.g. "
    "`/nebula schedule notebook-ana weekdays 08:00-19:00 Europe/Berlin` (days: `daily`, `weekdays`, "
    "`weekends`, `mon-fri`, `sat,sun`, …; hours: `9:00-17:00`, `9am-5pm`; `off` removes it)."
)
_WINDOW_PROBLEMS: Final = {
    "days": "Not days of the week",
    "times": "Not a time range",
    "same_times": "A window needs a start and an end that differ",
    "zone": "Not a time zone the bot knows (such as `Europe/Berlin`, `America/New_York` or `UTC`)",
}


def usage(error: UsageError, lines: Sequence[HelpLine], example: str, note: str = "") -> Message:
    """The answer to text that is not a command (`note`: what was removed from it, if anything)."""
    return notice(usage_text(error, lines, example) + (f"\n{note}" if note else ""))


def help_message(lines: Sequence[HelpLine], example: str) -> Message:
    """The answer to `/nebula help`."""
    return notice(usage_block(lines, example))
