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
    "• `/nebula help`: this message\n"
    "Example: `/nebula delete 102cade84ea-e703-4400-b77d-8ed545d198ee`. Ids are 1 to 64 letters, digits, "
    "`-` or `_` (starting with a letter or digit), as the Nebula console and `/nebula list` show them."
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


def usage(error: UsageError) -> Message:
    """The answer to text that is not a command."""
    return notice(usage_text(error))


def help_message() -> Message:
    """The answer to `/nebula help`."""
    return notice(USAGE)
