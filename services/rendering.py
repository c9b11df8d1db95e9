"""Responsible for rendering cogrant's documents (award letters, celebration reports): HTML with Jinja2,
and tagged PDF (PDF/UA-1, so screen readers can follow it) with WeasyPrint."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), undefined=StrictUndefined
    )
    environment.filters["money"] = lambda value: f"{value:,.2f}"
    return environment


def render_document(template: str, context: dict[str, Any]) -> str:
    return _environment().get_template(template).render(**context)


def render_pdf(html: str) -> bytes:
    """A tagged, accessible PDF of a self-contained HTML document (no external files are fetched)."""
    from weasyprint import HTML  # imported on first use: it loads Pango, which page-less runs never need

    return HTML(string=html, url_fetcher=_no_fetching).write_pdf(pdf_variant="pdf/ua-1")


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"documents are self-contained; refusing to fetch {url}")
