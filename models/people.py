"""Responsible for people, organisations, the roles people hold, and reviewer profiles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Date, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at, intpk
from models.enums import CollaborationKind, OrganisationKind, PaymentPreference, ReviewerType, Role


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(Enum(OrganisationKind, native_enum=False, length=40))
    created_at: Mapped[created_at]


class Person(Base):
    __tablename__ = "person"

    id: Mapped[intpk]
    name: Mapped[str]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[created_at]

    organisation: Mapped[Organisation | None] = relationship()
    roles: Mapped[list[RoleGrant]] = relationship(back_populates="person", cascade="all, delete-orphan")
    reviewer_profile: Mapped[ReviewerProfile | None] = relationship(
        back_populates="person", foreign_keys="ReviewerProfile.person_id"
    )

    def has_role(self, role: Role) -> bool:
        return any(grant.role == role for grant in self.roles)


class RoleGrant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("person_id", "role"),)

    id: Mapped[intpk]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=40))
    granted_at: Mapped[created_at]

    person: Mapped[Person] = relationship(back_populates="roles")


class ReviewerProfile(Base):
    """A reviewer's type, interests and limits. `lived_experience_areas` is for administrators only."""

    __tablename__ = "reviewer_profile"

    id: Mapped[intpk]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    reviewer_type: Mapped[ReviewerType] = mapped_column(Enum(ReviewerType, native_enum=False, length=40))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    lived_experience_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    statement: Mapped[str] = mapped_column(Text, default="")
    min_load: Mapped[int] = mapped_column(default=0)
    max_load: Mapped[int] = mapped_column(default=6)
    available: Mapped[bool] = mapped_column(default=True)
    training_completed: Mapped[bool] = mapped_column(default=False)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    payment_preference: Mapped[PaymentPreference] = mapped_column(
        Enum(PaymentPreference, native_enum=False, length=40), default=PaymentPreference.FEE
    )
    # The person receives state benefits, so their first paid task is held until they confirm advice.
    needs_benefits_advice: Mapped[bool] = mapped_column(default=False)
    benefits_advice_confirmed_at: Mapped[dt.datetime | None]
    payee_organisation: Mapped[str | None] = mapped_column(String(200))  # with TO_ORGANISATION
    # Salaried public-sector staff are paid only for work outside their job and working hours.
    public_sector_salaried: Mapped[bool] = mapped_column(default=False)
    payment_choice_updated_at: Mapped[dt.datetime | None]
    fee_per_review: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    # When the reviewer first saved their profile; before that, signing in leads to the onboarding page.
    onboarded_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    person: Mapped[Person] = relationship(back_populates="reviewer_profile", foreign_keys=[person_id])


class Collaboration(Base):
    """A reviewer's own record of working with a person or an organisation, and when they last did.

    An application naming that person or organisation within 3 years before its round is a conflict.
    """

    __tablename__ = "collaboration"

    id: Mapped[intpk]
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[CollaborationKind] = mapped_column(Enum(CollaborationKind, native_enum=False, length=20))
    person_name: Mapped[str | None] = mapped_column(String(200))
    person_email: Mapped[str | None] = mapped_column(String(254))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    last_worked_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[created_at]


class ReviewerInvitation(Base):
    """An administrator asked this person to review in this round; one e-mail per person and round."""

    __tablename__ = "reviewer_invitation"
    __table_args__ = (UniqueConstraint("person_id", "round_id"),)

    id: Mapped[intpk]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"))
    reviewer_type: Mapped[ReviewerType] = mapped_column(Enum(ReviewerType, native_enum=False, length=40))
    invited_by: Mapped[str] = mapped_column(String(200))
    sign_in_token_id: Mapped[int] = mapped_column(ForeignKey("sign_in_token.id"))
    created_at: Mapped[created_at]

    person: Mapped[Person] = relationship()
