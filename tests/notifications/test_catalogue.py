"""The catalogue lists every e-mail, its audience and its context keys, and matches the templates."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.catalogue import CATALOGUE, COMMON_KEYS, TEMPLATE_NAMES, Audience
from notifications.rendering import PARTS, TEMPLATE_DIR, required_variables

# The messages the lifecycle sends (issue 6), by the names of the shared template contract.
LIFECYCLE_MESSAGES = {
    "sign_in_link", "coapplicant_invitation", "application_received", "application_ineligible",
    "reviewer_invitation", "review_assigned", "review_reminder", "summary_statement",
    "application_not_funded", "award_offered", "checkin_reminder", "checkin_overdue", "tranche_released",
    "final_report_due", "celebration_shared",
}  # fmt: skip


def test_catalogue_covers_the_lifecycle_and_the_template_directories() -> None:
    on_disk = {
        path.name for path in TEMPLATE_DIR.iterdir() if path.is_dir() and not path.name.startswith("_")
    }

    assert set(TEMPLATE_NAMES) >= LIFECYCLE_MESSAGES
    assert on_disk == set(TEMPLATE_NAMES)
    assert len(TEMPLATE_NAMES) == len(set(TEMPLATE_NAMES))
    for name in TEMPLATE_NAMES:
        assert all((TEMPLATE_DIR / name / part).is_file() for part in PARTS), name


@pytest.mark.parametrize("message", CATALOGUE, ids=lambda message: message.name)
def test_catalogue_keys_are_exactly_what_each_template_uses(message: Any) -> None:
    assert required_variables(message.name) == message.context_keys
    assert message.context_keys >= COMMON_KEYS
    assert isinstance(message.audience, Audience) and message.about


@pytest.mark.parametrize("message", CATALOGUE, ids=lambda message: message.name)
def test_sample_data_exists_for_every_message(message: Any, contexts: dict[str, dict[str, Any]]) -> None:
    assert contexts[message.name].keys() == message.context_keys


def test_only_overdue_work_and_conflicts_go_to_staff_and_the_sign_in_link_never_waits() -> None:
    by_name = {message.name: message for message in CATALOGUE}

    staff = [m.name for m in CATALOGUE if m.audience == Audience.STAFF]
    assert sorted(staff) == ["checkin_overdue", "conflict_declared", "final_report_overdue"]
    assert not by_name["sign_in_link"].digestible and not by_name["daily_digest"].digestible
    assert [m.name for m in CATALOGUE if m.calendar] == ["checkin_reminder"]
