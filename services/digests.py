"""Responsible for daily digests: one e-mail per person per day with the messages held for it.

People who chose a daily digest have their messages held in the outbox (status held_for_digest).
`queue_daily_digests` gathers each person's held messages into one `daily_digest` e-mail, keyed by
person and day, and marks the gathered ones as sent inside it, in one transaction. Running it again
on the same day queues nothing new: a message held after that day's digest waits for the next one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OutboxMessage, Person
from models.enums import OutboxStatus
from notifications.catalogue import DIGEST_TEMPLATE
from notifications.outbox import enqueue, find_message
from notifications.preferences import choices_of
from services.notify import Notifier


def digest_key(address: str, day: dt.date) -> str:
    """The dedupe key of `address`'s digest for `day` (the address hashed: keys have a length limit)."""
    return f"{DIGEST_TEMPLATE}:{hashlib.sha256(address.encode()).hexdigest()[:24]}:{day.isoformat()}"


def queue_daily_digests(session: Session, notifier: Notifier, *, day: dt.date) -> int:
    """Queue today's digest for everyone with held messages (the caller commits); returns how many."""
    held: dict[str, list[OutboxMessage]] = defaultdict(list)
    for message in session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.HELD_FOR_DIGEST)
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)
    ):
        held[message.to_address].append(message)
    people = {
        person.email: person for person in session.scalars(select(Person).where(Person.email.in_(list(held))))
    }
    queued = 0
    for address, messages in held.items():
        key = digest_key(address, day)
        if find_message(session, key) is not None:
            continue  # today's digest has gone; these wait for tomorrow's
        person = people.get(address)
        enqueue(
            session,
            template=DIGEST_TEMPLATE,
            to_address=address,
            dedupe_key=key,
            language=choices_of(session, person.id).language if person else None,
            context={
                "recipient_name": person.name if person else address.partition("@")[0],
                "funder_name": notifier.funder_name,
                "contact_email": notifier.contact_email,
                "day": day,
                "items": [{"subject": m.subject, "text": m.body_text} for m in messages],
            },
        )
        for message in messages:
            message.status = OutboxStatus.IN_DIGEST
        queued += 1
    return queued
