"""Responsible for the administrators' mailbox pages: outbox counts, the e-mails the development SMTP
catcher caught (each readable in full), and undeliverable e-mails with a form to queue one again.

Only administrators reach these pages (`web.portal.administrator`). A caught message's HTML is untrusted:
it is shown inside a sandboxed iframe (`srcdoc`, escaped by Jinja2) and as escaped source, never as part
of this page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from models import OutboxMessage
from models.enums import OutboxStatus
from models.errors import NotFound
from notifications.mailbox import (
    NotInMailbox,
    caught_messages,
    failed_emails,
    outbox_counts,
    queue_again,
    read_caught,
)
from notifications.outbox import InvalidAddress, check_address
from web.forms import text_values
from web.pages import redirect, render
from web.portal import Administrator, PostedForm, Uow, portal_of

router = APIRouter()
PAGE_SIZE = 50
ADDRESS_FIELD = "to_address_"  # + the outbox id: one form per failed e-mail on the page


def _show(request: Request, uow: Uow, *, page: int = 1, status_code: int = 200, **context: Any) -> Response:
    mail_dir = portal_of(request).app.mail_dir
    offset = (page - 1) * PAGE_SIZE
    caught = caught_messages(mail_dir, limit=PAGE_SIZE + 1, offset=offset) if mail_dir else []
    return render(
        request,
        "admin_mail.html",
        status_code=status_code,
        counts=outbox_counts(uow.session),
        failed=failed_emails(uow.session, limit=PAGE_SIZE),
        failed_shown=PAGE_SIZE,
        catcher_in_use=mail_dir is not None,
        caught=caught[:PAGE_SIZE],
        page=page,
        more=len(caught) > PAGE_SIZE,
        smtp=portal_of(request).app.smtp,
        **context,
    )


@router.get("/admin/mail", response_class=HTMLResponse)
def mailbox_page(
    request: Request,
    uow: Uow,
    admin: Administrator,
    page: int = Query(default=1, ge=1, le=10_000),
    queued: int | None = None,
    already: int | None = None,
) -> Response:
    return _show(request, uow, page=page, queued=queued, already=already)


@router.get("/admin/mail/caught/{message_id}", response_class=HTMLResponse)
def caught_message_page(request: Request, message_id: str, admin: Administrator) -> Response:
    mail_dir = portal_of(request).app.mail_dir
    if mail_dir is None:
        raise NotFound("the SMTP catcher is not in use")
    try:
        message = read_caught(mail_dir, message_id)
    except NotInMailbox as missing:
        raise NotFound(str(missing)) from None
    return render(request, "admin_message.html", message=message)


@router.post("/admin/mail/failed/{outbox_id}/queue-again")
def send_again(
    request: Request, outbox_id: int, form: PostedForm, uow: Uow, admin: Administrator
) -> Response:
    field = f"{ADDRESS_FIELD}{outbox_id}"
    values = text_values(form)
    address = values.get(field, "")
    message = uow.session.get(OutboxMessage, outbox_id, with_for_update=True)
    if message is None:
        raise NotFound(f"no outbox message {outbox_id}")
    if message.status != OutboxStatus.FAILED:  # sent again already (a second click, or a refresh)
        return redirect(f"/admin/mail?already={outbox_id}")
    problem = _address_problem(address)
    if problem:
        return _show(request, uow, status_code=400, errors={field: problem}, values=values)
    try:
        queue_again(uow.session, outbox_id, to_address=address)
    except NotInMailbox:  # queued again by someone else since we read it (SQLite takes no row lock)
        return redirect(f"/admin/mail?already={outbox_id}")
    uow.commit()
    return redirect(f"/admin/mail?queued={outbox_id}")


def _address_problem(address: str) -> str | None:
    if not address:
        return "Enter the e-mail address to send it to."
    try:
        check_address(address)
    except InvalidAddress as error:
        reason = str(error).partition(": ")[2] or str(error)
        return f"Enter one e-mail address, like name@example.org ({reason})."
    return None
