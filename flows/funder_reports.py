"""Responsible for the funder's round reports as a flow: the portfolio page and the 360Giving open data
(JSON and CSV), stored in S3 under the round's slug and listed in an artifact. Safe to re-run: each run
replaces the round's three files with the current figures."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.runtime import get_app, own_code
from models.errors import NotFound
from models.rounds import FundingRound
from reports.giving360 import grant_package, grants, grants_csv, package_json
from reports.portfolio import portfolio, portfolio_html


@task(name="write-round-reports", retries=3, retry_delay_seconds=[2, 10, 30], cache_policy=NO_CACHE)
def write_reports(round_id: int, funder_org_id: str) -> dict[str, Any]:
    app = get_app()
    with own_code("funder-reports"), app.unit_of_work() as uow:
        funding_round = uow.session.get(FundingRound, round_id)
        if funding_round is None:
            raise NotFound(f"no funding round with id {round_id}")
        report = portfolio(uow.session, round_id=round_id)
        grant_list = grants(
            uow.session, round_id=round_id, funder_id=funder_org_id, funder_name=app.notifier.funder_name
        )
        slug = funding_round.slug
    files = {
        f"reports/{slug}/portfolio.html": (portfolio_html(report).encode(), "text/html; charset=utf-8"),
        f"reports/{slug}/360giving.json": (
            package_json(
                grant_package(grant_list, title=f"{app.notifier.funder_name}: {report.round_name}")
            ).encode(),
            "application/json",
        ),
        f"reports/{slug}/360giving.csv": (grants_csv(grant_list).encode(), "text/csv; charset=utf-8"),
    }
    for key, (data, content_type) in files.items():
        app.store.put(key, data, content_type=content_type)
    return {"keys": list(files), "pilots": len(report.pilots), "grants": len(grant_list)}


@flow(name="round-reports", log_prints=True)
async def round_reports(round_id: int, funder_org_id: str) -> dict[str, Any]:
    """The round's portfolio for the funder and its awards as 360Giving open data. `funder_org_id` is the
    funder's organisation identifier (org-id.guide, such as GB-CHC-1234567)."""
    written = write_reports(round_id, funder_org_id)
    await acreate_markdown_artifact(
        key=f"round-reports-{round_id}",
        markdown=f"# Round reports\n\n{written['pilots']} pilots, {written['grants']} grants published.\n\n"
        + "\n".join(f"- `{key}`" for key in written["keys"]),
    )
    return written
