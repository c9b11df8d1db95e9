"""Responsible for the review form: the rubric's questions as radios, and a posted form turned into a review.

Each criterion is one radio group named `score_<key>` with the values 1-9 and "cant_judge"; the overall
score, `score_overall`, is 1-9 only, so an unanswered one (None) is never mistaken for "can't judge". A
draft may leave questions unanswered; submitting needs every one answered.
Submitting also asks again about conflicts of interest (`conflict_after`: "none" or "conflict", with
`conflict_after_reason`); with a conflict the review may be partial, as it will be set aside.
What was typed always goes back to the page, so nothing is lost when a save is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.review import Review
from models.schemas import CRITERIA_KEYS, ReviewDraftInput, ReviewInput
from reviewers.scoring import CRITERIA, SCORE_LABELS
from web.forms import FormRejected, validated

CANT_JUDGE = "cant_judge"
CONFIRM, CONFIRM_REASON = "conflict_after", "conflict_after_reason"
OVERALL = "overall"
SCORES: list[tuple[str, str]] = [(str(n), f"{n}: {label}") for n, label in SCORE_LABELS.items()]


@dataclass(frozen=True)
class Question:
    key: str
    title: str
    prompt: str
    cant_judge: bool = True

    @property
    def field(self) -> str:
        return f"score_{self.key}"

    @property
    def options(self) -> list[tuple[str, str]]:
        return [*SCORES, (CANT_JUDGE, "I can't judge this")] if self.cant_judge else SCORES


QUESTIONS: tuple[Question, ...] = (
    *(Question(c.key, c.title, c.prompt) for c in CRITERIA),
    Question(OVERALL, "Overall score", "Taking everything together, how strong is it?", cant_judge=False),
)


def score_text(value: int | None) -> str:
    return "Can't judge" if value is None else f"{value}: {SCORE_LABELS[value]}"


def form_values(review: Review | None) -> dict[str, str]:
    """A saved review as the form shows it."""
    if review is None:
        return {"version": "0"}
    values = {
        f"score_{key}": CANT_JUDGE if value is None else str(value)
        for key, value in (review.scores or {}).items()
        if key in CRITERIA_KEYS
    }
    if review.overall is not None:
        values[f"score_{OVERALL}"] = str(review.overall)
    values.update(
        comment_for_applicant=review.comment_for_applicant,
        comment_for_panel=review.comment_for_panel,
        nominated_for_discussion="yes" if review.nominated_for_discussion else "",
        nomination_reason=review.nomination_reason,
        version=str(review.version),
    )
    return values


def read_review(values: dict[str, str], *, submit: bool) -> ReviewDraftInput:
    """The review in the posted `values`, or FormRejected with a message beside each problem."""
    errors: dict[str, str] = {}
    answers: dict[str, int | None] = {}
    for question in QUESTIONS:
        given = values.get(question.field, "")
        if given == CANT_JUDGE and question.cant_judge:
            answers[question.key] = None
        elif given.isdigit() and int(given) in SCORE_LABELS:
            answers[question.key] = int(given)
        elif given:
            errors[question.field] = f"{question.title}: choose one of the scores shown."
        elif submit:
            errors[question.field] = f"{question.title}: {_ask(question)}"
    data: dict[str, object] = {
        "scores": {key: value for key, value in answers.items() if key != OVERALL},
        "comment_for_applicant": values.get("comment_for_applicant", ""),
        "comment_for_panel": values.get("comment_for_panel", ""),
        "nominated_for_discussion": values.get("nominated_for_discussion") == "yes",
        "nomination_reason": values.get("nomination_reason", ""),
    }
    data["overall"] = answers.get(OVERALL)
    try:
        review = validated(ReviewDraftInput, data, shown=values)
    except FormRejected as rejected:
        errors.update(
            {name: msg for name, msg in rejected.errors.items() if name.startswith(("comment", "nomination"))}
        )
    if errors:
        raise FormRejected(errors, values)
    return ReviewInput.model_validate(review.model_dump()) if submit else review


def _ask(question: Question) -> str:
    return "choose a score, or \u201cI can't judge this\u201d." if question.cant_judge else "choose a score."


def expected_version(values: dict[str, str]) -> int:
    given = values.get("version", "")
    return int(given) if given.isdigit() else -1  # a missing or altered version never matches


@dataclass(frozen=True)
class Confirmation:
    has_conflict: bool
    reason: str = ""


def read_submission(values: dict[str, str], *, submit: bool) -> tuple[ReviewDraftInput, Confirmation | None]:
    """The review and, when submitting, the answer to the conflict question asked again; FormRejected
    with every problem at once (the question comes last on the page, so its errors do too)."""
    errors: dict[str, str] = {}
    confirmation = None
    if submit:
        answer, reason = values.get(CONFIRM, ""), values.get(CONFIRM_REASON, "")
        if answer not in {"none", "conflict"}:
            errors[CONFIRM] = "Say whether you have a conflict of interest, now that you have read it."
        elif answer == "conflict" and not reason:
            errors[CONFIRM_REASON] = "Say in a few words what the conflict is."
        elif len(reason) > 2000:
            errors[CONFIRM_REASON] = "Write no more than 2000 characters."
        else:
            confirmation = Confirmation(answer == "conflict", reason if answer == "conflict" else "")
    complete = submit and not (confirmation is not None and confirmation.has_conflict)
    review = None
    try:
        review = read_review(values, submit=complete)
    except FormRejected as rejected:
        errors = rejected.errors | errors
    if errors or review is None:
        raise FormRejected(errors, values)
    return review, confirmation
