"""Several Nebula teams in one Slack workspace (issue #22): each team's channels act with its own key on
its own Nebula, and nothing of one team is reachable from another's channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings.fields import ConfigError
from bot.settings.teams import load_teams
from bot.slack.messages import action_ids
from tests.conftest import Cli
from tests.helpers import shown
from tests.standins.servers import FakeNebula
from tests.standins.stack import ALICE, BOB, INSTANCE, Stack, eventually

RESEARCH, PROD = "C0RESEARCH", "C0PROD"
PROD_KEY = "ak_prod_team_key_9876543210"


@pytest.fixture
async def prod_nebula() -> AsyncIterator[FakeNebula]:
    """The second team's Nebula, answering only to its own key."""
    nebula = FakeNebula(key=PROD_KEY)
    await nebula.start()
    try:
        yield nebula
    finally:
        await nebula.stop()


def teams_file(tmp_path: Path, prod_url: str, extra: str = "") -> Path:
    path = tmp_path / "teams.toml"
    path.write_text(
        f"""
[teams.research]
api_key_env = "RESEARCH_NEBULA_KEY"
channels = ["{RESEARCH}"]
allowed_users = ["{ALICE}", "{BOB}"]

[teams.prod]
api_key_env = "PROD_NEBULA_KEY"
api_url = "{prod_url}"
channels = ["{PROD}"]
allowed_users = ["{ALICE}"]
{extra}"""
    )
    return path


@pytest.fixture
async def two_teams(
    http_stack: Stack, prod_nebula: FakeNebula, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Stack:
    """A bot serving research (the stack's Nebula) and prod (its own), the same instance id in both."""
    monkeypatch.setenv("RESEARCH_NEBULA_KEY", "ak_test_service_key_0123456789")
    monkeypatch.setenv("PROD_NEBULA_KEY", PROD_KEY)
    http_stack.nebula.add(INSTANCE, host_name="research-box")
    prod_nebula.add(INSTANCE, host_name="prod-box")
    path = teams_file(tmp_path, prod_nebula.api_url)
    await http_stack.start_bot(nebula_api_key=None, nebula_bot_teams_file=str(path))
    return http_stack


async def test_each_teams_delete_reaches_only_its_own_nebula_with_its_own_key(
    two_teams: Stack, prod_nebula: FakeNebula
) -> None:
    stack = two_teams
    driver = stack.driver_for(stack.bots[0])
    research = await stack.request(driver, ALICE, f"delete {INSTANCE}", channel=RESEARCH)
    assert "research-box" in shown(stack.showing(research))
    prod = await stack.request(driver, ALICE, f"delete {INSTANCE}", channel=PROD)
    assert "prod-box" in shown(stack.showing(prod))
    await driver.click(ALICE, action_ids.CONFIRM, research, channel=RESEARCH)
    await eventually(lambda: len(stack.nebula.deletes()) == 1)
    assert prod_nebula.deletes() == []
    # A click in prod's channel on research's confirmation: prod knows no such thing; nothing happens.
    await driver.click(ALICE, action_ids.CONFIRM, research, channel=PROD)
    await driver.click(ALICE, action_ids.CONFIRM, prod, channel=PROD)
    await eventually(lambda: len(prod_nebula.deletes()) == 1)
    assert len(stack.nebula.deletes()) == 1
    assert {c.authorization for c in prod_nebula.calls} == {f"Bearer {PROD_KEY}"}
    assert PROD_KEY not in {c.authorization for c in stack.nebula.calls}


async def test_a_team_s_rules_are_its_own(two_teams: Stack, prod_nebula: FakeNebula) -> None:
    stack = two_teams
    driver = stack.driver_for(stack.bots[0])
    refused, _ = await stack.reply(driver, BOB, f"delete {INSTANCE}", channel=PROD)  # Bob is research only
    assert "You may not change instances" in shown(refused)
    asked, _ = await stack.reply(driver, BOB, "list", channel=RESEARCH)
    assert "research-box" in shown(asked)
    assert prod_nebula.calls == []


async def test_a_rejected_key_names_the_team_s_own_variable(
    two_teams: Stack, prod_nebula: FakeNebula
) -> None:
    stack = two_teams
    driver = stack.driver_for(stack.bots[0])
    prod_nebula.key = "ak_rotated_meanwhile"  # prod's key no longer works; research's still does
    answer, _ = await stack.reply(driver, ALICE, f"show {INSTANCE}", channel=PROD)
    assert "The service key was rejected (HTTP 401): check PROD_NEBULA_KEY." in shown(answer)
    answer, _ = await stack.reply(driver, ALICE, f"show {INSTANCE}", channel=RESEARCH)
    assert "research-box" in shown(answer)


async def test_a_channel_of_no_team_gets_one_line_naming_no_team(two_teams: Stack) -> None:
    stack = two_teams
    driver = stack.driver_for(stack.bots[0])
    ack, _ = await driver.command(BOB, "list", channel="C0RANDOM")
    assert shown(ack.body) == "`/nebula` does not work in this channel."


async def test_a_dm_shows_the_person_s_teams_grouped_and_acts_on_none(
    two_teams: Stack, prod_nebula: FakeNebula
) -> None:
    stack = two_teams
    driver = stack.driver_for(stack.bots[0])
    await stack.reply(driver, ALICE, f"own {INSTANCE}", channel=PROD)
    answer, _ = await stack.reply(driver, ALICE, f"delete {INSTANCE}", channel="D0ALICE")
    text = shown(answer)
    assert text.index("*Team research* · <#C0RESEARCH>") < text.index("*Team prod* · <#C0PROD>")
    assert "1 running · $0.68/h · 1 yours" in text  # prod's instance, owned by Alice
    assert "use `/nebula` in a team's channel to act" in text
    answer, _ = await stack.reply(driver, BOB, "list", channel="D0BOB")  # Bob is in research only
    assert "Team research" in shown(answer)
    assert "prod" not in shown(answer)
    assert stack.nebula.deletes() == []
    assert prod_nebula.deletes() == []
    assert stack.slack.rejected == []


async def test_home_groups_the_teams_a_person_is_in(two_teams: Stack, prod_nebula: FakeNebula) -> None:
    stack = two_teams
    driver = stack.driver_for(stack.bots[0])
    await stack.reply(driver, ALICE, f"own {INSTANCE}", channel=PROD)
    await driver.home_opened(ALICE)
    await eventually(lambda: ALICE in stack.slack.homes)
    text = shown({"blocks": stack.slack.homes[ALICE]["blocks"]})
    assert text.index("Team research") < text.index("Team prod")
    assert "prod-box" in text
    assert "research-box" in text
    await driver.home_opened(BOB)
    await eventually(lambda: BOB in stack.slack.homes)
    assert "Team prod" not in shown({"blocks": stack.slack.homes[BOB]["blocks"]})
    assert stack.slack.rejected == []


def test_the_teams_file_is_checked_like_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESEARCH_NEBULA_KEY", "ak_x")
    monkeypatch.delenv("PROD_NEBULA_KEY", raising=False)
    unset = r"teams\.prod: the environment variable PROD_NEBULA_KEY is not set"
    with pytest.raises(ConfigError, match=unset):
        load_teams(teams_file(tmp_path, "https://api.example.com"))
    monkeypatch.setenv("PROD_NEBULA_KEY", "ak_y")
    bad = teams_file(
        tmp_path,
        "https://api.example.com",
        f'\n[teams.Ops]\napi_key = "ak_leaked"\nchannels = ["{RESEARCH}"]\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_teams(bad)
    said = str(caught.value)
    assert "teams.Ops.api_key: Extra inputs are not permitted" in said  # the key never in the file
    assert str(bad) in said
    overlap = teams_file(
        tmp_path,
        "https://api.example.com",
        f'\n[teams.ops]\napi_key_env = "PROD_NEBULA_KEY"\nchannels = ["{PROD}"]\n',
    )
    with pytest.raises(ConfigError, match=f"channel {PROD} belongs to both prod and ops"):
        load_teams(overlap)


async def test_audit_per_team(two_teams: Stack, cli: Cli, tmp_path: Path) -> None:
    stack = two_teams
    driver = stack.driver_for(stack.bots[0])
    await stack.request(driver, ALICE, f"reboot {INSTANCE}", channel=PROD)
    env = {"NEBULA_BOT_STATE_URL": f"sqlite:///{stack.state}"}
    code, out, err = await cli.run_async("audit", "--team", "prod", env=env)
    assert code == 0, err
    assert "requested  reboot" in out
    code, out, _ = await cli.run_async("audit", "--team", "research", env=env)
    assert "reboot" not in out


async def check_teams(
    cli: Cli, tmp_path: Path, teams: Path, keys: dict[str, str], channels: dict[str, str]
) -> tuple[int, str]:
    """`nebula-bot check` with the teams file `teams`, against a stand-in Slack with `channels`."""
    from tests.e2e.test_check import env_for
    from tests.standins.servers import FakeSlack

    slack, nebula = FakeSlack(), FakeNebula()
    for channel, name in channels.items():
        slack.add_channel(channel, name)
    await slack.start()
    await nebula.start()
    try:
        env = env_for(slack, nebula, tmp_path) | {"NEBULA_BOT_TEAMS_FILE": str(teams)} | keys
        env.pop("NEBULA_API_KEY", None)
        code, out, _ = await cli.run_async("check", env=env)
    finally:
        await slack.stop()
        await nebula.stop()
    return code, out


async def test_check_prints_a_block_per_team(cli: Cli, prod_nebula: FakeNebula, tmp_path: Path) -> None:
    code, out = await check_teams(
        cli,
        tmp_path,
        teams_file(tmp_path, prod_nebula.api_url),
        {"RESEARCH_NEBULA_KEY": "ak_test_service_key_0123456789", "PROD_NEBULA_KEY": "ak_wrong"},
        {RESEARCH: "research-gpus"},
    )
    assert code == 1
    assert "team          research: channels C0RESEARCH" in out
    assert "ok    channels      #research-gpus (commands)" in out
    assert f"FAIL  channels      {PROD} not found" in out
    assert "RESEARCH_NEBULA_KEY accepted" in out
    assert "FAIL  nebula        PROD_NEBULA_KEY was rejected" in out
    assert "ak_wrong" not in out


async def test_check_says_how_teams_on_one_key_count_their_budgets(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "teams.toml"
    path.write_text(
        f'[teams.research]\napi_key_env = "SHARED_KEY"\nchannels = ["{RESEARCH}"]\n'
        'instances = ["research-*"]\n'
        f'[teams.prod]\napi_key_env = "SHARED_KEY"\nchannels = ["{PROD}"]\n'
    )
    code, out = await check_teams(
        cli,
        tmp_path,
        path,
        {"SHARED_KEY": "ak_test_service_key_0123456789"},
        {RESEARCH: "research-gpus", PROD: "prod-gpus"},
    )
    assert code == 0, out
    assert "ok    sharing       key shared with prod: budgets count instances named research-*" in out
    assert "warn  sharing       key shared with research: budgets count the whole fleet" in out


async def test_a_change_from_home_is_confirmed_in_its_team_s_channel(
    two_teams: Stack, prod_nebula: FakeNebula
) -> None:
    stack = two_teams
    driver = stack.driver_for(stack.bots[0])
    await stack.reply(driver, ALICE, f"own {INSTANCE}", channel=PROD)
    await driver.home_opened(ALICE)
    await eventually(lambda: ALICE in stack.slack.homes)
    prod_rows = [
        b["block_id"]
        for b in stack.slack.homes[ALICE]["blocks"]
        if str(b.get("block_id", "")).startswith("team:prod:")
    ]
    assert prod_rows
    before = len(stack.slack.messages)
    payload_block = prod_rows[0]
    await driver.home_menu(ALICE, action_ids.HOME_MENU, f"stop:{INSTANCE}", block_id=payload_block)
    await eventually(lambda: len(stack.slack.messages) > before)
    asked = stack.slack.messages[before]
    assert asked.channel == PROD  # the team's own channel, not a DM
    assert "prod-box" in shown(asked.body)


def one_key(stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Research and prod on one Nebula key (one account), running one $2/h instance; the teams file."""
    monkeypatch.setenv("RESEARCH_NEBULA_KEY", "ak_test_service_key_0123456789")
    monkeypatch.setenv("PROD_NEBULA_KEY", "ak_test_service_key_0123456789")
    stack.nebula.add(INSTANCE, host_name="shared-box", price_per_hour=2.0)
    return teams_file(tmp_path, stack.nebula.api_url)


async def test_two_teams_with_one_key_are_told_they_share_one_balance(
    http_stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue #31.4: one Nebula account, one balance; each team's `/nebula credits` says with whom.
    stack = http_stack
    path = one_key(stack, tmp_path, monkeypatch)
    _, driver = await stack.start_bot(nebula_api_key=None, nebula_bot_teams_file=str(path))
    research, _ = await stack.reply(driver, ALICE, "credits", channel=RESEARCH)
    assert "shared with prod" in shown(research)
    prod, _ = await stack.reply(driver, ALICE, "credits", channel=PROD)
    assert "shared with research" in shown(prod)
    assert "at $2.00/h" in shown(prod)  # the one fleet the account has, counted once
    # Issue #31.3: the account's bill is both teams'; a budget counts the estimate and says why.
    stack.nebula.credit_rows = [
        {"id": 1, "transaction_type": "Usage", "credit_amount": "-2.0", "created_at": "2026-01-01 00:00:00"}
    ]
    await stack.reply(driver, ALICE, "budget 500/month", channel=PROD)
    budget, _ = await stack.reply(driver, ALICE, "budget", channel=PROD)
    assert "Spend is estimated" in shown(budget)
    assert "another team's too" in shown(budget)


async def test_teams_on_one_key_get_one_runway_alert_between_them(
    http_stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = http_stack
    path = one_key(stack, tmp_path, monkeypatch)
    stack.nebula.balance = "20.00000"  # 10 h at $2/h: under a quarter of 72 h
    runtime, _ = await stack.start_bot(
        nebula_api_key=None, nebula_bot_teams_file=str(path), nebula_bot_watch_channel=RESEARCH
    )
    assert runtime.core is not None
    for _ in range(2):
        for team in ("research", "prod"):
            await runtime.core.cycle(team)
        stack.clock.advance(3600)
    posted = [m for m in stack.slack.messages if "credits run out" in shown(m.body)]
    assert len(posted) == 1, [shown(m.body) for m in posted]


async def test_teams_on_one_key_split_its_spend_by_the_names_of_their_instances(
    http_stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue #31.3: each instance's own cost splits the account's spend between the teams on its key.
    stack = http_stack
    one_key(stack, tmp_path, monkeypatch)
    path = tmp_path / "split.toml"
    path.write_text(
        f"""
[teams.research]
api_key_env = "RESEARCH_NEBULA_KEY"
channels = ["{RESEARCH}"]
instances = ["research-*"]

[teams.prod]
api_key_env = "PROD_NEBULA_KEY"
channels = ["{PROD}"]
instances = ["prod-*", "api-?"]
"""
    )
    stack.nebula.instances.clear()
    stack.nebula.add(INSTANCE, host_name="research-box", price_per_hour=2.0, total_cost="$10.0000")
    stack.nebula.add("gpu-prod", host_name="prod-box", price_per_hour=3.0)  # its cost never changes
    stack.nebula.add("gpu-misc", host_name="misc-box", price_per_hour=10.0)  # nobody's
    runtime, driver = await stack.start_bot(
        nebula_api_key=None, nebula_bot_teams_file=str(path), nebula_bot_detail_refresh="1h"
    )
    assert runtime.core is not None
    await stack.reply(driver, ALICE, "budget 500/month", channel=RESEARCH)
    await stack.reply(driver, ALICE, "budget 500/month", channel=PROD)
    for hour in range(11):
        if hour:
            stack.clock.advance(3600)
            # Nebula bills research-box at $2.50/h, more than its listed price.
            stack.nebula.instances[INSTANCE]["total_cost"] = f"${10 + 2.5 * hour:.4f}"
        for team in ("research", "prod"):
            await runtime.core.cycle(team)
    research, _ = await stack.reply(driver, ALICE, "budget", channel=RESEARCH)
    assert "Spent this month: $25.00" in shown(research)  # Nebula's figure for its own instance
    assert "this team's own instances' cost" in shown(research)
    prod, _ = await stack.reply(driver, ALICE, "budget", channel=PROD)
    assert "Spent this month: $30.00" in shown(prod)  # a cost that never changes: the price counts
    assert "burning $3.00/h" in shown(prod)  # neither counts misc-box


def test_a_teams_instance_patterns_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESEARCH_NEBULA_KEY", "ak_test_service_key_0123456789")
    for bad in ('"*"', '"research box"', '"' + "a" * 65 + '"'):
        path = tmp_path / "bad.toml"
        path.write_text(
            f'[teams.research]\napi_key_env = "RESEARCH_NEBULA_KEY"\nchannels = ["{RESEARCH}"]\n'
            f"instances = [{bad}]\n"
        )
        with pytest.raises(ConfigError, match="instance name patterns"):
            load_teams(path)
