"""Responsible for reading and changing a person's e-mail choices: each message or a daily digest, and
the language they read best.

A person without a saved choice gets each message at once, in English. Lookups made in a session are
remembered in `session.info`. The first one reads every saved choice at once while there are at most
ALL_AT_ONCE of them (most people never change theirs), so queueing thousands of e-mails asks the database
once; past that it asks once per person.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import NotificationPreference, Person
from models.enums import DeliveryChoice
from models.errors import CograntError
from notifications.languages import SOURCE_LANGUAGE, available_languages

_CACHE_KEY = "notification_choices"
_ALL_CACHED_KEY = "notification_choices_all_read"
ALL_AT_ONCE = 2000


class UnknownChoice(CograntError):
    """A delivery choice or language cogrant does not offer, or a person that does not exist."""


@dataclass(frozen=True)
class Choices:
    delivery: DeliveryChoice = DeliveryChoice.EACH_MESSAGE
    language: str = SOURCE_LANGUAGE

    @property
    def wants_digest(self) -> bool:
        return self.delivery == DeliveryChoice.DAILY_DIGEST


DEFAULT = Choices()


def choices_of(session: Session, person_id: int | None) -> Choices:
    """The person's saved choices, or the defaults (also for a person not yet flushed, without an id)."""
    if person_id is None:
        return DEFAULT
    cache: dict[int, Choices] = session.info.setdefault(_CACHE_KEY, {})
    if person_id in cache:
        return cache[person_id]
    if _ALL_CACHED_KEY not in session.info:
        session.info[_ALL_CACHED_KEY] = _read_all_if_few(session, cache)
    if session.info[_ALL_CACHED_KEY]:
        return cache.get(person_id, DEFAULT)
    with session.no_autoflush:
        saved = session.scalar(
            select(NotificationPreference).where(NotificationPreference.person_id == person_id)
        )
    cache[person_id] = Choices(saved.delivery, saved.language) if saved is not None else DEFAULT
    return cache[person_id]


def _read_all_if_few(session: Session, cache: dict[int, Choices]) -> bool:
    """Remember every saved choice if there are at most ALL_AT_ONCE; whether they were all read."""
    with session.no_autoflush:
        rows = session.execute(
            select(
                NotificationPreference.person_id,
                NotificationPreference.delivery,
                NotificationPreference.language,
            ).limit(ALL_AT_ONCE + 1)
        ).all()
    if len(rows) > ALL_AT_ONCE:
        return False
    for person_id, delivery, language in rows:
        cache.setdefault(person_id, Choices(delivery, language))
    return True


def choose(
    session: Session, person_id: int, *, delivery: str | None = None, language: str | None = None
) -> Choices:
    """Save the person's choices (in the caller's transaction); raise UnknownChoice naming what is offered."""
    if session.get(Person, person_id) is None:
        raise UnknownChoice(f"no person with id {person_id}")
    offered_languages = available_languages()
    if language is not None and language not in offered_languages:
        raise UnknownChoice(
            f"e-mails are not offered in {language!r}; choose one of: {', '.join(offered_languages)}"
        )
    if delivery is not None and delivery not in {choice.value for choice in DeliveryChoice}:
        offered = ", ".join(choice.value for choice in DeliveryChoice)
        raise UnknownChoice(f"{delivery!r} is not a way to get e-mails; choose one of: {offered}")
    saved = session.scalar(
        select(NotificationPreference).where(NotificationPreference.person_id == person_id)
    )
    if saved is None:
        saved = NotificationPreference(
            person_id=person_id, delivery=DeliveryChoice.EACH_MESSAGE, language=SOURCE_LANGUAGE
        )
        session.add(saved)
    if delivery is not None:
        saved.delivery = DeliveryChoice(delivery)
    if language is not None:
        saved.language = language
    chosen = Choices(saved.delivery, saved.language)
    session.info.setdefault(_CACHE_KEY, {})[person_id] = chosen
    return chosen
