"""Which changes fit an instance's status (issue #28.2), and how suggestions name instances (#28.3)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.fleet.fit import GONE, SETTLED, fits, fitting_verbs, misfit
from bot.domain.fleet.instance import Instance
from bot.domain.fleet.names import Found, match, references
from bot.domain.verbs import DELETE, VERBS, Verb
from tests.strategies import instances

STATUSES = st.sampled_from(
    ["Running", "Stopped", "Deploying", "Deleting", "Deleted", "Completed", "", "RUNNING"]
)


@given(st.sampled_from(list(VERBS.values())), STATUSES | st.text(max_size=12))
def test_a_verb_fits_exactly_the_statuses_it_needs_and_says_what_would(verb: Verb, status: str) -> None:
    instance = Instance(id="i-1", host_name="box", status=status or None)
    found = misfit(verb, instance)
    word = instance.status_word
    assert (found is None) == (word in verb.needs)
    if found is None:
        return
    assert DELETE not in found.instead, "nobody is steered to a delete"
    assert all(fits(other, instance) for other in found.instead)
    assert (found.kind == "gone") == (word in GONE)
    assert (found.kind == "changing") == (word not in GONE | SETTLED)
    if found.kind == "changing":
        assert found.instead == (), "nothing that would race a change"


@given(st.lists(instances, max_size=12, unique_by=lambda i: i.id))
def test_a_suggested_name_finds_exactly_its_instance(fleet: list[Instance]) -> None:
    for instance_id, reference in references(fleet, fleet).items():
        if reference != instance_id:
            assert match(reference, fleet) == Found(instance_id)


def test_a_listed_instance_offers_what_fits() -> None:
    names = {status: [v.name for v in fitting_verbs(Instance(id="i", status=status))] for status in SETTLED}
    assert names == {"running": ["delete", "stop", "reboot"], "stopped": ["delete", "start"]}
    assert fitting_verbs(Instance(id="i", status="Deploying")) == ()
