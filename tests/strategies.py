"""Every hypothesis strategy the suite uses, in one place: what a hostile Nebula, a careless typist or
an attacker clicking around could send the bot."""

from __future__ import annotations

import string
from dataclasses import dataclass

from hypothesis import strategies as st

from bot.domain.fleet.instance import Instance
from bot.slack.messages import action_ids
from tests.standins.servers import TEAM_ID
from tests.standins.slack_driver import CHANNEL
from tests.standins.stack import ALICE, BOB

MALLORY = "U0MALLORY"

# What a hostile or broken Nebula might put in any text field: markup, mentions, links, control and
# bidi characters, newlines, entities, and lengths far beyond Slack's limits.
MARKERS = ["<!channel>", "<!here>", "<@U0EVIL>", "<https://evil.example|click>", "*pwn*", "_pwn_", "~pwn~"]
hostile_text = st.one_of(
    st.text(max_size=50),
    st.builds(
        lambda parts: "".join(parts),
        st.lists(
            st.one_of(
                st.sampled_from([*MARKERS, "`", "&", "&amp;", "\n", "\u202e", "\u2066", "\x00", "\u200b"]),
                st.text(max_size=20),
            ),
            max_size=12,
        ),
    ),
    st.integers(1, 1000).map(lambda n: "ab<&>" * n),
)
optional_text = st.none() | hostile_text
instance_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", fullmatch=True)
instances = st.builds(
    Instance,
    id=instance_ids,
    host_name=optional_text,
    gpu_type=optional_text,
    gpu_count=optional_text,
    region=optional_text,
    status=optional_text,
    running_time=optional_text,
    total_cost=optional_text,
    price_per_hour=optional_text,
    os=optional_text,
    start_time=optional_text,
)

# A figure from anywhere: missing, not finite, negative, absurd.
numbers = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**12), 10**12))
# Nebula's figures as it might send them: `running_time`, `total_cost`, `price_per_hour`.
figures = st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12), st.text(max_size=12)), max_size=30)

# Text after `/nebula` that looks like a command often enough to matter: verbs, path tricks, odd spaces.
words = st.one_of(
    st.sampled_from(
        [
            *("delete", "DELETE", "stop", "start", "reboot", "list", "help", "dlete", "show", "rebot"),
            *(
                "lease",
                "leases",
                "cost",
                "protect",
                "unprotect",
                "protected",
                "claim",
                "own",
                "off",
                "8h",
                "0s",
            ),
            *("create", "launch", "credits", "digest", "h100", "key=laptop", "name=x-1", "lease=off"),
        ]
    ),
    st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=70),
    st.sampled_from(
        ["..", "/", "%2F", "?", "#", "a/../b", "x?y=1", "\u202e", "\u00a0", "\t", "\n", "`", "<!here>"]
    ),
    st.text(max_size=20),
)
command_texts = st.lists(words, max_size=4).map(" ".join) | st.text(max_size=200)


@dataclass(frozen=True)
class Click:
    """One click someone might make on a confirmation: who, on which (0 or 1; 2 is a forged value),
    which button, from where."""

    user: str
    target: int
    action: str
    channel: str
    team: str
    forged: str


clicks = st.builds(
    Click,
    user=st.sampled_from([ALICE, BOB, MALLORY]),
    target=st.integers(0, 2),
    action=st.sampled_from([action_ids.CONFIRM, action_ids.CANCEL]),
    channel=st.sampled_from([CHANNEL, CHANNEL, "C0ELSEWHERE"]),
    team=st.sampled_from([TEAM_ID, TEAM_ID, "T0OTHER"]),
    forged=st.text(max_size=40),
)
