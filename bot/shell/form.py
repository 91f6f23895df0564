"""The shell's modals: a form the bot opens (`views.open`) is asked for field by field, as prompts.

Each answer to a select the form marks `dispatch_action` (the GPU, the lease) is sent as Slack sends a
change inside a modal, so the bot updates the form's price, lease cost and budget lines; they are
shown before the last question, "Submit?", and the form is submitted as Slack would (`view_submission`).
Errors the bot puts under a field are said and that field is asked again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from bot.shell.session import INTERRUPT, Session

Reader = Callable[[str], Awaitable[str | None]]
ROUNDS: Final = 3  # a form whose errors are not put right in three tries is closed
ASKS: Final = 3  # an answer that is none of the choices is asked for again, this often


class Closed(Exception):
    """The person left the form (Ctrl-C, Ctrl-D, or no usable answer)."""


async def fill_form(session: Session, read: Reader) -> None:
    """If the last line opened a form (`/nebula create` without its GPU, Home's "Launch a GPU"), ask for
    its fields, show what the bot says of them, and submit when told to."""
    values: dict[str, dict[str, Any]] = {}
    wanted: set[str] | None = None  # None: every field
    try:
        for _ in range(ROUNDS):
            view = session.slack.modal
            if view is None:
                return
            title = str((view.get("title") or {}).get("text", "Form"))
            session.say(f"{title} (Enter keeps the choice in brackets; Ctrl-C leaves the form)")
            for block in _inputs(view):
                if wanted is None or block["block_id"] in wanted:
                    values[block["block_id"]] = await _ask(session, read, block)
                    if block.get("dispatch_action"):
                        await session.change_form(block, values)
            view = session.slack.modal or view
            for line in _texts(view):
                session.say(line)
            submit = str((view.get("submit") or {}).get("text", "Submit"))
            if (await _line(read, f"{submit}? y/N ")).lower() not in ("y", "yes"):
                raise Closed
            ack = await session.submit_form(values)
            errors = ack.get("errors") if ack.get("response_action") == "errors" else None
            if not isinstance(errors, dict) or not errors:
                session.slack.modal = None
                await session.settle()
                return
            for block_id, error in errors.items():
                session.say(f"{_label_of(view, str(block_id))}: {error}")
            wanted = {str(block_id) for block_id in errors}
        session.say("The form was closed after three tries; nothing was submitted.")
    except Closed:
        session.say("Form closed; nothing was submitted.")
    session.slack.modal = None


def _inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        b
        for b in view.get("blocks", [])
        if isinstance(b, dict) and b.get("type") == "input" and b.get("block_id")
    ]


def _texts(view: dict[str, Any]) -> list[str]:
    """What the form says besides its fields: sections and context lines (prices, the budget)."""
    said = []
    for block in view.get("blocks", []):
        if block.get("type") == "section":
            said.append(str((block.get("text") or {}).get("text", "")))
        elif block.get("type") == "context":
            said.extend(str(e.get("text", "")) for e in block.get("elements", []) if isinstance(e, dict))
    return [line for line in said if line]


def _label_of(view: dict[str, Any], block_id: str) -> str:
    for block in _inputs(view):
        if block["block_id"] == block_id:
            return str((block.get("label") or {}).get("text", block_id))
    return block_id


async def _ask(session: Session, read: Reader, block: dict[str, Any]) -> dict[str, Any]:
    """One field's answer, as the element's state in `view.state.values`."""
    element = block.get("element") or {}
    label = str((block.get("label") or {}).get("text", block["block_id"]))
    action_id = str(element.get("action_id", ""))
    if element.get("type") == "static_select":
        return {action_id: await _choose(session, read, label, element, bool(block.get("optional")))}
    initial = element.get("initial_value")
    for _ in range(ASKS):
        typed = await _line(read, f"{label}{f' [{initial}]' if initial else ''}? ")
        text = typed or initial
        if text or block.get("optional"):
            return {action_id: {"type": "plain_text_input", "value": text or None}}
        session.say(f"{label} is needed.")
    raise Closed


async def _choose(
    session: Session, read: Reader, label: str, element: dict[str, Any], optional: bool
) -> dict[str, Any]:
    options = [o for o in element.get("options") or [] if isinstance(o, dict)]
    for group in element.get("option_groups") or []:
        options.extend(o for o in group.get("options", []) if isinstance(o, dict))
    if not options:
        session.say(f"{label}: nothing to choose from.")
        raise Closed
    initial = element.get("initial_option")
    session.say(f"{label}:")
    for n, option in enumerate(options, 1):
        session.say(f"  {n}. {option['text']['text']}")
    default = f", Enter: {initial['text']['text']}" if isinstance(initial, dict) else ""
    for _ in range(ASKS):
        typed = await _line(read, f"{label} [1-{len(options)}{default}]? ")
        picked = initial if not typed else _pick(options, typed)
        if picked is not None:
            return {"type": "static_select", "selected_option": picked}
        if not typed and optional:
            return {"type": "static_select", "selected_option": None}
        session.say(f"Type a number from 1 to {len(options)}.")
    raise Closed


def _pick(options: list[dict[str, Any]], typed: str) -> dict[str, Any] | None:
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        return options[int(typed) - 1]
    for option in options:  # or the option's words, as shown
        if typed.lower() in (str(option["text"]["text"]).lower(), str(option.get("value", "")).lower()):
            return option
    return None


async def _line(read: Reader, prompt: str) -> str:
    typed = await read(prompt)
    if typed is None or typed == INTERRUPT:  # Ctrl-D, Ctrl-C
        raise Closed
    return typed.strip()
