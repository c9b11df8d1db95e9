"""Responsible for rendering cogrant's documents (award letters, celebration reports) with Jinja2."""

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
