"""Tests for automatic and declared conflicts of interest."""

from __future__ import annotations

from reviewers.conflicts import ConflictReason, all_conflicts, automatic_conflicts, normalise_organisation
from reviewers.roles import ApplicationSlot, ReviewerSlot


def reviewer(id_: int, organisation: str | None = None) -> ReviewerSlot:
    return ReviewerSlot(id_, "scientist", organisation, max_load=6)


def test_organisation_names_compare_without_case_or_extra_spaces() -> None:
    assert normalise_organisation("  Leeds   Mind ") == normalise_organisation("leeds mind")
    assert normalise_organisation("   ") is None
    assert normalise_organisation(None) is None


def test_same_organisation_is_a_conflict() -> None:
    apps = [ApplicationSlot(1, "Leeds Mind"), ApplicationSlot(2, "Other")]
    found = automatic_conflicts(apps, [reviewer(10, " LEEDS  mind"), reviewer(11, "University")])
    assert found == {(1, 10): ConflictReason.SAME_ORGANISATION}


def test_missing_organisations_never_match_each_other() -> None:
    apps = [ApplicationSlot(1, None), ApplicationSlot(2, "")]
    assert automatic_conflicts(apps, [reviewer(10, None), reviewer(11, " ")]) == {}


def test_named_on_the_application_is_a_conflict_and_wins_over_organisation() -> None:
    apps = [ApplicationSlot(1, "Acme", frozenset({10, 11, 99}))]
    found = automatic_conflicts(apps, [reviewer(10, "acme"), reviewer(11), reviewer(12, "acme")])
    assert found == {
        (1, 10): ConflictReason.NAMED_ON_APPLICATION,
        (1, 11): ConflictReason.NAMED_ON_APPLICATION,
        (1, 12): ConflictReason.SAME_ORGANISATION,
    }


def test_declared_and_waived_conflicts() -> None:
    apps = [ApplicationSlot(1, "Acme"), ApplicationSlot(2)]
    found = all_conflicts(
        apps, [reviewer(10, "Acme"), reviewer(11)], declared={(2, 11), (1, 10)}, waived={(1, 10)}
    )
    assert found == {(2, 11): ConflictReason.DECLARED}
    assert str(ConflictReason.DECLARED) == "declared"
