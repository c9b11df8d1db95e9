"""Responsible for the unit of work: one transaction that rolls back unless told to commit.

Before committing it hands every domain event recorded in the session (see models.status_change) to
the event handler, so the e-mails and rows an event causes land in the same transaction. A save that a
version column refuses (someone else saved the same row first) becomes `ConcurrentEdit`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from models.errors import ConcurrentEdit
from notifications.outbox import batch

EventHandler = Callable[[Session, Any], None]


class UnitOfWork:
    def __init__(self, sessions: sessionmaker[Session], *, on_event: EventHandler | None = None) -> None:
        self._sessions = sessions
        self._on_event = on_event
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._sessions()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session = self.session
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        """Commit; a row whose version column moved on since it was read raises ConcurrentEdit."""
        self.dispatch_events()
        try:
            self.session.commit()
        except StaleDataError as stale:  # another transaction saved the same row between our read and write
            raise ConcurrentEdit("someone else saved this at the same moment") from stale

    def dispatch_events(self) -> None:
        """Hand each event to the handler. Without autoflush, so the rows the handlers add are written
        together at commit (one batched INSERT) rather than one at a time by each handler's queries, and
        in one outbox batch, so the e-mails of every event are checked against the outbox together."""
        events: list[Any] = self.session.info.setdefault("events", [])
        with self.session.no_autoflush, batch(self.session):
            while events:
                event = events.pop(0)
                if self._on_event is not None:
                    self._on_event(self.session, event)
