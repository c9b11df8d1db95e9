"""Declared collaborations as conflicts: who counts as named, and the 3-year window, kept to the month."""

from __future__ import annotations

import datetime as dt

import pytest

from reviewers.collaborations import (
    DeclaredCollaboration,
    NamedParty,
    collaboration_conflicts,
    lookback_start,
)

APPLICATION = NamedParty.of(
    1,
    people=[("Dr  Ana Silva", "Ana.Silva@Uni.example"), ("Sam Carer", None)],
    organisations=["Riverside  Trust", None],
)
ROUND_DATE = dt.date(2026, 6, 15)


def _conflicted(**given: object) -> bool:
    collaboration = DeclaredCollaboration(reviewer_id=7, **({"last_worked_on": dt.date(2025, 1, 1)} | given))
    return collaboration_conflicts([APPLICATION], [collaboration], round_date=ROUND_DATE) == {(1, 7)}


@pytest.mark.parametrize(
    "given",
    [
        {"person_email": "ana.silva@uni.example"},
        {"person_name": "dr ana silva"},
        {"person_name": "Someone Else", "person_email": "ANA.SILVA@uni.example "},
        {"organisation": "riverside trust"},
        {"person_name": "Sam   Carer"},
    ],
)
def test_a_person_or_organisation_named_on_the_application_is_a_conflict(given: dict[str, object]) -> None:
    assert _conflicted(**given)


@pytest.mark.parametrize(
    "given",
    [{"person_name": "Ana"}, {"person_email": "ana@uni.example"}, {"organisation": "Riverside"}, {}],
)
def test_someone_not_named_is_no_conflict(given: dict[str, object]) -> None:
    assert not _conflicted(**given)


def test_the_window_is_three_years_before_the_round_counted_to_the_month() -> None:
    assert lookback_start(ROUND_DATE) == dt.date(2023, 6, 1)
    assert _conflicted(organisation="Riverside Trust", last_worked_on=dt.date(2023, 6, 1))
    assert not _conflicted(organisation="Riverside Trust", last_worked_on=dt.date(2023, 5, 31))
    assert _conflicted(organisation="Riverside Trust", last_worked_on=dt.date(2026, 6, 1))


def test_a_leap_day_round_counts_back_from_its_month() -> None:
    assert lookback_start(dt.date(2028, 2, 29)) == dt.date(2025, 2, 1)
