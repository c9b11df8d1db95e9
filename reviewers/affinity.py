"""Responsible for how well a reviewer fits an application: topic matches plus word overlap of texts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "will",
        "from",
        "have",
        "our",
        "are",
        "who",
        "how",
        "what",
        "when",
        "can",
        "not",
        "you",
        "they",
        "their",
        "them",
        "has",
        "was",
        "were",
        "been",
        "being",
        "about",
        "into",
        "more",
        "less",
        "than",
        "also",
        "its",
        "it's",
        "per",
        "each",
        "people",
    ]
)
TOPIC_WEIGHT = 0.5


def words(text: str) -> frozenset[str]:
    return frozenset(word for word in _WORD.findall(text.casefold()) if word not in _STOP_WORDS)


@dataclass(frozen=True)
class ReviewerWords:
    """A reviewer's topics and statement as word sets, worked out once per round."""

    topics: tuple[frozenset[str], ...]
    statement: frozenset[str]

    @classmethod
    def of(cls, *, topics: Iterable[str], statement: str) -> ReviewerWords:
        return cls(tuple(w for w in map(words, topics) if w), words(statement))


def affinity(application_words: frozenset[str], reviewer: ReviewerWords) -> float:
    """0 for no match; each topic named in the application adds 0.5, plus the texts' Jaccard similarity."""
    topic_hits = sum(1 for topic in reviewer.topics if topic <= application_words)
    union = len(application_words | reviewer.statement)
    similarity = len(application_words & reviewer.statement) / union if union else 0.0
    return round(topic_hits * TOPIC_WEIGHT + similarity, 4)
