"""Slack messages as terminal text, for `nebula-bot shell`. Pure functions.

Sections and fields become lines, context becomes a dimmed line, and every control is numbered:
buttons as `[1] Delete  [2] Cancel`, an overflow menu as `[3] ⋯ i-abc: stop | start | reboot | delete`.
The numbers come from a `Labeller` (the session's never reuses one; by default they count from 1).
Mentions, channels, dates and entities are shown the way Slack would show them.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

EMOJI: Final = {
    "warning": "⚠️",
    "lock": "🔒",
    "unlock": "🔓",
    "white_check_mark": "✅",
    "x": "❌",
    "grey_question": "❔",
    "test_tube": "🧪",
    "hourglass_flowing_sand": "⏳",
    "alarm_clock": "⏰",
    "stopwatch": "⏱",
    "bust_in_silhouette": "👤",
    "leftwards_arrow_with_hook": "↩️",
    "clock7": "🕖",
    "moneybag": "💰",
}
_DATE: Final = re.compile(r"<!date\^(\d+)\^[^|>]*\|[^>]*>")
_LINK: Final = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_USER: Final = re.compile(r"<@([A-Z0-9]+)>")
_GROUP: Final = re.compile(r"<!subteam\^([A-Z0-9]+)>")
_CHANNEL: Final = re.compile(r"<#([A-Z0-9]+)>")
_SPECIAL: Final = re.compile(r"<!(here|channel|everyone)>")
_EMOJI: Final = re.compile(r":([a-z0-9_+-]+):")
_BOLD: Final = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


@dataclass(frozen=True)
class Style:
    """How text is decorated: plain (a pipe), or ANSI colours on a terminal that has them."""

    color: bool = False

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[0m" if self.color else text

    def accent(self, text: str) -> str:
        return f"\x1b[36m{text}\x1b[0m" if self.color else text


@dataclass(frozen=True)
class Control:
    """A numbered button or menu of a rendered message."""

    number: int
    action_id: str
    value: str
    label: str
    options: tuple[tuple[str, str], ...] = ()  # a menu's (label, value) pairs
    confirm: str | None = None  # the question of Slack's confirm dialog, if the button has one
    kind: str = "button"  # or Slack's element type: "overflow", "static_select", "external_select"
    block_id: str = ""

    @property
    def identity(self) -> str:
        """What makes it the same control across edits of its message: its action and what it carries."""
        return f"{self.action_id}|{self.value}|{','.join(v for _, v in self.options)}"


# Numbers a control: given the control (numbered 1, 2, … within its message), the number to show.
Labeller = Callable[[Control], int]


def _counting(control: Control) -> int:
    return control.number


def _when(match: re.Match[str]) -> str:
    return time.strftime("%a %d %b %H:%M", time.localtime(int(match.group(1))))


def text_of(mrkdwn: str, style: Style = Style()) -> str:
    """Slack mrkdwn as a person reads it in Slack."""
    text = _DATE.sub(_when, mrkdwn)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _USER.sub(lambda m: style.accent(f"@{m.group(1)}"), text)
    text = _GROUP.sub(lambda m: style.accent(f"@{m.group(1)}"), text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(1)}", text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(1)}", text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = _BOLD.sub(lambda m: style.bold(m.group(1)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _plain(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def render(
    body: dict[str, Any], style: Style = Style(), label: Labeller = _counting
) -> tuple[list[str], list[Control]]:
    """The lines of a message, and its controls numbered by `label`."""
    show: Callable[[str], str] = lambda mrkdwn: text_of(mrkdwn, style)  # noqa: E731 - a short alias
    blocks = body.get("blocks") or []
    if not blocks:
        return [show(str(body.get("text", "")))], []
    lines: list[str] = []
    controls: list[Control] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            if block.get("text"):
                lines.extend(show(_plain(block["text"])).splitlines())
            lines.extend(f"  {show(_plain(f)).replace(chr(10), ': ', 1)}" for f in block.get("fields") or [])
            accessory = block.get("accessory")
            if isinstance(accessory, dict) and accessory.get("type") == "overflow":
                menu = _menu(len(controls) + 1, accessory)
                controls.append(dataclasses.replace(menu, number=label(menu)))
                lines.append(style.accent(_menu_line(controls[-1])))
        elif kind == "header":
            lines.append(style.bold(show(_plain(block.get("text")))))
        elif kind == "divider":
            lines.append(style.dim("─" * 40))
        elif kind == "context":
            lines.append(style.dim(" ".join(show(_plain(e)) for e in block.get("elements") or [])))
        elif kind == "actions":
            row = []
            for element in block.get("elements") or []:
                if element.get("type") in SELECTS:
                    select = _select(len(controls) + 1, element, str(block.get("block_id", "")))
                    controls.append(dataclasses.replace(select, number=label(select)))
                    lines.extend(style.accent(line) for line in _select_lines(controls[-1]))
                    continue
                confirm = element.get("confirm")
                question = None
                if isinstance(confirm, dict):
                    question = f"{_plain(confirm.get('title'))} {_plain(confirm.get('text'))}".strip()
                text = _plain(element.get("text"))
                button = Control(
                    len(controls) + 1,
                    str(element.get("action_id")),
                    str(element.get("value", "")),
                    text,
                    (),
                    question,
                )
                controls.append(dataclasses.replace(button, number=label(button)))
                row.append(f"[{controls[-1].number}] {text}")
            if row:
                lines.append(style.accent("  ".join(row)))
    return lines, controls


SELECTS: Final = ("static_select", "external_select")


def _select(number: int, element: dict[str, Any], block_id: str) -> Control:
    options = tuple((_plain(o.get("text")), str(o.get("value", ""))) for o in element.get("options") or [])
    kind = str(element.get("type"))
    placeholder = _plain(element.get("placeholder"))
    action_id = str(element.get("action_id"))
    return Control(number, action_id, "", placeholder, options, kind=kind, block_id=block_id)


def _select_lines(control: Control) -> list[str]:
    if control.kind == "external_select":
        return [f"[{control.number}] 🔍 {control.label}: type {control.number} and part of a name or id"]
    choices = [f"      {index}) {label}" for index, (label, _) in enumerate(control.options, 1)]
    return [f"[{control.number}] ▾ {control.label}: type {control.number} and a choice's number", *choices]


def _menu(number: int, overflow: dict[str, Any]) -> Control:
    options = tuple((_plain(o.get("text")), str(o.get("value", ""))) for o in overflow.get("options") or [])
    subject = options[0][1].partition(":")[2] if options else ""
    return Control(number, str(overflow.get("action_id")), "", f"⋯ {subject}", options, kind="overflow")


def _menu_line(control: Control) -> str:
    labels = " | ".join(label.lower() for label, _ in control.options)
    return f"[{control.number}] {control.label}: {labels}"
