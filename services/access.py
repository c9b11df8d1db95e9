"""Responsible for who may see or change an application: its applicant and co-leads, and co-applicants
they invited (the rule itself is services.project_team.access_to_project).

Asking for an application someone may not see raises NotFound, the same as one that does not exist, so
the portal never tells one applicant whether another's application is there.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.applications import Application
from models.base import utcnow
from models.errors import AccessDenied, NotFound
from models.people import Person
from models.portal import Access, ApplicationAccess
from services.notify import Notifier
from services.people import get_or_create_person
from services.project_team import access_to_project
from services.sign_in import LinkNotUsable, LinkSigner, nonce_hash, queue_email

INVITATION_DAYS = 14
INVITATION_SALT = "cogrant.invitation"


def _access_of(session: Session, application: Application, person: Person) -> Access | None:
    # One rule for the whole portal (services.project_team): the applicant and co-leads, then invitations.
    return access_to_project(session, application, person.id)


def application_for(
    session: Session, person: Person, application_id: int, *, edit: bool = False
) -> Application:
    """The application if `person` may see it (and change it, with `edit`), else NotFound or AccessDenied."""
    application = session.get(Application, application_id)
    access = _access_of(session, application, person) if application is not None else None
    if application is None or access is None:
        raise NotFound(f"no application {application_id} for this person")
    if edit and access != Access.EDIT:
        raise AccessDenied("You can read this application but not change it. Ask the lead applicant.")
    return application


def can_edit(session: Session, person: Person, application: Application) -> bool:
    return _access_of(session, application, person) == Access.EDIT


def applications_of(session: Session, person: Person) -> list[Application]:
    shared = select(ApplicationAccess.application_id).where(
        ApplicationAccess.person_id == person.id, ApplicationAccess.accepted_at.is_not(None)
    )
    return list(
        session.scalars(
            select(Application)
            .where(or_(Application.applicant_id == person.id, Application.id.in_(shared)))
            .order_by(Application.id.desc())
        )
    )


def invite_coapplicant(
    session: Session,
    *,
    application: Application,
    inviter: Person,
    name: str,
    email: str,
    access: Access,
    notifier: Notifier,
    signer: LinkSigner,
) -> ApplicationAccess:
    """Invite someone by e-mail; inviting the same person again changes their access and sends a new link."""
    person = get_or_create_person(session, name=name, email=email)
    session.flush()
    if person.id == application.applicant_id:
        raise AccessDenied("That is the lead applicant's own address.")
    invitation = session.scalar(
        select(ApplicationAccess).where(
            ApplicationAccess.application_id == application.id, ApplicationAccess.person_id == person.id
        )
    )
    nonce = secrets.token_urlsafe(32)
    if invitation is None:
        invitation = ApplicationAccess(application=application, person=person, invited_by=inviter)
        session.add(invitation)
    invitation.access = access
    invitation.nonce_sha256 = nonce_hash(nonce)
    invitation.expires_at = utcnow() + dt.timedelta(days=INVITATION_DAYS)
    session.flush()
    queue_email(
        session,
        notifier,
        "coapplicant_invitation",
        person,
        key=f"{invitation.id}:{invitation.nonce_sha256[:16]}",
        inviter_name=inviter.name,
        application_title=application.title or "an application in progress",
        access=access.value,
        accept_url=f"{notifier.public_url}/invitations/{signer.sign(invitation.id, nonce)}",
    )
    return invitation


def accept_invitation(session: Session, *, token: str, signer: LinkSigner) -> ApplicationAccess:
    """Accept an invitation; the link signs the invited person in, so it works once."""
    row_id, nonce = signer.read(token, max_age_seconds=INVITATION_DAYS * 24 * 3600)
    invitation = session.get(ApplicationAccess, row_id)
    if invitation is None or not hmac.compare_digest(invitation.nonce_sha256, nonce_hash(nonce)):
        raise LinkNotUsable("This invitation has been replaced or taken back. Ask for a new one.")
    if invitation.accepted_at is not None:
        raise LinkNotUsable("You have accepted this invitation already. Sign in with your e-mail address.")
    if invitation.expires_at <= utcnow():
        raise LinkNotUsable("This invitation has expired. Ask the lead applicant to invite you again.")
    invitation.accepted_at = utcnow()
    return invitation


def coapplicants(session: Session, application: Application) -> list[ApplicationAccess]:
    return list(
        session.scalars(
            select(ApplicationAccess)
            .where(ApplicationAccess.application_id == application.id)
            .order_by(ApplicationAccess.id)
        )
    )
