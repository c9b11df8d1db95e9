"""Responsible for one deadline-day burst against a running portal, and the raw S3 upload rate beside it."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

import boto3
import httpx
from botocore.config import Config
from sqlalchemy import func, select

from cogrant.composition import App
from models import Application, Document, FundingRound, OutboxMessage
from models.lifecycle import ApplicationStatus
from models.schemas import CRITERIA_KEYS, ApplicationForm, BudgetLineInput, CoLeadInput
from services.intake import create_draft
from services.people import get_or_create_person

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ANSWER = "A full answer written in plain words."
SECTIONS = ("question", "plan", "people", "sharing")
COPRODUCTION = CRITERIA_KEYS


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cpu_ms_per(before: dict[str, float], after: dict[str, float], count: int, unit: str) -> dict[str, float]:
    """CPU milliseconds each measured process used per request, e.g. {"portal_cpu_ms_per_submission": 9.1}."""
    return {
        f"{name}_cpu_ms_{unit}": round((after[name] - before[name]) * 1000 / count, 1)
        for name in before
        if name in after
    }


@dataclass
class Burst:
    app: App
    url: str
    clients: int
    document: bytes
    cpu: Callable[[], dict[str, float]] = field(default=lambda: {})  # CPU seconds so far, by process

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/rounds", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the portal did not answer at {self.url}")

    def _sign_in(self, email: str) -> tuple[httpx.Client, str]:
        client = httpx.Client(base_url=self.url, timeout=120)
        token = CSRF.search(client.get("/sign-in").text).group(1)
        client.post("/sign-in", data={"email": email, "csrf_token": token})
        with self.app.sessions() as session:
            body = session.scalars(
                select(OutboxMessage.body_text)
                .where(OutboxMessage.to_address == email)
                .order_by(OutboxMessage.id.desc())
            ).first()
        link = "/sign-in/" + re.search(r"/sign-in/(\S+)", body).group(1)
        token = CSRF.search(client.get(link).text).group(1)
        assert client.post(link, data={"csrf_token": token}).status_code == 303
        return client, CSRF.search(client.get("/applications").text).group(1)

    def _drafts(self, emails: list[str], count: int, run: int) -> tuple[int, list[int]]:
        form = ApplicationForm(
            title="Deadline day project",
            summary="We will work with carers to test a simple idea that matters to them.",
            sections=dict.fromkeys(SECTIONS, ANSWER),
            coproduction_answers=dict.fromkeys(COPRODUCTION, ANSWER),
            duration_months=9,
            co_leads=[CoLeadInput(name="Co Lead", email=f"colead{run}@example.org", lived_experience=True)],
            budget=[BudgetLineInput(category="involvement_payment", description="Partners", amount="3000")],
        )
        with self.app.unit_of_work() as uow:
            now = dt.datetime.now(dt.UTC)
            funding_round = FundingRound(
                name=f"Deadline day {run}",
                slug=f"deadline-day-{run}-{time.time_ns()}",
                opens_at=now - dt.timedelta(days=30),
                closes_at=now + dt.timedelta(days=1),
                decision_by=(now + dt.timedelta(days=90)).date(),
                pot=Decimal("10000000"),
                max_award=Decimal("50000"),
                currency="GBP",
            )
            uow.session.add(funding_round)
            people = [get_or_create_person(uow.session, name=e, email=e) for e in emails]
            ids = [
                create_draft(
                    uow.session, funding_round=funding_round, applicant=people[i % len(people)], form=form
                ).id
                for i in range(count)
            ]
            uow.commit()
            return funding_round.id, ids

    def _submit(self, client: httpx.Client, token: str, application_id: int) -> float:
        began = time.perf_counter()
        uploaded = client.post(
            f"/applications/{application_id}/documents",
            data={"csrf_token": token},
            files={"document": ("plan.pdf", self.document, "application/pdf")},
        )
        sent = client.post(f"/applications/{application_id}/submit", data={"csrf_token": token})
        if uploaded.status_code != 303 or sent.headers.get("location", "").endswith("/check"):
            raise RuntimeError(
                f"submission {application_id} failed: {uploaded.status_code} {uploaded.text[:300]}"
            )
        return time.perf_counter() - began

    def _raw_rate(self, count: int, run: int) -> float:
        settings = self.app.settings
        s3 = boto3.client(
            "s3",
            endpoint_url=self.app.store.endpoint_url,  # type: ignore[attr-defined]
            aws_access_key_id=settings.s3_access_key,
            aws_secret_access_key=settings.s3_secret_key.get_secret_value(),
            region_name=settings.s3_region,
            # as many pooled connections as uploads at once, as the portal's store has
            config=Config(max_pool_connections=self.clients),
        )
        bucket = settings.s3_bucket
        keys = [f"raw/{run}/{n}" for n in range(count)]
        began = time.perf_counter()
        with ThreadPoolExecutor(self.clients) as pool:
            list(pool.map(lambda key: s3.put_object(Bucket=bucket, Key=key, Body=self.document), keys))
        # The objects stay (the data directory goes at the end): deleting them would set SeaweedFS
        # compacting its volumes during the next repeat, and time that instead of the portal.
        return count / (time.perf_counter() - began)

    def _found(self, round_id: int, ids: list[int]) -> tuple[int, int]:
        with self.app.sessions() as session:
            in_database = session.scalar(
                select(func.count(func.distinct(Application.id)))
                .join(Document, Document.application_id == Application.id)
                .where(Application.round_id == round_id, Application.status == ApplicationStatus.SUBMITTED)
            )
            keys = list(session.scalars(select(Document.key).where(Document.application_id.in_(ids))))
        in_s3 = sum(self.app.store.exists(key) for key in keys)
        return int(in_database or 0), in_s3

    def run(self, count: int, *, run: int) -> dict[str, float]:
        emails = [f"deadline{run}-{n}@example.org" for n in range(self.clients)]
        signed_in = [self._sign_in(email) for email in emails]
        round_id, ids = self._drafts(emails, count, run)
        per_client = [ids[n :: self.clients] for n in range(self.clients)]

        def client_work(n: int) -> list[float]:
            client, token = signed_in[n]
            return [self._submit(client, token, application_id) for application_id in per_client[n]]

        cpu_before, began = self.cpu(), time.perf_counter()
        with ThreadPoolExecutor(self.clients) as pool:
            latencies = [latency for batch in pool.map(client_work, range(self.clients)) for latency in batch]
        wall, cpu_burst = time.perf_counter() - began, self.cpu()
        for client, _ in signed_in:
            client.close()
        raw = self._raw_rate(count, run)
        cpu_raw = self.cpu()
        in_database, in_s3 = self._found(round_id, ids)
        throughput = count / wall
        per_submission = cpu_ms_per(cpu_before, cpu_burst, count, "per_submission")
        raw_per_upload = cpu_ms_per({"s3": cpu_burst.get("s3", 0.0)}, cpu_raw, count, "per_raw_upload")
        return (
            per_submission
            | raw_per_upload
            | {
                "p50_seconds": round(percentile(latencies, 0.5), 3),
                "p95_seconds": round(percentile(latencies, 0.95), 3),
                "submissions_per_second": round(throughput, 2),
                "raw_uploads_per_second": round(raw, 2),
                "throughput_share_of_raw": round(throughput / raw, 3),
                "found_in_database": in_database,
                "found_in_s3": in_s3,
            }
        )
