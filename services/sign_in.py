"""Responsible for passwordless sign-in: one-time links sent by e-mail, and redeeming them once.

A link carries a token signed with the secret key (itsdangerous): the row id and a random nonce. The
database keeps only the nonce's SHA-256, an expiry time, and when the link was used; redeeming marks it
used in one conditional UPDATE, so two clicks at once sign in only one of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.orm import Session

from models.base import utcnow
from models.people import Person
from models.portal import SignInToken
from notifications.outbox import enqueue
from services.notify import Notifier
from services.people import get_or_create_person

SIGN_IN_MINUTES = 30
_SALT = "cogrant.sign-in"


class LinkNotUsable(Exception):
    """The link is unknown, tampered with, expired or used already; the message says which, plainly."""


def nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


@dataclass(frozen=True)
class LinkSigner:
    secret_key: str
    salt: str = _SALT

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=self.salt)

    def sign(self, row_id: int, nonce: str) -> str:
        return self._serializer().dumps({"id": row_id, "nonce": nonce})

    def read(self, token: str, *, max_age_seconds: int) -> tuple[int, str]:
        try:
            payload = self._serializer().loads(token, max_age=max_age_seconds)
        except BadSignature as error:  # SignatureExpired is a BadSignature too
            raise LinkNotUsable("This link has expired or is not complete. Ask for a new one.") from error
        return int(payload["id"]), str(payload["nonce"])


def queue_email(
    session: Session, notifier: Notifier, template: str, recipient: Person, *, key: str, **context: object
) -> None:
    """Queue one portal e-mail in the outbox with the context every template shares."""
    common = {
        "recipient_name": recipient.name,
        "funder_name": notifier.funder_name,
        "contact_email": notifier.contact_email,
    }
    enqueue(
        session,
        template=template,
        to_address=recipient.email,
        dedupe_key=f"{template}:{key}",
        context=common | context,
    )


def issue_sign_in_token(session: Session, person: Person, *, minutes: int) -> tuple[SignInToken, str]:
    """A new one-time link's row and its secret nonce (only the nonce's hash is stored)."""
    nonce = secrets.token_urlsafe(32)
    token = SignInToken(
        person=person, nonce_sha256=nonce_hash(nonce), expires_at=utcnow() + dt.timedelta(minutes=minutes)
    )
    session.add(token)
    session.flush()
    return token, nonce


def send_sign_in_link(
    session: Session, *, email: str, notifier: Notifier, signer: LinkSigner, name: str | None = None
) -> SignInToken:
    """Queue a sign-in e-mail (in the caller's transaction); a new address becomes a new person."""
    person = get_or_create_person(session, name=name or email.split("@")[0], email=email)
    token, nonce = issue_sign_in_token(session, person, minutes=SIGN_IN_MINUTES)
    queue_email(
        session,
        notifier,
        "sign_in_link",
        person,
        key=str(token.id),
        sign_in_url=f"{notifier.public_url}/sign-in/{signer.sign(token.id, nonce)}",
        expires_minutes=SIGN_IN_MINUTES,
    )
    return token


def redeem_sign_in_link(
    session: Session, *, token: str, signer: LinkSigner, minutes: int = SIGN_IN_MINUTES
) -> Person:
    """The person the link signs in; it can be used once only."""
    row_id, nonce = signer.read(token, max_age_seconds=minutes * 60)
    row = session.get(SignInToken, row_id)
    if row is None or not hmac.compare_digest(row.nonce_sha256, nonce_hash(nonce)):
        raise LinkNotUsable("We do not recognise this link. Ask for a new one.")
    now = utcnow()
    if row.expires_at <= now:
        raise LinkNotUsable(f"This link has expired. {_lifetime(minutes)} Ask for a new one.")
    claimed = session.execute(
        update(SignInToken)
        .where(SignInToken.id == row_id, SignInToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise LinkNotUsable("This link has been used already. Each link works once. Ask for a new one.")
    return row.person


def _lifetime(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        return f"Links like this work for {minutes // (24 * 60)} days."
    return f"Links work for {minutes} minutes."
