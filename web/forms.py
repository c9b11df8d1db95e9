"""Responsible for turning posted forms into schema input, and Pydantic's errors into plain words per field.

What the person typed is handed back to the page as `values`, so nothing is lost when a page is rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

Schema = TypeVar("Schema", bound=BaseModel)


class FormRejected(Exception):
    def __init__(self, errors: dict[str, str], values: dict[str, str]) -> None:
        self.errors = errors
        self.values = values


def text_values(form: FormData | Mapping[str, str]) -> dict[str, str]:
    """Every posted text field (stripped), without the CSRF token or files."""
    items = form.multi_items() if isinstance(form, FormData) else form.items()
    return {name: value.strip() for name, value in items if isinstance(value, str) and name != "csrf_token"}


def plain_message(problem: dict[str, Any]) -> str:
    """Pydantic's message for one problem, in the words we would say to the person."""
    kind, ctx = problem["type"], problem.get("ctx") or {}
    messages = {
        "missing": "Answer this question.",
        "string_too_short": f"Write at least {ctx.get('min_length')} characters.",
        "string_too_long": f"Write no more than {ctx.get('max_length')} characters.",
        "literal_error": "Choose one of the options.",
        "enum": "Choose one of the options.",
        "int_parsing": "Enter a whole number, like 9.",
        "decimal_parsing": "Enter an amount in numbers, like 250 or 250.50.",
        "greater_than": f"Enter an amount more than {ctx.get('gt')}.",
        "greater_than_equal": f"Enter a number of {ctx.get('ge')} or more.",
        "less_than_equal": f"Enter a number of {ctx.get('le')} or less.",
        "decimal_max_places": "Use no more than 2 numbers after the decimal point, like 250.50.",
        "decimal_max_digits": "Enter a smaller amount.",
    }
    if kind in messages:
        return messages[kind]
    message = str(problem["msg"])
    if "email" in message.lower() or (kind == "value_error" and "@" in message):
        return "Enter an e-mail address in the right format, like name@example.org."
    return message.removeprefix("Value error, ").capitalize().rstrip(".") + "."


def validated(schema: type[Schema], values: dict[str, Any], *, shown: dict[str, str] | None = None) -> Schema:
    """`schema` built from `values`; on bad input FormRejected with a message per field (first wins)."""
    try:
        return schema.model_validate(values)
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "form"
            errors.setdefault(field, plain_message(problem))
        raise FormRejected(errors, shown if shown is not None else text_values_of(values)) from None


def text_values_of(values: dict[str, Any]) -> dict[str, str]:
    return {name: "" if value is None else str(value) for name, value in values.items()}


def non_empty(values: dict[str, str]) -> dict[str, str]:
    """Leave out blank answers, so optional fields take their defaults and required ones say 'missing'."""
    return {name: value for name, value in values.items() if value != ""}
