"""Responsible for how well a reviewer fits an application: topic matches plus word overlap of texts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

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


def affinity_table(
    applications: Sequence[tuple[int, frozenset[str]]], reviewers: Sequence[tuple[int, ReviewerWords]]
) -> dict[tuple[int, int], float]:
    """`affinity` for every (application id, reviewer id) pair with a non-zero value, worked out with sparse
    matrices: a round of 1,000 applications and 800 reviewers is 800,000 pairs, too many to loop over."""
    if not applications or not reviewers:
        return {}
    vocabulary: dict[str, int] = {}
    topic_index: dict[frozenset[str], int] = {}
    for _, reviewer in reviewers:
        for topic in reviewer.topics:
            topic_index.setdefault(topic, len(topic_index))
    texts = [text for _, text in applications]
    statement_sets = [reviewer.statement for _, reviewer in reviewers]
    for word_set in (*texts, *statement_sets, *topic_index):
        for word in word_set:
            vocabulary.setdefault(word, len(vocabulary))
    app_words = _incidence(texts, vocabulary)
    statements = _incidence(statement_sets, vocabulary)
    topic_words = _incidence(list(topic_index), vocabulary)

    shared = (app_words @ statements.T).toarray()
    app_sizes = np.asarray(app_words.sum(axis=1)).reshape(-1, 1)
    statement_sizes = np.asarray(statements.sum(axis=1)).reshape(1, -1)
    union = app_sizes + statement_sizes - shared
    similarity = np.divide(shared, union, out=np.zeros_like(shared, dtype=float), where=union > 0)

    topic_sizes = np.asarray(topic_words.sum(axis=1)).reshape(1, -1)
    named = (app_words @ topic_words.T).toarray() == topic_sizes  # application names every word of a topic
    holds = np.zeros((len(reviewers), len(topic_index)))
    for row, (_, reviewer) in enumerate(reviewers):
        for topic in reviewer.topics:
            holds[row, topic_index[topic]] += 1
    values = np.round(named.astype(float) @ holds.T * TOPIC_WEIGHT + similarity, 4)

    rows, columns = np.nonzero(values)
    app_ids = np.asarray([app_id for app_id, _ in applications])[rows].tolist()
    reviewer_ids = np.asarray([reviewer_id for reviewer_id, _ in reviewers])[columns].tolist()
    return dict(zip(zip(app_ids, reviewer_ids, strict=True), values[rows, columns].tolist(), strict=True))


def _incidence(word_sets: Sequence[frozenset[str]], vocabulary: dict[str, int]) -> sparse.csr_matrix:
    """One row per word set, a 1 in the column of each of its words (every word is in `vocabulary`)."""
    indptr, indices = [0], []
    for word_set in word_sets:
        indices.extend(vocabulary[word] for word in word_set)
        indptr.append(len(indices))
    data = np.ones(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(word_sets), max(len(vocabulary), 1)))
