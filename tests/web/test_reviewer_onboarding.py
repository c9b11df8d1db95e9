"""Inviting a reviewer from the administrators' page, their first sign-in landing on onboarding, their
profile and the collaborations they record, over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Application, OutboxMessage
from models.enums import Role
from models.people import Collaboration, Person, ReviewerProfile
from models.review import Conflict
from services.people import get_or_create_person, grant_role
from tests.support.factories import make_person, make_round
from tests.web.conftest import Browser, Portal, latest_link
from tests.web.reviewing import review_round, signed_in_reviewer

ADMIN = "ada.admin@example.org"
PROFILE = {
    "topics": "dementia, carers,  dementia",
    "lived_experience_areas": "caring for my mum",
    "organisation": "Riverside Carers",
    "available": "yes",
    "max_load": "4",
    "statement": "I care for my mum, who lives with dementia.",
}


def _admin(portal: Portal) -> Browser:
    with portal.session() as session:
        grant_role(session, get_or_create_person(session, name="Ada Admin", email=ADMIN), Role.ADMINISTRATOR)
        session.commit()
    browser = portal.client()
    browser.sign_in(ADMIN)
    return browser


def _invite(portal: Portal, admin: Browser, **fields: str) -> tuple[int, str]:
    with portal.session() as session:
        round_id = make_round(session, name="Spring pilots").id
        session.commit()
    form = {"name": "Rosa Lay", "email": "rosa@example.org", "reviewer_type": "lived_experience"} | fields
    return round_id, form | {"round_id": str(round_id)}


def _invitations_sent(portal: Portal) -> int:
    with portal.session() as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.template == "reviewer_invitation")
        )


def test_only_administrators_see_the_invitation_page(portal: Portal) -> None:
    assert portal.client().get("/admin/reviewers").status_code == 404
    with portal.session() as session:
        email = make_person(session).email
        session.commit()
    assert signed_in_reviewer(portal, email).get("/admin/reviewers").status_code == 404
    assert _admin(portal).get("/admin/reviewers").status_code == 200


def test_an_invited_reviewer_signs_in_once_and_lands_on_onboarding(portal: Portal) -> None:
    admin = _admin(portal)
    _, form = _invite(portal, admin)
    for _ in range(2):  # a second press sends nothing more
        response = admin.post("/admin/reviewers/invite", form, from_page="/admin/reviewers")
        assert response.status_code == 303
    assert response.headers["location"] == "/admin/reviewers?already=rosa@example.org"
    assert _invitations_sent(portal) == 1
    assert "Rosa Lay" in admin.get("/admin/reviewers").text

    reviewer = portal.client()
    link = latest_link(portal.app.sessions, "rosa@example.org", "/reviewer-invitations/")
    assert "Accept and sign in" in reviewer.get(link).text  # a GET (e-mail scanners) does not use it up
    response = reviewer.post(link)
    assert (response.status_code, response.headers["location"]) == (303, "/reviewer/onboarding")
    page = reviewer.get("/reviewer/onboarding").text
    assert "Welcome: set up your reviewer profile" in page and "pair you with a mentor" in page
    again = portal.client()
    again.get(link)
    assert "This link has been used already" in again.post(link).text


def test_the_onboarding_form_explains_problems_and_keeps_what_was_typed(portal: Portal) -> None:
    admin = _admin(portal)
    _, form = _invite(portal, admin)
    admin.post("/admin/reviewers/invite", form, from_page="/admin/reviewers")
    reviewer = portal.client()
    link = latest_link(portal.app.sessions, "rosa@example.org", "/reviewer-invitations/")
    reviewer.get(link)
    reviewer.post(link)

    bad = PROFILE | {"max_load": "lots", "available": "", "onboarding": "yes"}
    response = reviewer.post("/reviewer/profile", bad, from_page="/reviewer/onboarding")
    assert response.status_code == 400
    assert "There is a problem" in response.text and 'href="#max_load"' in response.text
    assert "Say whether you can review" in response.text
    assert 'value="caring for my mum"' in response.text and "lives with dementia" in response.text
    assert "Welcome: set up your reviewer profile" in response.text

    response = reviewer.post("/reviewer/profile", PROFILE | {"onboarding": "yes"})
    assert (response.status_code, response.headers["location"]) == (303, "/reviewer/profile?saved=welcome")
    with portal.session() as session:
        profile = session.scalars(select(ReviewerProfile)).one()
        person = session.get(Person, profile.person_id)
        assert profile.topics == ["dementia", "carers"] and profile.max_load == 4
        assert profile.lived_experience_areas == ["caring for my mum"] and profile.onboarded_at is not None
        assert person.organisation.name == "Riverside Carers"
    reviewer.http.cookies.clear()
    reviewer.sign_in("rosa@example.org")  # later sign-ins go where they asked to, not to onboarding
    assert "Your reviewer profile" in reviewer.get("/reviewer/profile").text


def test_people_outside_the_pool_have_no_profile_page(portal: Portal) -> None:
    with portal.session() as session:
        email = make_person(session).email
        session.commit()
    browser = signed_in_reviewer(portal, email)
    assert browser.get("/reviewer/profile").status_code == 404
    assert browser.post("/reviewer/profile", PROFILE).status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"collab_kind": "co_authored", "collab_month": "2", "collab_year": "2025"}, "collab_person_name",
         "Give the name of a person or an organisation"),
        ({"collab_person_name": "Ana", "collab_month": "2", "collab_year": "2025"}, "collab_kind",
         "Choose how you worked together"),
        ({"collab_person_name": "Ana", "collab_kind": "co_authored", "collab_month": "13",
          "collab_year": "2025"}, "collab_month", "Enter a real month and year"),
        ({"collab_person_name": "Ana", "collab_kind": "co_authored", "collab_month": "1",
          "collab_year": "2099"}, "collab_month", "cannot be in the future"),
        ({"collab_person_name": "Ana", "collab_person_email": "ana at uni", "collab_kind": "co_authored",
          "collab_month": "1", "collab_year": "2025"}, "collab_person_email", "Enter an e-mail address"),
    ],
)  # fmt: skip
def test_a_collaboration_with_a_problem_is_explained_and_kept(
    portal: Portal, fields: dict[str, str], field: str, message: str
) -> None:
    round_ = review_round(portal)
    browser = signed_in_reviewer(portal, round_.reviewers[0].email)
    response = browser.post("/reviewer/collaborations", fields, from_page="/reviewer/profile")
    assert response.status_code == 400
    assert f'href="#{field}"' in response.text and message in response.text
    for value in fields.values():
        if value not in {"co_authored"}:
            assert f'value="{value}"' in response.text
    with portal.session() as session:
        assert session.scalar(select(func.count()).select_from(Collaboration)) == 0


def test_a_collaboration_with_someone_on_a_task_ends_access_to_it(portal: Portal) -> None:
    round_ = review_round(portal)
    me = round_.reviewers[2]
    with portal.session() as session:
        co_lead = session.get(Application, round_.application_id).co_leads[0].person.name
    browser = signed_in_reviewer(portal, me.email)
    assert browser.get(f"/reviews/{me.assignment_id}").status_code == 200
    fields = {
        "collab_person_name": co_lead,
        "collab_kind": "collaborated",
        "collab_month": "1",
        "collab_year": "2025",
    }
    response = browser.post("/reviewer/collaborations", fields, from_page="/reviewer/profile")
    assert response.headers["location"] == "/reviewer/profile?saved=collaboration#collaborations"
    page = browser.get("/reviewer/profile").text
    assert co_lead in page and "January 2025" in page
    assert browser.get(f"/reviews/{me.assignment_id}").status_code == 404
    with portal.session() as session:
        assert (
            session.scalar(select(Conflict.reason)) == "worked with someone named on it in the last 3 years"
        )
        collaboration_id = session.scalar(select(Collaboration.id))
    other = signed_in_reviewer(portal, round_.reviewers[3].email)
    assert (
        other.post(f"/reviewer/collaborations/{collaboration_id}/remove", from_page="/reviews").status_code
        == 404
    )
    response = browser.post(
        f"/reviewer/collaborations/{collaboration_id}/remove", from_page="/reviewer/profile"
    )
    assert "We have taken that person" in browser.get(response.headers["location"]).text
    with portal.session() as session:
        assert session.scalar(select(func.count()).select_from(Collaboration)) == 0
        assert session.scalar(select(func.count()).select_from(Conflict)) == 1  # the conflict stays
    other = signed_in_reviewer(portal, round_.reviewers[3].email)
    assert (
        other.post(f"/reviewer/collaborations/{collaboration_id}/remove", from_page="/reviews").status_code
        == 404
    )


def test_lived_experience_areas_stay_off_other_reviewers_pages(portal: Portal) -> None:
    round_ = review_round(portal)
    with portal.session() as session:
        profiles = session.scalars(select(ReviewerProfile)).all()
        for number, profile in enumerate(profiles):
            profile.lived_experience_areas = [f"secret area {number}"]
        session.commit()
    browser = signed_in_reviewer(portal, round_.reviewers[0].email)
    own = browser.get("/reviewer/profile").text
    assert own.count("secret area") == 1
