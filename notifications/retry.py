"""Responsible for what one delivery attempt does to an outbox row: sent, failed, or retried later.

    accepted                                   -> sent (sent_at set)
    permanent refusal (5xx, unusable address)  -> failed at once, with the server's reason
    refused for now (4xx for this message)     -> retried after 1, 2, 4 ... minutes (up to max_delay);
                                                  failed once max_attempts tries have been refused
    server unavailable (refused, timed out,    -> still due: the next relay run tries again. Not the
    connection lost, 421)                         message's fault, so an outage never uses up its tries;
                                                  failed only if it lasts give_up_after

`attempts` counts every try, successful or not; `last_error` keeps the latest failure as history.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from models import OutboxMessage
from models.enums import OutboxStatus
from notifications.smtp_client import Attempt

logger = logging.getLogger(__name__)

SENT, FAILED, DEFERRED = "sent", "failed", "deferred"


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    max_attempts: int = 8
    first_delay: dt.timedelta = dt.timedelta(minutes=1)
    max_delay: dt.timedelta = dt.timedelta(hours=1)
    give_up_after: dt.timedelta = dt.timedelta(days=2)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.first_delay <= dt.timedelta(0) or self.max_delay < self.first_delay:
            raise ValueError("first_delay must be positive and max_delay at least first_delay")

    def delay_after(self, refusals: int) -> dt.timedelta:
        """Back-off before the next try after the `refusals`-th refusal: doubling, capped at max_delay."""
        doublings = min(max(refusals - 1, 0), 30)  # 2**30 minutes is already far beyond any cap
        return min(self.first_delay * (2**doublings), self.max_delay)


def record_attempt(message: OutboxMessage, attempt: Attempt, *, policy: RetryPolicy, now: dt.datetime) -> str:
    """Write `attempt` onto the row and free its lease (the caller commits); return sent/failed/deferred."""
    message.attempts += 1
    message.lease_until = None
    if attempt.error is None:
        message.status, message.sent_at, message.next_attempt_at = OutboxStatus.SENT, now, None
        logger.info("sent outbox message %s (%s)", message.id, message.template)
        return SENT
    message.last_error = attempt.error
    if attempt.permanent:
        return _fail(message, now)
    if attempt.server_unavailable:
        if now - message.created_at >= policy.give_up_after:
            message.last_error = f"server unavailable for over {policy.give_up_after}; last: {attempt.error}"
            return _fail(message, now)
        message.next_attempt_at = None
    elif message.attempts >= policy.max_attempts:
        message.last_error = f"refused {message.attempts} times; last: {attempt.error}"
        return _fail(message, now)
    else:
        message.next_attempt_at = now + policy.delay_after(message.attempts)
    logger.info("outbox message %s deferred: %s", message.id, attempt.error)
    return DEFERRED


def _fail(message: OutboxMessage, now: dt.datetime) -> str:
    message.status, message.failed_at, message.next_attempt_at = OutboxStatus.FAILED, now, None
    logger.warning("outbox message %s failed: %s", message.id, message.last_error)
    return FAILED
