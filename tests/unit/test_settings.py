"""Configuration: read from the environment and .env, every problem named in one message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings.fields import ConfigError
from bot.settings.settings import load_settings

REQUIRED_HTTP = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "s3cr3t-signing",
    "NEBULA_API_KEY": "ak_live_key_value",
}


def set_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_defaults_match_the_documented_table(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, REQUIRED_HTTP)
    settings = load_settings()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.nebula_api_url == "https://api.nebulablock.com/api/v1"
    assert settings.nebula_api_timeout == 10
    assert (settings.nebula_bot_host, settings.nebula_bot_port) == ("0.0.0.0", 3000)
    assert settings.nebula_bot_state_url == "sqlite:///nebula-bot.sqlite3"
    assert settings.nebula_bot_allowed_users == frozenset()
    assert settings.nebula_bot_confirm_ttl == 600
    assert settings.socket_mode is False


def test_every_missing_variable_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "NEBULA_API_KEY"):
        assert name in message


def test_socket_mode_needs_no_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "NEBULA_API_KEY": "ak_x"})
    assert load_settings().socket_mode is True


def test_allowed_users_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, REQUIRED_HTTP | {"NEBULA_BOT_ALLOWED_USERS": " U123ABC, W999 ,,"})
    assert load_settings().nebula_bot_allowed_users == frozenset({"U123ABC", "W999"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEBULA_BOT_ALLOWED_USERS", "alice,U123"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
        ("NEBULA_API_TIMEOUT", "0"),
        ("NEBULA_BOT_PORT", "70000"),
        ("NEBULA_BOT_CONFIRM_TTL", "86400"),
        ("NEBULA_BOT_STATE_URL", "postgres://db/bot"),
        ("NEBULA_API_URL", "ftp://nebula"),
        ("NEBULA_BOT_CONFIRM_TTL", "1h"),
        ("NEBULA_BOT_WATCH_INTERVAL", "2s"),
        ("NEBULA_BOT_REMIND_AFTER", "a day"),
        ("NEBULA_BOT_LEASE_ACTION", "terminate"),
        ("NEBULA_BOT_DIGEST_AT", "25:00"),
        ("NEBULA_BOT_WATCH_CHANNEL", "#gpus"),
    ],
)
def test_invalid_values_are_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    set_env(monkeypatch, REQUIRED_HTTP | {name: value})
    with pytest.raises(ConfigError, match=f"Invalid {name}"):
        load_settings()


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("\n".join(f"{k}={v}" for k, v in REQUIRED_HTTP.items()))
    assert load_settings().api_key() == "ak_live_key_value"


def test_secrets_stay_out_of_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, REQUIRED_HTTP)
    settings = load_settings()
    for secret in REQUIRED_HTTP.values():
        assert secret not in repr(settings)
        assert secret not in str(settings)
        assert secret not in settings.model_dump_json()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-..."),
        ("NEBULA_API_KEY", "ak_..."),
        ("SLACK_SIGNING_SECRET", "..."),
        ("NEBULA_BOT_STATE_URL", "sqlite:///"),
    ],
)
def test_placeholders_and_empty_paths_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    set_env(monkeypatch, REQUIRED_HTTP | {name: value})
    with pytest.raises(ConfigError, match=f"Invalid {name}"):
        load_settings()


def test_response_url_prefixes_end_at_a_path_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(
        monkeypatch,
        REQUIRED_HTTP | {"SLACK_RESPONSE_URL_PREFIXES": "https://hooks.slack.com, https://p.example/r/"},
    )
    assert load_settings().slack_response_url_prefixes == ("https://hooks.slack.com/", "https://p.example/r/")
    set_env(monkeypatch, {"SLACK_RESPONSE_URL_PREFIXES": "ftp://x"})
    with pytest.raises(ConfigError, match="SLACK_RESPONSE_URL_PREFIXES"):
        load_settings()


def test_durations_take_units_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(
        monkeypatch,
        REQUIRED_HTTP
        | {
            "NEBULA_BOT_CONFIRM_TTL": "10m",
            "NEBULA_API_TIMEOUT": "30s",
            "NEBULA_BOT_DRAIN_TIMEOUT": "0",
            "NEBULA_BOT_WATCH_INTERVAL": "90",
            "NEBULA_BOT_REMIND_AFTER": "2d",
            "NEBULA_BOT_SNOOZE": "12h",
            "NEBULA_BOT_LEASE_GRACE": "45m",
        },
    )
    settings = load_settings()
    assert settings.nebula_bot_confirm_ttl == 600
    assert (settings.nebula_api_timeout, settings.nebula_bot_drain_timeout) == (30, 0)
    assert (settings.nebula_bot_watch_interval, settings.nebula_bot_remind_after) == (90, 172800)
    assert (settings.nebula_bot_snooze, settings.nebula_bot_lease_grace) == (43200, 2700)


def test_the_digest_needs_a_watch_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, REQUIRED_HTTP | {"NEBULA_BOT_DIGEST_AT": "09:00"})
    with pytest.raises(ConfigError, match="NEBULA_BOT_DIGEST_AT needs NEBULA_BOT_WATCH_CHANNEL"):
        load_settings()
    set_env(monkeypatch, {"NEBULA_BOT_WATCH_CHANNEL": "C0GPUS"})
    assert load_settings().digest_minute == 9 * 60


def test_a_line_of_env_that_is_not_a_setting_is_named_by_file_and_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Issue #28.7: dotenv skipped it with "could not parse statement starting at line 2", naming no file,
    # and the setting on it was silently missing.
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1-2-abc\nNEBULA_API_KEY ak_live_secret\n# fine\n\n")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    said = str(raised.value)
    assert f"{tmp_path / '.env'}, line 2: not NAME=value" in said
    assert "ak_live_secret" not in said  # the line may be a secret without its `=`
