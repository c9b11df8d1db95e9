"""Responsible for telling administrators, in plain words, why an application is short of reviewers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reviewers.conflicts import ConflictReason
from reviewers.roles import type_label


@dataclass(frozen=True)
class Shortfall:
    """An application got `found` of the `needed` reviewers of one group; `reason` says why."""

    application_id: int
    reviewer_type: str
    needed: int
    found: int
    reason: str


def explain_shortfall(
    reviewer_type: str,
    *,
    found: int,
    group_size: int,
    conflicts: Sequence[ConflictReason],
    removed: int,
    full: int,
) -> str:
    """E.g. "only 1 lived-experience reviewer without a conflict had room left; 3 have a conflict
    (same organisation); 2 others without a conflict already have their most applications"."""
    label = type_label(reviewer_type)
    if group_size == 0:
        return f"there are no {label} reviewers in this round"
    if found == 0:
        parts = [f"no {label} reviewer without a conflict had room left"]
    else:
        parts = [f"only {found} {label} {_plural(found, 'reviewer')} without a conflict had room left"]
    by_reason = Counter(conflicts)
    for reason in ConflictReason:
        if by_reason[reason]:
            count = by_reason[reason]
            parts.append(f"{count} {_verb(count, one='has', many='have')} a conflict ({reason})")
    if removed:
        parts.append(f"{removed} {_verb(removed, one='was', many='were')} removed by an administrator")
    if full:
        who = "other" if full == 1 else "others"
        has = _verb(full, one="has", many="have")
        parts.append(f"{full} {who} without a conflict already {has} their most applications")
    return "; ".join(parts)


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def _verb(count: int, *, one: str, many: str) -> str:
    return one if count == 1 else many
