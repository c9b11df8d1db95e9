"""Responsible for the inputs of reviewers' own pages and of reviewer invitations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Self

from pydantic import EmailStr, Field, field_validator, model_validator

from models.enums import CollaborationKind, ReviewerType
from models.schemas import PlainText, Strict

ShortText = Annotated[str, Field(max_length=200)]
Phrases = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=30)]


def phrases(text: str) -> list[str]:
    """A comma- or line-separated answer as a list of phrases, blanks and repeats left out."""
    found: list[str] = []
    for part in text.replace("\n", ",").split(","):
        phrase = " ".join(part.split())
        if phrase and phrase.casefold() not in {p.casefold() for p in found}:
            found.append(phrase)
    return found


class OwnProfileInput(Strict):
    """What a reviewer tells us about themself (the type and training are set by administrators)."""

    topics: Phrases = Field(default_factory=list)
    lived_experience_areas: Phrases = Field(default_factory=list)
    organisation: ShortText = ""
    available: bool
    max_load: int = Field(default=6, ge=1, le=12)
    statement: PlainText = Field(default="", max_length=2000)


class CollaborationInput(Strict):
    kind: CollaborationKind
    person_name: ShortText | None = None
    person_email: EmailStr | None = None
    organisation_name: ShortText | None = None
    last_worked_on: dt.date

    @field_validator("person_name", "organisation_name", "person_email", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("last_worked_on")
    @classmethod
    def _not_in_the_future(cls, value: dt.date) -> dt.date:
        if value > dt.date.today():
            raise ValueError("the date cannot be in the future")
        return value

    @model_validator(mode="after")
    def _names_someone(self) -> Self:
        if not (self.person_name or self.person_email or self.organisation_name):
            raise ValueError("give the name of a person or an organisation")
        return self


class ReviewerInvitationInput(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    reviewer_type: ReviewerType
    round_id: int = Field(gt=0)
