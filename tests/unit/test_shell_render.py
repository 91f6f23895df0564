"""The shell's text rendering of Slack messages: pure, and faithful to what Slack would show."""

from __future__ import annotations

from bot.domain.confirmation import Confirmation
from bot.domain.fleet.instance import Instance
from bot.domain.verbs import DELETE
from bot.nebula.answers import InstancePage
from bot.shell.render import Style, render, text_of
from bot.slack.messages import action_ids, confirmations, instances


def test_mrkdwn_reads_as_slack_shows_it() -> None:
    assert text_of("<@U1> and <!subteam^S2> in <#C3>: *bold* `code` &lt;tag&gt; &amp;") == (
        "@U1 and @S2 in #C3: bold `code` <tag> &"
    )
    assert text_of(":lock: :unknown_emoji:") == "🔒 :unknown_emoji:"
    assert text_of("<https://example.com|the docs>") == "the docs (https://example.com)"
    assert " Nov " in text_of("<!date^1700000000^{date_short_pretty}|fallback>")  # in local time
    assert text_of("*x*", Style(color=True)) == "\x1b[1mx\x1b[0m"


def test_a_confirmation_numbers_its_buttons_and_carries_its_dialog() -> None:
    confirmation = Confirmation(
        id="cid",
        verb=DELETE,
        instances=(Instance(id="i-1", host_name="box"),),
        requester="U1",
        workspace="T1",
        channel_id="C1",
        response_url="",
        created_at=0,
        expires_at=600,
    )
    lines, controls = render({"blocks": list(confirmations.confirmation(confirmation).blocks)})
    assert lines[-1] == "[1] Delete  [2] Cancel"
    assert "  Host name: box" in lines
    assert [(c.number, c.action_id, c.value) for c in controls] == [
        (1, action_ids.CONFIRM, "cid"),
        (2, action_ids.CANCEL, "cid"),
    ]
    assert controls[0].confirm == "Delete instance? This will delete `box` (i-1). This cannot be undone."
    assert controls[1].confirm is None


def test_list_rows_become_numbered_menus() -> None:
    listed = (Instance(id="i-1", status="Running"), Instance(id="i-2", status="Stopped"))
    page = InstancePage(listed, 2, 2)
    lines, controls = render({"blocks": list(instances.instance_list(page, 0).blocks)})
    assert "[2] ⋯ i-2: delete | start" in lines  # what fits a stopped instance
    assert controls[0].options[1] == ("Stop", "stop:i-1")


def test_a_message_without_blocks_is_its_text() -> None:
    assert render({"text": "hello <@U1>"}) == (["hello @U1"], [])
