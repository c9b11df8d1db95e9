"""Rendering of every e-mail template: facts present, HTML escaped, plain language, strict context."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

from notifications.rendering import (
    TEMPLATE_DIR,
    TEMPLATE_NAMES,
    RenderedMessage,
    TemplateError,
    long_date,
    money,
    render_message,
    required_variables,
    score,
)

# Facts the reader must find in both the text and the HTML body.
KEY_FACTS = {
    "application_received": ["PF-2026-014", "Walking group for carers", "Spring 2026", "30 June 2026"],
    "application_ineligible": ["PF-2026-015", "This round funds up to 12 months", "Autumn round"],
    "review_assigned": ["5 applications", "17 April 2026", "https://portal.pilotfund.example/reviews"],
    "application_not_funded": ["PF-2026-016", "cannot fund", "4.5", "5.3", "more time for partners"],
    "award_offered": ["£24,500", "1 September 2026", "31 August 2027", "partner agreement", "/17/letter"],
    "checkin_reminder": ["First community workshop", "1 December 2026", "/checkins/41"],
    "checkin_overdue": ["Young carers voices", "First community workshop", "9", "/admin/projects/17"],
    "celebration_shared": ["Young carers voices", "Thank you", "/celebrations/17"],
    "sign_in_link": ["/sign-in/Zq81xT", "15 minutes", "ignore this e-mail"],
    "coapplicant_invitation": ["Sam Okafor", "Walking group for carers", "and change it", "/invitations/9"],
    "reviewer_invitation": ["Spring 2026", "equal say", "/reviewers/join/4"],
    "review_reminder": [
        "Spring 2026",
        "2 reviews",
        "17 April 2026",
        "https://portal.pilotfund.example/reviews",
    ],
    "review_overdue": [
        "Spring 2026",
        "1 review",
        "17 April 2026",
        "https://portal.pilotfund.example/reviews",
    ],
    "conflict_declared": ["Dr Lee Park", "PF-2026-016", "co-wrote a paper", "/admin/conflicts"],
    "summary_statement": [
        "Memory cafe research",
        "PF-2026-016",
        "/statements/16",
        "3.5 on average",
        "A kind plan",
    ],
    "tranche_released": ["£8,000", "payment number 2", "First community workshop", "PF-2026-017"],
    "final_report_due": ["Young carers voices", "30 October 2027", "/reports/17"],
    "final_report_reminder": ["Young carers voices", "30 October 2027", "/reports/17"],
    "final_report_overdue": ["Young carers voices", "PF-2026-017", "30 October 2027", "3", "/reports/17"],
    "checkin_changes_requested": [
        "First community workshop",
        "Please add who came to the workshop.",
        "/checkins/41",
    ],
    "daily_digest": ["1 December 2026", "We have paid £8,000", "We sent it.", "are the 2"],
}
# Words that make people feel silly (DOMAIN.md, "Plain language"): say what they mean instead.
JARGON = ["eligib", "milestone", "summary statement", "stakeholder", "co-production", "hereby", "pursuant"]


def _prose(rendered: RenderedMessage) -> str:
    """The wording we wrote around the facts: the text body without context values or links."""
    return re.sub(r"https?://\S+", "", rendered.text)


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_every_template_renders_its_facts(template: str, contexts: dict[str, dict[str, Any]]) -> None:
    rendered = render_message(template, contexts[template])

    assert rendered.subject and "\n" not in rendered.subject and rendered.subject == rendered.subject.strip()
    for fact in [*KEY_FACTS[template], "help@pilotfund.example", "Pilot Fund team"]:
        assert fact in rendered.text, fact
        assert fact in rendered.html, fact
    assert rendered.text.startswith("Hello Amina,")


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_html_is_simple_accessible_markup(template: str, contexts: dict[str, dict[str, Any]]) -> None:
    html = render_message(template, contexts[template]).html

    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert html.count("<h1") == 1
    assert "<img" not in html and "<table" not in html
    assert 'href="mailto:help@pilotfund.example"' in html


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_wording_is_plain(template: str, contexts: dict[str, dict[str, Any]]) -> None:
    prose = _prose(render_message(template, contexts[template]))

    assert not [word for word in JARGON if word in prose.lower()]
    sentences = [s for s in re.split(r"[.!?:\n]+", prose) if s.strip()]
    longest = max(sentences, key=lambda sentence: len(sentence.split()))
    assert len(longest.split()) <= 20, longest


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_sample_context_is_exactly_what_the_template_needs(
    template: str, contexts: dict[str, dict[str, Any]]
) -> None:
    assert required_variables(template) == contexts[template].keys()


def test_template_directories_match_the_known_names() -> None:
    on_disk = {path.parent.name for path in TEMPLATE_DIR.glob("*/body.txt")}
    assert on_disk == set(TEMPLATE_NAMES)


def test_html_escapes_user_text_but_text_keeps_it(contexts: dict[str, dict[str, Any]]) -> None:
    context = contexts["application_not_funded"]
    context["title"] = '<script>alert("x")</script>'
    context["summary_statement"] = "Good <b>idea</b> & plan.\n\n<script>steal()</script>"

    rendered = render_message("application_not_funded", context)

    assert "<script>" not in rendered.html and "<b>idea" not in rendered.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in rendered.html
    assert "<p>Good &lt;b&gt;idea&lt;/b&gt; &amp; plan.</p>" in rendered.html
    assert '<script>alert("x")</script>' in rendered.text
    assert "Good <b>idea</b> & plan." in rendered.text


def test_lists_are_escaped_in_html(contexts: dict[str, dict[str, Any]]) -> None:
    context = contexts["application_ineligible"]
    context["reasons"] = ["<script>1</script>"]

    html = render_message("application_ineligible", context).html

    assert "<li>&lt;script&gt;1&lt;/script&gt;</li>" in html


def test_missing_variable_names_template_and_variable(contexts: dict[str, dict[str, Any]]) -> None:
    context = contexts["award_offered"]
    del context["award_letter_url"], context["currency"]

    with pytest.raises(TemplateError, match=r"'award_offered'.*award_letter_url, currency"):
        render_message("award_offered", context)


def test_unknown_template_lists_the_known_ones() -> None:
    with pytest.raises(TemplateError, match=r"no e-mail template 'award_ofered'.*award_offered"):
        render_message("award_ofered", {})


def test_subject_is_one_trimmed_line(contexts: dict[str, dict[str, Any]]) -> None:
    context = contexts["checkin_overdue"]
    context["project_title"] = "  Young\ncarers\r\n  voices  "

    subject = render_message("checkin_overdue", context).subject

    assert subject == "Check-in late by 9 days: Young carers voices (PF-2026-017)"


def test_counts_of_one_read_naturally(contexts: dict[str, dict[str, Any]]) -> None:
    review = contexts["review_assigned"] | {"application_count": 1}
    overdue = contexts["checkin_overdue"] | {"days_overdue": 1}

    assert "You have 1 application to read" in render_message("review_assigned", review).subject
    assert "late by 1 day:" in render_message("checkin_overdue", overdue).subject


def test_optional_phone_number_is_shown_when_given(contexts: dict[str, dict[str, Any]]) -> None:
    context = contexts["celebration_shared"] | {"contact_phone": "0300 123 4567"}

    rendered = render_message("celebration_shared", context)

    assert "Phone: 0300 123 4567" in rendered.text
    assert "0300 123 4567" in rendered.html
    assert "Phone" not in render_message("celebration_shared", contexts["celebration_shared"]).text


def test_empty_conditions_and_alternatives_still_read_well(contexts: dict[str, dict[str, Any]]) -> None:
    award = render_message("award_offered", contexts["award_offered"] | {"conditions": []})
    ineligible = render_message(
        "application_ineligible", contexts["application_ineligible"] | {"alternatives": []}
    )

    assert "There are no extra things to do" in award.text
    assert "Talk to us" in ineligible.text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 3, 3), "3 March 2026"),
        (dt.datetime(2026, 12, 31, 23, 0), "31 December 2026"),
        ("soon", "soon"),
    ],
)
def test_long_date(value: dt.date | str, expected: str) -> None:
    assert long_date(value) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (25000, "GBP", "£25,000"),
        (Decimal("1250.5"), "usd", "$1,250.50"),
        (Decimal("10.00"), "EUR", "€10"),
        (30000, "CAD", "30,000 CAD"),
    ],
)
def test_money(amount: Decimal | int, currency: str, expected: str) -> None:
    assert money(amount, currency) == expected


def test_group_means_round_half_up() -> None:
    assert [score(3.25), score(Decimal("2.35")), score(4), score(None)] == [
        "3.3",
        "2.4",
        "4.0",
        "not available",
    ]


def test_both_group_means_are_labelled(contexts: dict[str, dict[str, Any]]) -> None:
    context = contexts["application_not_funded"] | {"scientist_mean": None}

    text = render_message("application_not_funded", context).text

    assert "Average score from people with lived experience: 4.5" in text
    assert "Average score from scientists: not available" in text
