"""Responsible for how well a reviewer fits an application: topic matches plus word overlap of texts."""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_STOP_WORDS = frozenset(
    "the and for with that this will from have our are who how what when can not you they their them "
    "has was were been being about into more less than also its it's per each people".split()
)
TOPIC_WEIGHT = 0.5


def words(text: str) -> frozenset[str]:
    return frozenset(word for word in _WORD.findall(text.casefold()) if word not in _STOP_WORDS)


def affinity(*, application_text: str, reviewer_topics: Iterable[str], reviewer_statement: str) -> float:
    """0 for no match; each topic named in the application adds 0.5, plus the texts' Jaccard similarity."""
    application_words = words(application_text)
    topic_hits = sum(1 for topic in reviewer_topics if words(topic) and words(topic) <= application_words)
    statement_words = words(reviewer_statement)
    union = application_words | statement_words
    similarity = len(application_words & statement_words) / len(union) if union else 0.0
    return round(topic_hits * TOPIC_WEIGHT + similarity, 4)
