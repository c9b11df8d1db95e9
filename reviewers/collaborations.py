"""Responsible for turning reviewers' declared collaborations into conflicts of interest.

A reviewer who co-authored, collaborated or was a paid partner with a person or an organisation sits out
any application naming them (the lead applicant, a co-lead, the lead organisation or a co-lead
organisation) when they last worked together within 3 years before the round's date. Dates are kept to
the month, so the whole boundary month counts. A person matches by e-mail address when the reviewer gave
one or by name (case and spaces ignored): a false match costs a waiver, a missed one a biased review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from reviewers.conflicts import normalise_organisation

Pair = tuple[int, int]
LOOKBACK_YEARS = 3


def normalise_name(name: str | None) -> str | None:
    return normalise_organisation(name)  # the same rule: trimmed, inner spaces collapsed, case ignored


def normalise_email(email: str | None) -> str | None:
    cleaned = (email or "").strip().casefold()
    return cleaned or None


@dataclass(frozen=True)
class NamedParty:
    """Who an application names: people (by name and e-mail) and organisations, already normalised."""

    application_id: int
    names: frozenset[str] = field(default_factory=frozenset)
    emails: frozenset[str] = field(default_factory=frozenset)
    organisations: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        application_id: int,
        *,
        people: Iterable[tuple[str | None, str | None]],
        organisations: Iterable[str | None],
    ) -> NamedParty:
        people = list(people)
        return cls(
            application_id,
            names=frozenset(n for n in (normalise_name(name) for name, _ in people) if n),
            emails=frozenset(e for e in (normalise_email(email) for _, email in people) if e),
            organisations=frozenset(o for o in map(normalise_organisation, organisations) if o),
        )


@dataclass(frozen=True)
class DeclaredCollaboration:
    reviewer_id: int
    last_worked_on: dt.date
    person_name: str | None = None
    person_email: str | None = None
    organisation: str | None = None

    def names(self, party: NamedParty) -> bool:
        email = normalise_email(self.person_email)
        name = normalise_name(self.person_name)
        organisation = normalise_organisation(self.organisation)
        return (
            (email is not None and email in party.emails)
            or (name is not None and name in party.names)
            or (organisation is not None and organisation in party.organisations)
        )


def lookback_start(round_date: dt.date) -> dt.date:
    """The first day of the month 3 years before the round's date (29 February falls back a day)."""
    return dt.date(round_date.year - LOOKBACK_YEARS, round_date.month, 1)


def collaboration_conflicts(
    parties: Iterable[NamedParty], collaborations: Iterable[DeclaredCollaboration], *, round_date: dt.date
) -> set[Pair]:
    """(application_id, reviewer_id) pairs where a recent collaboration names someone on the application."""
    start = lookback_start(round_date)
    recent = [c for c in collaborations if c.last_worked_on >= start]
    return {
        (party.application_id, collaboration.reviewer_id)
        for party in parties
        for collaboration in recent
        if collaboration.names(party)
    }
