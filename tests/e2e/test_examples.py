"""Every example in the README, the documentation and `/nebula help` works as written in the demo (issue
#28.8): each is typed into `nebula-bot shell --demo`, and none meets a usage error, an unknown name or
an internal one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.commands import every_word
from tests.e2e.test_shell_demo import run_demo

ROOT = Path(__file__).resolve().parents[2]
# What the bot says when an example does not work as written.
FAILURES = (
    "Unknown command",
    "No instance called",
    "cannot name an instance",
    "internal error",
    "Not a ",
    "takes nothing",
    "Which instance?",
    "could not be handled",
    "Usage:",
)


def readme_examples() -> list[str]:
    """Every complete `/nebula …` in the README and docs/ (in code, without placeholders: `<id>`)."""
    text = "\n".join(page.read_text() for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
    found = re.findall(r"`(/nebula[^`\n]*)`", text) + re.findall(r"(?m)^(/nebula [^\n]+)$", text)
    return sorted({f for f in found if not re.search(r"[<\[…]| / ", f)})


def help_examples() -> list[str]:
    return sorted({f"/nebula {spec.example}" for spec in every_word().ordered})


@pytest.mark.parametrize("example", sorted({*readme_examples(), *help_examples()}))
async def test_an_example_works_as_written_in_the_demo(example: str) -> None:
    code, out = await run_demo([example])
    assert code == 0
    said = out.split("\n", 1)[1]  # after the demo's greeting
    assert said.strip(), f"{example}: no answer"
    assert not [failure for failure in FAILURES if failure in said], said


def test_the_examples_are_found() -> None:
    assert "/nebula delete notebook-ana" in readme_examples()
    assert len(help_examples()) == len(every_word().ordered)
