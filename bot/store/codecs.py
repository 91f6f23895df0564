"""How the stores write confirmations, outcomes and audit lines as JSON, and read them back.

Reading is tolerant in two ways only: fields this version does not know are ignored, and a field read
under its former name is taken, so that replicas of two versions can share a store during a rolling
upgrade.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any, Final

from bot.domain.audit import AuditLine
from bot.domain.confirmation import Confirmation, InstanceOutcome, Status
from bot.domain.fleet.instance import Instance
from bot.domain.verbs import ALL_VERBS

# Fields stored under another name by earlier versions: their new name, by the old one.
RENAMED: Final = {"team_id": "workspace"}


def known_fields(kind: type[Any], data: dict[str, Any]) -> dict[str, Any]:
    """The items of `data` that are fields of the dataclass `kind` (a newer writer's extras dropped, a
    field written under its former name taken under its present one)."""
    names = {f.name for f in dataclasses.fields(kind)}
    found = {name: value for name, value in data.items() if name in names}
    for old, new in RENAMED.items():
        if new in names and new not in found and old in data:
            found[new] = data[old]
    return found


def with_former_names(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with each renamed field also under its former name, which replicas of the earlier version
    still read during a rolling upgrade."""
    return data | {old: data[new] for old, new in RENAMED.items() if new in data}


def _dumps(data: object) -> str:
    return json.dumps(data, separators=(",", ":"))


def confirmation_to_json(confirmation: Confirmation) -> str:
    """Serialise a confirmation for a store."""
    data = {f.name: getattr(confirmation, f.name) for f in dataclasses.fields(confirmation)}
    data["verb"] = confirmation.verb.name
    # An owner's email is looked up when needed, never kept.
    data["instances"] = [
        instance.model_dump(exclude_none=True, exclude={"owner_email"}) for instance in confirmation.instances
    ]
    return _dumps(with_former_names(data))


def confirmation_from_json(text: str) -> Confirmation:
    """Read back what `confirmation_to_json` wrote, by this version or another. Only the verb must be
    one this version knows."""
    values = known_fields(Confirmation, json.loads(text))
    verb = ALL_VERBS.get(str(values.get("verb")))
    if verb is None:
        raise ValueError(f"a confirmation for an unknown verb {values.get('verb')!r}")
    values["verb"] = verb
    values["instances"] = tuple(Instance.model_validate(item) for item in values.get("instances", ()))
    values["owners"] = tuple(
        (str(pair[0]), str(pair[1]))
        for pair in values.get("owners", ())
        if isinstance(pair, list) and len(pair) == 2
    )
    return Confirmation(**values)


def outcomes_to_json(outcomes: Sequence[InstanceOutcome]) -> str:
    """Serialise outcomes for a store."""
    return _dumps([dataclasses.asdict(outcome) for outcome in outcomes])


def outcomes_from_json(text: str | None) -> tuple[InstanceOutcome, ...]:
    """Read back what `outcomes_to_json` wrote."""
    if not text:
        return ()
    read = []
    for item in json.loads(text):
        http_status = item.get("http_status")
        read.append(
            InstanceOutcome(
                instance_id=str(item.get("instance_id", "")),
                status=Status.read(item.get("status")),
                message=str(item.get("message", "")),
                http_status=http_status if isinstance(http_status, int) else None,
            )
        )
    return tuple(read)


def audit_to_json(line: AuditLine) -> str:
    """One line of JSON."""
    return _dumps(dataclasses.asdict(line))


def audit_from_json(text: str) -> AuditLine:
    """Read back what `audit_to_json` wrote."""
    data: dict[str, Any] = json.loads(text)
    if "verb" not in data and "action" in data:  # lines written before the field was renamed
        data["verb"] = data["action"]
    return AuditLine(**known_fields(AuditLine, data))
