"""Responsible for reading the administrators' award decision form into the answers the paused runs
take: AwardDecisionInput for one award, AwardSlateInput for a slate (approve the rest, with exceptions).

Each award's fields are named by its id: `decision_<id>` (approve / decline), `amount_<id>`,
`conditions_<id>`, `community_<id>` (when the round asks for the community partner's share), and `note`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from models.schemas import AwardDecisionInput, AwardSlateInput
from services.award_review import DecisionSummary
from web.forms import FormRejected

MAX_TEXT = 5000


def _amount(values: dict[str, str], name: str, errors: dict[str, str], *, what: str) -> Decimal | None:
    text = values.get(name, "").replace(",", "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors[name] = f"Enter {what} in numbers, like 12000 or 12000.50."
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        errors[name] = f"Enter {what} as a positive amount with at most 2 decimal places."
        return None
    return amount


def _text(values: dict[str, str], name: str, errors: dict[str, str]) -> str:
    text = values.get(name, "").strip()
    if len(text) > MAX_TEXT:
        errors[name] = f"Keep this under {MAX_TEXT:,} characters (it has {len(text):,})."
    return text


def _answers(values: dict[str, str], summary: DecisionSummary) -> tuple[dict[int, dict[str, object]], str]:
    errors: dict[str, str] = {}
    answers: dict[int, dict[str, object]] = {}
    for item in summary.awards:
        n, reference = item.award.id, item.award.application.reference
        choice = values.get(f"decision_{n}", "")
        if choice not in ("approve", "decline"):
            errors[f"decision_{n}"] = f"Choose whether to approve or decline {reference}."
        answers[n] = {
            "approve": choice == "approve",
            "amount": _amount(values, f"amount_{n}", errors, what=f"the amount for {reference}"),
            "conditions": _text(values, f"conditions_{n}", errors),
            "community_partner_amount": _amount(
                values, f"community_{n}", errors, what=f"the community partner's amount for {reference}"
            ),
        }
    note = _text(values, "note", errors)
    if errors:
        raise FormRejected(errors, values)
    return answers, note


def decision_from_form(values: dict[str, str], summary: DecisionSummary) -> AwardDecisionInput:
    answers, note = _answers(values, summary)
    [answer] = answers.values()
    return AwardDecisionInput.model_validate(answer | {"note": note})


def slate_from_form(values: dict[str, str], summary: DecisionSummary) -> AwardSlateInput:
    """Every award on the page is answered: declined ones by reference, approved ones with any amount,
    conditions or community share that differ from what was proposed."""
    answers, note = _answers(values, summary)
    by_id = {item.award.id: item.award for item in summary.awards}
    decline: list[str] = []
    amounts: dict[str, object] = {}
    conditions: dict[str, object] = {}
    community: dict[str, object] = {}
    for n, answer in answers.items():
        award = by_id[n]
        reference = award.application.reference or ""
        if not answer["approve"]:
            decline.append(reference)
            continue
        if answer["amount"] is not None and answer["amount"] != award.amount:
            amounts[reference] = answer["amount"]
        if answer["conditions"]:
            conditions[reference] = answer["conditions"]
        if answer["community_partner_amount"] is not None:
            community[reference] = answer["community_partner_amount"]
    return AwardSlateInput(
        approve_the_rest=True,
        decline=decline,
        amounts=amounts,  # type: ignore[arg-type]
        conditions=conditions,  # type: ignore[arg-type]
        community_partner_amounts=community,  # type: ignore[arg-type]
        note=note,
    )
