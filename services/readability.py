"""Responsible for estimating the reading age of plain-language text (Flesch-Kincaid grade + 5).

A rough guide for writers, not a judgement: lay-facing text should read at about age 9 to 11.
"""

from __future__ import annotations

import re

ADVISED_MAX_READING_AGE = 11
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    word = word.lower()
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def reading_age(text: str) -> int | None:
    """Years of age a reader needs, rounded; None when there are too few words to tell."""
    words = _WORD.findall(text)
    if len(words) < 10:
        return None
    sentences = max(1, len(_SENTENCE_END.findall(text.strip() + " ")))
    syllable_count = sum(syllables(word) for word in words)
    grade = 0.39 * len(words) / sentences + 11.8 * syllable_count / len(words) - 15.59
    return max(5, round(grade + 5))
