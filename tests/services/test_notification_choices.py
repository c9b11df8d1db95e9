"""People's choices on SQLite and PostgreSQL: language where translated, each message or a daily digest
(one per person per day, sent through a real SMTP server)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cogrant.stack.smtp import DevSMTPServer
from models import OutboxMessage, Person
from models.enums import DeliveryChoice, OutboxStatus
from notifications.preferences import UnknownChoice, choices_of, choose
from notifications.relay import SmtpSettings, send_pending
from services.digests import digest_key, queue_daily_digests
from services.notify import Notifier
from tests.support.factories import make_person

NOTIFIER = Notifier(funder_name="Pilot Fund", contact_email="help@pilotfund.example", public_url="http://x")
DAY = dt.date(2026, 12, 1)


def _sign_in(session: Session, person: Person, key: str) -> None:
    NOTIFIER.send(
        session, "sign_in_link", person, key, sign_in_url="https://p.example/s/1", expires_minutes=15
    )


def _remind(session: Session, person: Person, key: str) -> None:
    NOTIFIER.send(
        session,
        "review_reminder",
        person,
        key,
        round_name="Spring 2026",
        due_date=dt.date(2026, 12, 9),
        tasks_url="https://p.example/reviews",
        open_tasks=2,
    )


def _outbox(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_choices_default_and_are_saved(session: Session) -> None:
    person = make_person(session)
    assert choices_of(session, person.id).delivery == DeliveryChoice.EACH_MESSAGE

    choose(session, person.id, delivery="daily_digest", language="cy")
    session.commit()
    session.info.clear()

    saved = choices_of(session, person.id)
    assert (saved.delivery, saved.language, saved.wants_digest) == (DeliveryChoice.DAILY_DIGEST, "cy", True)


def test_unknown_choices_are_refused_by_name(session: Session) -> None:
    person = make_person(session)

    with pytest.raises(UnknownChoice, match=r"not offered in 'fr'; choose one of: en, cy"):
        choose(session, person.id, language="fr")
    with pytest.raises(UnknownChoice, match=r"'weekly' is not a way.*each_message, daily_digest"):
        choose(session, person.id, delivery="weekly")
    with pytest.raises(UnknownChoice, match="no person with id 999999"):
        choose(session, 999999, language="cy")


def test_welsh_where_translated_english_elsewhere(session: Session) -> None:
    person = make_person(session, name="Gwen")
    choose(session, person.id, language="cy")

    _sign_in(session, person, "1")
    _remind(session, person, "1")
    session.flush()

    sign_in, reminder = _outbox(session)
    assert (sign_in.language, sign_in.subject) == ("cy", "Eich dolen i fewngofnodi i Pilot Fund")
    assert sign_in.body_text.startswith("Helo Gwen,") and '<html lang="cy">' in sign_in.body_html
    assert reminder.language == "en" and reminder.body_text.startswith("Hello Gwen,")


def test_digest_gathers_held_messages_once_per_person_per_day(
    session: Session, sessions: sessionmaker[Session]
) -> None:
    digest_reader, each_reader = make_person(session, name="Dee"), make_person(session, name="Eli")
    choose(session, digest_reader.id, delivery="daily_digest")
    _remind(session, digest_reader, "a")
    _remind(session, digest_reader, "b")
    _sign_in(session, digest_reader, "c")  # a sign-in link never waits
    _remind(session, each_reader, "d")
    session.commit()

    statuses = [(m.template, m.status) for m in _outbox(session)]
    assert statuses == [
        ("review_reminder", OutboxStatus.HELD_FOR_DIGEST),
        ("review_reminder", OutboxStatus.HELD_FOR_DIGEST),
        ("sign_in_link", OutboxStatus.PENDING),
        ("review_reminder", OutboxStatus.PENDING),
    ]

    assert queue_daily_digests(session, NOTIFIER, day=DAY) == 1
    session.commit()
    _remind(session, digest_reader, "e")  # held after today's digest: it waits for tomorrow's
    session.commit()
    assert queue_daily_digests(session, NOTIFIER, day=DAY) == 0
    session.commit()

    with DevSMTPServer() as server:
        settings = SmtpSettings(host=server.host, port=server.port, from_address="help@pilotfund.example")
        assert send_pending(sessions, settings).sent == 3  # sign-in link, Eli's reminder, Dee's digest
        received = server.wait_for(3)
    digests = [m.parse() for m in received if m.parse()["Subject"].startswith("Your messages")]
    assert len(digests) == 1 and digests[0]["To"] == digest_reader.email
    text = digests[0].get_body(("plain",)).get_content()
    assert text.count("Reminder: 2 reviews to finish") == 2 and "1 December 2026" in text

    session.expire_all()
    assert queue_daily_digests(session, NOTIFIER, day=DAY + dt.timedelta(days=1)) == 1
    session.commit()
    by_status = [
        m.status
        for m in _outbox(session)
        if m.template == "review_reminder" and m.to_address == digest_reader.email
    ]
    assert by_status == [OutboxStatus.IN_DIGEST] * 3
    assert len({m.dedupe_key for m in _outbox(session) if m.template == "daily_digest"}) == 2
    assert digest_key(digest_reader.email, DAY) != digest_key(each_reader.email, DAY)
