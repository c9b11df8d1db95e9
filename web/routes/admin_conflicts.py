"""Responsible for the administrators' conflicts-of-interest page: every recorded conflict, waiving one
(only when no other suitable reviewer exists, with a reason) or removing a waiver, and the audit trail.

Only administrators reach it (`web.portal.administrator`). A refused form is shown again beside that
conflict with what was typed kept; fields are named per conflict so several forms share the page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.errors import DomainError
from services.conflict_records import how_found
from services.conflict_waivers import audit_trail, conflicts_register, remove_waiver, waive_conflict
from web.forms import text_values
from web.pages import redirect, render
from web.portal import Administrator, PostedForm, Uow

router = APIRouter()
REASON, CONFIRM = "waiver_reason_", "no_other_reviewer_"  # + the conflict's id


def _show(request: Request, uow: Uow, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(
        request,
        "admin_conflicts.html",
        status_code=status_code,
        rows=conflicts_register(uow.session),
        trail=audit_trail(uow.session),
        how_found=how_found,
        done=request.query_params.get("done"),
        **context,
    )


@router.get("/admin/conflicts", response_class=HTMLResponse)
def conflicts_page(request: Request, uow: Uow, admin: Administrator) -> Response:
    return _show(request, uow)


@router.post("/admin/conflicts/{conflict_id}/waiver")
def waive(request: Request, conflict_id: int, form: PostedForm, uow: Uow, admin: Administrator) -> Response:
    values = text_values(form)
    reason, confirmed = (
        values.get(f"{REASON}{conflict_id}", ""),
        values.get(f"{CONFIRM}{conflict_id}") == "yes",
    )
    errors = {}
    if not confirmed:
        errors[f"{CONFIRM}{conflict_id}"] = (
            "Confirm that no other suitable reviewer can review this application."
        )
    if not reason:
        errors[f"{REASON}{conflict_id}"] = "Say why the conflict is waived."
    elif len(reason) > 2000:
        errors[f"{REASON}{conflict_id}"] = "Write no more than 2000 characters."
    if errors:
        return _show(request, uow, status_code=400, errors=errors, values=values)
    try:
        waive_conflict(uow.session, conflict_id, admin=admin, reason=reason, no_other_reviewer=confirmed)
    except DomainError as refused:
        uow.session.rollback()
        return _show(
            request, uow, status_code=409, errors={f"{REASON}{conflict_id}": f"{refused}."}, values=values
        )
    uow.commit()
    return redirect(f"/admin/conflicts?done=waived#conflict-{conflict_id}")


@router.post("/admin/conflicts/{conflict_id}/waiver/remove")
def unwaive(request: Request, conflict_id: int, form: PostedForm, uow: Uow, admin: Administrator) -> Response:
    values = text_values(form)
    field = f"remove_reason_{conflict_id}"
    reason = values.get(field, "")
    if not reason:
        return _show(
            request, uow, status_code=400, errors={field: "Say why the waiver is removed."}, values=values
        )
    try:
        remove_waiver(uow.session, conflict_id, admin=admin, reason=reason)
    except DomainError:  # removed already (a second click): nothing to do
        uow.session.rollback()
        return redirect(f"/admin/conflicts#conflict-{conflict_id}")
    uow.commit()
    return redirect(f"/admin/conflicts?done=removed#conflict-{conflict_id}")
