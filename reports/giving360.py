"""Responsible for publishing a round's awards as open data in the 360Giving Data Standard (1.4.3), as a
JSON grant package and as CSV with the standard's column titles.

A project led by a person (no lead organisation: a patient or carer holds the award) is published with
`recipientIndividual`, as the standard allows; the name is given only if they agreed to be named, else
the standard's generic "Individual Recipient".
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.applications import Application
from models.awards import Award, NamingConsent
from models.enums import AwardStatus, PaymentStatus

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "360giving"
STANDARD_VERSION = "1.4"
GENERIC_INDIVIDUAL = "Individual Recipient"


def grants(session: Session, *, round_id: int, funder_id: str, funder_name: str) -> list[dict[str, Any]]:
    """One 360Giving grant per approved award of the round. `funder_id` is the funder's org-id (such as
    GB-CHC-1234567); our own identifiers are published under the 360G-<funder_id> prefix."""
    awards = session.scalars(
        select(Award)
        .join(Application)
        .where(Application.round_id == round_id, Award.status == AwardStatus.APPROVED)
        .options(selectinload(Award.payments))
        .order_by(Award.id)
    ).all()
    named = set(
        session.execute(
            select(NamingConsent.application_id, NamingConsent.person_id).where(
                NamingConsent.may_be_named.is_(True)
            )
        )
        .tuples()
        .all()
    )
    prefix = f"360G-{funder_id}"
    return [_grant(award, prefix=prefix, funder=(funder_id, funder_name), named=named) for award in awards]


def _grant(
    award: Award, *, prefix: str, funder: tuple[str, str], named: set[tuple[int, int]]
) -> dict[str, Any]:
    application = award.application
    disbursed = sum(p.amount for p in award.payments if p.status == PaymentStatus.RELEASED)
    grant: dict[str, Any] = {
        "id": f"{prefix}-{application.reference}",
        "title": application.title,
        "description": application.summary,
        "currency": award.currency,
        "amountAppliedFor": float(application.requested_amount),
        "amountAwarded": float(award.amount),
        "amountDisbursed": float(disbursed),
        "awardDate": (award.decided_at or award.created_at).date().isoformat(),
        "fundingOrganization": [{"id": funder[0], "name": funder[1]}],
        "grantProgramme": [{"code": application.round.slug, "title": application.round.name}],
    }
    if award.start_date and award.end_date:
        grant["plannedDates"] = [
            {
                "startDate": award.start_date.isoformat(),
                "endDate": award.end_date.isoformat(),
                "duration": application.duration_months,
            }
        ]
    organisation = application.lead_organisation
    if organisation is not None:
        grant["recipientOrganization"] = [
            {"id": f"{prefix}-ORG-{organisation.id}", "name": organisation.name}
        ]
    else:
        person = application.applicant
        may_name = (application.id, person.id) in named
        grant["recipientIndividual"] = {
            "id": f"{prefix}-IND-{person.id}",
            "name": person.name if may_name else GENERIC_INDIVIDUAL,
        }
    return grant


def grant_package(grant_list: list[dict[str, Any]], *, title: str) -> dict[str, Any]:
    return {"version": STANDARD_VERSION, "title": title, "grants": grant_list}


def package_json(package: dict[str, Any]) -> str:
    return json.dumps(package, indent=2, ensure_ascii=False)


def grants_csv(grant_list: list[dict[str, Any]]) -> str:
    """One row per grant; columns titled as in 360Giving spreadsheets ("Recipient Org:Identifier"), from
    the schema's own titles."""
    rows = [_flatten(grant, grant_schema(), prefix="") for grant in grant_list]
    columns = list(dict.fromkeys(column for row in rows for column in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@cache
def grant_schema() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "360-giving-schema.json").read_text())


@cache
def package_schema() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "360-giving-package-schema.json").read_text())


def _flatten(value: dict[str, Any], schema: dict[str, Any], *, prefix: str) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key, item in value.items():
        field_schema = _resolve(schema.get("properties", {}).get(key, {}))
        title = f"{prefix}{field_schema.get('title', key)}"
        if isinstance(item, list):
            field_schema, item = _resolve(field_schema.get("items", {})), item[0] if item else {}
        if isinstance(item, dict):
            row |= _flatten(item, field_schema, prefix=f"{title}:")
        else:
            row[title] = item
    return row


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref", "")
    if reference.startswith("#/$defs/"):
        return {
            **grant_schema()["$defs"][reference.removeprefix("#/$defs/")],
            **{k: v for k, v in schema.items() if k != "$ref"},
        }
    return schema
