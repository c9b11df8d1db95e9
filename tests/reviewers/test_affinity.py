"""The whole-round affinity table agrees with the one-pair definition it speeds up."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewers.affinity import ReviewerWords, affinity, affinity_table, words

VOCABULARY = ["dementia", "carers", "walking", "stroke", "music", "young", "memory", "cafe", "sleep", "art"]
phrases = st.lists(st.sampled_from(VOCABULARY), max_size=6).map(" ".join)


def test_topics_and_shared_words_add_up() -> None:
    reviewer = ReviewerWords.of(topics=["dementia", "memory cafe", "stroke"], statement="I run a memory cafe")
    text = words("A memory cafe for people living with dementia and their carers")
    table = affinity_table([(7, text)], [(3, reviewer)])
    # Two topics named (0.5 each) plus Jaccard 2/6: {memory, cafe} shared of {memory, cafe, run, living,
    # dementia, carers}.
    assert table == {(7, 3): affinity(text, reviewer)}
    assert table[(7, 3)] == round(1.0 + 2 / 6, 4)


def test_pairs_with_nothing_in_common_are_left_out() -> None:
    reviewer = ReviewerWords.of(topics=["sleep"], statement="music and art")
    assert affinity_table([(1, words("walking for stroke survivors"))], [(2, reviewer)]) == {}
    assert affinity_table([], [(2, reviewer)]) == {}


@settings(max_examples=200, deadline=None)
@given(
    application_texts=st.lists(phrases, min_size=1, max_size=6),
    reviewer_specs=st.lists(st.tuples(st.lists(phrases, max_size=3), phrases), min_size=1, max_size=6),
)
def test_the_table_matches_pair_by_pair_affinity(application_texts, reviewer_specs) -> None:
    applications = [(index, words(text)) for index, text in enumerate(application_texts)]
    reviewers = [
        (100 + index, ReviewerWords.of(topics=topics, statement=statement))
        for index, (topics, statement) in enumerate(reviewer_specs)
    ]
    expected = {
        (app_id, reviewer_id): value
        for app_id, text in applications
        for reviewer_id, reviewer in reviewers
        if (value := affinity(text, reviewer))
    }
    assert affinity_table(applications, reviewers) == expected
