"""Responsible for the file format used to audit or replay an assignment outside a round.

`read_instance` validates an instance (pydantic, then cross-references) and raises `InstanceError` with
one line per problem, each naming the bad entry, e.g. "reviewers[3].max_load must be >= min_load".
`replay` solves it with the round's own solver and returns the result document. The format is described
in the README section "Auditing or replaying an assignment".
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from reviewers.assignment import assign_reviewers
from reviewers.roles import ApplicationSlot, ReviewerSlot

Id = Annotated[str | int, Field(union_mode="left_to_right")]
_LARGEST_AFFINITY = 1e6  # the solver scales affinities to exact integers; this keeps them in range


class InstanceError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ApplicationEntry(_Strict):
    id: Id
    organisation: str | None = None
    co_applicants: list[Id] = Field(default_factory=list)


class ReviewerEntry(_Strict):
    id: Id
    type: str = Field(min_length=1)
    organisation: str | None = None
    min_load: int = Field(default=0, ge=0)
    max_load: int = Field(ge=0)

    @field_validator("max_load")
    @classmethod
    def _not_below_min(cls, value: int, info: ValidationInfo) -> int:
        if value < info.data.get("min_load", 0):
            raise ValueError("must be >= min_load")
        return value


class PairEntry(_Strict):
    application: Id
    reviewer: Id


class AffinityEntry(PairEntry):
    value: float = Field(allow_inf_nan=False)

    @field_validator("value", mode="before")
    @classmethod
    def _number(cls, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        if abs(value) > _LARGEST_AFFINITY:
            raise ValueError(f"must be between -{_LARGEST_AFFINITY:g} and {_LARGEST_AFFINITY:g}")
        return float(value)


class Instance(_Strict):
    applications: list[ApplicationEntry]
    reviewers: list[ReviewerEntry]
    panel: dict[str, Annotated[int, Field(ge=0)]]
    conflicts: list[PairEntry] = Field(default_factory=list)
    affinities: list[AffinityEntry] = Field(default_factory=list)
    pinned: list[PairEntry] = Field(default_factory=list)
    removed: list[PairEntry] = Field(default_factory=list)


def read_instance(text: str) -> Instance:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise InstanceError(
            [f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"]
        ) from None
    try:
        instance = Instance.model_validate(raw)
    except ValidationError as error:
        raise InstanceError([_describe(e) for e in error.errors()]) from None
    problems = _cross_reference_problems(instance)
    if problems:
        raise InstanceError(problems)
    return instance


def _describe(error: Any) -> str:
    path = ""
    for part in error["loc"]:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("str", "int") or part.startswith("function-"):
            continue  # the branch of an id union, not part of the entry's address
        else:
            path += f".{part}" if path else str(part)
    return f"{path or 'the instance'} {_MESSAGES.get(error['type'], _plain)(error)}"


def _plain(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


_MESSAGES = {
    "missing": lambda e: "is required",
    "extra_forbidden": lambda e: "is not a known field",
    "greater_than_equal": lambda e: f"must be >= {e['ctx']['ge']}",
    "int_type": lambda e: "must be a whole number",
    "int_parsing": lambda e: "must be a whole number",
    "string_too_short": lambda e: "must not be empty",
    "list_type": lambda e: "must be a list",
    "dict_type": lambda e: "must be an object",
    "model_type": lambda e: "must be an object",
}


def _cross_reference_problems(instance: Instance) -> list[str]:
    problems = []
    for name, entries in (("applications", instance.applications), ("reviewers", instance.reviewers)):
        counts = Counter(entry.id for entry in entries)
        for index, entry in enumerate(entries):
            if counts[entry.id] > 1:
                problems.append(f"{name}[{index}].id {entry.id!r} appears more than once")
    apps = {a.id for a in instance.applications}
    reviewers = {r.id for r in instance.reviewers}
    for name in ("conflicts", "affinities", "pinned", "removed"):
        seen: set[tuple[Id, Id]] = set()
        for index, pair in enumerate(getattr(instance, name)):
            if pair.application not in apps:
                problems.append(f"{name}[{index}].application: no application with id {pair.application!r}")
            if pair.reviewer not in reviewers:
                problems.append(f"{name}[{index}].reviewer: no reviewer with id {pair.reviewer!r}")
            if name == "affinities" and (pair.application, pair.reviewer) in seen:
                problems.append(f"{name}[{index}] repeats the pair ({pair.application!r}, {pair.reviewer!r})")
            seen.add((pair.application, pair.reviewer))
    return problems


def replay(instance: Instance) -> dict[str, Any]:
    """Solve the instance exactly as a round would and return the result document."""
    app_number = {entry.id: n for n, entry in enumerate(instance.applications, start=1)}
    reviewer_number = {entry.id: n for n, entry in enumerate(instance.reviewers, start=1)}
    app_id = {n: i for i, n in app_number.items()}
    reviewer_id = {n: i for i, n in reviewer_number.items()}

    def pairs(entries: list[PairEntry]) -> set[tuple[int, int]]:
        return {(app_number[p.application], reviewer_number[p.reviewer]) for p in entries}

    affinities = {
        (app_number[a.application], reviewer_number[a.reviewer]): a.value for a in instance.affinities
    }
    result = assign_reviewers(
        [
            ApplicationSlot(
                app_number[a.id],
                a.organisation,
                frozenset(reviewer_number[c] for c in a.co_applicants if c in reviewer_number),
            )
            for a in instance.applications
        ],
        [
            ReviewerSlot(reviewer_number[r.id], r.type, r.organisation, r.max_load, r.min_load)
            for r in instance.reviewers
        ],
        panel_makeup=instance.panel,
        conflicts=pairs(instance.conflicts),
        affinities=affinities,
        fixed=pairs(instance.pinned),
        forbidden=pairs(instance.removed),
    )
    types = {reviewer_number[r.id]: r.type for r in instance.reviewers}
    pinned = pairs(instance.pinned)
    panel = [{"id": app_id[n], "panel_affinity": value} for n, value in sorted(result.panel_affinity.items())]
    return {
        "assignments": [
            {
                "application": app_id[a],
                "reviewer": reviewer_id[r],
                "type": types[r],
                "affinity": affinities.get((a, r), 0.0),
                "pinned": (a, r) in pinned,
            }
            for a, r in result.pairs
        ],
        "applications": panel,
        "total_affinity": result.total_affinity,
        "weakest_application_affinity": min((p["panel_affinity"] for p in panel), default=None),
        "weakest_proven_best": result.weakest_proven,
        "shortfalls": [
            {
                "application": app_id[s.application_id],
                "type": s.reviewer_type,
                "needed": s.needed,
                "found": s.found,
                "reason": s.reason,
            }
            for s in result.shortfalls
        ],
        "underloaded_reviewers": [
            {"reviewer": reviewer_id[u.reviewer_id], "min_load": u.min_load, "assigned": u.assigned}
            for u in result.underloaded_reviewers
        ],
        "dropped_pins": [
            {
                "application": app_id.get(d.application_id),
                "reviewer": reviewer_id.get(d.reviewer_id),
                "reason": d.reason,
            }
            for d in result.dropped_fixed
        ],
    }
