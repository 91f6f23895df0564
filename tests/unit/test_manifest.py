"""manifest.yaml is a valid Slack app manifest that declares what the bot uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bot.bolt.listeners.nebula_command import COMMAND
from bot.cli.manifest import render
from bot.slack.messages.action_ids import ACT_ON_MESSAGE
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]


def load_manifest() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_manifest_matches_the_schema() -> None:
    schema = json.loads((ROOT / "tests" / "data" / "slack-app-manifest.schema.json").read_text())
    jsonschema.validate(load_manifest(), schema)


def test_manifest_declares_the_command_interactivity_and_scopes() -> None:
    manifest = load_manifest()
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert "delete" in command["usage_hint"]
    assert "url" not in command, "Socket Mode manifests carry no request URL"
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert {"commands", "chat:write", "usergroups:read"} <= set(manifest["oauth_config"]["scopes"]["bot"])


def test_manifest_declares_home_its_event_and_the_shortcut() -> None:
    manifest = load_manifest()
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    [shortcut] = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", ACT_ON_MESSAGE)
    assert "im:write" in manifest["oauth_config"]["scopes"]["bot"]  # a DM for changes asked on Home


def test_schema_rejects_a_broken_manifest() -> None:
    # The schema check above must be able to fail: an unknown key and a too-long name are caught.
    schema = json.loads((ROOT / "tests" / "data" / "slack-app-manifest.schema.json").read_text())
    broken = load_manifest()
    broken["display_information"]["name"] = "x" * 36
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(broken))
    assert errors


def test_manifest_file_is_the_socket_mode_rendering() -> None:
    assert (ROOT / "manifest.yaml").read_text() == render(), "regenerate: nebula-bot manifest > manifest.yaml"


def test_manifest_for_http_mode(cli: Cli) -> None:
    code, out, err = cli.run("manifest", "--http-url", "https://bot.example.com/")
    assert code == 0, err
    data: dict[str, Any] = yaml.safe_load(out)
    schema = json.loads((ROOT / "tests" / "data" / "slack-app-manifest.schema.json").read_text())
    jsonschema.validate(data, schema)
    assert data["features"]["slash_commands"][0]["url"] == "https://bot.example.com/slack/events"
    assert data["settings"]["event_subscriptions"]["request_url"] == "https://bot.example.com/slack/events"
    options_url = data["settings"]["interactivity"]["message_menu_options_url"]
    assert options_url == "https://bot.example.com/slack/events"  # menus searched as one types
    assert data["settings"]["interactivity"]["request_url"] == "https://bot.example.com/slack/events"
    assert data["settings"]["socket_mode_enabled"] is False

    code, _, err = cli.run("manifest", "--http-url", "http://bot.example.com")
    assert code == 2
    assert "https://" in err


def test_a_full_request_url_is_not_doubled(cli: Cli) -> None:
    code, out, _ = cli.run("manifest", "--http-url", "https://bot.example.com/slack/events")
    assert code == 0
    assert (
        yaml.safe_load(out)["settings"]["interactivity"]["request_url"]
        == "https://bot.example.com/slack/events"
    )
