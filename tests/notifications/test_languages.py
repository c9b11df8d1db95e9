"""Languages: Welsh as the worked example, catalogues up to date with the templates, never half and half."""

from __future__ import annotations

from typing import Any

import pytest

from notifications import rendering
from notifications.catalogue import TEMPLATE_NAMES
from notifications.languages import (
    available_languages,
    load_catalogue,
    normalise,
    translated_ids,
    translations,
)
from notifications.rendering import language_for, render_message, sentences


def test_english_and_welsh_are_offered() -> None:
    assert available_languages() == ("en", "cy")
    assert [normalise(tag) for tag in ("cy-GB", "CY", "cy_GB", "fr", "", None)] == [
        "cy",
        "cy",
        "cy",
        "en",
        "en",
        "en",
    ]


@pytest.mark.parametrize("language", [lang for lang in available_languages() if lang != "en"])
def test_every_sentence_of_the_templates_is_in_each_catalogue(language: str) -> None:
    in_templates = set().union(*(sentences(name) for name in TEMPLATE_NAMES))
    in_catalogue = {str(message.id) for message in load_catalogue(language) if message.id}

    assert in_templates - in_catalogue == set(), "run the pybabel commands in notifications/babel.cfg"
    assert in_catalogue - in_templates == set(), "sentences no template uses any more"


def test_catalogue_compiles_and_translates() -> None:
    welsh = translations("cy")

    assert welsh.gettext("Best wishes,") == "Cofion gorau,"
    assert welsh.gettext("Hello %(recipient_name)s,") % {"recipient_name": "Gwen"} == "Helo Gwen,"


def test_the_sign_in_email_is_in_welsh_and_untranslated_ones_are_in_english(
    contexts: dict[str, dict[str, Any]],
) -> None:
    sign_in = render_message("sign_in_link", contexts["sign_in_link"], language="cy")
    received = render_message("application_received", contexts["application_received"], language="cy")

    assert sign_in.language == "cy" and sign_in.subject == "Eich dolen i fewngofnodi i Pilot Fund"
    assert "Mae'r ddolen yn gweithio unwaith, am 15 munud." in sign_in.text
    assert '<html lang="cy">' in sign_in.html and "Cofion gorau," in sign_in.html
    assert received.language == "en" and "Best wishes," in received.text  # not a Welsh footer on English
    assert language_for("sign_in_link", "cy") == "cy" and language_for("sign_in_link", "de") == "en"


def test_a_template_missing_one_translation_is_sent_in_english(
    monkeypatch: pytest.MonkeyPatch, contexts: dict[str, dict[str, Any]]
) -> None:
    partial = translated_ids("cy") - {"The link works once, for %(expires_minutes)s minutes."}
    monkeypatch.setattr(rendering, "translated_ids", lambda language: partial)

    rendered = render_message("sign_in_link", contexts["sign_in_link"], language="cy")

    assert rendered.language == "en" and rendered.text.startswith("Hello Amina,")


def test_welsh_html_is_escaped_too(contexts: dict[str, dict[str, Any]]) -> None:
    context = contexts["sign_in_link"] | {"funder_name": "<b>Cronfa</b>"}

    html = render_message("sign_in_link", context, language="cy").html

    assert "<b>Cronfa</b>" not in html and "&lt;b&gt;Cronfa&lt;/b&gt;" in html
