"""The documentation states what the code does: every setting documented (and nothing documented that is
not one), every scope the manifest asks for explained, every link resolving, and a README one can read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.settings.settings import Settings
from bot.settings.store_settings import StoreSettings
from bot.settings.teams import TeamConfig

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
README_LINES = 400

pytestmark = pytest.mark.lint


def _documented(page: Path) -> set[str]:
    """The settings a page's tables document: every `NAME` in a row's first cell."""
    found = set()
    for line in page.read_text().splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            found |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first))
    return found


def test_every_setting_is_documented_and_every_documented_one_is_a_setting() -> None:
    real = {name.upper() for name in (*Settings.model_fields, *StoreSettings.model_fields)}
    documented = _documented(ROOT / "docs" / "settings.md")
    assert real - documented == set(), "settings missing from docs/settings.md"
    assert documented - real == set(), "docs/settings.md documents what is not a setting"


def test_every_key_of_a_team_table_is_documented() -> None:
    teams = (ROOT / "docs" / "teams.md").read_text()
    missing = [key for key in TeamConfig.model_fields if key not in teams]
    assert missing == []


def test_every_scope_the_manifest_asks_for_is_explained() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    setup = (ROOT / "docs" / "setup.md").read_text()
    missing = [scope for scope in manifest["oauth_config"]["scopes"]["bot"] if f"`{scope}`" not in setup]
    assert missing == []


def test_the_readme_is_short() -> None:
    assert (ROOT / "README.md").read_text().count("\n") < README_LINES


def _anchors(text: str) -> set[str]:
    headings = re.findall(r"(?m)^#{1,4} (.+)$", text)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", [ROOT / "README.md", *DOCS], ids=lambda p: p.name)
def test_every_link_resolves(page: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (
            anchor and linked.suffix == ".md" and anchor not in _anchors(linked.read_text())
        ):
            broken.append(target)
    assert broken == []
