"""Responsible for inviting reviewers by e-mail, and for the link that signs them in the first time.

An administrator (portal page or `cogrant invite-reviewer`) gives a name, an e-mail address, a reviewer
type and a round. The person joins the reviewer pool with that type (an existing profile keeps its own),
and gets one `reviewer_invitation` e-mail whose link is a one-time sign-in link (services.sign_in) that
works for INVITATION_DAYS. Inviting the same person to the same round again sends nothing: the
invitation row is unique per person and round, and so is the e-mail's dedupe key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.enums import ReviewerType, Role
from models.errors import NotFound
from models.people import Person, ReviewerInvitation, ReviewerProfile
from models.reviewer_schemas import ReviewerInvitationInput
from models.rounds import FundingRound
from services.conflict_records import Sender
from services.people import get_or_create_person, grant_role
from services.sign_in import LinkSigner, issue_sign_in_token, redeem_sign_in_link

INVITATION_DAYS = 14
INVITATION_MINUTES = INVITATION_DAYS * 24 * 60
SALT = "cogrant.reviewer-invitation"
ROLE_OF_TYPE = {
    ReviewerType.LIVED_EXPERIENCE: Role.LIVED_EXPERIENCE_REVIEWER,
    ReviewerType.SCIENTIST: Role.SCIENTIST_REVIEWER,
    ReviewerType.COMMUNITY_PRACTICE: Role.COMMUNITY_REVIEWER,
}


def invitation_signer(secret_key: str) -> LinkSigner:
    """The signer of invitation links, derived from the secret key (so the portal and the CLI agree)."""
    return LinkSigner(hashlib.sha256(f"reviewer-invitation:{secret_key}".encode()).hexdigest(), salt=SALT)


@dataclass(frozen=True)
class Invited:
    invitation: ReviewerInvitation
    already_invited: bool  # nothing was sent this time
    kept_type: ReviewerType | None  # the profile already had this (other) type, which was kept


def invite_reviewer(
    session: Session, given: ReviewerInvitationInput, *, actor: str, notifier: Sender, signer: LinkSigner
) -> Invited:
    funding_round = session.get(FundingRound, given.round_id)
    if funding_round is None:
        raise NotFound(f"no funding round with id {given.round_id}")
    person = get_or_create_person(session, name=given.name, email=str(given.email))
    session.flush()
    found = session.scalar(
        select(ReviewerInvitation).where(
            ReviewerInvitation.person_id == person.id, ReviewerInvitation.round_id == funding_round.id
        )
    )
    if found is not None:
        return Invited(found, already_invited=True, kept_type=None)
    kept_type = _join_pool(session, person, given.reviewer_type)
    token, nonce = issue_sign_in_token(session, person, minutes=INVITATION_MINUTES)
    invitation = ReviewerInvitation(
        person=person,
        round_id=funding_round.id,
        reviewer_type=kept_type or given.reviewer_type,
        invited_by=actor,
        sign_in_token_id=token.id,
    )
    session.add(invitation)
    session.flush()
    notifier.send(
        session,
        "reviewer_invitation",
        person,
        f"{person.id}:{funding_round.id}",
        round_name=funding_round.name,
        accept_url=f"{notifier.public_url}/reviewer-invitations/{signer.sign(token.id, nonce)}",
    )
    return Invited(invitation, already_invited=False, kept_type=kept_type)


def _join_pool(session: Session, person: Person, reviewer_type: ReviewerType) -> ReviewerType | None:
    """Give the person a reviewer profile of this type; an existing profile's other type is kept."""
    profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.person_id == person.id))
    if profile is None:
        session.add(ReviewerProfile(person=person, reviewer_type=reviewer_type))
    kind = ReviewerType(profile.reviewer_type) if profile is not None else reviewer_type
    grant_role(session, person, ROLE_OF_TYPE[kind])
    session.flush()
    return kind if kind != reviewer_type else None


def accept_reviewer_invitation(session: Session, *, token: str, signer: LinkSigner) -> Person:
    """The invited person; the link works once, for INVITATION_DAYS."""
    return redeem_sign_in_link(session, token=token, signer=signer, minutes=INVITATION_MINUTES)


def invitations(session: Session, *, limit: int = 200) -> list[ReviewerInvitation]:
    return list(
        session.scalars(select(ReviewerInvitation).order_by(ReviewerInvitation.id.desc()).limit(limit))
    )


def needs_onboarding(session: Session, person: Person) -> bool:
    """In the reviewer pool, but has not saved their profile yet."""
    row = session.execute(
        select(ReviewerProfile.onboarded_at).where(ReviewerProfile.person_id == person.id)
    ).first()
    return row is not None and row.onboarded_at is None
