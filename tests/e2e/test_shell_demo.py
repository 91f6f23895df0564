"""`nebula-bot shell --demo` in-process: lines in, text out, the same Bolt app and a simulated Nebula.
(tests/process/test_shell.py drives it as a process, through a pipe and a pseudo-terminal.)"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.shell.lines import run_lines, shell
from bot.shell.options import ShellOptions
from bot.shell.render import Style
from bot.shell.session import Session
from tests.helpers import DEMO_BIG as BIG
from tests.helpers import DEMO_SMALL as SMALL
from tests.standins.stack import FakeClock, eventually

README = Path(__file__).resolve().parents[2] / "README.md"


async def run_demo(lines: list[str], options: ShellOptions | None = None) -> tuple[int, str]:
    """Feed `lines` to a demo shell as a pipe would; the exit code and what it printed."""
    out = io.StringIO()
    code = await shell(options or ShellOptions(demo=True), io.StringIO("".join(f"{x}\n" for x in lines)), out)
    return code, out.getvalue()


def nebula_calls(out: str) -> str:
    return out.split("The simulated Nebula received:")[1]


async def test_the_readme_session_is_what_the_shell_prints() -> None:
    block = README.read_text().split("A session (the prompt lines are what was typed):\n\n```\n", 1)[1]
    typed, shown = [], []
    for line in block.split("\n```", 1)[0].splitlines():
        if line.startswith(("U0SHELL> ", "y/N? ")):
            typed.append(line.split(" ", 1)[1])
        else:
            shown.append(line)
    code, out = await run_demo(typed)
    assert code == 0

    def timeless(lines: list[str]) -> list[str]:
        return [re.sub(r"\w{3} \d{2} \w{3} \d{2}:\d{2}", "<time>", line) for line in lines]

    assert timeless(out.splitlines()) == timeless(shown)


async def test_a_menu_choice_and_a_dialog_answered_no() -> None:
    # The list's menus are controls 1 to 5 (render-node, deploying, has none); the confirmation's
    # buttons are 6 and 7.
    code, out = await run_demo(["/nebula list", "2 stop", "6", "n", "99", "bogus", ":calls"])
    assert code == 0
    assert "asked to stop this instance" in out
    assert "Not pressed." in out
    assert "Stop instance? This will stop" in out
    assert "There is no control 99. You can press 1, 2, 3, 4, 5, 6, 7." in out
    assert "Type /nebula help" in out
    assert "/stop" not in nebula_calls(out)


async def test_the_two_person_rule_through_as_and_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEBULA_BOT_APPROVERS", "U0CAROL")
    monkeypatch.setenv("NEBULA_BOT_ALLOWED_USERS", "U0CAROL")
    lines = [f"/nebula delete {SMALL}", "1", "y", ":as U0CAROL", "1", "y", ":as U0MALLORY"]
    code, out = await run_demo([*lines, f"/nebula delete {BIG}", ":calls"])
    assert code == 0
    assert "Needs approval by @U0CAROL (not @U0SHELL)" in out
    assert "someone else must approve it" in out
    assert "You are now U0CAROL." in out
    assert "confirmed by @U0CAROL" in out
    assert "You may not change instances" in out
    assert "U0MALLORY" in out
    assert nebula_calls(out).count("DELETE ") == 1


async def test_a_confirmation_expires_while_the_shell_waits(tmp_path: Path) -> None:
    clock = FakeClock()
    out = io.StringIO()
    session = Session(ShellOptions(demo=True), out, Style(color=False), clock=clock)
    await session.start(tmp_path)
    lines = iter([f"/nebula delete {SMALL}", "(the person looks away)", "1", ":calls"])

    async def read(_: str) -> str | None:
        line = next(lines, None)
        if line == "(the person looks away)":
            clock.advance(601)  # past the confirmation's life: the sweeper expires it, no line typed
            assert session.runtime is not None
            assert session.runtime.core is not None
            assert (await session.runtime.core.sweep()).expired == 1  # its next pass, now
            await eventually(lambda: "This request expired" in out.getvalue())
            return ""
        return line

    try:
        assert await run_lines(session, read) == 0
    finally:
        await session.stop()
    text = out.getvalue()
    assert "Control 1 is no longer there: its message changed." in text  # the expired message lost it
    assert "DELETE" not in nebula_calls(text)


async def test_any_line_gets_an_answer_never_a_traceback() -> None:
    code, out = await run_demo([f"/nebula delete {SMALL}", "²", "①", "9" * 5000, "3 ", "1 bogus", ":calls"])
    assert code == 0
    assert "Traceback" not in out
    assert out.count("Type /nebula help, a control's number, or :help.") == 3
    assert "There is no control 3. You can press 1, 2." in out
    assert "Control 1 is a button: type 1 alone to press it." in out
    assert "DELETE" not in nebula_calls(out)


async def test_a_slash_command_at_the_dialog_prompt_runs_and_the_button_is_not_pressed() -> None:
    code, out = await run_demo([f"/nebula delete {SMALL}", "1", "/nebula list", ":calls"])
    assert code == 0
    assert "Not pressed." in out
    assert "Running the command you typed instead." in out
    assert "Your team's instances" in out
    assert "DELETE" not in nebula_calls(out)


async def test_leaving_waits_for_a_scheduled_delete_then_it_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEBULA_BOT_UNDO_SECONDS", "1")
    code, out = await run_demo([f"/nebula delete {SMALL}", "1", "y"])  # then the input ends
    assert code == 0
    assert "Waiting for: the delete of notebook-ana, sent " in out
    assert "Done: what was waiting has been sent." in out
    assert "Instances deleted successfully" in out


async def test_leaving_after_an_undo_waits_for_nothing_and_says_nothing_was_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue #28.7: after Undo, leaving said "Waiting for: stop of 8a2d…, sent in 0 s" and then "everything
    # you scheduled was sent", although nothing was.
    monkeypatch.setenv("NEBULA_BOT_UNDO_SECONDS", "10")
    code, out = await run_demo(["/nebula stop llm-train-01", "1", "y", "3", ":quit"])
    assert code == 0
    assert "Undone by @U0SHELL. Nothing was stopped" in out
    assert "Waiting for" not in out
    assert "sent" not in out.split("Undone by")[1]
    assert "Instances stopped" not in out


async def test_leaving_twice_leaves_a_scheduled_delete_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEBULA_BOT_UNDO_SECONDS", "1h")
    code, out = await run_demo([f"/nebula delete {SMALL}", "1", "y", ":quit", ":quit"])
    assert code == 0
    assert "Left: the delete of notebook-ana, sent in 1h:" in out
    assert "nothing will send it" in out  # the demo's store goes with the shell
    assert "Instances deleted" not in out


async def test_as_takes_a_user_id_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert await shell(ShellOptions(demo=True, user="bob"), io.StringIO(""), io.StringIO()) == 2
    err = capsys.readouterr().err
    assert "--as takes a Slack user id" in err
    assert "NEBULA_BOT_ALLOWED_USERS" not in err


async def test_a_verb_alone_offers_a_menu_and_a_name_works_like_an_id() -> None:
    code, out = await run_demo(
        ["/nebula stop", "1 9", "1 1", "/nebula delete notebook", "/nebula show notebook-ana", ":calls"]
    )
    assert code == 0
    assert "[1] ▾ Choose an instance: type 1 and a choice's number" in out
    assert "Type 1 and a choice's number, from 1 to 3." in out  # 9 is not one of them
    assert "asked to stop this instance" in out  # the usual confirmation, not yet confirmed
    assert "No instance called `notebook`. Did you mean `notebook-ana`?" in out
    assert f"Instance: `{SMALL}`" in out
    assert "/stop" not in nebula_calls(out)


async def test_home_shows_the_fleet_and_acts_through_a_confirmation() -> None:
    code, out = await run_demo([f"/nebula own {BIG}", ":home", "2 stop", ":calls"])
    assert code == 0
    assert "── [demo] nebula · Home tab" in out
    assert "Your instances" in out
    assert "3 running" in out
    assert "Credits: $1,228.56 left; at $31.76/h" in out  # issue #31.1: the Home has the credits' line
    assert "asked to stop this instance" in out  # confirmed in the demo's watch channel
    assert "#C0SHELL" in out
    assert "/stop" not in nebula_calls(out)


async def test_the_launch_form_is_asked_as_prompts_and_an_error_asks_again() -> None:
    # Issue #30.4: Home's "Launch a GPU" opens the form; the shell asks for its fields, shows the price
    # the bot worked out for the choices, submits as Slack would, and asks again for a field in error.
    typed = [":home", "1", "3", "2", "1", "llm-train-01", "2", "y", "exp-9", "y", ":wait 5s", ":calls"]
    code, out = await run_demo(typed)
    assert code == 0
    assert "Launch a GPU (Enter keeps the choice in brackets" in out
    assert "  4. 8× H100-80G-SXM in CANADA · $18.32/h" in out
    assert "*$2.29/h* · 2h of lease ~$4.58" in out  # the form's figures for the GPU and lease chosen
    assert "llm-train-01 is taken" in out.replace("`", "")  # the error under the name field
    assert "asked to launch `exp-9`: 1× H100-80G-SXM in CANADA at $2.29/h" in out
    assert "`exp-9`" in out.split("asked to launch", 1)[1]
    creates = [c for c in nebula_calls(out).splitlines() if "POST" in c and "/computing/instance" in c]
    assert len(creates) == 1


async def test_leaving_the_form_submits_nothing() -> None:
    code, out = await run_demo(["/nebula create", "1", "1", "1", "", "", "n", ":calls"])
    assert code == 0
    assert "Form closed; nothing was submitted." in out
    assert "POST" not in nebula_calls(out)


async def test_the_demo_s_nebula_bills_each_hour_its_clock_passes() -> None:
    # Issue #31: the demo's account is billed for what runs as `:wait` moves its clock on.
    code, out = await run_demo(["/nebula credits", ":wait 2h", "/nebula credits", "/nebula budget"])
    assert code == 0
    before, after = re.findall(r"\$([0-9,.]+) left", out)[:1] + re.findall(r"\$([0-9,.]+) left", out)[-1:]
    assert before == "1,228.56"
    assert float(after.replace(",", "")) == pytest.approx(1228.556 - 2 * 31.76, abs=0.01)
    assert "as Nebula billed it to" in out.rsplit("Budget $5,000.00/month", 1)[1]


async def test_the_demo_comes_with_a_schedule_and_a_budget_83_percent_spent() -> None:
    code, out = await run_demo(
        ["/nebula schedules", "/nebula budget", "/nebula schedule notebook-ana daily 09:00-17:00"]
    )
    assert code == 0
    assert "sweep-lr-3e4" in out
    assert "`weekdays 08:00-19:00 UTC`" in out
    assert "Spent this month: $4,150.00 (83%)" in out
    assert "llm-train-01" in out  # the biggest spender, by name
    assert "runs `daily 09:00-17:00 UTC`, set by @U0SHELL" in out


async def test_the_demos_clock_moves_on_and_what_time_brings_is_seen() -> None:
    # Issue #28.8: reminders, leases, schedules and budget alerts without waiting for them.
    code, out = await run_demo(["/nebula lease notebook-ana 1h", ":wait 2h", ":wait soon"])
    assert code == 0
    after = out.split("Lease on `notebook-ana` (c3e8f1a9…) ends", 1)[1]
    assert "has been running for 1d 22h" in after  # llm-train-01's reminder, in the shell's channel
    assert "The budget is past 80 %" in after  # the demo's budget is 83 % spent
    assert "Lease on `notebook-ana` (c3e8f1a9…) set by @U0SHELL ended" in after
    assert "(The demo's clock moved on 2h.)" in out
    assert "'soon': not a duration" in out


async def test_the_message_shortcut_and_a_shared_name_in_the_demo() -> None:
    code, out = await run_demo([":shortcut is notebook-ana or llm-train-01 still needed?", ":shortcut"])
    assert code == 0
    assert "Instances named in that message (2)" in out
    assert "Write :shortcut <a message's text>" in out
    code, out = await run_demo(["/nebula show sweep-lr-3e4", "2"])
    assert "Which one? `sweep-lr-3e4` fits 2 instances." in out
    assert "Status: Stopped" in out  # the second one, chosen


async def test_the_demo_with_two_teams_keeps_their_fleets_and_channels_apart() -> None:
    lines = ["/nebula list", ":channel C0INFRA", "/nebula list", "/nebula show llm-train-01", ":home"]
    code, out = await run_demo(lines, ShellOptions(demo=True, teams=True))
    assert code == 0
    ml, infra = out.split("You now type in #C0INFRA.")
    assert "llm-train-01" in ml
    assert "ci-runner-01" not in ml
    assert "ci-runner-01" in infra.split("Home tab")[0]
    assert "No instance called `llm-train-01`" in infra  # the other team's is not this one's
    assert "Team ml" in infra
    assert "Team infra" in infra


async def test_pressing_an_old_button_again_changes_nothing() -> None:
    code, out = await run_demo(["/nebula delete notebook-ana", "1", "y", ":press 1", ":press x", ":calls"])
    assert code == 0
    assert "This request was already carried out; nothing more was done." in out
    assert "Write :press <n>" in out
    assert nebula_calls(out).count("DELETE ") == 1


async def test_undo_and_digest_are_words_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue #28.4: `undo` and `digest` were unknown commands.
    monkeypatch.setenv("NEBULA_BOT_UNDO_SECONDS", "60")
    code, out = await run_demo(
        ["/nebula stop llm-train-01", "1", "y", "/nebula undo", "/nebula undo", "/nebula digest"]
    )
    assert code == 0
    assert "Undone by @U0SHELL. Nothing was stopped: `llm-train-01` (4f1c9e2a…)." in out
    assert "Nothing of yours waits to be sent here." in out  # the second: nothing left
    assert "Cost digest, now (3)" in out
    assert "Spend, the last 14 days" in out
