"""The help text, and what the bot says to text it cannot parse (`bot.domain.commands.UsageError`)."""

from __future__ import annotations

from typing import Final

from bot.domain.commands import UsageError
from bot.slack.messages.kit import Message, notice
from bot.slack.messages.mrkdwn import code

USAGE: Final = (
    "*Usage*\n"
    "• `/nebula list`: your team's instances, with buttons to act on each\n"
    "• `/nebula show <id>`: one instance's details\n"
    "• `/nebula delete <id> [<id> …]`: delete instances (up to 10), after confirmation\n"
    "• `/nebula stop <id>`, `/nebula start <id>`, `/nebula reboot <id>`: the same, after confirmation\n"
    "• `/nebula cost`: running instances by cost so far, and the fleet's burn rate\n"
    "• `/nebula lease <id> 8h`: have the bot act on the instance when 8 hours are up "
    "(`/nebula lease <id>` shows it, `/nebula lease <id> off` removes it, `/nebula leases` lists all)\n"
    "• `/nebula protect <id> [reason]`: nobody may stop, reboot or delete it until "
    "`/nebula unprotect <id>`; `/nebula protected` lists them\n"
    "• `/nebula own <id>`: you own it (`/nebula own <id> off` to let go)\n"
    "• `/nebula schedule <id> weekdays 08:00-19:00 [zone]`: stopped outside those hours, started again "
    "inside (`off` removes it; `/nebula schedules` lists them)\n"
    "• `/nebula budget 5000/month`: what the team may spend (or `/week`); `/nebula budget` shows where it "
    "stands, `off` removes it\n"
    "• `/nebula help`: this message\n"
    "Example: `/nebula delete trainer-1`. Where `<id>` is written, an instance's id, its host name or "
    "the first 8 or more characters of its id will do; a verb alone offers a menu of instances."
)


def usage_text(error: UsageError) -> str:
    """What was wrong with the text, and the usage."""
    verb = error.verb
    match error.problem:
        case "unknown_verb":
            hint = f" Did you mean `{error.guess}`?" if error.guess else ""
            return f"Unknown command {code(error.word)}.{hint}\n{USAGE}"
        case "takes_nothing":
            return f"`/nebula {verb}` takes no arguments.\n{USAGE}"
        case "missing_id":
            return f"Which instance? Add its id: `/nebula {verb} <instance-id>`.\n{USAGE}"
        case "bad_id":
            return f"{code(error.word)} is not a valid instance id.\n{USAGE}"
        case "too_many_ids":
            many = "exactly one instance id" if error.limit == 1 else f"at most {error.limit} instance ids"
            return f"`/nebula {verb}` takes {many}.\n{USAGE}"
        case "lease_form":
            return f"Write `/nebula lease <instance-id> <duration>`, e.g. 8h.\n{USAGE}"
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
    "`/nebula schedule trainer-1 weekdays 08:00-19:00 Europe/Berlin` (days: `daily`, `weekdays`, "
    "`weekends`, `mon-fri`, `sat,sun`, …; `off` removes it)."
)
_WINDOW_PROBLEMS: Final = {
    "days": "Not days of the week",
    "times": "Not a time range",
    "same_times": "A window needs a start and an end that differ",
    "zone": "Not a time zone the bot knows (such as `Europe/Berlin`, `America/New_York` or `UTC`)",
}


def usage(error: UsageError) -> Message:
    """The answer to text that is not a command."""
    return notice(usage_text(error))


def help_message() -> Message:
    """The answer to `/nebula help`."""
    return notice(USAGE)
