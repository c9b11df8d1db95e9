"""Enqueueing e-mails: in the caller's transaction, once per dedupe key, to one safe address."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models import OutboxMessage
from models.enums import OutboxStatus
from notifications.outbox import Email, InvalidAddress, batch, enqueue, enqueue_all, enqueue_later
from notifications.rendering import TemplateError

KEY = "application_received:application=14"


def _enqueue(session: Session, contexts: dict[str, dict[str, Any]], **overrides: Any) -> OutboxMessage:
    arguments: dict[str, Any] = {
        "template": "application_received",
        "to_address": "amina@example.org",
        "context": contexts["application_received"],
        "dedupe_key": KEY,
    }
    return enqueue(session, **(arguments | overrides))


def _count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_enqueue_renders_a_pending_message(
    session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    with session_factory() as session:
        message = _enqueue(session, contexts)
        session.commit()

        assert message.status == OutboxStatus.PENDING and message.attempts == 0
        assert message.subject == "We have your application: Walking group for carers (PF-2026-014)"
        assert "30 June 2026" in message.body_text and '<html lang="en">' in message.body_html
        assert (message.template, message.to_address, message.sent_at) == (
            "application_received",
            "amina@example.org",
            None,
        )


def test_enqueue_does_not_commit(
    session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    with session_factory() as session:
        _enqueue(session, contexts)
        session.rollback()

    assert _count(session_factory) == 0


def test_same_key_twice_in_one_session_is_one_message(
    session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    with session_factory() as session:
        first = _enqueue(session, contexts)
        second = _enqueue(session, contexts)
        session.commit()

    assert first is second
    assert _count(session_factory) == 1


def test_same_key_is_found_without_autoflush(engine: Any, contexts: dict[str, dict[str, Any]]) -> None:
    with Session(engine, autoflush=False) as session:
        first = _enqueue(session, contexts)
        assert _enqueue(session, contexts) is first
        session.commit()


def test_same_key_after_commit_returns_the_stored_message(
    session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    with session_factory() as session:
        first = _enqueue(session, contexts)
        session.commit()
        first_id = first.id

    with session_factory() as session:
        again = _enqueue(session, contexts, to_address="other@example.org")
        assert again.id == first_id and again.to_address == "amina@example.org"
        assert not session.new
        session.commit()

    assert _count(session_factory) == 1


def test_different_keys_are_different_messages(
    session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    with session_factory() as session:
        _enqueue(session, contexts)
        _enqueue(session, contexts, dedupe_key=KEY + ":co_lead=3", to_address="jo@example.org")
        session.commit()

    assert _count(session_factory) == 2


@pytest.mark.parametrize(
    "address",
    [
        "no-at-sign.example.org",
        "two@@example.org",
        "a@b@example.org",
        "@example.org",
        "amina@",
        "amina @example.org",
        "amina@example.org\nBcc: everyone@example.org",
        "amina@example.org\r",
        "amina@example.org\x00",
        "amina@example.org,jo@example.org",
        "Amina <amina@example.org>",
        "x" * 250 + "@example.org",
    ],
)
def test_unsafe_addresses_are_refused(
    address: str, session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    with session_factory() as session, pytest.raises(InvalidAddress):
        _enqueue(session, contexts, to_address=address)


def test_incomplete_context_adds_nothing(
    session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    context = dict(contexts["application_received"])
    del context["decision_date"]
    with session_factory() as session:
        with pytest.raises(TemplateError, match="decision_date"):
            _enqueue(session, contexts, context=context)
        assert not session.new


@pytest.mark.parametrize("key", ["", "   ", "k" * 201])
def test_dedupe_key_must_fit(
    key: str, session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    with session_factory() as session, pytest.raises(ValueError, match="dedupe_key"):
        _enqueue(session, contexts, dedupe_key=key)


def test_very_long_subject_is_shortened_to_fit(
    session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    context = contexts["application_received"] | {"title": "word " * 100}
    with session_factory() as session:
        message = _enqueue(session, contexts, context=context)

    assert len(message.subject) == 300 and message.subject.endswith("…")


def _received(contexts: dict[str, dict[str, Any]], key: str, to: str = "amina@example.org") -> Email:
    return Email("application_received", to, contexts["application_received"], key)


def _selects_of_outbox(engine: Any) -> list[str]:
    """The SELECTs on the outbox that `engine` runs from now on (a list that grows)."""
    seen: list[str] = []

    def remember(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "outbox_message" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    return seen


def test_enqueue_all_looks_every_key_up_at_once(
    engine: Any, session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    with session_factory() as session:
        stored = _enqueue(session, contexts, dedupe_key="received:1")
        session.commit()
        stored_id = stored.id

    selects = _selects_of_outbox(engine)
    with session_factory() as session:
        emails = [_received(contexts, f"received:{n}", to=f"person{n}@example.org") for n in range(1, 5)]
        messages = enqueue_all(session, [*emails, _received(contexts, "received:2")])
        assert len(selects) == 1
        assert messages[0].id == stored_id and messages[0].to_address == "amina@example.org"
        assert messages[4] is messages[1]  # the same key twice in one call is one message
        assert [m.to_address for m in messages[1:4]] == [f"person{n}@example.org" for n in (2, 3, 4)]
        session.commit()

    assert _count(session_factory) == 4


def test_a_batch_enqueues_its_emails_when_it_ends(
    engine: Any, session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    selects = _selects_of_outbox(engine)
    with session_factory() as session:
        with batch(session):
            enqueue_later(session, _received(contexts, "received:1"))
            with batch(session):  # part of the outer block
                enqueue_later(session, _received(contexts, "received:2", to="jo@example.org"))
            assert not session.new and not selects
            with pytest.raises(InvalidAddress):  # a bad address is refused at once, not at the end
                enqueue_later(session, _received(contexts, "received:3", to="not an address"))
        assert len(selects) == 1 and len(session.new) == 2
        session.commit()

    assert _count(session_factory) == 2


def test_a_batch_that_raises_enqueues_nothing(
    session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    with session_factory() as session:
        with pytest.raises(RuntimeError), batch(session):
            enqueue_later(session, _received(contexts, "received:1"))
            raise RuntimeError("the pass failed")
        enqueue_later(session, _received(contexts, "received:2"))  # outside a batch: at once
        assert [m.dedupe_key for m in session.new] == ["received:2"]  # type: ignore[attr-defined]


def test_two_transactions_racing_for_one_key_queue_it_once(
    shared_db: tuple[str, sessionmaker[Session]], contexts: dict[str, dict[str, Any]]
) -> None:
    _, sessions = shared_db
    with sessions() as first, sessions() as second:
        enqueue_all(first, [_received(contexts, KEY)])
        enqueue_all(second, [_received(contexts, KEY), _received(contexts, KEY + ":other")])
        first.commit()
        with pytest.raises(IntegrityError):  # the unique key refuses the second; nothing of it is saved
            second.commit()
        second.rollback()
        again = enqueue_all(second, [_received(contexts, KEY), _received(contexts, KEY + ":other")])
        assert again[0].id is not None and again[1].id is None  # the retry finds the first's message
        second.commit()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
