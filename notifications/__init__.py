"""Responsible for e-mail notifications: plain-language templates, the transactional outbox and the relay.

Domain code calls `enqueue` inside its own transaction; a relay flow later calls `send_pending`.
"""

from notifications.outbox import InvalidAddress, enqueue
from notifications.relay import RelayReport, RetryPolicy, SmtpSettings, send_pending
from notifications.rendering import RenderedMessage, TemplateError, render_message

__all__ = [
    "InvalidAddress",
    "RelayReport",
    "RenderedMessage",
    "RetryPolicy",
    "SmtpSettings",
    "TemplateError",
    "enqueue",
    "render_message",
    "send_pending",
]
