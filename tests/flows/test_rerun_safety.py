"""Re-running any flow after a failure part-way has no duplicate effects.

Each test breaks a real dependency during a first run (the SMTP server stopped, S3 unreachable after a few
uploads, an address the outbox refuses), repairs it and runs the same flow again, then counts what exists:
e-mails received by the SMTP server, outbox rows, awards, payments, assignments, documents, audit rows.
Stages before the one under test are reached through the services the flows call, to keep each test short.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import socket
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import pytest
from sqlalchemy import func, select

import flows.award
import flows.delivery
import flows.intake
from cogrant import synthetic
from cogrant.composition import App
from cogrant.stack.smtp import DevSMTPServer, ReceivedMessage
from flows.award import award
from flows.delivery import close_out, milestone_check_ins
from flows.intake import intake
from flows.review import review_round
from models import (
    Application,
    Assignment,
    AuditEntry,
    Award,
    CheckIn,
    Document,
    FundingRound,
    Milestone,
    Payment,
    Person,
)
from models import OutboxMessage as Outbox
from models.enums import AwardStatus, DocumentPurpose, OutboxStatus, PaymentStatus
from models.errors import DuplicateAction
from models.lifecycle import ApplicationStatus
from notifications.outbox import InvalidAddress
from notifications.relay import message_id_for
from services.milestones import approve_check_in
from storage.documents import StoredObject
from storage.errors import StorageUnavailable
from storage.s3 import S3DocumentStore
from tests.support.stages import START, approved, closing, in_delivery, screened, seed

S = ApplicationStatus
TEAM = 2  # each synthetic project has its applicant and one co-lead with lived experience


# -- injected failures ---------------------------------------------------------------------------------


class StoreThatGoesDown:
    """The real S3 store for the first `healthy_puts` uploads, then the same bucket where nothing answers,
    until `repair()`. Remembers each key it uploaded, so a test sees what this run put in the bucket."""

    def __init__(self, healthy: S3DocumentStore, *, dead_endpoint: str, healthy_puts: int) -> None:
        self.healthy, self.healthy_puts, self.puts = healthy, healthy_puts, 0
        self.dead = S3DocumentStore(
            bucket=healthy.bucket,
            endpoint_url=dead_endpoint,
            access_key="test",
            secret_key="test",
            max_attempts=1,
            connect_timeout=1,
        )
        self.uploaded: list[str] = []

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str) -> StoredObject:
        self.puts += 1
        if self.puts > self.healthy_puts:
            return self.dead.put(key, data, content_type=content_type)
        stored = self.healthy.put(key, data, content_type=content_type)
        self.uploaded.append(key)
        return stored

    def repair(self) -> None:
        self.healthy_puts = 10**9

    def __getattr__(self, name: str) -> Any:
        return getattr(self.healthy, name)


@pytest.fixture
def s3_goes_down(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], StoreThatGoesDown]]:
    """Give the App a store that loses S3 after some uploads; its port is held bound, never listening."""
    healthy = app.store
    assert isinstance(healthy, S3DocumentStore)
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        dead_endpoint = f"http://127.0.0.1:{held.getsockname()[1]}"

        def after(healthy_puts: int) -> StoreThatGoesDown:
            flaky = StoreThatGoesDown(healthy, dead_endpoint=dead_endpoint, healthy_puts=healthy_puts)
            monkeypatch.setattr(app, "store", flaky)
            return flaky

        yield after


@pytest.fixture
def restart_smtp(smtp_server: DevSMTPServer) -> Iterator[Callable[[], DevSMTPServer]]:
    """Start a fresh SMTP server on the stopped one's port (the address the App was built with)."""
    started: list[DevSMTPServer] = []

    def restart() -> DevSMTPServer:
        started.append(DevSMTPServer(host=smtp_server.host, port=smtp_server.port).start())
        return started[-1]

    yield restart
    for server in started:
        server.stop()


@pytest.fixture
def no_task_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flows' own tasks without Prefect retries, so a failure ends the run at once."""
    monkeypatch.setattr(flows.intake, "screen_batch", flows.intake.screen_batch.with_options(retries=0))
    monkeypatch.setattr(flows.award, "set_up", flows.award.set_up.with_options(retries=0))
    monkeypatch.setattr(flows.delivery, "publish", flows.delivery.publish.with_options(retries=0))


# -- what exists afterwards ----------------------------------------------------------------------------


def received(app: App, messages: list[ReceivedMessage]) -> Counter[tuple[str, str]]:
    """(template, recipient) of each e-mail the SMTP server got, found by its Message-ID in the outbox."""
    with app.unit_of_work() as uow:
        rows = (
            uow.session.execute(select(Outbox.dedupe_key, Outbox.template, Outbox.to_address)).tuples().all()
        )
    causes = {message_id_for(key, app.smtp.from_address): (template, to) for key, template, to in rows}
    ids = Counter(message.parse()["Message-ID"] for message in messages)
    assert max(ids.values(), default=1) == 1, f"an e-mail arrived twice: {ids.most_common(3)}"
    return Counter(causes[message_id] for message_id in ids)


def assert_every_email_sent_once(app: App, messages: list[ReceivedMessage]) -> Counter[tuple[str, str]]:
    with app.unit_of_work() as uow:
        outbox = Counter(
            uow.session.execute(
                select(Outbox.template, Outbox.to_address).where(Outbox.status == OutboxStatus.SENT)
            )
            .tuples()
            .all()
        )
        pending = uow.session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.status != OutboxStatus.SENT)
        )
    assert pending == 0
    got = received(app, messages)
    assert got == outbox
    return got


def assert_documents_stored_once(flaky: StoreThatGoesDown, documents: list[tuple[str, str]]) -> None:
    """Each recorded document is in the bucket as recorded; the one upload whose batch was rolled back
    was made again under the same key, so the bucket holds no copy the database does not know."""
    assert sorted(Counter(flaky.uploaded).values()) == [1] * (len(documents) - 1) + [2]
    assert set(flaky.uploaded) == {key for key, _ in documents}
    for key, sha256 in documents:
        assert hashlib.sha256(flaky.healthy.get(key)).hexdigest() == sha256


def status_changes(app: App) -> Counter[tuple[int, str | None, str | None]]:
    """How often each application made each status change; asserts none was audited twice."""
    with app.unit_of_work() as uow:
        changes = Counter(
            uow.session.execute(
                select(AuditEntry.entity_id, AuditEntry.from_status, AuditEntry.to_status).where(
                    AuditEntry.action == "status_change"
                )
            )
            .tuples()
            .all()
        )
    assert max(changes.values()) == 1, f"a status change was audited twice: {changes.most_common(3)}"
    return changes


def emails_to(counts: Counter[tuple[str, str]], template: str) -> Counter[str]:
    return Counter({to: n for (name, to), n in counts.items() if name == template})


def the_round(app: App) -> int:
    with app.unit_of_work() as uow:
        return uow.session.scalars(select(FundingRound.id)).one()


def count(app: App, model: type, *where: Any) -> int:
    with app.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# -- the tests -------------------------------------------------------------------------------------------


def test_intake_rerun_after_smtp_outage_acknowledges_each_applicant_once(
    app: App, smtp_server: DevSMTPServer, restart_smtp: Callable[[], DevSMTPServer]
) -> None:
    seeded = seed(app)
    smtp_server.stop()
    first = asyncio.run(intake(round_id=seeded.round_id))
    assert first == {"screened": 8, "eligible": 7, "ineligible": 1}
    assert smtp_server.messages == []
    deferred = count(app, Outbox, Outbox.status == OutboxStatus.PENDING, Outbox.attempts == 1)
    assert deferred == 9  # 8 acknowledgements and 1 "not eligible", each tried once

    back = restart_smtp()
    assert asyncio.run(intake(round_id=seeded.round_id))["screened"] == 0
    assert asyncio.run(intake(round_id=seeded.round_id))["screened"] == 0

    got = assert_every_email_sent_once(app, back.messages)
    applicants = {f"applicant{n}@example.org" for n in range(1, 9)}
    assert emails_to(got, "application_received") == Counter(applicants)
    assert emails_to(got, "application_ineligible") == Counter({"applicant8@example.org": 1})
    assert sum(got.values()) == 9
    changes = status_changes(app)
    assert len(changes) == 8 * 3  # submitted, screening, then in review or ineligible: each once
    assert count(app, Application, Application.status == S.IN_REVIEW) == 7


def test_intake_interrupted_in_its_second_batch_screens_the_rest_once(
    app: App, smtp_server: DevSMTPServer, no_task_retries: None
) -> None:
    seeded = seed(app)
    ineligible_id = seeded.application_ids[7]  # screening turns it away, so intake e-mails its applicant
    with app.unit_of_work() as uow:
        applicant = uow.session.get(Application, ineligible_id).applicant
        good_address, applicant.email = applicant.email, "applicant 8 at example.org"
        uow.commit()

    with pytest.raises(InvalidAddress):
        asyncio.run(intake(round_id=seeded.round_id, batch_size=4))
    first_batch, second_batch = seeded.application_ids[:4], seeded.application_ids[4:]
    assert count(app, Application, Application.id.in_(first_batch), Application.status == S.IN_REVIEW) == 4
    assert count(app, Application, Application.id.in_(second_batch), Application.status == S.SUBMITTED) == 4

    with app.unit_of_work() as uow:
        uow.session.get(Person, applicant.id).email = good_address
        uow.commit()
    assert asyncio.run(intake(round_id=seeded.round_id, batch_size=4)) == {
        "screened": 4,
        "eligible": 3,
        "ineligible": 1,
    }

    got = assert_every_email_sent_once(app, smtp_server.messages)
    assert emails_to(got, "application_ineligible") == Counter({good_address: 1})
    assert len(emails_to(got, "application_received")) == 8 and sum(got.values()) == 9
    assert len(status_changes(app)) == 8 * 3


def test_review_round_rerun_keeps_assignments_and_tells_each_reviewer_once(
    app: App, smtp_server: DevSMTPServer, restart_smtp: Callable[[], DevSMTPServer]
) -> None:
    seeded = screened(app)
    smtp_server.stop()
    first = asyncio.run(review_round(round_id=seeded.round_id))
    assigned = count(app, Assignment)
    assert first["new_assignments"] == assigned == 7 * 4  # two lived-experience and two scientist reviewers
    assert smtp_server.messages == []

    back = restart_smtp()
    assert asyncio.run(review_round(round_id=seeded.round_id))["new_assignments"] == 0
    assert asyncio.run(review_round(round_id=seeded.round_id))["new_assignments"] == 0
    with app.unit_of_work() as uow:
        pairs = uow.session.execute(select(Assignment.application_id, Assignment.reviewer_id)).tuples().all()
        reviewers = set(
            uow.session.scalars(select(Person.email).join(Assignment, Assignment.reviewer_id == Person.id))
        )
    assert len(pairs) == len(set(pairs)) == assigned
    got = assert_every_email_sent_once(app, back.messages)
    assert emails_to(got, "review_assigned") == Counter(reviewers)

    with app.unit_of_work() as uow:
        synthetic.submit_reviews(uow.session, round_id=seeded.round_id)
        uow.commit()
    assert asyncio.run(review_round(round_id=seeded.round_id))["scored"] == 7
    asyncio.run(review_round(round_id=seeded.round_id))
    assert count(app, Assignment) == assigned
    assert sum(1 for (_, _, to) in status_changes(app) if to == S.PANEL) == 7
    assert_every_email_sent_once(app, back.messages)


def test_award_rerun_after_s3_fails_mid_batch_sets_each_award_up_once(
    app: App,
    smtp_server: DevSMTPServer,
    no_task_retries: None,
    s3_goes_down: Callable[[int], StoreThatGoesDown],
) -> None:
    award_ids = approved(app)
    assert len(award_ids) == 7
    round_id = the_round(app)
    # Batches of two awards, each with a letter as HTML and as PDF: the first batch commits; in the second,
    # one letter is uploaded before S3 goes away.
    flaky = s3_goes_down(5)
    with pytest.raises(StorageUnavailable):
        asyncio.run(award(round_id=round_id, start_date=START, batch_size=2))
    # The fifth upload succeeds, a later one fails; uploads of that batch not yet started are cancelled.
    assert 6 <= flaky.puts <= 8
    assert count(app, Application, Application.status == S.IN_DELIVERY) == 2
    assert count(app, Payment) == 2 * 5 and count(app, Document) == 2 * 2

    flaky.repair()
    assert asyncio.run(award(round_id=round_id, start_date=START, batch_size=2))["set_up"] == 5
    assert asyncio.run(award(round_id=round_id, start_date=START, batch_size=2))["set_up"] == 0

    with app.unit_of_work() as uow:
        awards = uow.session.scalars(select(Award)).all()
        assert len(awards) == 7 and len({a.application_id for a in awards}) == 7
        for each in awards:
            assert each.status == AwardStatus.APPROVED and each.letter_document_id is not None
            assert each.letter_pdf_document_id is not None
            assert len(each.milestones) == len(each.payments) == 5
            assert sum(payment.amount for payment in each.payments) == each.amount
        letters = (
            uow.session.execute(
                select(Document.key, Document.sha256).where(Document.purpose == DocumentPurpose.AWARD_LETTER)
            )
            .tuples()
            .all()
        )
    assert len(letters) == count(app, Document) == 7 * 2
    assert_documents_stored_once(flaky, letters)
    assert sum(1 for (_, _, to) in status_changes(app) if to == S.IN_DELIVERY) == 7
    got = assert_every_email_sent_once(app, smtp_server.messages)
    offered = emails_to(got, "award_offered")
    assert len(offered) == 7 * TEAM and set(offered.values()) == {1}


def test_milestone_check_ins_twice_on_one_day_remind_and_escalate_once(
    app: App, smtp_server: DevSMTPServer, restart_smtp: Callable[[], DevSMTPServer]
) -> None:
    award_ids = in_delivery(app)
    with app.unit_of_work() as uow:
        synthetic.accept_offers(uow.session, round_id=the_round(app))
        uow.commit()
    today = dt.date(2031, 4, 5)  # start-up meeting (15 Feb) overdue; first check-in (15 Apr) within 14 days
    smtp_server.stop()
    first = asyncio.run(milestone_check_ins(today=today))
    quiet = {"final_report_reminded": 0, "final_report_escalated": 0}
    assert first == {"reminded": 2 * 7, "escalated": 7, "released_payments": 7, "closing": 0} | quiet

    back = restart_smtp()
    second = asyncio.run(milestone_check_ins(today=today))
    assert second == {"reminded": 0, "escalated": 0, "released_payments": 0, "closing": 0} | quiet

    got = assert_every_email_sent_once(app, back.messages)
    reminders, overdue = emails_to(got, "checkin_reminder"), emails_to(got, "checkin_overdue")
    assert len(emails_to(got, "tranche_released")) == 7 * TEAM  # the first tranche of each award, once
    assert len(reminders) == 7 * TEAM and set(reminders.values()) == {2}  # one per milestone per person
    assert overdue == Counter({"admin@example.org": 7})  # one per overdue milestone
    with app.unit_of_work() as uow:
        for award_id in award_ids:
            milestones = uow.session.scalars(
                select(Milestone).where(Milestone.award_id == award_id).order_by(Milestone.sequence)
            ).all()
            assert [m.reminder_sent_at is not None for m in milestones] == [True, True, False, False, False]
            assert [m.escalated_at is not None for m in milestones] == [True, False, False, False, False]
    assert count(app, Payment, Payment.status == PaymentStatus.RELEASED) == 7
    assert count(app, Payment) == 7 * 5


def test_close_out_rerun_after_s3_fails_mid_batch_celebrates_each_project_once(
    app: App,
    smtp_server: DevSMTPServer,
    no_task_retries: None,
    s3_goes_down: Callable[[int], StoreThatGoesDown],
) -> None:
    closing(app)
    round_id = the_round(app)
    assert count(app, Application, Application.status == S.CLOSING) == 7
    flaky = s3_goes_down(5)  # batches of two (a page and a PDF each): the second stops after one upload
    with pytest.raises(StorageUnavailable):
        asyncio.run(close_out(round_id=round_id, batch_size=2))
    assert 6 <= flaky.puts <= 8  # as for award letters: the fifth upload succeeds, a later one fails
    assert count(app, Application, Application.status == S.CLOSED) == 2

    flaky.repair()
    assert asyncio.run(close_out(round_id=round_id, batch_size=2))["celebrated"] == 5
    assert asyncio.run(close_out(round_id=round_id, batch_size=2))["celebrated"] == 0

    with app.unit_of_work() as uow:
        celebrations = (
            uow.session.execute(
                select(Document.key, Document.sha256, Document.application_id).where(
                    Document.purpose == DocumentPurpose.CELEBRATION_REPORT
                )
            )
            .tuples()
            .all()
        )
    assert len(celebrations) == 2 * len({application for _, _, application in celebrations}) == 2 * 7
    assert_documents_stored_once(flaky, [(key, sha256) for key, sha256, _ in celebrations])
    assert sum(1 for (_, _, to) in status_changes(app) if to == S.CLOSED) == 7
    got = assert_every_email_sent_once(app, smtp_server.messages)
    shared = emails_to(got, "celebration_shared")
    assert len(shared) == 7 * TEAM and set(shared.values()) == {1}


def test_tranche_release_interrupted_by_a_bad_address_releases_each_tranche_once_on_rerun(
    app: App, smtp_server: DevSMTPServer
) -> None:
    """The sweep releases first tranches in one transaction: a failure part-way (an address the outbox
    refuses, for the fourth award's team) rolls every release back; the re-run releases each exactly once."""
    award_ids = in_delivery(app)
    round_id = the_round(app)
    with app.unit_of_work() as uow:
        synthetic.accept_offers(uow.session, round_id=round_id)
        co_lead = next(
            c.person for c in uow.session.get(Award, award_ids[3]).application.co_leads if c.person
        )
        good_address, co_lead.email = co_lead.email, "co-lead at example.org"
        uow.commit()

    failed = asyncio.run(milestone_check_ins(today=START, return_state=True))
    assert failed.is_failed()
    assert count(app, Payment, Payment.status == PaymentStatus.RELEASED) == 0
    assert count(app, Outbox, Outbox.template == "tranche_released") == 0

    with app.unit_of_work() as uow:
        uow.session.get(Person, co_lead.id).email = good_address
        uow.commit()
    assert asyncio.run(milestone_check_ins(today=START))["released_payments"] == 7
    assert asyncio.run(milestone_check_ins(today=START))["released_payments"] == 0

    assert count(app, Payment, Payment.status == PaymentStatus.RELEASED) == 7
    got = assert_every_email_sent_once(app, smtp_server.messages)
    released = emails_to(got, "tranche_released")
    assert len(released) == 7 * TEAM and set(released.values()) == {1}


def test_a_check_in_approval_that_fails_part_way_pays_nothing_and_once_when_repeated(
    app: App, smtp_server: DevSMTPServer
) -> None:
    award_ids = in_delivery(app)
    round_id = the_round(app)
    with app.unit_of_work() as uow:
        synthetic.accept_offers(uow.session, round_id=round_id)
        synthetic.file_check_ins(uow.session, round_id=round_id, due_by=dt.date(2031, 4, 15))
        application = uow.session.get(Award, award_ids[0]).application
        good_address, application.applicant.email = application.applicant.email, "applicant at example.org"
        applicant_id = application.applicant_id
        check_in_id = uow.session.scalars(
            select(CheckIn.id)
            .join(Milestone)
            .where(Milestone.award_id == award_ids[0], Milestone.sequence == 2)
        ).one()
        uow.commit()

    with app.unit_of_work() as uow, pytest.raises(InvalidAddress):
        approve_check_in(uow.session, check_in_id, actor="test:admin", notifier=app.notifier)
        uow.commit()
    with app.unit_of_work() as uow:
        assert uow.session.get(CheckIn, check_in_id).approved_at is None
    assert count(app, Payment, Payment.status == PaymentStatus.RELEASED) == 0

    with app.unit_of_work() as uow:
        uow.session.get(Person, applicant_id).email = good_address
        approve_check_in(uow.session, check_in_id, actor="test:admin", notifier=app.notifier)
        uow.commit()
    with app.unit_of_work() as uow, pytest.raises(DuplicateAction):
        approve_check_in(uow.session, check_in_id, actor="test:admin", notifier=app.notifier)
    asyncio.run(milestone_check_ins(today=dt.date(2031, 4, 16)))

    with app.unit_of_work() as uow:
        released = uow.session.scalars(
            select(Payment.sequence).where(
                Payment.award_id == award_ids[0], Payment.status == PaymentStatus.RELEASED
            )
        ).all()
    assert sorted(released) == [1, 2]
    got = assert_every_email_sent_once(app, smtp_server.messages)
    assert sum(emails_to(got, "tranche_released").values()) == 7 * TEAM + TEAM  # first tranches, then one
